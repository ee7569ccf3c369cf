"""The result cache: a regrade runs only what changed; entries are JSON we wrote, and anything
else in the cache is ignored, never trusted."""
import csv
import json

import pytest

from autograder.__main__ import main
from autograder.course.result_cache import FOLDER, ResultCache
from autograder.grading.results import CaseResult, SubmissionResult


def write(folder, files):
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def result(student="alice", score=2.0):
    return SubmissionResult(student, cases=[CaseResult("conv_forward_naive", "a case", "public", 2.0,
                                                       score=score)])


def test_a_result_comes_back_under_the_same_key_and_only_then(tmp_path, reference_files):
    alice = write(tmp_path / "alice", reference_files)
    cache = ResultCache(tmp_path / "out", ["--seconds-per-case", "10"])
    key = cache.key(alice)
    cache.save(key, result())
    back = cache.load(key, "alice#2")
    assert back.student == "alice#2" and back.score == 2.0 and back.cases[0].title == "a case"
    write(alice, {"layers.py": reference_files["layers.py"] + "\n# edited\n"})
    assert cache.key(alice) != key
    other_limits = ResultCache(tmp_path / "out", ["--seconds-per-case", "20"])
    assert other_limits.key(alice) != cache.key(alice)
    assert ResultCache(tmp_path / "out", ["--seconds-per-case", "10"], fresh=True).load(key, "a") is None


def test_an_entry_that_does_not_parse_or_is_not_ours_is_ignored(tmp_path, reference_files):
    alice = write(tmp_path / "alice", reference_files)
    cache = ResultCache(tmp_path / "out")
    key = cache.key(alice)
    path = tmp_path / "out" / FOLDER / f"{key}.json"
    path.parent.mkdir(parents=True)
    for text in ("\x80\x04\x95 a pickle", "{not json", json.dumps({"key": key, "result": {"x": 1}}),
                 json.dumps({"key": "another", "result": result().to_dict()}), "[]"):
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert cache.load(key, "alice") is None, text
    assert cache.key(tmp_path / "nothing.zip") is None  # unreadable: always graded again


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


@pytest.mark.slow
def test_a_regrade_runs_only_the_changed_submission_and_fresh_runs_all(tmp_path, reference_files,
                                                                       stub_files):
    klass, out = tmp_path / "class", tmp_path / "out"
    write(klass / "alice", reference_files)
    write(klass / "bob", stub_files)
    assert main(["grade-all", str(klass), "--out", str(out), "--uid", "61440"]) == 0
    assert gradebook(out)["bob"]["total"] == "0.0"
    entries = sorted((out / FOLDER).glob("*.json"))
    assert len(entries) == 2
    # bob finishes his work; alice's entry is damaged: both are graded again, nothing else
    write(klass / "bob", reference_files)
    (klass / "bob" / "layers.py").write_text(reference_files["layers.py"] + "\n# done\n")
    alice_entry = next(e for e in entries if json.loads(e.read_text())["result"]["student"] == "alice")
    alice_entry.write_text("{")
    assert main(["grade-all", str(klass), "--out", str(out), "--uid", "61440"]) == 0
    assert gradebook(out)["bob"]["total"] == "100.0" == gradebook(out)["alice"]["total"]
    assert "bob" in (out / "changes.md").read_text()
    assert main(["grade-all", str(klass), "--out", str(out), "--uid", "61440"]) == 0
    assert "2 submissions unchanged since they were last graded" in (out / "summary.md").read_text()
    assert main(["grade-all", str(klass), "--out", str(out), "--uid", "61440", "--fresh"]) == 0
    assert "unchanged since" not in (out / "summary.md").read_text()


def test_only_a_settled_result_is_kept(tmp_path, reference_files):
    alice = write(tmp_path / "alice", reference_files)
    cache = ResultCache(tmp_path / "out")
    key = cache.key(alice)
    hung = result()
    hung.cases.append(CaseResult("conv_forward_naive", "b", "hidden", 1.0,
                                 problem="your code did not finish within 5 s (an infinite loop?)"))
    cache.save(key, hung)  # maybe the machine's doing: graded again next time
    assert cache.load(key, "alice") is None
    raised = result()
    raised.cases.append(CaseResult("conv_forward_naive", "b", "hidden", 1.0,
                                   problem="your code raised ValueError: no",
                                   traceback="  layers.py, line 9, in f\nValueError: no"))
    cache.save(key, raised)
    assert cache.load(key, "alice").cases[1].problem == "your code raised ValueError: no"
