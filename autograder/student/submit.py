"""`make submit` (in the student bundle): pack what a student uploads into submission.zip.

It holds assignment/layers.py, assignment/classifiers/cnn.py and the notebooks, laid out as
the grader reads them. A deleted or edited marker line stops it with a message naming the
file: the grader could not tell the regions apart. Other edits outside the regions are
listed as warnings (the grader reports them to the course staff too).
"""
import zipfile

from ..grading.markers import integrity_problems
from ..paths import ASSIGNMENT, MARKED_FILES, NOTEBOOKS, PRISTINE, ROOT


def build_submission(target=ROOT / "submission.zip"):
    """Write the zip and return 0, or print what is wrong and return 1."""
    problems = []
    for rel in MARKED_FILES:
        problems += integrity_problems((ASSIGNMENT / rel).read_text(), (PRISTINE / rel).read_text(),
                                       f"assignment/{rel}")
    broken = [p for p in problems if p.startswith("markers:")]
    for problem in broken:
        print(f"ERROR {problem}")
    if broken:
        print("Nothing was packed: put the marker lines back exactly as they were, then run make submit again.")
        return 1
    for problem in problems:
        print(f"warning: {problem}")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in MARKED_FILES:
            archive.write(ASSIGNMENT / rel, f"assignment/{rel}")
        for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
            archive.write(notebook, f"notebooks/{notebook.name}")
        names = archive.namelist()
    print(f"packed {len(names)} files into {target}: upload this file.")
    return 0
