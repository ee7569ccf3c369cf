from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def marked_files(package):
    return {rel: (ROOT / package / rel).read_text() for rel in ("layers.py", "classifiers/cnn.py")}


@pytest.fixture(scope="session")
def reference_files():
    return marked_files("reference")


@pytest.fixture(scope="session")
def stub_files():
    return marked_files("assignment")


@pytest.fixture
def reference_folder(tmp_path, reference_files):
    """A submission folder laid out as a student's repo would be."""
    folder = tmp_path / "student" / "assignment"
    (folder / "classifiers").mkdir(parents=True)
    for rel, text in reference_files.items():
        (folder / rel).write_text(text)
    return tmp_path / "student"
