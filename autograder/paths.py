"""Where things live in the repository (and in an installed Gradescope autograder)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignment"
REFERENCE = ROOT / "reference"
NOTEBOOKS = ROOT / "notebooks"
AUTOGRADER = ROOT / "autograder"
FIXTURES = AUTOGRADER / "rubric" / "fixtures"

# The files students edit, relative to the package root; everything else is provided.
MARKED_FILES = ("layers.py", "classifiers/cnn.py")

# The stubs as shipped. In the student bundle assignment/ holds the student's own edits, so a
# copy of the stubs travels in autograder/pristine/ to check the markers against.
PRISTINE = AUTOGRADER / "pristine"
if not PRISTINE.exists():
    PRISTINE = ASSIGNMENT
