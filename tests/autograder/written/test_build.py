"""written.csv and written.html as files: every answer a row, earlier marks kept, nothing a
student wrote left able to act in the page."""
import csv
import re
import sys
from pathlib import Path

from autograder.course.written_points import read_marks
from autograder.rubric.written import WRITTEN
from autograder.written.build import build_written
from autograder.written.page import script_json

sys.path.insert(0, str(Path(__file__).parent))
from classes import make_class  # noqa: E402

FIRST = WRITTEN[0].key


def test_first_run_writes_a_row_per_student_and_question(tmp_path):
    students, answered = build_written(make_class(tmp_path / "class"), tmp_path / "out")
    with open(tmp_path / "out" / "written.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(students) * len(WRITTEN) == 4 * len(WRITTEN)
    assert {r["points"] for r in rows} == {""} and answered[FIRST] == 2
    assert read_marks(tmp_path / "out" / "written.csv").points == {}


def test_again_into_the_same_folder_keeps_marks_and_rows_of_students_gone(tmp_path):
    folder = make_class(tmp_path / "class")
    build_written(folder, tmp_path / "out")
    path = tmp_path / "out" / "written.csv"
    text = path.read_text().replace(f"alice,{FIRST},,2,", f"alice,{FIRST},1.5,2,'=good")
    path.write_text(text + f"gone,{FIRST},2,2,was here\n")
    build_written(folder, tmp_path / "out")
    marks = read_marks(path)
    assert marks.points == {("alice", FIRST): 1.5, ("gone", FIRST): 2.0}
    assert marks.comments[("alice", FIRST)] == "=good"
    html = (tmp_path / "out" / "written.html").read_text()
    assert 'value="1.5"' in html and "&#x27;=good" not in html and ">=good</textarea>" in html


def test_no_student_markup_survives_in_the_html(tmp_path):
    build_written(make_class(tmp_path / "class"), tmp_path / "out")
    html = (tmp_path / "out" / "written.html").read_text()
    assert "&lt;script&gt;document.title" in html and "&lt;img src=x onerror" in html
    assert "<img" not in html and html.count("<script") == 2  # the data and the page's own
    assert 'href="javascript' not in html and 'href="#harmful-link"' in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)[1]
    assert "default-src 'none'" in policy and "script-src 'nonce-" in policy


def test_data_for_the_script_cannot_close_its_element():
    text = script_json({"x": "</script><script>alert(1)</script><!--"})
    assert "<" not in text and ">" not in text


def test_what_needs_a_look_is_said_one_line_per_student(tmp_path):
    from autograder.written.build import note_lines
    students, _ = build_written(make_class(tmp_path / "class"), tmp_path / "out")
    lines = {line.split(":")[0]: line for line in note_lines(students)}
    assert sorted(lines) == ["carol", "dave"]
    assert lines["carol"].startswith("carol: no 1_convolution.ipynb, 2_max_pooling.ipynb")
    assert "2_max_pooling.ipynb: not a notebook: its JSON is broken" in lines["dave"]
