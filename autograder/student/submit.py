"""`make submit` (in the student bundle): pack what a student uploads into submission.zip.

It holds assignment/layers.py, assignment/classifiers/cnn.py and the notebooks (as saved),
laid out as the grader reads them, with notebooks.html (and notebooks.pdf where this machine
can make one) for a person to read the written answers; submission.html and .pdf are also
left beside the zip, for a course that takes the written part as a PDF (readable.py). A
deleted or edited marker line stops it with a message naming the file: the grader could not
tell the regions apart. Other edits outside the regions are listed as warnings (the grader
reports them to the course staff too).
"""
import json
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
    for line in unsaved_notebooks():
        print(f"warning: {line}")
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


def unsaved(path, sources):
    """Why the notebook at `path` looks unsaved ('' when it does not): never run, cells never
    run, or saved before the last edit of a file in `sources` ({name: path}) that its code
    exercises (names: the setup imports assignment.layers; notebook 3 builds the net of cnn.py)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return "could not be read as a notebook"
    code = [c for c in cells if c.get("cell_type") == "code" and "".join(c.get("source", "")).strip()]
    text = "\n".join("".join(c.get("source", "")) for c in code)
    ran = [c for c in code if c.get("execution_count")]
    if code and not ran and not any(c.get("outputs") for c in code):
        return "never run (no outputs in it)"
    if len(ran) < len(code):
        return f"{len(code) - len(ran)} of its {len(code)} code cells never run"
    newer = [name for name, source in sources.items() if Path(name).stem in text  # it exercises it
             and source.exists() and source.stat().st_mtime > path.stat().st_mtime]
    if newer:
        return f"saved before your last edit of {' and '.join(newer)}"
    return ""


def unsaved_notebooks(notebooks=NOTEBOOKS, assignment=ASSIGNMENT):
    """One line per notebook that looks unsaved, with what to do; the zip is written anyway."""
    sources = {f"assignment/{rel}": assignment / rel for rel in MARKED_FILES}
    return [f"notebooks/{path.name}: {why}: in Jupyter: Run All, then save (Ctrl+S), and run make submit again"
            for path in sorted(notebooks.glob("*.ipynb")) if (why := unsaved(path, sources))]
