"""The rooms of autograder/ import one way only: course -> grading -> rubric -> sandbox;
student and kit may use them all; nothing imports student or kit but the command line.
escape (making student-controlled text safe in every file staff open) is at the bottom:
every room but the sandbox may use it, and it uses none."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
# For each room, the rooms its modules may import (besides itself and paths.py).
MAY_IMPORT = {
    "escape": set(),
    "sandbox": set(),
    "rubric": {"sandbox", "escape"},  # fixtures run the reference through the sandbox's harness
    "grading": {"rubric", "sandbox", "escape"},
    "course": {"grading", "rubric", "sandbox", "escape"},
    "student": {"grading", "rubric", "sandbox", "escape"},
    "kit": {"course", "grading", "rubric", "sandbox", "student", "escape", "written"},
    "written": {"course", "grading", "rubric", "sandbox", "escape"},  # staff scoring written answers
}


def rooms_imported(path, package=PACKAGE):
    """The autograder rooms that the module at `path` imports, relatively or absolutely."""
    room_depth = len(path.relative_to(package).parts) - 1  # 1 inside a room, 0 at the top
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: climb to the package root, then read the first part
                if node.level - 1 < room_depth:
                    continue  # within the same room
                parts = (node.module or "").split(".")
                names = [alias.name for alias in node.names]
                found.add(parts[0] if parts[0] else names[0])
            elif (node.module or "").startswith("autograder."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("autograder.")}
    return found & set(MAY_IMPORT)


def test_every_module_lives_in_a_room():
    loose = {p.name for p in PACKAGE.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "paths.py"}
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} \
        >= set(MAY_IMPORT)


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_no_upward_import(room):
    upward = {}
    for path in sorted((PACKAGE / room).rglob("*.py")):
        bad = rooms_imported(path) - MAY_IMPORT[room] - {room}
        if bad:
            upward[path.relative_to(PACKAGE).as_posix()] = sorted(bad)
    assert not upward, f"upward imports: {upward}"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule can fail: a sandbox module importing grading is caught, its own room is not."""
    bad = tmp_path / "autograder" / "sandbox" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from ..grading.grade import grade_files\nfrom .protocol import x\n"
                   "import autograder.course.grade_all\n")
    assert rooms_imported(bad, tmp_path / "autograder") == {"grading", "course"}
