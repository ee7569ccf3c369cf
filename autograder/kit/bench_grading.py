"""How fast grading is, isolation included: printed by `make bench` beside the layer timings.

- one complete submission, every public and hidden case, through the command line, with the
  sandbox as it is (a fresh child per case, Landlock, a network namespace) against the way it
  was (one worker process for every case, no confinement), alternated, as a ratio;
- `grade-all` on 16 submissions with -j 2 against -j 1, in the same run, as a ratio.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..paths import ROOT

EXAMPLES = ("alice_complete.zip", "bob_stubs", "carol_mistakes.zip")


# The sandbox before fresh state and confinement: what it costs is their price.
WITHOUT_V2 = {"AUTOGRADER_PRETEND_MISSING": "fork,landlock,netns"}


def timed(command, env=None):
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True,
                   env=dict(os.environ, **(env or {})))
    return time.perf_counter() - started


def class_of(size, folder):
    """`size` submissions, copies of the examples in turn."""
    folder.mkdir()
    for i in range(size):
        source = ROOT / "submissions" / EXAMPLES[i % len(EXAMPLES)]
        target = folder / f"student{i:02d}{source.suffix}"
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return folder


def main(repeats=3, class_size=16):
    python = [sys.executable, "-m", "autograder"]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        grade_one = python + ["grade", str(ROOT / "submissions" / "alice_complete.zip"), "--out",
                              str(scratch / "one")]
        ones, befores = [], []
        for _ in range(repeats):  # alternated, so that the machine's noise falls on both
            ones.append(timed(grade_one))
            befores.append(timed(grade_one, WITHOUT_V2))
        one, before = statistics.median(ones), statistics.median(befores)
        folder = class_of(class_size, scratch / "class")
        serial = timed(python + ["grade-all", str(folder), "--out", str(scratch / "j1"), "-j", "1"])
        parallel = timed(python + ["grade-all", str(folder), "--out", str(scratch / "j2"), "-j", "2"])
    print(f"\nGrading (isolation included; median of {repeats} for one submission)")
    print(f"  one complete submission, every case:  {one:6.2f} s   (target < 5 s)")
    print(f"    without fresh state and confinement: {before:6.2f} s   "
          f"cost of sandbox v2: ratio {one / before:.2f}")
    print(f"  grade-all, {class_size} submissions, -j 1:    {serial:6.2f} s")
    print(f"  grade-all, {class_size} submissions, -j 2:    {parallel:6.2f} s   "
          f"ratio {parallel / serial:.2f} (target <= 0.55)")
    return 0
