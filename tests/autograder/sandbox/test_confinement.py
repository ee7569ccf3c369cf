"""The confinement policy, and what grading says when the kernel has no Landlock."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import confinement

ROOT = Path(__file__).resolve().parents[3]


def test_the_policy_opens_no_part_of_the_repository_but_the_interpreter(tmp_path):
    policy = confinement.policy_for(tmp_path, tmp_path / "scratch")
    for path in policy.readable + policy.writable:
        real = Path(path).resolve()
        for secret in (ROOT / "reference", ROOT / "autograder" / "rubric" / "fixtures", Path("/proc")):
            assert not secret.resolve().is_relative_to(real), (path, secret)
    assert policy.writable == (str(tmp_path / "scratch"), "/dev/null")
    assert str(tmp_path) in policy.readable and "net" in policy.namespaces


def test_this_kernel_has_landlock_with_network_rules():
    abi, why = confinement.landlock_abi()
    if not abi:
        pytest.skip(f"no Landlock here: {why}")
    assert abi >= 4  # TCP rules: the CI kernel has ABI 7


def test_without_the_abilities_nothing_is_applied_and_it_is_said(tmp_path):
    report = confinement.confine(confinement.policy_for(tmp_path, tmp_path), abilities=set())
    assert report["landlock"] == (False, "no Landlock: not available on this system; student "
                                         "code can read and write whatever its user can")
    assert report["network"][0] is False and "reachable" in report["network"][1]


def test_a_kernel_without_landlock_still_grades_and_says_the_isolation_was_reduced(tmp_path):
    env = dict(os.environ, AUTOGRADER_PRETEND_MISSING="landlock")
    submission = ROOT / "submissions" / "alice_complete.zip"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out",
                           str(tmp_path / "one")], cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "100 / 100" in done.stdout
    assert "warning: isolation reduced: no Landlock" in done.stderr
    results = json.loads((tmp_path / "one" / "results.json").read_text())
    assert results["score"] == 100 and "Isolation reduced: no Landlock" in results["output"]
    assert results["extra_data"]["isolation"]["landlock"][0] is False
    assert results["extra_data"]["isolation"]["fresh state"][0] is True
    report = (tmp_path / "one" / "report.md").read_text().replace("\\", "")  # escape.markdown's backslashes
    assert "**isolation reduced: no Landlock" in report
    # With every protection in force, nothing is said.
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out",
                           str(tmp_path / "full")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "isolation" not in done.stderr
    full = json.loads((tmp_path / "full" / "results.json").read_text())
    if os.getuid() == 0 and confinement.landlock_abi()[0]:
        assert "Isolation" not in full["output"]
        assert all(on for on, _ in full["extra_data"]["isolation"].values())


@pytest.mark.slow
def test_the_gradebook_has_an_isolation_column(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.zip").write_bytes((ROOT / "submissions" / "alice_complete.zip").read_bytes())
    env = dict(os.environ, AUTOGRADER_PRETEND_MISSING="landlock,netns")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(folder), "--out",
                           str(tmp_path / "out"), "-j", "1"], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(open(tmp_path / "out" / "gradebook.csv")))
    assert rows[0]["isolation"].startswith("reduced: ")
    assert "network reachable" in rows[0]["isolation"] and "no Landlock" in rows[0]["isolation"]
    assert "warning: isolation reduced" in done.stderr
