"""The packages grading imports, looked for without importing them."""
import subprocess
import sys
from pathlib import Path

from autograder.grading.needs import GRADING_PACKAGES, missing_packages


def test_what_this_python_has_is_not_missing_and_what_it_lacks_is():
    assert missing_packages() == []
    assert missing_packages(("numpy", "no_such_package_in_the_kit", "")) == ["no_such_package_in_the_kit", ""]


def test_the_packages_named_are_those_grading_imports():
    """A fresh interpreter that imports the grading pipeline loads these, and no other
    package from outside the standard library."""
    code = ("import sys; import autograder.grading.grade; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, cwd=Path(__file__).resolve().parents[3]).stdout.split())
    outside = {name for name in loaded - set(sys.stdlib_module_names) - {"autograder", "assignment"}
               if not name.startswith("_")}
    assert set(GRADING_PACKAGES) <= loaded
    assert outside <= set(GRADING_PACKAGES)
