"""Answers read from a class in every layout grade-all reads, under grade-all's keys."""
import sys
import zipfile
from pathlib import Path

from autograder.course.layouts import read_class
from autograder.rubric.written import WRITTEN
from autograder.written.collect import collect

sys.path.insert(0, str(Path(__file__).parent))
from classes import SUBMISSIONS, all_notebooks, make_class, notebook_text  # noqa: E402

FIRST = WRITTEN[0]


def by_student(folder):
    return {s.student: s for s in collect(folder)[1]}


def test_folders_and_zips(tmp_path):
    folder = make_class(tmp_path / "class")
    found = by_student(folder)
    assert sorted(found) == sorted(s.key for sub in read_class(folder).submissions for s in sub.students)
    assert found["alice"].answers[FIRST.key].text.startswith("<img src=x")
    assert all(a.empty and not a.notes for a in found["bob"].answers.values())
    assert all(a.empty and "is not in the submission" in a.notes[0] for a in found["carol"].answers.values())
    broken = [a for k, a in found["dave"].answers.items() if k.startswith("2_")]
    assert broken and all("not a notebook" in a.notes[0] for a in broken)
    assert found["dave"].answers[FIRST.key].text == "dave 1_convolution.ipynb"


def test_canvas_loose_files_newest_upload_wins(tmp_path):
    folder = tmp_path / "canvas"
    folder.mkdir()
    with zipfile.ZipFile(SUBMISSIONS / "alice_complete.zip") as archive:
        for name in archive.namelist():
            if name.endswith(("layers.py", "cnn.py")):
                (folder / f"alice_123_{400 + len(name)}_{Path(name).name}").write_bytes(archive.read(name))
    (folder / "alice_123_500_1_convolution.ipynb").write_text(notebook_text("1_convolution.ipynb", {1: "old"}))
    (folder / "alice_123_501_1_convolution-1.ipynb").write_text(notebook_text("1_convolution.ipynb", {1: "new"}))
    (folder / "bob_LATE_77_502_2_max_pooling.ipynb").write_text(notebook_text("2_max_pooling.ipynb", {1: "bob's"}))
    layout, students = collect(folder)
    found = {s.student: s for s in students}
    assert layout == "Canvas bulk download"
    assert found["alice"].answers[FIRST.key].text == "new"
    assert found["bob"].answers["2_max_pooling Q1"].text == "bob's"


def test_gradescope_export_with_the_zip_of_make_submit(tmp_path):
    folder = tmp_path / "assignment_1_export"
    (folder / "submission_11").mkdir(parents=True)
    (folder / "submission_12").mkdir()
    for name, text in all_notebooks(lambda name: {1: f"ann {name}"}).items():
        (folder / "submission_11" / name).write_text(text)
    with zipfile.ZipFile(folder / "submission_12" / "submission.zip", "w") as archive:
        for name, text in all_notebooks(lambda name: {1: f"ben {name}"}).items():
            archive.writestr(f"notebooks/{name}", text)
        archive.writestr("../escape/1_convolution.ipynb", notebook_text("1_convolution.ipynb", {1: "unsafe"}))
    (folder / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Ann\n    :sid: '1001'\n"
        "submission_12:\n  :submitters:\n  - :name: Ben\n    :sid: '1002'\n")
    found = by_student(folder)
    assert found["1001"].answers[FIRST.key].text == "ann 1_convolution.ipynb"
    assert found["1002"].answers[FIRST.key].text == "ben 1_convolution.ipynb"


def test_two_copies_of_a_notebook_prefer_notebooks_folder(tmp_path):
    folder = tmp_path / "class"
    (folder / "eve" / "notebooks").mkdir(parents=True)
    (folder / "eve" / "1_convolution.ipynb").write_text(notebook_text("1_convolution.ipynb", {1: "copy"}))
    (folder / "eve" / "notebooks" / "1_convolution.ipynb").write_text(notebook_text("1_convolution.ipynb", {1: "real"}))
    eve = by_student(folder)["eve"]
    assert eve.answers[FIRST.key].text == "real"
    assert any("several 1_convolution.ipynb" in n for n in eve.notes)


def test_a_removed_heading_is_said(tmp_path):
    def drop_heading(cells):
        cells[:] = [c for c in cells if c.get("id") != "inline-question-1"]
    folder = tmp_path / "class"
    (folder / "fay").mkdir(parents=True)
    (folder / "fay" / "1_convolution.ipynb").write_text(notebook_text("1_convolution.ipynb", {1: "x"}, drop_heading))
    answer = by_student(folder)["fay"].answers[FIRST.key]
    assert answer.empty and "no `## Inline Question 1` heading" in answer.notes[0]
