"""The Gradescope bundle, unpacked into Gradescope's layout and run as Gradescope would."""
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder.kit.gradescope import build_autograder_zip

ROOT = Path(__file__).resolve().parents[3]
SYSTEM_PYTHON = Path("/usr/bin/python3")


STUDENT_ZIP = ROOT / "submissions" / "carol_mistakes.zip"


def unpack(bundle, root):
    """The bundle as Gradescope lays it out: the zip in root/source, a student's files in
    root/submission."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)  # Gradescope keeps the zip's modes
    with zipfile.ZipFile(STUDENT_ZIP) as archive:
        archive.extractall(root / "submission")


def run_autograder(root, **env):
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), **env)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def assert_graded(results):
    assert 0 < results["score"] < 100
    names = [t["name"] for t in results["tests"]]
    assert any(n.startswith("max_pool_backward_naive: ") for n in names)
    assert any("assigned (=) instead of accumulated" in t["output"] for t in results["tests"])


def test_autograder_zip_grades_a_submission_in_gradescope_layout(tmp_path):
    bundle = build_autograder_zip(tmp_path / "autograder.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111  # executable
        assert archive.getinfo("setup.sh").external_attr >> 16 & 0o111
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
    assert not any(n.startswith("reference/") or n.endswith("mistakes.py") for n in names)
    assert any(n.startswith("autograder/rubric/fixtures/hidden/") for n in names)
    unpack(bundle, tmp_path / "autograder")
    requirements = (tmp_path / "autograder/source/requirements.txt").read_text()
    assert "numpy" in requirements and "threadpoolctl" in requirements
    assert_graded(run_autograder(tmp_path / "autograder", PYTHON=sys.executable))
    # The same student uploading the zip `make submit` made, kept whole: the same grade.
    first = json.loads((tmp_path / "autograder/results/results.json").read_text())["score"]
    shutil.rmtree(tmp_path / "autograder/submission")
    (tmp_path / "autograder/submission").mkdir()
    shutil.copy(STUDENT_ZIP, tmp_path / "autograder/submission/submission.zip")
    again = run_autograder(tmp_path / "autograder", PYTHON=sys.executable)
    assert again["score"] == first


def test_every_shipped_file_reads_on_ubuntu_22_04s_python_3_10(tmp_path):
    """Gradescope's default image has Python 3.10; nothing shipped may need a newer one."""
    bundle = build_autograder_zip(tmp_path / "autograder.zip")
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            if name.endswith(".py"):
                source = archive.read(name).decode()
                ast.parse(source, name, feature_version=(3, 10))
                assert "tomllib" not in source, f"{name} imports tomllib (Python 3.11+)"


@pytest.mark.slow
@pytest.mark.parametrize("python", [
    pytest.param(SYSTEM_PYTHON, id="externally-managed-system-python"),  # Debian 12 / Ubuntu 24.04
    pytest.param(Path(sys.executable), id="pip-allowed-python"),          # like Ubuntu 22.04
])
def test_setup_sh_installs_into_a_venv_and_run_autograder_uses_it(python):
    if not python.exists():
        pytest.skip(f"no {python} on this machine")
    if python == SYSTEM_PYTHON:
        refused = subprocess.run([str(python), "-m", "pip", "install", "--dry-run", "numpy"],
                                 capture_output=True, text=True)
        assert "externally-managed-environment" in refused.stderr + refused.stdout, \
            "this machine's system Python is not externally managed: the test proves less"
    # /autograder is root's and world-readable on Gradescope; the sandbox's unprivileged
    # user must be able to run the venv's interpreter, so no 0700 pytest folder here.
    with tempfile.TemporaryDirectory(prefix="gradescope-") as folder:
        root = Path(folder) / "autograder"
        root.mkdir()
        os.chmod(folder, 0o755)
        unpack(build_autograder_zip(Path(folder) / "autograder.zip"), root)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "VIRTUAL_ENV")}
        setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True,
                               text=True, env=dict(env, AUTOGRADER_ROOT=str(root), PYTHON=str(python)))
        assert setup.returncode == 0, setup.stdout + setup.stderr
        venv_python = root / "venv" / "bin" / "python"
        assert venv_python.exists()
        # run_autograder with no PYTHON given: it must find the venv by itself.
        done = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True,
                              text=True, env=dict(env, AUTOGRADER_ROOT=str(root)), cwd=root)
        assert done.returncode == 0, done.stderr
        assert_graded(json.loads((root / "results" / "results.json").read_text()))
        shutil.rmtree(root / "venv")


def same_grading(results, plain):
    """The same cases graded and nothing said of the notebooks. (Scores are not compared to the
    last digit: on a machine shared with other graders a case may time out in one run.)"""
    assert results["score"] > 0 and [t["name"] for t in results["tests"]] == [t["name"] for t in plain["tests"]]
    said = json.dumps(results)
    assert ".ipynb" not in said and "notebooks.html" not in said and "submission.pdf" not in said


def test_notebooks_and_their_pdf_in_a_submission_are_ignored(tmp_path):
    """CS231n students upload the code with the notebooks (and the PDF of the written part):
    the grade is the code's, the same with or without them, loose or in make submit's zip."""
    import nbformat
    bundle = build_autograder_zip(tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    unpack(bundle, root)
    plain = run_autograder(root, PYTHON=sys.executable)
    notebooks = {p.name: p.read_bytes() for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    assert len(notebooks) == 5 and all(nbformat.reads(b.decode(), as_version=4).cells for b in notebooks.values())
    for name, data in notebooks.items():
        (root / "submission" / name).write_bytes(data)
    (root / "submission" / "notebooks.html").write_text("<html>layers.py</html>")
    (root / "submission" / "submission.pdf").write_bytes(b"%PDF-1.4 not code")
    loose = run_autograder(root, PYTHON=sys.executable)
    same_grading(loose, plain)
    shutil.rmtree(root / "submission")
    (root / "submission").mkdir()
    with zipfile.ZipFile(STUDENT_ZIP) as source, \
            zipfile.ZipFile(root / "submission" / "submission.zip", "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for name, data in notebooks.items():
            target.writestr(f"notebooks/{name}", data)
        target.writestr("notebooks.html", "<html></html>")
    (root / "submission" / "submission.pdf").write_bytes(b"%PDF-1.4")
    same_grading(run_autograder(root, PYTHON=sys.executable), plain)
    names = set(zipfile.ZipFile(bundle).namelist())
    assert not [n for n in names if n.startswith("autograder/written/")]
