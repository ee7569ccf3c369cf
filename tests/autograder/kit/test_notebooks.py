"""The cells every notebook opens with: written once, and the Colab cell tested off Colab."""
import shutil
import zipfile

import nbformat
import pytest

from autograder.kit.notebooks import COLAB_CELL, FIRST_CELL_IDS, FIRST_CELLS, SETUP_CELL, kit_copy, \
    notebook_paths, execute

FAKE_COLAB = """\
import sys, types
mounted = []
google, colab, drive = (types.ModuleType(n) for n in ("google", "google.colab", "google.colab.drive"))
drive.mount = mounted.append
google.colab, colab.drive = colab, drive
sys.modules.update({"google": google, "google.colab": colab, "google.colab.drive": drive})
"""


def test_every_notebook_opens_with_the_same_two_cells():
    for path in notebook_paths():
        cells = nbformat.read(path, as_version=4).cells
        assert [(c.get("id"), c.source) for c in cells[1:3]] == list(zip(FIRST_CELL_IDS, FIRST_CELLS)), path.name
        assert "%autoreload" not in "".join(c.source for c in cells), path.name


def run_as_on_colab(content, started_in):
    """The Colab cell, its set-up and a check, in a kernel started in `started_in`, with a
    stand-in for google.colab and `content` in place of /content."""
    colab = COLAB_CELL.replace('CONTENT = "/content"', f'CONTENT = "{content}"')
    assert colab != COLAB_CELL
    cells = [FAKE_COLAB, colab, SETUP_CELL, "print('cwd', os.getcwd()); print('mounted', mounted)",
             'check("conv_forward_naive")',
             'with implemented("conv_forward_naive"):\n    conv_forward_naive(np.zeros((1, 1, 3, 3)), '
             'np.zeros((1, 1, 3, 3)), np.zeros(1), {"stride": 1, "pad": 1})[0].shape']
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = started_in / "colab.ipynb"
    nbformat.write(notebook, path)
    executed = execute(path)
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                   for c in executed.cells for o in c.outputs)


@pytest.fixture
def bundle_zip(tmp_path):
    kit = kit_copy(tmp_path / "student", solved=False)
    shutil.make_archive(str(tmp_path / "student"), "zip", tmp_path, "student")
    shutil.rmtree(kit)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return tmp_path / "student.zip", elsewhere


@pytest.mark.slow
def test_colab_cell_finds_a_zip_uploaded_to_the_session(tmp_path, bundle_zip):
    zipped, elsewhere = bundle_zip
    content = tmp_path / "content"
    content.mkdir()
    shutil.move(zipped, content / "student.zip")
    said = run_as_on_colab(content, elsewhere)
    assert f"cwd {content}/student/notebooks" in said and "mounted []" in said
    assert "not implemented yet" in said and "conv_forward_naive is not implemented yet: fill it in" in said


@pytest.mark.slow
def test_colab_cell_mounts_drive_and_finds_the_folder_there(tmp_path, bundle_zip):
    zipped, elsewhere = bundle_zip
    drive = tmp_path / "content" / "drive" / "MyDrive" / "course"
    drive.mkdir(parents=True)
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(drive)
    said = run_as_on_colab(tmp_path / "content", elsewhere)
    assert f"cwd {drive}/student/notebooks" in said
    assert f"mounted ['{tmp_path}/content/drive']" in said
    assert "not implemented yet" in said
