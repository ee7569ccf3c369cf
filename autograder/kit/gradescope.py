"""`make gradescope`: dist/autograder.zip in Gradescope's layout.

At the zip's root: `setup.sh` (installs the Python dependencies), `run_autograder` (grades
/autograder/submission into /autograder/results/results.json) and the grader's sources:
the autograder package, the pristine stubs and provided code, and every fixture. The
reference solution is not needed to grade, so it does not travel.

`run_autograder` honours AUTOGRADER_ROOT in place of /autograder, and PYTHON in place of
python3, so that it can be run (and tested) off Gradescope.
"""
import tomllib
import zipfile
from pathlib import Path

from ..paths import ROOT

DIST = ROOT / "dist"
# Instructor tooling that grading never runs (mistakes.py and the benches import the reference).
NOT_SHIPPED = {"mistakes.py", "kit", "student"}

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this; off Gradescope set AUTOGRADER_ROOT (and PYTHON) to try it.
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"
mkdir -p "$ROOT/results"
exec "${PYTHON:-python3}" -m autograder grade "$ROOT/submission" --out "$ROOT/results"
"""

SETUP_SH = """#!/usr/bin/env bash
set -eu
apt-get update -qq && apt-get install -y -qq python3 python3-pip
python3 -m pip install -q -r /autograder/source/requirements.txt
"""


def grading_requirements():
    """The pinned dependencies grading needs, read from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = ("numpy", "tqdm", "matplotlib")
    return [d.split("#")[0].strip() for d in project["dependencies"] if d.startswith(needed)]


def grader_sources():
    """(path on disk, name in the zip) for every file the grader needs."""
    files = []
    for path in sorted((ROOT / "autograder").rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and not {"__pycache__", *NOT_SHIPPED} & {*rel.parts}:
            files.append((path, rel.as_posix()))
    for path in sorted((ROOT / "assignment").rglob("*.py")):
        if "__pycache__" not in path.parts:
            files.append((path, path.relative_to(ROOT).as_posix()))
    return files


def write_executable(archive, name, text):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o755 << 16
    archive.writestr(info, text)


def build_autograder_zip(target=DIST / "autograder.zip"):
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        write_executable(archive, "run_autograder", RUN_AUTOGRADER)
        write_executable(archive, "setup.sh", SETUP_SH)
        archive.writestr("requirements.txt", "\n".join(grading_requirements()) + "\n")
        for path, name in grader_sources():
            archive.write(path, name)
    return target
