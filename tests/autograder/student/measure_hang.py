"""Measure what a student waits when layernorm_forward hangs (`while True: pass` in its region):
`check layernorm_forward`, `check layernorm_backward` (an untouched stub) and `check` (the
table, as `make check` runs it), in seconds, with the lines that say why.

    .venv/bin/python tests/autograder/student/measure_hang.py ROOT [ROOT ...]

Each ROOT (a checkout of the kit: main's, this branch's) is copied with the hang put in its
stubs, and each command runs there in a process of its own, one after another, in one run.
As root, the sandbox runs as a uid of its own here (64999), so that another test run's clean-up
of the default uid cannot cut a measurement short.
"""
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HANG = "{0}while True:  # the student's infinite loop\n{0}    pass\n"
COMMANDS = (["check", "layernorm_forward"], ["check", "layernorm_backward"], ["check"])
RUN = ("import sys\n"
       "from autograder.sandbox.limits import Limits\n"
       "Limits.__init__.__defaults__ = Limits.__init__.__defaults__[:-1] + (64999,)\n"
       "from autograder.__main__ import main\n"
       "sys.exit(main(sys.argv[1:]))\n")


def with_hang(layers):
    """layers.py with the hang at the top of layernorm_forward's region."""
    start = layers.index("def layernorm_forward(")
    marker = layers.index("START OF YOUR CODE", start)
    line_start, line_end = layers.rindex("\n", 0, marker) + 1, layers.index("\n", marker) + 1
    indent = layers[line_start:marker][:-len(layers[line_start:marker].lstrip())] or ""
    return layers[:line_end] + HANG.format(indent) + layers[line_end:]


def kit(root, dest):
    skip = shutil.ignore_patterns("__pycache__", "hidden", ".ipynb_checkpoints")
    for part in ("assignment", "autograder"):
        shutil.copytree(Path(root) / part, dest / part, ignore=skip)
    layers = dest / "assignment" / "layers.py"
    layers.write_text(with_hang(layers.read_text()))
    return dest


def said(stdout):
    keep = [line.strip() for line in stdout.splitlines()
            if "layernorm" in line or "hang" in line or "finish" in line or "skipped" in line]
    return keep[:6]


def main(roots):
    for root in roots:
        with tempfile.TemporaryDirectory() as folder:
            copy = kit(root, Path(folder))
            for command in COMMANDS:
                began = time.monotonic()
                done = subprocess.run([sys.executable, "-c", RUN, *command], cwd=copy,
                                      capture_output=True, text=True)
                seconds = time.monotonic() - began
                print(f"{root}  python -m autograder {' '.join(command)}: {seconds:.1f} s (exit {done.returncode})")
                for line in said(done.stdout):
                    print(f"      {line}")


if __name__ == "__main__":
    main(sys.argv[1:])
