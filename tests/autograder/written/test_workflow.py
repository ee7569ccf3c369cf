"""The whole written path as staff walk it, on real submissions graded for real:
`written` -> points typed into written.csv -> `grade-all --written` -> the exports."""
import csv
import sys
from pathlib import Path

import pytest

from autograder.__main__ import main
from autograder.course.written_points import COLUMNS
from autograder.escape.csvcells import writer
from autograder.rubric.written import WRITTEN, written_total

sys.path.insert(0, str(Path(__file__).parent))
from classes import make_class  # noqa: E402


def read(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


@pytest.mark.slow
def test_written_points_reach_the_gradebook_summary_and_exports(tmp_path, capsys):
    folder = make_class(tmp_path / "class")
    out = tmp_path / "grades"
    assert main(["written", str(folder), "--out", str(out)]) == 0
    rows = read(out / "written.csv")
    for row in rows:  # staff score everyone but carol; bob's first question is left blank
        if row["student"] != "carol" and not (row["student"] == "bob" and row["question"] == WRITTEN[0].key):
            row["points"] = "1"
    rows.append({"student": "zed", "question": WRITTEN[0].key, "points": "1", "max": "2", "comment": ""})
    with open(out / "written.csv", "w", newline="") as file:
        out_csv = writer(file)
        out_csv.writerow(COLUMNS)
        out_csv.writerows([r[c] for c in COLUMNS] for r in rows if r["student"] != "carol")

    assert main(["grade-all", str(folder), "--out", str(out), "-j", "2", "--uid", "61740",
                 "--written", str(out / "written.csv")]) == 0
    book = {r["student"]: r for r in read(out / "gradebook.csv")}
    n = len(WRITTEN)
    alice, bob, carol = book["alice"], book["bob"], book["carol"]
    assert float(alice["written"]) == n and float(alice["total"]) == float(alice["code"]) + n
    assert float(alice["max"]) == 100 + written_total()
    assert float(bob["written"]) == n - 1 and f"written: {WRITTEN[0].key} has no points" in bob["flags"]
    assert bob[WRITTEN[0].key] == ""
    assert float(carol["written"]) == 0 and "written: not in written.csv" in carol["flags"]
    summary = (out / "summary.md").read_text()
    assert "## Written answers" in summary and f"| {WRITTEN[1].key} | 1.00 |" in summary
    assert "zed" in summary and "who is not a graded student" in summary

    assert main(["export", "long", str(out), "--out", str(tmp_path / "long.csv")]) == 0
    said = capsys.readouterr().err
    assert "bob: the total lacks written points" in said and "carol: the total lacks" in said
    long = {r["student"]: r for r in read(tmp_path / "long.csv")}
    assert float(long["alice"]["score"]) == float(alice["total"])
    assert float(long["alice"]["max"]) == 100 + written_total()
    assert long["alice"][WRITTEN[0].key] == "1.0" and long["alice"]["code"] == alice["code"]
    assert main(["export", "moodle", str(out), "--out", str(tmp_path / "moodle.csv")]) == 0
    assert "carol: the total lacks written points" in capsys.readouterr().err


def test_a_bad_written_csv_stops_grade_all_before_grading(tmp_path, capsys):
    folder = make_class(tmp_path / "class")
    (tmp_path / "w.csv").write_text("name,score\n")
    assert main(["grade-all", str(folder), "--out", str(tmp_path / "g"), "--written",
                 str(tmp_path / "w.csv")]) == 2
    assert "is not a written.csv" in capsys.readouterr().err
    assert not (tmp_path / "g" / "gradebook.csv").exists()
