"""`make notebooks`: every notebook executed top to bottom against the reference solution.

The notebooks import `assignment` from their parent folder, so they run inside a solved copy
of the kit under build/solved/ (the package with the reference's marked files dropped in).
Executed copies and their HTML go to build/notebooks/. `execute_all` also runs them against
the stubs, which is how the tests check that a stub only ever says "not implemented yet".

Every notebook opens with the same two code cells, written here once (`write_first_cells`
puts them into the notebooks; a test holds the notebooks to them): one that finds the student
folder on Google Colab, and the set-up that makes each cell run the student's files as they
are on disk.
"""
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from ..paths import ASSIGNMENT, MARKED_FILES, NOTEBOOKS, REFERENCE, ROOT

BUILD = ROOT / "build"
CELL_TIMEOUT = 300
JOBS = max(1, min(4, os.cpu_count() or 1))  # notebooks run at once, a kernel each

COLAB_CELL = """\
# Google Colab only: elsewhere this cell does nothing. First put the student folder where
# Colab finds it: in your Google Drive ("My Drive"; the folder, or student.zip as it came),
# or student.zip uploaded to the Files pane on the left (lost when the session ends). This
# cell finds it (unzipping it once), works from its notebooks/, and installs what Colab lacks.
import os, sys
if "google.colab" in sys.modules and not os.path.isdir("../autograder"):
    import glob, importlib.util, subprocess, zipfile
    CONTENT = "/content"
    for where in (CONTENT, f"{CONTENT}/drive/MyDrive"):
        if where != CONTENT:
            from google.colab import drive
            drive.mount(f"{CONTENT}/drive")
        if os.path.isfile(f"{where}/student.zip") and not os.path.isdir(f"{where}/student"):
            zipfile.ZipFile(f"{where}/student.zip").extractall(where)
        found = sorted(glob.glob(f"{where}/*/autograder") + glob.glob(f"{where}/*/*/autograder"))
        if found:
            break
    else:
        raise FileNotFoundError("no student folder (one with autograder/ in it) in My Drive: "
                                "upload it there (or student.zip), then run this cell again")
    os.chdir(os.path.join(os.path.dirname(found[0]), "notebooks"))
    print("working in", os.getcwd())
    needed = {"numpy": "numpy", "sklearn": "scikit-learn", "matplotlib": "matplotlib", "tqdm": "tqdm"}
    missing = [package for module, package in needed.items() if importlib.util.find_spec(module) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)"""

SETUP_CELL = """\
%matplotlib inline
import os, sys, time
sys.path.insert(0, os.path.abspath(".."))  # the folder that holds assignment/ and autograder/
from autograder.student.live import run_code_on_disk
run_code_on_disk()  # from now on each cell runs your files as they are on disk: no restart after an edit

import numpy as np
import matplotlib.pyplot as plt
from assignment.layers import *
from assignment.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from autograder.student.check import check, implemented

plt.rcParams["figure.figsize"] = (8.0, 4.0)
plt.rcParams["image.cmap"] = "gray"
np.random.seed(231)"""
FIRST_CELLS = (COLAB_CELL, SETUP_CELL)
FIRST_CELL_IDS = ("colab", "setup")


def notebook_paths(folder=NOTEBOOKS):
    return sorted(Path(folder).glob("*.ipynb"))


def write_first_cells(folder=NOTEBOOKS):
    """Put FIRST_CELLS after each notebook's title, in place of the ones it had."""
    for path in notebook_paths(folder):
        notebook = nbformat.read(path, as_version=4)
        cells = [c for c in notebook.cells if c.get("id") not in FIRST_CELL_IDS
                 and not (c.cell_type == "code" and 'sys.path.insert(0, os.path.abspath(".."))' in c.source)]
        first = [nbformat.v4.new_code_cell(source, id=name) for name, source in zip(FIRST_CELL_IDS, FIRST_CELLS)]
        notebook.cells = cells[:1] + first + cells[1:]
        nbformat.write(notebook, path)


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


def executed_text(path, allow_errors):
    """(the executed notebook as JSON text, seconds, or the error in words): what a process
    of the pool sends back (text, never a pickled object)."""
    begun = time.monotonic()
    try:
        return nbformat.writes(execute(Path(path), allow_errors)), time.monotonic() - begun, ""
    except CellExecutionError as error:
        return "", time.monotonic() - begun, str(error)


def one_blas_thread():
    """Kernels side by side share the cores: one BLAS thread each, not a core's worth each."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def execute_many(paths, allow_errors=False):
    """(path, (executed notebook or None, seconds, error)) for each notebook as it finishes,
    JOBS at a time, each in a kernel of its own (the cores a machine has, not one). The
    longest start first, their code's length standing for their time: the group norm
    notebook's training, started last, ran alone at the end for a third of the whole."""
    with ProcessPoolExecutor(max_workers=JOBS, mp_context=get_context("spawn"),
                             initializer=one_blas_thread) as pool:
        running = {pool.submit(executed_text, str(path), allow_errors): path
                   for path in sorted(paths, key=code_length, reverse=True)}
        for future in as_completed(running):
            text, seconds, error = future.result()
            yield running[future], (nbformat.reads(text, as_version=4) if text else None,
                                    seconds, error)


def code_length(path):
    notebook = nbformat.read(path, as_version=4)
    return sum(len(cell.source) for cell in notebook.cells if cell.cell_type == "code")


def execute_all(solved, dest):
    """{name: executed notebook} for every notebook, in a fresh kit copy at dest."""
    kit = kit_copy(dest, solved)
    ran = dict(execute_many(notebook_paths(kit / "notebooks"), allow_errors=not solved))
    for path, (notebook, _, error) in ran.items():
        if notebook is None:
            raise RuntimeError(f"{path.name} did not run: {error}")
    return {path.name: notebook for path, (notebook, _, _) in ran.items()}


def run_notebooks(out=BUILD / "notebooks"):
    """Execute every notebook against the reference; write .ipynb and .html (each as it
    finishes, while the others run); 0 if all ran."""
    from nbconvert import HTMLExporter
    kit = kit_copy(BUILD / "solved", solved=True)
    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter()
    started, failed = time.monotonic(), []
    for path, (notebook, seconds, error) in execute_many(notebook_paths(kit / "notebooks")):
        if notebook is None:
            print(f"FAILED {path.name}:\n{error}", file=sys.stderr)
            failed.append(path.name)
            continue
        nbformat.write(notebook, out / path.name)
        (out / path.with_suffix(".html").name).write_text(exporter.from_notebook_node(notebook)[0])
        print(f"{path.name:<40} {seconds:6.1f} s")
    print(f"{'all notebooks':<40} {time.monotonic() - started:6.1f} s -> {out}")
    return 1 if failed else 0
