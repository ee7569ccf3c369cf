"""A notebook's kernel runs the student's files as they are on disk, after every edit.

Tested the way it fails: a real kernel runs a notebook's own set-up cell, calls a stub, the
test edits layers.py, and the same kernel must run the new code -- on the IPython installed
here, and (slow) on IPython 8 and 7, each in an environment of its own made for the purpose.
"""
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from autograder.kit.notebooks import kit_copy

class Kernel:
    """A kernel started by `python` in `cwd`; `run(code)` returns what the cell printed."""

    def __init__(self, cwd, python, specs):
        spec = specs / "kernels" / "live"
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "live", "language": "python"}))
        self.manager = KernelManager(kernel_name="live",
                                     kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
        self.manager.start_kernel(cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code):
        printed = []

        def keep(message):
            content = message["content"]
            if message["msg_type"] == "stream":
                printed.append(content["text"])
            elif message["msg_type"] == "error":
                printed.append(f"{content['ename']}: {content['evalue']}")
        self.client.execute_interactive(code, output_hook=keep, timeout=120)
        return "".join(printed)

    def close(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def setup_cell(kit):
    notebook = nbformat.read(kit / "notebooks" / "2_max_pooling.ipynb", as_version=4)
    return next(cell.source for cell in notebook.cells if cell.get("id") == "setup")


def fill(layers, function, body):
    """layers.py with the region of `function` holding `body` (one line) instead of what it had."""
    text = layers.read_text()
    start = text.index("# *****START OF YOUR CODE", text.index(f"def {function}("))
    start = text.index("\n", start) + 1
    end = text.index("    # *****END OF YOUR CODE", start)
    layers.write_text(text[:start] + f"    {body}\n" + text[end:])


def live_edits(tmp_path, python):
    kit = kit_copy(tmp_path / "kit", solved=False)
    layers = kit / "assignment" / "layers.py"
    kernel = Kernel(kit / "notebooks", python, tmp_path)
    try:
        assert kernel.run(setup_cell(kit)) == ""
        pool = 'x = np.zeros((1, 1, 4, 4)); p = {"pool_height": 2, "pool_width": 2, "stride": 2}\n'
        forward = pool + "print('forward', max_pool_forward_naive(x, p)[0])"
        backward = pool + "print('backward', max_pool_backward_naive(x, max_pool_forward_naive(x, p)[1]))"

        # A first fill, written before any cell ran after the set-up: IPython 9's
        # `%autoreload 2` took this one, then missed every edit to the functions after it.
        fill(layers, "max_pool_forward_naive", "out = np.full(2, 1.0)")
        assert kernel.run(forward).strip() == "forward [1. 1.]"
        fill(layers, "max_pool_forward_naive", "out = np.full(3, 2.0)")  # a second edit
        assert kernel.run(forward).strip() == "forward [2. 2. 2.]"

        assert kernel.run(backward).strip() == "backward None"  # a stub, called
        fill(layers, "max_pool_backward_naive", "dx = np.full(1, 7.0)")  # then filled
        assert kernel.run(backward).strip() == "backward [7.]"
        assert kernel.run(forward).strip() == "forward [2. 2. 2.]"

        # A traceback points at the line as it is now.
        fill(layers, "max_pool_backward_naive", "dx = 1 / 0")
        line = layers.read_text().splitlines().index("    dx = 1 / 0") + 1
        where = ("import traceback\ntry:\n    " + backward.replace("\n", "\n    ") + "\n"
                 "except ZeroDivisionError as e:\n    print('line', traceback.extract_tb(e.__traceback__)[-1].lineno)")
        assert kernel.run(where).strip() == f"line {line}"
        # A syntax error keeps the previous version, and says so.
        fill(layers, "max_pool_forward_naive", "out = (")
        said = kernel.run(forward)
        assert "could not be reloaded (line" in said and "forward [2. 2. 2.]" in said
        assert said.index("could not be reloaded") < said.index("forward [2. 2. 2.]")  # said first
        fill(layers, "max_pool_forward_naive", "out = np.full(1, 5.0)")
        assert kernel.run(forward).strip() == "forward [5.]"
    finally:
        kernel.close()


def test_each_cell_runs_the_files_as_they_are_on_disk(tmp_path):
    live_edits(tmp_path, sys.executable)


def older_ipython(major, requirement):
    """A venv with an older IPython that takes everything else from this one (made once, in /tmp)."""
    folder = Path(f"/tmp/autograder-test-ipython{major}")
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        requirement], check=True)
    version = subprocess.run([str(python), "-c", "import IPython; print(IPython.__version__)"],
                             capture_output=True, text=True).stdout
    assert version.startswith(f"{major}."), version
    return python


@pytest.mark.slow
@pytest.mark.parametrize("major, requirement", [(8, "ipython>=8,<9"), (7, "ipython>=7.23,<8")])
def test_each_cell_runs_the_files_as_they_are_on_disk_under_older_ipython(tmp_path, major, requirement):
    live_edits(tmp_path, older_ipython(major, requirement))
