"""The notebooks: committed clean, run end to end on the reference, and friendly on the stubs."""
import nbformat
import pytest

from autograder.kit.notebooks import execute_all, notebook_paths, run_notebooks, BUILD

EXPECTED = ["1_convolution.ipynb", "2_max_pooling.ipynb", "3_fast_layers_and_convnet.ipynb",
            "4_spatial_batchnorm.ipynb", "5_spatial_groupnorm.ipynb"]


def outputs(notebook):
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def text(notebook):
    """What the cells printed, and the plain text of what they displayed (check's rich display)."""
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs(notebook))


def test_committed_notebooks_carry_no_outputs():
    assert [p.name for p in notebook_paths()] == EXPECTED
    for path in notebook_paths():
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear its outputs"


@pytest.fixture(scope="module")
def on_reference():
    assert run_notebooks() == 0
    return {name: nbformat.read(BUILD / "notebooks" / name, as_version=4) for name in EXPECTED}


@pytest.mark.slow
def test_on_the_reference_every_check_passes_and_pictures_are_drawn(on_reference):
    for name, notebook in on_reference.items():
        assert not [o for o in outputs(notebook) if o.output_type == "error"], name
        assert "FAIL" not in text(notebook) and "not implemented" not in text(notebook), name
        assert "ADVICE" not in text(notebook) and "agree" in text(notebook), name  # the further checks ran
        assert any("image/png" in o.get("data", {}) for o in outputs(notebook)), f"{name}: no picture"
        assert (BUILD / "notebooks" / name.replace(".ipynb", ".html")).stat().st_size > 10_000
    training = text(on_reference["3_fast_layers_and_convnet.ipynb"])
    accuracy = float(training.split("validation accuracy: ")[1].split()[0])
    assert accuracy >= 0.9


@pytest.mark.slow
def test_on_the_stubs_every_failure_says_not_implemented_yet(tmp_path):
    for name, notebook in execute_all(solved=False, dest=tmp_path / "kit").items():
        assert not [o for o in outputs(notebook) if o.output_type == "error"], name
        assert "is not implemented yet: fill it in assignment/" in text(notebook), name
        assert "PASS " not in text(notebook), name
        assert "0/" not in text(notebook) and not [  # no progress bar left at 0% by a stub net
            o for o in outputs(notebook) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})], name
        # A cell that draws stops cleanly: no figure half drawn before the stub's None broke it.
        assert not [o for o in outputs(notebook) if "image/png" in o.get("data", {})], name
