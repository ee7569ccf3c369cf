"""The Gradescope bundle, unpacked into Gradescope's layout and run as Gradescope would."""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder.kit.gradescope import build_autograder_zip

ROOT = Path(__file__).resolve().parents[3]


def test_autograder_zip_grades_a_submission_in_gradescope_layout(tmp_path):
    bundle = build_autograder_zip(tmp_path / "autograder.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111  # executable
        archive.extractall(tmp_path / "autograder" / "source")
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
    assert not any(n.startswith("reference/") or n.endswith("mistakes.py") for n in names)
    assert any(n.startswith("autograder/rubric/fixtures/hidden/") for n in names)
    assert "numpy" in (tmp_path / "autograder/source/requirements.txt").read_text()

    submission = tmp_path / "autograder" / "submission"
    with zipfile.ZipFile(ROOT / "submissions" / "carol_mistakes.zip") as archive:
        archive.extractall(submission)
    run = tmp_path / "autograder" / "source" / "run_autograder"
    env = dict(os.environ, AUTOGRADER_ROOT=str(tmp_path / "autograder"), PYTHON=sys.executable)
    done = subprocess.run(["bash", str(run)], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "autograder" / "results" / "results.json").read_text())
    assert 0 < results["score"] < 100
    names = [t["name"] for t in results["tests"]]
    assert any(n.startswith("max_pool_backward_naive: ") for n in names)
    assert any("assigned (=) instead of accumulated" in t["output"] for t in results["tests"])
