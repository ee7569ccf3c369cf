"""Exports against files laid out exactly as Canvas and Moodle write and read them.

The Canvas files below follow Canvas's gradebook exporter: a header of Student, ID, SIS User
ID, SIS Login ID, Section, custom columns, one "Title (id)" column per assignment, then the
read-only totals; a "Manual Posting" row when an assignment posts manually; the "Points
Possible" row with "(read only)" under every computed column; numbers with two decimals;
names quoted by the CSV writer when they hold the separator; "\\n" line ends; optionally a
byte-order mark and ';' separators (a user's setting, with decimal commas).
"""
import csv
import io
import re

import pytest

from autograder.__main__ import main
from autograder.course.export import (
    ExportError, export_canvas, export_long, export_moodle, read_gradebook)
from autograder.course.gradebook import COLUMNS, FUNCTIONS

TOTALS = ["Current Points", "Final Points", "Current Score", "Unposted Current Score",
          "Final Score", "Unposted Final Score", "Current Grade", "Unposted Current Grade",
          "Final Grade", "Unposted Final Grade"]
HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Notes",
          "Quiz 1 (2001)", "Assignment 2: ConvNet layers (2002)",
          "Assignments Current Score", "Assignments Final Score", *TOTALS]
READ_ONLY = ["(read only)"] * (2 + len(TOTALS))


def canvas_rows(points="100.00"):
    totals = ["9.00", "9.00", "90.00", "90.00", "45.00", "45.00", "A-", "A-", "F", "F"]
    return [
        HEADER,
        ["", "", "", "", "", "", "Manual Posting", ""] + [""] * len(READ_ONLY),
        ["    Points Possible", "", "", "", "", "", "10.00", points, *READ_ONLY],
        ["Lovelace, Ada", "101", "S001", "ada", "Section A", "keen", "9.00", "", "90.00", "45.00", *totals],
        ["Turing, Alan", "102", "S002", "alan@uni.edu", "Section A", "", "7.00", "", "70.00", "35.00", *totals],
        ["Hopper, Grace", "103", "S003", "grace", "Section B", "", "8.00", "55.00", "80.00", "60.00", *totals],
        ["Noether, Emmy", "104", "S004", "emmy", "Section B", "", "", "", "", "", *totals],
        ["Student, Test", "105", "", "", "Section A", "", "", "", "", "", *totals],
    ]


