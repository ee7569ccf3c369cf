"""`make submit` (in the student bundle): pack what a student uploads into submission.zip.

It holds assignment/layers.py, assignment/classifiers/cnn.py and the notebooks (as saved),
laid out as the grader reads them, with notebooks.html (and notebooks.pdf where this machine
can make one) for a person to read the written answers; submission.html and .pdf are also
left beside the zip, for a course that takes the written part as a PDF (readable.py). A
deleted or edited marker line stops it with a message naming the file: the grader could not
tell the regions apart. Other edits outside the regions are listed as warnings (the grader
reports them to the course staff too).
"""
import zipfile
from pathlib import Path

from ..grading.markers import integrity_problems
from ..paths import ASSIGNMENT, MARKED_FILES, NOTEBOOKS, PRISTINE, ROOT
from .readable import empty_answers_line, readable_copies


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
    notebooks, said = sorted(NOTEBOOKS.glob("*.ipynb")), []
    readable = readable_copies(notebooks, said)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel in MARKED_FILES:
            archive.write(ASSIGNMENT / rel, f"assignment/{rel}")
        for notebook in notebooks:
            archive.write(notebook, f"notebooks/{notebook.name}")
        write_readable(archive, readable, Path(target))
        names = archive.namelist()
    for line in said + [empty_answers_line(notebooks)]:
        if line:
            print(line)
    print(f"packed {len(names)} files into {target}: upload this file.")
    return 0


def write_readable(archive, readable, target):
    """notebooks.html/.pdf into the zip, and the same beside it as submission.html/.pdf."""
    for kind, content in readable.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        archive.writestr(f"notebooks.{kind}", data)
        target.with_suffix(f".{kind}").write_bytes(data)
