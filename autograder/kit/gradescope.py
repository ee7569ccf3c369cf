"""`make gradescope`: dist/autograder.zip in Gradescope's layout.

At the zip's root: `setup.sh` (installs the Python dependencies), `run_autograder` (grades
/autograder/submission into /autograder/results/results.json) and the grader's sources, the
same as PrairieLearn's bundle holds (grader_bundle.py): no reference.

The dependencies go into a virtual environment, /autograder/venv: Ubuntu 24.04 and Debian 12
mark their system Python "externally managed" and pip refuses to install into it, and
Gradescope's own harness runs on the system python3, which must stay as it is. On Ubuntu
22.04 (Gradescope's default image) the same venv works the same way.

Both scripts honour AUTOGRADER_ROOT in place of /autograder and PYTHON in place of the
interpreter, so that they can be run (and tested) off Gradescope.
"""
import zipfile
from pathlib import Path

from ..paths import ROOT
from .grader_bundle import grader_sources, grading_requirements

DIST = ROOT / "dist"

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
