"""Measure what a student's `check` says about each mutant of tests/autograder/rubric/mutants.py
(and each catalogued mistake), on the public cases and the further checks alone:

    named    a line names the mistake: "looks like a known mistake: ..." or "Diagnosis: ..."
    advice   no such line, but a further check disagrees in words (an ADVICE line)
    numbers  the public cases fail with errors and values only
    unseen   everything passes: nothing at check time can reveal it

`check(function)` runs as a student runs it (its own printing, its own judging), except that
its sandbox is replaced by one that runs the mutant in this process: the mutants are
functions, not files, and isolation is not what is measured here.

    .venv/bin/python tests/autograder/student/measure_check_words.py [ROOT ...]

With several ROOTs (checkouts of the kit, e.g. main's and this branch's), each is measured in
a subprocess of its own, with its own autograder/, in one run, and the counts are printed
side by side. The mutants are always this file's siblings.
"""
import contextlib
import importlib.util
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve()
MUTANTS_FILE = HERE.parents[1] / "rubric" / "mutants.py"
VERDICTS = ("named", "advice", "numbers", "unseen")


def families():
    """[(function, name, Mistake)]: the mutants, then the catalog's mistakes per function."""
    spec = importlib.util.spec_from_file_location("mutants", MUTANTS_FILE)
    mutants = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutants)
    from autograder.rubric.cases import RUBRIC
    from autograder.rubric.mistakes import MISTAKES
    found = [(function, name, mutants.as_mistake(function, override))
             for function, named in mutants.MUTANTS.items() for name, override in named.items()]
    found += [(graded.function, f"catalog: {name}", MISTAKES[name])
              for graded in RUBRIC for name in graded.mistakes]
    return found


class InProcess:
    """Stands in for sandbox.Sandbox: runs requests on `mistake`'s layers, here."""
    mistake = None

    def __init__(self, files, limits=None, abilities=None):
        self.import_errors, self.protections = {}, {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start(self):
        return self.import_errors

    def stop(self):
        pass

    def log_size(self):
        return 0

    def output(self, start=0, limit=2000):
        return ""

    def run(self, request, arrays):
        from autograder.sandbox import worker
        inputs = dict(arrays)
        mistake = InProcess.mistake
        layers = mistake.layers()
        return worker.answer(request, inputs, layers, mistake.net_class)


def measure_here():
    """{verdict per mutant} for the autograder importable from sys.path[0]."""
    sys.path.insert(0, str(Path.cwd()))
    # worker.answer() imports `harness` by its bare name, as it does inside the sandbox.
    sys.modules.setdefault("harness", importlib.import_module("autograder.sandbox.harness"))
    import autograder.grading.grade as grade
    import autograder.student.further_checks as further
    from autograder.student.check import check
    grade.Sandbox = further.Sandbox = InProcess
    rows = []
    for function, name, mistake in families():
        InProcess.mistake = mistake
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            check(function)
        text = printed.getvalue()
        rows.append({"function": function, "mutant": name, "verdict": classify(text)})
    return rows


def classify(text):
    """named | advice | numbers | unseen, from what check printed."""
    lines = [line.strip() for line in text.splitlines()]
    if any(line.startswith("looks like a known mistake") or "Diagnosis:" in line for line in lines):
        return "named"
    if any(line.startswith("ADVICE") for line in lines):
        return "advice"
    summary = next((line for line in lines if line.endswith("public cases pass.")), "")
    passed, _, total = summary.partition(" of ")
    if passed and passed != total.split()[0]:
        return "numbers"
    return "unseen"


def main(roots):
    if not roots:
        rows = measure_here()
        print(json.dumps(rows))
        return
    measured = {}
    for root in roots:
        done = subprocess.run([sys.executable, str(HERE)], cwd=root, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{root}: {done.stderr[-3000:]}")
        measured[root] = json.loads(done.stdout.splitlines()[-1])
    first = measured[roots[0]]
    print(f"{'function: mutant':70} " + "  ".join(f"{Path(r).name:>10}" for r in roots))
    for k, row in enumerate(first):
        print(f"{(row['function'] + ': ' + row['mutant'])[:70]:70} "
              + "  ".join(f"{measured[r][k]['verdict']:>10}" for r in roots))
    print("\n| checkout | mutants | named (mistake or Diagnosis line) | advice (further check, in words) "
          "| numbers only | unseen at check time |")
    print("|---|---|---|---|---|---|")
    for root in roots:
        counts = Counter(row["verdict"] for row in measured[root])
        print(f"| {root} | {len(measured[root])} | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