def canvas_text(rows, delimiter=","):
    """The text of a CSV file as Ruby's CSV writer (Canvas's) writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def canvas_export(tmp_path):
    path = tmp_path / "2026-11-28T2130_Grades-CS231n.csv"
    path.write_text(canvas_text(canvas_rows()), encoding="utf-8")
    return path


# gradebook.csv's columns as grade-all writes them (functions cut to one here).
GRADEBOOK = [c for c in COLUMNS if c not in FUNCTIONS[1:]]


def row(student, total, **cells):
    return {"student": student, "total": total, "max": "100", **cells}


def write_class(folder, rows, columns=GRADEBOOK):
    folder.mkdir(exist_ok=True)
    with open(folder / "gradebook.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.fixture
def grades(tmp_path):
    """A class as the Canvas layout grades it: Canvas user id and login per student."""
    return write_class(tmp_path / "grades", [
        row("ada", "93.5", canvas_user_id="101", login="ada"),
        row("alan", "71.25", canvas_user_id="102", login="alan@uni.edu", late="late"),
        row("grace", "0", canvas_user_id="103", login="grace",
            integrity="grading failed: the grader stopped: MemoryError"),
        row("zoe", "88", canvas_user_id="999", login="zoe"),            # not in Canvas
    ])


def read_csv(path, delimiter=","):
    with open(path, newline="", encoding="utf-8-sig") as file:
        return list(csv.reader(file, delimiter=delimiter))


def canvas_would_read(rows):
    """What Canvas's gradebook importer takes from an import file, by its documented rules:
    the header starts Student, ID; the student columns end with Section; columns named like
    its computed totals are skipped; the Points Possible row and the Manual Posting row are
    not students; "(read only)" under a column makes it read-only.
    {assignment header: {Canvas ID: cell}} for the assignment columns it would import."""
    header = rows[0]
    assert header[0].lstrip("\ufeff").startswith("Student") and header[1] == "ID"
    section = header.index("Section")
    assert all(h in ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
               for h in header[:section + 1])
    points = next((r for r in rows[1:] if r[0].strip() == "Points Possible"), [""] * len(header))
    students = [r for r in rows[1:] if r[0].strip() != "Points Possible"
                and not all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c) for c in r)]
    taken = {}
    for index, name in enumerate(header[section + 1:], section + 1):
        if re.search(r"(Current|Final|Override) (Score|Points|Grade)", name) or "read only" in points[index]:
            continue
        taken[name] = {r[1]: r[index] for r in students}
    return taken


def test_canvas_fills_the_assignment_by_canvas_id_and_keeps_what_canvas_needs(tmp_path, grades, canvas_export):
    out = tmp_path / "import.csv"
    outcome = export_canvas(grades, canvas_export, out)
    text = out.read_text(encoding="utf-8")
    rows = read_csv(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Assignment 2: ConvNet layers (2002)"]  # the one column naming this kit
    assert rows[1] == [""] * 6  # the Manual Posting row, cut to the kept columns
    assert rows[2] == ["    Points Possible", "", "", "", "", "100.00"]
    assert '"Lovelace, Ada",101,S001,ada,Section A,93.5\n' in text  # quoted as Canvas quotes
    imported = canvas_would_read(rows)
    assert list(imported) == ["Assignment 2: ConvNet layers (2002)"]
    assert imported["Assignment 2: ConvNet layers (2002)"] == {
        "101": "93.5", "102": "71.25",
        "103": "55.00",   # grading failed: the grade already in Canvas is kept, not zeroed
        "104": "",        # no submission: blank, not 0
        "105": ""}        # Canvas's test student
    assert outcome.written == 2
    assert any("grace" in w and "grading failed" in w for w in outcome.warnings)
    assert any(w.startswith("zoe") and "not in the Canvas export" in w for w in outcome.warnings)


def test_canvas_keeps_a_byte_order_mark_semicolons_and_reads_decimal_commas(tmp_path, grades):
    rows = canvas_rows(points="100,00")
    rows = [[cell.replace(".00", ",00") for cell in row] for row in rows]
    export = tmp_path / "export.csv"
    export.write_bytes(b"\xef\xbb\xbf" + canvas_text(rows, ";").encode())
    out = tmp_path / "import.csv"
    export_canvas(grades, export, out, column="2002")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfStudent;ID;SIS User ID;SIS Login ID;Section;")
    assert raw.count(b"\xef\xbb\xbf") == 1
    written = read_csv(out, ";")
    assert written[3] == ["Lovelace, Ada", "101", "S001", "ada", "Section A", "93.5"]


def test_canvas_matches_by_login_or_sis_id_when_the_layout_gave_only_a_name(tmp_path, canvas_export):
    grades = write_class(tmp_path / "folders", [row("ada", "90"), row("S004", "40"),
                                                row("alan@uni.edu", "60")])
    out = tmp_path / "import.csv"
    export_canvas(grades, canvas_export, out)
    taken = canvas_would_read(read_csv(out))["Assignment 2: ConvNet layers (2002)"]
    assert (taken["101"], taken["102"], taken["104"]) == ("90", "60", "40")


def test_canvas_reads_a_gradebook_with_only_student_and_total(tmp_path, canvas_export):
    grades = write_class(tmp_path / "old", [{"student": "ada", "total": "100"}],
                         columns=["student", "total"])
    export_canvas(grades, canvas_export, tmp_path / "import.csv")
    assert canvas_would_read(read_csv(tmp_path / "import.csv"))[
        "Assignment 2: ConvNet layers (2002)"]["101"] == "100"


def test_a_path_the_student_named_cannot_pass_for_a_flag(tmp_path):
    grades = write_class(tmp_path / "g", [row("eve", "80", integrity="several layers.py found; "
                                              "graded no submission/layers.py (ignored: grading failed/layers.py)")])
    (grade,) = read_gradebook(grades)
    assert (grade.status, grade.score) == ("graded", 80.0)


def test_missing_as_zero_zeroes_no_submission_but_never_a_failed_grading(tmp_path, grades, canvas_export):
    out = tmp_path / "import.csv"
    outcome = export_canvas(grades, canvas_export, out, missing_as_zero=True)
    taken = canvas_would_read(read_csv(out))["Assignment 2: ConvNet layers (2002)"]
    assert (taken["104"], taken["105"], taken["103"]) == ("0", "0", "55.00")
    assert outcome.zeros == 2


def test_canvas_column_is_chosen_by_title_or_id_and_ambiguity_is_refused(tmp_path, grades):
    rows = canvas_rows()
    rows[0] = [h.replace("Quiz 1 (2001)", "Conv quiz (2001)") for h in rows[0]]
    export = tmp_path / "export.csv"
    export.write_text(canvas_text(rows))
    with pytest.raises(ExportError, match=r'pass --column.*"Conv quiz \(2001\)"; "Assignment 2'):
        export_canvas(grades, export, tmp_path / "out.csv")
    export_canvas(grades, export, tmp_path / "out.csv", column="conv quiz", scale=True)  # 10 points
    assert read_csv(tmp_path / "out.csv")[0][-1] == "Conv quiz (2001)"
    export_canvas(grades, export, tmp_path / "out.csv", column="2002")
    assert read_csv(tmp_path / "out.csv")[0][-1] == "Assignment 2: ConvNet layers (2002)"
    with pytest.raises(ExportError, match=r"no assignment column 'Final exam'.*Conv quiz"):
        export_canvas(grades, export, tmp_path / "out.csv", column="Final exam")
    # a read-only total is never a candidate, even by name
    with pytest.raises(ExportError, match="no assignment column"):
        export_canvas(grades, export, tmp_path / "out.csv", column="Current Score")


def test_canvas_points_that_differ_are_refused_unless_scaled(tmp_path, grades):
    export = tmp_path / "export.csv"
    export.write_text(canvas_text(canvas_rows(points="10.00")))
    with pytest.raises(ExportError, match=r"worth 10 points but the grades are out of 100.*--scale"):
        export_canvas(grades, export, tmp_path / "out.csv", column="2002")
    export_canvas(grades, export, tmp_path / "out.csv", column="2002", scale=True)
    taken = canvas_would_read(read_csv(tmp_path / "out.csv"))["Assignment 2: ConvNet layers (2002)"]
    assert (taken["101"], taken["102"]) == ("9.35", "7.12")


def test_canvas_excused_unassigned_and_doubly_matched_students_are_left_for_a_human(tmp_path, canvas_export):
    rows = canvas_rows()
    rows[3][7], rows[4][7] = "EX", "N/A"
    canvas_export.write_text(canvas_text(rows))
    grades = write_class(tmp_path / "grades", [
        row("ada", "90", canvas_user_id="101"), row("alan", "80", canvas_user_id="102"),
        row("emmy", "70", canvas_user_id="104", flags="duplicate"),
        row("emmy (2)", "75", login="emmy", flags="duplicate")])
    outcome = export_canvas(grades, canvas_export, tmp_path / "out.csv")
    taken = canvas_would_read(read_csv(tmp_path / "out.csv"))["Assignment 2: ConvNet layers (2002)"]
    assert (taken["101"], taken["102"], taken["104"]) == ("EX", "N/A", "")
    assert any("excused" in w for w in outcome.warnings)
    assert any("not assigned" in w for w in outcome.warnings)
    assert any("emmy, emmy (2)" in w for w in outcome.warnings)


def test_not_a_canvas_export_is_refused_with_where_to_get_one(tmp_path, grades):
    other = tmp_path / "roster.csv"
    other.write_text("name,email\nAda,ada@uni.edu\n")
    with pytest.raises(ExportError, match="not a Canvas gradebook export.*Export Entire Gradebook"):
        export_canvas(grades, other, tmp_path / "out.csv")
    with pytest.raises(ExportError, match="no gradebook.csv"):
        export_canvas(tmp_path / "nowhere", other, tmp_path / "out.csv")


def test_long_has_a_row_per_student_with_blank_for_no_grade(tmp_path):
    grades = write_class(tmp_path / "grades", [
        row("ada", "93.5", canvas_user_id="101", email="ada@uni.edu"),
        row("bea", "", email="bea@uni.edu", sid="S9", flags="no submission"),
        row("grace", "0", canvas_user_id="103", late="late", integrity="grading failed: time-out"),
        row("ivy", "", canvas_user_id="104", status="could not read",
            integrity="grading failed: ivy.zip is not a readable zip file"),
        row("jo", "45", raw_total="90", late_penalty="50", days_late="5", late="late")])
    export_long(grades, tmp_path / "long.csv")
    assert read_csv(tmp_path / "long.csv") == [
        ["student", "id", "email", "score", "max", "late", "status", "raw_score", "late_penalty"],
        ["ada", "101", "ada@uni.edu", "93.5", "100", "", "graded", "", ""],
        ["bea", "S9", "bea@uni.edu", "", "100", "", "no submission", "", ""],
        ["grace", "103", "", "", "100", "yes", "grading failed", "", ""],
        ["ivy", "104", "", "", "100", "", "grading failed", "", ""],
        ["jo", "", "", "45", "100", "yes", "graded", "90", "50"]]
    export_long(grades, tmp_path / "long.csv", missing_as_zero=True)
    assert [r[3] for r in read_csv(tmp_path / "long.csv")[1:]] == ["93.5", "0", "", "", "45"]


def test_moodle_file_has_identifiers_and_one_grade_column_and_only_graded_students(tmp_path):
    grades = write_class(tmp_path / "grades", [  # as the Gradescope layout grades a class
        row("S1", "81", name="Ada Lovelace", sid="S1", email="ada@uni.edu"),
        row("bea@uni.edu", "", email="bea@uni.edu", flags="no submission")])
    outcome = export_moodle(grades, tmp_path / "moodle.csv", column="Assignment: ConvNet layers")
    rows = read_csv(tmp_path / "moodle.csv")
    # Moodle refuses a file whose rows have other counts of columns than its header.
    assert {len(r) for r in rows} == {4}
    assert rows == [["Email address", "ID number", "Username", "Assignment: ConvNet layers"],
                    ["ada@uni.edu", "S1", "S1", "81"]]
    assert (outcome.written, outcome.untouched) == (1, 1)


def test_export_verb_writes_the_file_or_exits_2_with_the_reason(tmp_path, grades, canvas_export, capsys):
    out = tmp_path / "import.csv"
    assert main(["export", "canvas", str(grades), "--gradebook", str(canvas_export),
                 "--out", str(out)]) == 0
    assert "2 grades written" in capsys.readouterr().out
    assert read_csv(out)[3][-1] == "93.5"
    assert main(["export", "canvas", str(grades), "--gradebook", str(canvas_export),
                 "--out", str(out), "--column", "Midterm"]) == 2
    assert "no assignment column 'Midterm'" in capsys.readouterr().err
    assert main(["export", "long", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert "no gradebook.csv" in capsys.readouterr().err


def test_gradebook_without_max_reads_with_the_rubric_total(tmp_path):
    grades = write_class(tmp_path / "g", [{"student": "alice", "total": "100"}],
                         columns=["student", "total", "integrity"])
    (grade,) = read_gradebook(grades)
    assert (grade.student, grade.score, grade.max_score, grade.status) == ("alice", 100.0, 100.0, "graded")
