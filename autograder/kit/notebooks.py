"""`make notebooks`: every notebook executed top to bottom against the reference solution.

The notebooks import `assignment` from their parent folder, so they run inside a solved copy
of the kit under build/solved/ (the package with the reference's marked files dropped in).
Executed copies and their HTML go to build/notebooks/. `execute_all` also runs them against
the stubs, which is how the tests check that a stub only ever says "not implemented yet".
"""
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ..paths import ASSIGNMENT, MARKED_FILES, NOTEBOOKS, REFERENCE, ROOT

BUILD = ROOT / "build"
CELL_TIMEOUT = 300


def notebook_paths(folder=NOTEBOOKS):
    return sorted(Path(folder).glob("*.ipynb"))


def kit_copy(dest, solved):
    """dest/ with assignment/ (solved or stubs), the autograder (public fixtures only) and the
    notebooks: everything a notebook reaches from its parent folder."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    skip = shutil.ignore_patterns("__pycache__", "hidden", ".ipynb_checkpoints")
    shutil.copytree(ASSIGNMENT, dest / "assignment", ignore=skip)
    if solved:
        for rel in MARKED_FILES:
            shutil.copy(REFERENCE / rel, dest / "assignment" / rel)
    shutil.copytree(ROOT / "autograder", dest / "autograder", ignore=skip)
    shutil.copytree(NOTEBOOKS, dest / "notebooks", ignore=skip)
    return dest


def execute(path, allow_errors=False):
    """The executed notebook (run in its own folder, with this interpreter's kernel)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def execute_all(solved, dest):
    """{name: executed notebook} for every notebook, in a fresh kit copy at dest."""
    kit = kit_copy(dest, solved)
    return {path.name: execute(path, allow_errors=not solved) for path in notebook_paths(kit / "notebooks")}


def run_notebooks(out=BUILD / "notebooks"):
    """Execute every notebook against the reference; write .ipynb and .html; 0 if all ran."""
    from nbconvert import HTMLExporter
    kit = kit_copy(BUILD / "solved", solved=True)
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter()
    started, failed = time.monotonic(), []
    for path in notebook_paths(kit / "notebooks"):
        begun = time.monotonic()
        try:
            notebook = execute(path)
        except CellExecutionError as error:
            print(f"FAILED {path.name}:\n{error}", file=sys.stderr)
            failed.append(path.name)
            continue
        nbformat.write(notebook, out / path.name)
        (out / path.with_suffix(".html").name).write_text(exporter.from_notebook_node(notebook)[0])
        print(f"{path.name:<40} {time.monotonic() - begun:6.1f} s")
    print(f"{'all notebooks':<40} {time.monotonic() - started:6.1f} s -> {out}")
    return 1 if failed else 0
