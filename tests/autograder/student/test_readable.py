"""`make submit`'s written part, run in a real student bundle: the notebooks packed as saved,
an HTML (and, where the machine can, a PDF) of them, and one line on answers still empty."""
import os
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from autograder.kit.release import build_release
from autograder.rubric.written import WRITTEN

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
BROWSER = shutil.which("chromium") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_release(tmp_path_factory.mktemp("dist") / "student")


@pytest.fixture
def student(bundle, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(bundle, folder)
    return folder


def answer_all(folder, text="my answer with <b>markup</b> and $x^2$"):
    for path in sorted((folder / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.get("id", "").startswith("your-answer-"):
                cell.source = f"**Your Answer:** {text} ({path.stem} {cell.id})"
        nbformat.write(notebook, path)


def submit(folder, env=ENV):
    done = subprocess.run([sys.executable, "-m", "autograder", "submit"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_answered_notebooks_packed_with_html_and_pdf(student):
    answer_all(student)
    said = submit(student)
    assert "still empty" not in said
    with zipfile.ZipFile(student / "submission.zip") as archive:
        names = set(archive.namelist())
        html = archive.read("notebooks.html").decode()
        assert archive.read("notebooks/1_convolution.ipynb") == (student / "notebooks/1_convolution.ipynb").read_bytes()
    assert {"notebooks.html", *(f"notebooks/{q.notebook}" for q in WRITTEN)} <= names
    assert html.count("my answer with") == len(WRITTEN) and "1_convolution your-answer-2" in html
    assert (student / "submission.html").read_text() == html
    if BROWSER or shutil.which("xelatex"):
        assert "notebooks.pdf" in names and (student / "submission.pdf").read_bytes().startswith(b"%PDF")
        assert "no PDF" not in said
    else:
        assert "no PDF" in said


@pytest.mark.slow
def test_empty_answers_said_in_one_line_and_no_pdf_said_in_one_line(student):
    answer_all(student)
    path = student / "notebooks" / "2_max_pooling.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.get("id") == "your-answer-1":
            cell.source = "**Your Answer:** *Fill this in.*"
    nbformat.write(notebook, path)
    env = dict(ENV, PATH="/nonexistent")  # no browser, no xelatex
    lines = submit(student, env).splitlines()
    empty = [line for line in lines if "still empty" in line]
    assert empty == ["written answers still empty: 2_max_pooling.ipynb Inline Question 1; write them "
                     "in the notebook's **Your Answer:** cells, save, and run make submit again"]
    assert len([line for line in lines if line.startswith("no PDF")]) == 1
    with zipfile.ZipFile(student / "submission.zip") as archive:
        assert "notebooks.html" in archive.namelist() and "notebooks.pdf" not in archive.namelist()


@pytest.mark.slow
def test_a_broken_notebook_is_packed_as_it_is_and_said(student):
    answer_all(student)
    broken = student / "notebooks" / "3_fast_layers_and_convnet.ipynb"
    broken.write_bytes(broken.read_bytes()[:500])
    said = submit(student, dict(ENV, PATH="/nonexistent"))
    assert "warning: 3_fast_layers_and_convnet.ipynb is not a readable notebook" in said
    assert "3_fast_layers_and_convnet.ipynb (not readable: not a notebook: its JSON is broken" in said
    with zipfile.ZipFile(student / "submission.zip") as archive:
        assert archive.read("notebooks/3_fast_layers_and_convnet.ipynb") == broken.read_bytes()
        html = archive.read("notebooks.html").decode()
    assert "1_convolution your-answer-1" in html and "5_spatial_groupnorm your-answer-2" in html
    assert "3_fast_layers_and_convnet your-answer" not in html
