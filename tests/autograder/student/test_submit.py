"""`make submit` looks at the notebooks: a notebook never run, half run, or saved before the
last edit of the files it exercises is said in one line, and the zip is written anyway."""
import os

import nbformat
from nbclient import NotebookClient

from autograder.paths import NOTEBOOKS
from autograder.student.submit import unsaved_notebooks


def kit(tmp_path, cells):
    """A notebooks/ with one notebook of these code cells, run by a real kernel, and assignment/."""
    (tmp_path / "assignment" / "classifiers").mkdir(parents=True)
    for rel in ("layers.py", "classifiers/cnn.py"):
        (tmp_path / "assignment" / rel).write_text("# the student's file\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / "1_layers.ipynb"
    nbformat.write(notebook, path)
    return tmp_path, path


def test_the_notebooks_as_shipped_are_each_said_to_be_never_run():
    lines = unsaved_notebooks()
    assert len(lines) == len(list(NOTEBOOKS.glob("*.ipynb"))) and lines
    assert all("never run" in line and "in Jupyter: Run All, then save" in line for line in lines)


def test_a_notebook_run_and_saved_after_the_last_edit_is_not_mentioned(tmp_path):
    root, path = kit(tmp_path, ["layers = 'assignment.layers'", "print(layers)"])
    layers = root / "assignment" / "layers.py"
    os.utime(layers, (path.stat().st_mtime - 60,) * 2)
    assert unsaved_notebooks(root / "notebooks", root / "assignment") == []

    os.utime(layers, (path.stat().st_mtime + 60,) * 2)  # edited after the notebook was saved
    line, = unsaved_notebooks(root / "notebooks", root / "assignment")
    assert line.startswith("notebooks/1_layers.ipynb: saved before your last edit of assignment/layers.py")
    # cnn.py is newer too, but this notebook never uses it
    assert "cnn.py" not in line


def test_cells_never_run_are_counted(tmp_path):
    root, path = kit(tmp_path, ["x = 1"])
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("y = 2"))
    nbformat.write(notebook, path)
    os.utime(root / "assignment" / "layers.py", (path.stat().st_mtime - 60,) * 2)
    assert unsaved_notebooks(root / "notebooks", root / "assignment") == [
        "notebooks/1_layers.ipynb: 1 of its 2 code cells never run: in Jupyter: Run All, then save "
        "(Ctrl+S), and run make submit again"]
