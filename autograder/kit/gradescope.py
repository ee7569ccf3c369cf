"""`make gradescope`: dist/autograder.zip in Gradescope's layout.

At the zip's root: `setup.sh` (installs the Python dependencies), `run_autograder` (grades
/autograder/submission into /autograder/results/results.json) and the grader's sources:
the autograder package, the pristine stubs and provided code, and every fixture. The
reference solution is not needed to grade, so it does not travel.

The dependencies go into a virtual environment, /autograder/venv: Ubuntu 24.04 and Debian 12
mark their system Python "externally managed" and pip refuses to install into it, and
Gradescope's own harness runs on the system python3, which must stay as it is. On Ubuntu
22.04 (Gradescope's default image) the same venv works the same way.

Both scripts honour AUTOGRADER_ROOT in place of /autograder and PYTHON in place of the
interpreter, so that they can be run (and tested) off Gradescope.
"""
import tomllib
import zipfile
from pathlib import Path

from ..paths import ROOT

DIST = ROOT / "dist"
# Instructor tooling that grading never runs (mistakes.py and the benches import the reference;
# written/ scores the notebooks' answers, which staff do apart, as a PDF assignment).
NOT_SHIPPED = {"mistakes.py", "kit", "student", "written"}

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission; off Gradescope set AUTOGRADER_ROOT to try it.
set -u
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${PYTHON:-$ROOT/venv/bin/python}"   # the venv setup.sh made
SUBMISSION="$ROOT/submission"
# Only layers.py and cnn.py are read: the notebooks, their HTML and PDF (the written part,
# graded by people in a PDF assignment of its own) are ignored wherever they sit.
# A student who uploaded the submission.zip of `make submit` whole: grade that zip.
if [ -z "$(find "$SUBMISSION" -name layers.py -print -quit)" ]; then
    ZIPS="$(find "$SUBMISSION" -maxdepth 2 -iname '*.zip' ! -path '*/__MACOSX/*')"
    if [ -n "$ZIPS" ] && [ "$(printf '%s\n' "$ZIPS" | wc -l)" -eq 1 ]; then SUBMISSION="$ZIPS"; fi
fi
cd "$ROOT/source"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m autograder grade "$SUBMISSION" --out "$ROOT/results"
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the image. The packages go into a venv:
# pip refuses the system Python of Ubuntu 24.04 and Debian 12 (externally managed).
set -eu
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/venv"
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv's pip in a package of its own (python3.X-venv).
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
    PYTHON=python3
fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet -r "$ROOT/source/requirements.txt"
# Fail the build here, not at every student's submission, if anything grading needs is missing.
cd "$ROOT/source" && "$VENV/bin/python" -c "import autograder.grading.grade"
echo "grader installed in $VENV ($("$VENV/bin/python" --version))"
"""

# What `grade` imports beyond the standard library (rubric/fixtures.py: threadpoolctl).
GRADING_PACKAGES = ("numpy", "threadpoolctl")


def grading_requirements():
    """The pinned dependencies grading needs, read from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [d.split("#")[0].strip() for d in project["dependencies"]
            if d.startswith(GRADING_PACKAGES)]


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
