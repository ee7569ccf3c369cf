"""Regrading into an --out that holds a gradebook: the previous one is kept, what changed is
written per student and function, and reports of students who left are moved aside."""
import csv
import shutil
from pathlib import Path

import pytest

from autograder.__main__ import main
from autograder.course.gradebook import FUNCTIONS, RUBRIC_TOTAL, Row
from autograder.course.regrade import changes
from autograder.grading.results import CaseResult, SubmissionResult

ROOT = Path(__file__).resolve().parents[3]
SUBMISSIONS = ROOT / "submissions"


def result(student, scores):
    """A SubmissionResult with one case per function at the given scores."""
    return SubmissionResult(student, cases=[CaseResult(f, "case", "public", 10, score=scores.get(f, 0))
                                            for f in FUNCTIONS])


def test_changes_name_the_student_and_the_function():
    previous = {"alice": {"student": "alice", "total": "10.0", FUNCTIONS[0]: "10.0",
                          **{f: "0.0" for f in FUNCTIONS[1:]}},
                "gone": {"student": "gone", "total": "3"}}
    rows = [Row("alice", result("alice", {FUNCTIONS[1]: 10, FUNCTIONS[0]: 10})),
            Row("new", result("new", {}))]
    found = changes(previous, rows)
    assert ("alice", "total", "10.0", 20.0) in found
    assert ("alice", FUNCTIONS[1], "0.0", 10.0) in found
    assert not any(c[:2] == ("alice", FUNCTIONS[0]) for c in found)
    assert ("gone", "student", "graded before", "not in this grading") in found
    assert ("new", "student", "", "new in this grading") in found


@pytest.mark.slow
def test_a_regrade_keeps_the_previous_gradebook_and_says_what_changed(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    shutil.copy(SUBMISSIONS / "alice_complete.zip", klass / "alice.zip")
    shutil.copytree(SUBMISSIONS / "bob_stubs", klass / "bob")
    shutil.copy(SUBMISSIONS / "carol_mistakes.zip", klass / "carol.zip")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,login,email\nAlice,alice,a@u.edu\nBob,bob,b@u.edu\n"
                      "Carol,carol,c@u.edu\nDora,dora,d@u.edu\n")
    # a uid of its own: other graders on a shared machine use the default one
    assert main(["grade-all", str(klass), "--out", str(out), "--roster", str(roster),
                 "--uid", "61446"]) == 0
    first = (out / "gradebook.csv").read_text()
    summary = (out / "summary.md").read_text()
    assert f"/ {RUBRIC_TOTAL:g}" in summary and "No submission (on the roster) (1)" in summary
    assert "`dora` Dora" in summary and (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    assert not (out / "changes.csv").exists()

    # Bob resubmits the reference; Carol drops the course; Erin joins late.
    shutil.rmtree(klass / "bob")
    shutil.copy(SUBMISSIONS / "alice_complete.zip", klass / "bob.zip")
    (klass / "carol.zip").unlink()
    shutil.copy(SUBMISSIONS / "carol_mistakes.zip", klass / "erin.zip")
    # a uid of its own: other graders on a shared machine use the default one
    assert main(["grade-all", str(klass), "--out", str(out), "--roster", str(roster),
                 "--uid", "61446"]) == 0

    kept = list((out / "previous").iterdir())
    assert len(kept) == 1 and (kept[0] / "gradebook.csv").read_text() == first
    assert (kept[0] / "reports" / "carol" / "report.md").exists()
    assert not (out / "reports" / "carol").exists() and (out / "reports" / "erin" / "report.md").exists()
    with open(out / "changes.csv", newline="") as file:
        found = {(r["student"], r["what"]): r for r in csv.DictReader(file)}
    assert float(found["bob", "total"]["before"]) == 0 and float(found["bob", "total"]["after"]) == 100
    assert ("bob", "conv_forward_naive") in found
    assert not any(student == "alice" for student, _ in found)
    assert found["erin", "student"]["after"] == "new in this grading"
    assert float(found["carol", "total"]["before"]) > 0 and found["carol", "total"]["after"] == ""
    with open(out / "gradebook.csv", newline="") as file:
        rows = {r["student"]: r for r in csv.DictReader(file)}
    assert rows["carol"]["flags"] == "no submission" and rows["carol"]["total"] == ""
    assert rows["erin"]["flags"] == "not on the roster"
    changes_md = (out / "changes.md").read_text()
    assert "carol" in changes_md and "previous/" in changes_md
    assert "Regrade" in (out / "summary.md").read_text()


def test_a_regrade_that_changes_no_figure_copies_the_picture_and_one_that_does_draws_it(
        tmp_path, monkeypatch):
    from collections import Counter

    import matplotlib.figure

    from autograder.course.summary import plot_summary
    summary = {"conv_forward_naive": (0.5, Counter()), "ThreeLayerConvNet": (1.0, Counter())}
    earlier = tmp_path / "earlier.png"
    plot_summary(summary, [50.0, 100.0], earlier)

    def no_drawing(*args, **kwargs):
        raise AssertionError("drew the picture again")
    monkeypatch.setattr(matplotlib.figure, "Figure", no_drawing)
    same = tmp_path / "same.png"
    plot_summary(summary, [100.0, 50.0], same, earlier)  # the same figures, in another order
    assert same.read_bytes() == earlier.read_bytes()
    with pytest.raises(AssertionError, match="drew the picture again"):
        plot_summary(summary, [50.0, 90.0], tmp_path / "changed.png", earlier)
    monkeypatch.undo()
    changed = tmp_path / "changed.png"
    plot_summary({**summary, "conv_forward_naive": (0.6, Counter())}, [50.0, 100.0], changed, earlier)
    assert changed.read_bytes()[:4] == b"\x89PNG" and changed.read_bytes() != earlier.read_bytes()
