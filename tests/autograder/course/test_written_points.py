"""written.csv into the gradebook: points counted per question and in the total, and what is
missing, refused or unknown flagged, never a silent 0."""
import csv

import pytest

from autograder.course.gradebook import COLUMNS, Row, write_gradebook
from autograder.course.written_points import (WrittenError, apply_marks, read_marks,
                                              summary_lines, write_marks)
from autograder.grading.results import CaseResult, SubmissionResult
from autograder.rubric.written import WRITTEN, written_total

Q1, Q2 = WRITTEN[0], WRITTEN[1]


def result(student, score):
    return SubmissionResult(student, cases=[CaseResult("conv_forward_naive", "one", "public", 100.0,
                                                       score=score)])


def rows(*students):
    return [Row(s, result(s, 40.0)) for s in students] + [Row("absent", None, flags=["no submission"])]


def marks_file(tmp_path, lines):
    path = tmp_path / "written.csv"
    write_marks(lines, path)
    return path


def full(student, points=1):
    return [(student, q.key, points, q.points, "") for q in WRITTEN]


def test_points_per_question_and_in_the_total(tmp_path):
    class_rows = rows("alice")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, full("alice"))))
    assert part.written("alice") == len(WRITTEN) and not class_rows[0].flags
    write_gradebook(class_rows, tmp_path / "gradebook.csv", part)
    with open(tmp_path / "gradebook.csv", newline="") as file:
        book = {row["student"]: row for row in csv.DictReader(file)}
    header = list(book["alice"])
    assert header[:len(COLUMNS)] == list(COLUMNS)           # the written columns come after all others
    assert header[len(COLUMNS):] == ["code", "written", *[q.key for q in WRITTEN]]
    one = result("alice", 40.0)
    assert float(book["alice"]["code"]) == one.score
    assert float(book["alice"]["total"]) == one.score + len(WRITTEN)
    assert float(book["alice"]["max"]) == one.max_score + written_total()
    assert float(book["alice"][Q1.key]) == 1
    assert book["absent"]["total"] == "" and book["absent"]["written"] == ""


def test_a_student_missing_from_the_file_is_flagged(tmp_path):
    class_rows = rows("alice", "bob")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, full("alice"))))
    bob = next(r for r in class_rows if r.student == "bob")
    assert bob.flags == ["written: not in written.csv (no written points)"]
    assert part.written("bob") == 0 and part.scores["bob"] == {}
    assert any("`bob`" in line for line in summary_lines(class_rows, part))


def test_a_question_without_points_is_flagged(tmp_path):
    lines = full("alice")
    lines[1] = ("alice", Q2.key, "", Q2.points, "to do")
    class_rows = rows("alice")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, lines)))
    assert class_rows[0].flags == [f"written: {Q2.key} has no points"]
    assert Q2.key not in part.scores["alice"]


@pytest.mark.parametrize("points, said", [(Q1.points + 1, "above its maximum"), (-1, "below 0"),
                                          ("lots", "not a number")])
def test_refused_points_are_flagged_and_not_counted(tmp_path, points, said):
    lines = full("alice")
    lines[0] = ("alice", Q1.key, points, Q1.points, "")
    class_rows = rows("alice")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, lines)))
    assert len(class_rows[0].flags) == 1 and said in class_rows[0].flags[0]
    assert part.written("alice") == len(WRITTEN) - 1


def test_unknown_students_and_questions_and_doubles_are_said(tmp_path):
    lines = full("alice") + [("zed", Q1.key, 1, Q1.points, ""), ("alice", "Q99", 1, 1, ""),
                             ("alice", Q1.key, 2, Q1.points, "")]
    class_rows = rows("alice")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, lines)))
    said = " | ".join(part.warnings)
    assert "'zed', who is not a graded student" in said
    assert "question 'Q99' is not in the rubric" in said
    assert "a second time, not counted" in said
    assert part.scores["alice"][Q1.key] == 1  # the first row counts


def test_summary_has_the_mean_per_question(tmp_path):
    lines = full("alice", 1) + full("bob", 0)
    class_rows = rows("alice", "bob")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, lines)))
    text = "\n".join(summary_lines(class_rows, part))
    assert f"| {Q1.key} | 0.50 | {Q1.points:g} | 2 of 2 |" in text


def test_a_spreadsheet_edit_is_read(tmp_path):
    """Saved by a spreadsheet: a byte-order mark, semicolon-free CSV, a decimal comma in quotes."""
    path = tmp_path / "written.csv"
    path.write_text("\ufeffstudent,question,points,max,comment\r\n"
                    f"alice,{Q1.key},\"1,5\",2,'=not a formula\r\n", encoding="utf-8")
    marks = read_marks(path)
    assert marks.points == {("alice", Q1.key): 1.5}
    assert marks.comments == {("alice", Q1.key): "=not a formula"}


def test_an_unreadable_file_stops_with_a_message(tmp_path):
    with pytest.raises(WrittenError, match="no file"):
        read_marks(tmp_path / "nothing.csv")
    (tmp_path / "other.csv").write_text("name,score\nalice,3\n")
    with pytest.raises(WrittenError, match="has no student, question, points column"):
        read_marks(tmp_path / "other.csv")


def test_a_regrade_compares_totals_with_the_written_points_on_both_sides(tmp_path):
    from autograder.course.gradebook import read_gradebook
    from autograder.course.regrade import changes
    class_rows = rows("alice")
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, full("alice"))))
    write_gradebook(class_rows, tmp_path / "gradebook.csv", part)
    previous = read_gradebook(tmp_path / "gradebook.csv")
    assert [c for c in changes(previous, class_rows, part) if c[0] == "alice"] == []
    assert [c[1] for c in changes(previous, class_rows) if c[0] == "alice"] == ["total"]  # without it


def test_a_late_penalty_is_taken_from_code_and_written_alike(tmp_path):
    class_rows = rows("alice")
    class_rows[0].late_penalty = 10.0
    part = apply_marks(class_rows, read_marks(marks_file(tmp_path, full("alice"))))
    write_gradebook(class_rows, tmp_path / "gradebook.csv", part)
    with open(tmp_path / "gradebook.csv", newline="") as file:
        alice = next(csv.DictReader(file))
    raw = result("alice", 40.0).score + len(WRITTEN)
    assert float(alice["raw_total"]) == raw
    assert float(alice["total"]) == round(raw * 0.9, 2)
    assert float(alice["code"]) == result("alice", 40.0).score and float(alice["written"]) == len(WRITTEN)
