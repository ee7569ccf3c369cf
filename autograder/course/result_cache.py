"""Results kept between runs, so that a regrade runs only the submissions that changed.

A result is keyed by everything it depends on: the files the grader reads from the
submission (and the notes made reading them), the fixtures' manifest (which records the rubric
and reference it was made from), the kit's version and its own code, and the limits the
students' code ran under. Change any of them and the key changes, so the submission is graded
again; `grade-all --fresh` grades every one again whatever the cache holds.

Entries are our own JSON (SubmissionResult.to_dict), never pickles, written by the grader's
process after the student's code is gone, in DIR/cache/. An entry that does not parse, or
does not hold a result of the key it is filed under, is ignored and the submission regraded.
Only a settled result is kept: one whose every case came to a verdict of the student's code
(checked, or an exception their code raised). A case that timed out, was killed or whose
worker did not answer may be the machine's doing (load, another grader), so such a
submission is graded again on the next run, as is one the grader failed on.
"""
import hashlib
import json
from pathlib import Path

from ..grading.results import SubmissionResult
from ..grading.submission import SubmissionError, read_submission
from ..grading.triage import NOT_GRADED, exception_part, status
from ..paths import AUTOGRADER, FIXTURES, ROOT

FOLDER = "cache"
FORMAT = 1  # of the entries: a change makes every older entry a stranger


def settled(result):
    """Whether every case came to a verdict of the student's code (see the module)."""
    return status(result) not in NOT_GRADED and all(
        not case.problem or exception_part(case.traceback) or case.problem.endswith("(see the note at the top)")
        for case in result.cases)


def kit_digest():
    """The kit's version and a hash of its own code and fixtures' manifest."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for path in [ROOT / "pyproject.toml", FIXTURES / "manifest.json",
                 *sorted(AUTOGRADER.rglob("*.py"))]:
        try:
            digest.update(f"{path.relative_to(ROOT)}\n".encode() + path.read_bytes())
        except OSError:
            digest.update(f"{path} missing\n".encode())
    return digest.hexdigest()


class ResultCache:
    def __init__(self, out_dir, limit_args=(), fresh=False):
        self.folder = Path(out_dir) / FOLDER
        self.fresh = fresh
        self.kit = hashlib.sha256((kit_digest() + "\n" + " ".join(map(str, limit_args))).encode()
                                  ).hexdigest()

    def key(self, path):
        """The key of the submission at `path` (a folder or zip), or None when it cannot be
        read (such a submission is graded again: it is quick, and says why)."""
        try:
            files, notes = read_submission(path)
        except (SubmissionError, OSError):
            return None
        digest = hashlib.sha256(self.kit.encode())
        for rel in sorted(files):
            digest.update(f"\0{rel}\0{files[rel]}".encode("utf-8", "surrogatepass"))
        digest.update(json.dumps(notes).encode())
        return digest.hexdigest()

    def load(self, key, student):
        """The cached result of `key` under the name `student`, or None."""
        if key is None or self.fresh:
            return None
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            if entry.get("key") != key:
                return None
            result = SubmissionResult.from_dict(entry["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, or not a result we wrote: grade again
        result.student = student
        return result

    def save(self, key, result):
        if key is None or not settled(result):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f"{key}.json.part"
        temporary.write_text(json.dumps({"key": key, "result": result.to_dict()}), encoding="utf-8")
        temporary.replace(self.folder / f"{key}.json")  # a reader never sees half an entry
