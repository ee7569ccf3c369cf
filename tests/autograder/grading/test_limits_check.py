"""Limits too low for the reference itself stop grading, naming the limit (exit 2)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ALICE = ROOT / "submissions" / "alice_complete.zip"


def run(*args):
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_LIMITS_CHECKED"}
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT,
                          capture_output=True, text=True, env=env)


@pytest.mark.parametrize("verb, limit, named", [
    ("grade", ["--memory-mb", "100"], "--memory-mb 100: too low"),
    ("grade", ["--seconds-per-case", "0.001"], "--seconds-per-case 0.001: too low"),
    ("grade-all", ["--memory-mb", "100"], "--memory-mb 100: too low"),
])
def test_a_limit_too_low_for_the_reference_is_refused(verb, limit, named, tmp_path):
    target = str(ALICE) if verb == "grade" else str(ROOT / "submissions")
    done = run(verb, target, "--out", str(tmp_path / "out"), *limit)
    assert done.returncode == 2
    assert named in done.stderr and "reference solution itself" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


def test_a_lower_limit_the_reference_can_live_with_grades_as_usual(tmp_path):
    done = run("grade", str(ALICE), "--out", str(tmp_path / "out"), "--seconds-per-case", "4",
               "--memory-mb", "1024")
    assert done.returncode == 0, done.stderr
    assert "100 / 100" in done.stdout
