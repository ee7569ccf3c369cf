"""How fast grading is, every protection included, against the grader of 4ee22f8 (the last one
before a fresh process per case): printed by `make bench` beside the layer timings.

Both sides run in this one run, alternated so that the machine's noise falls on both, with the
same Python, and are printed as ratios (this side / that side):
- one complete submission, every public and hidden case, through the command line;
- the grading time per case (the grader's own execution_time over the number of cases);
- a student's `check` of one function, on the reference's code;
- `grade-all` on 16 submissions with -j 1 and -j 2, on both sides (median of three, alternated;
  parallel efficiency, and how many cores each kept busy), and
  the same class regraded unchanged against its first grading (this side only: 4ee22f8 had
  no cache).
The baseline is a `git worktree` of 4ee22f8; without git or that commit it is left out.
"""
import json
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
BASELINE = "4ee22f8"
SKIP = shutil.ignore_patterns(".git", ".venv", "dist", "build", "grades", "__pycache__")


def timed(command, cwd, env=None):
    """(seconds, stdout) of a command that must succeed."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))
    return time.perf_counter() - started, done.stdout


def children_cpu():
    """CPU seconds of every process this one has waited for, and theirs, so far (0 on Windows)."""
    times = os.times()
    return times.children_user + times.children_system


def class_of(size, folder):
    """`size` submissions, the examples in turn, each made distinct by a comment of its own
    (identical files would be graded once: the result cache)."""
    from .bench_layouts import files_of
    folder.mkdir()
    for i in range(size):
        files = files_of(ROOT / "submissions" / EXAMPLES[i % len(EXAMPLES)])
        for rel, data in files.items():
            name = "classifiers/cnn.py" if rel.endswith("cnn.py") else "layers.py"
            target = folder / f"student{i:02d}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data + f"\n# student {i}\n".encode())
    return folder


def baseline_tree(scratch):
    """A checkout of BASELINE in `scratch`, or None (no git, or not this repository's history)."""
    tree = scratch / "baseline"
    made = subprocess.run(["git", "worktree", "add", "--detach", str(tree), BASELINE], cwd=ROOT,
                          capture_output=True, text=True) if (ROOT / ".git").exists() else None
    return tree if made is not None and made.returncode == 0 else None


def with_reference_code(tree):
    """`tree`'s assignment/ filled in with the reference (what a student's finished work is),
    and its grader compiled, as Python leaves it after a first run (and `make install` does
    where Python may not write bytecode): both sides are timed as they run day to day."""
    for rel in ("layers.py", "classifiers/cnn.py"):
        shutil.copy(ROOT / "reference" / rel, tree / "assignment" / rel)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "autograder")], check=True)
    return tree


def grade_one(tree, out):
    """(seconds, seconds per case) of grading the complete example submission in `tree`."""
    seconds, printed = timed([sys.executable, "-m", "autograder", "grade",
                              str(ROOT / "submissions" / "alice_complete.zip"), "--json",
                              "--out", str(out)], tree)
    result = json.loads(printed.strip().splitlines()[-1])
    return seconds, result["execution_time"] / len(result["cases"])


def check_one(tree):
    return timed([sys.executable, "-m", "autograder", "check", "conv_forward_naive"], tree)[0]


def line(what, ours, theirs, target):
    ratio = f"ratio {ours / theirs:.2f}" if theirs else "ratio -"
    theirs = f"{theirs:7.3f} s" if theirs else "      -  "
    print(f"  {what:38s} {ours:7.3f} s  {theirs}  {ratio}   ({target})")


def main(repeats=5, class_size=16, class_repeats=3):
    python = [sys.executable, "-m", "autograder"]
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        baseline = baseline_tree(scratch)
        ours_tree = with_reference_code(Path(shutil.copytree(ROOT, scratch / "ours", ignore=SKIP)))
        if baseline:
            with_reference_code(baseline)
        sides = {"ours": ours_tree, "4ee22f8": baseline}
        runs = {side: {"one": [], "case": [], "check": []} for side in sides}
        try:
            for turn in range(repeats):  # alternated
                for side, tree in sides.items():
                    if tree is None:
                        continue
                    seconds, per_case = grade_one(tree, scratch / f"{side}{turn}")
                    runs[side]["one"].append(seconds)
                    runs[side]["case"].append(per_case)
                    runs[side]["check"].append(check_one(tree))
            folder = class_of(class_size, scratch / "class")

            def grade_all(tree, out, jobs):
                before = children_cpu()
                seconds = timed(python + ["grade-all", str(folder), "--out", str(scratch / out),
                                          "-j", str(jobs)], tree)[0]
                busy.setdefault((tree == ROOT, jobs), []).append((children_cpu() - before) / seconds)
                return seconds  # and how many cores it kept busy, on average, in `busy`
            busy = {}
            classes = {run: [] for run in ("serial", "theirs_serial", "parallel", "theirs_parallel")}
            for turn in range(class_repeats):  # alternated; each into a folder of its own
                classes["serial"].append(grade_all(ROOT, f"j1-{turn}", 1))
                classes["theirs_serial"].append(grade_all(baseline, f"theirs1-{turn}", 1) if baseline else 0.0)
                classes["parallel"].append(grade_all(ROOT, f"j2-{turn}", 2))
                classes["theirs_parallel"].append(grade_all(baseline, f"theirs2-{turn}", 2) if baseline else 0.0)
            serial, theirs_serial, parallel, theirs_parallel = (
                statistics.median(classes[run]) for run in classes)
            again = grade_all(ROOT, "j2-0", 2)  # unchanged: the result cache
        finally:
            if baseline:
                subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT,
                               capture_output=True)
    median = {side: {k: statistics.median(v) if v else 0.0 for k, v in r.items()} for side, r in runs.items()}
    ours, theirs = median["ours"], median["4ee22f8"]
    print(f"\nGrading, every protection included: this tree against {BASELINE} "
          f"(median of {repeats}, alternated; ratio = ours / {BASELINE})"
          + ("" if baseline else f" — {BASELINE} not available here: no baseline"))
    print(f"  {'':38s} {'ours':>9s}  {BASELINE:>9s}")
    line("one complete submission, every case", ours["one"], theirs["one"], "target <= 1.0")
    line("grading time per case", ours["case"], theirs["case"], "")
    line("check conv_forward_naive (finished code)", ours["check"], theirs["check"], "target <= 1.5 s")
    line(f"grade-all -j 2, {class_size} submissions", parallel, theirs_parallel, "")
    line(f"grade-all -j 1, {class_size} submissions", serial, theirs_serial, "")
    efficiency = f"{theirs_serial / (2 * theirs_parallel):.2f}" if baseline else "-"
    print(f"  grade-all parallel efficiency, -j 1 / (2 x -j 2): {serial / (2 * parallel):.2f}, "
          f"{BASELINE}'s {efficiency} (target >= 0.9)")
    cores = {key: statistics.median(runs) for key, runs in busy.items()}
    print(f"  cores kept busy (CPU time / wall time): -j 1 {cores[True, 1]:.2f}, -j 2 "
          f"{cores[True, 2]:.2f}; {BASELINE}'s " + (f"{cores[False, 1]:.2f}, {cores[False, 2]:.2f}"
                                                    if baseline else "-")
          + " (a grading that keeps more than one core busy by itself cannot be halved by -j 2)")
    print(f"  the same class regraded unchanged: {again:.2f} s, ratio {again / parallel:.2f} "
          f"of its first grading (target <= 0.15)")
    if hasattr(os, "getloadavg"):
        print("  load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    main()
