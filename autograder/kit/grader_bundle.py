"""What a grader bundle holds, whichever engine runs it (Gradescope, PrairieLearn).

The autograder package, the pristine stubs and provided code, and every fixture, hidden ones
included; never the reference (grading does not need it, so it does not travel), nor the
instructor tooling that grading never runs (mistakes.py and the benches import the reference).
"""
import tomllib

from ..grading.needs import GRADING_PACKAGES
from ..paths import ROOT

# Instructor tooling that grading never runs (mistakes.py and the benches import the reference;
# written/ scores the notebooks' answers, which staff do apart, as a PDF assignment).
NOT_SHIPPED = {"mistakes.py", "kit", "student", "written"}


def grading_requirements():
    """The pinned dependencies grading needs, read from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [d.split("#")[0].strip() for d in project["dependencies"]
            if d.startswith(GRADING_PACKAGES)]


def grader_sources():
    """(path on disk, path in the bundle) for every file the grader needs."""
    files = []
    for path in sorted((ROOT / "autograder").rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and not {"__pycache__", *NOT_SHIPPED} & {*rel.parts}:
            files.append((path, rel.as_posix()))
    for path in sorted((ROOT / "assignment").rglob("*.py")):
        if "__pycache__" not in path.parts:
            files.append((path, path.relative_to(ROOT).as_posix()))
    return files
