"""Grading a class: every submission in a folder, in parallel, into a gradebook.

Each submission is graded by its own `python -m autograder grade --json` process, so that a
broken or hostile one cannot stop the others, and each gets its own sandbox user. The
results come back as JSON on that process's stdout (which student code never holds); every
file in the output folder is written here, after all of them are done.
"""
import csv
import importlib
import json
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue

from tqdm.auto import tqdm

from ..rubric.cases import RUBRIC, selected_cases
from ..grading.report import isolation_words, write_outputs
from ..paths import ROOT
from ..grading.results import CaseResult, SubmissionResult
from ..grading.submission import student_name


def submissions_in(folder):
    entries = [p for p in sorted(Path(folder).iterdir())
               if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".zip")]
    if not entries:
        raise FileNotFoundError(f"no submissions (folders or .zip files) in {folder}")
    return entries


def failed_grading(student, why):
    """A result with every case at zero, so that a crash still gives a full gradebook row."""
    cases = [CaseResult(g.function, c.title, c.visibility, g.case_points(c), problem=why)
             for g, c in selected_cases(("public", "hidden"))]
    return SubmissionResult(student, cases=cases, notes=[f"grading failed: {why}"])


def grade_one(path, uid, limit_args, timeout):
    command = [sys.executable, "-m", "autograder", "grade", str(path), "--json", "--uid", str(uid),
               *limit_args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=ROOT)
        return SubmissionResult.from_dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except subprocess.TimeoutExpired:
        return failed_grading(student_name(path), f"took more than {timeout:g} s in all")
    except (ValueError, IndexError, KeyError, TypeError):
        last_words = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return failed_grading(student_name(path), f"the grader stopped: {last_words}")


def grade_all(folder, out_dir, jobs=2, limit_args=(), base_uid=61000, timeout=900,
              similarity_against=None):
    """Grade every submission; write per-student outputs, gradebook.csv and the summary.

    With `similarity_against` (a list of folders, maybe empty) the similarity of the class
    is computed too, into out_dir/similarity.csv and .html, while the graders run.
    """
    entries = submissions_in(folder)
    similarity = start_similarity(folder, out_dir, similarity_against)
    # matplotlib takes a while to import: do it while the graders run, not after.
    plotting = threading.Thread(target=importlib.import_module, args=("matplotlib.figure",))
    plotting.start()
    uids = Queue()
    for slot in range(jobs):
        uids.put(base_uid + slot)  # one sandbox user per parallel slot: no cross-talk

    def job(path):
        uid = uids.get()
        try:
            return grade_one(path, uid, limit_args, timeout)
        finally:
            uids.put(uid)

    with ThreadPoolExecutor(jobs) as pool:
        results = list(tqdm(pool.map(job, entries), total=len(entries), desc="grading", unit="submission"))
    plotting.join()
    out_dir = Path(out_dir)
    for result in results:
        write_outputs(result, out_dir / result.student)
    write_gradebook(results, out_dir / "gradebook.csv")
    write_summary(results, out_dir)
    if similarity is not None:
        try:
            similarity.result()
        except Exception as error:  # the grades are written: a failed comparison must not undo them
            print(f"warning: the similarity report failed ({error!r}); the grades stand",
                  file=sys.stderr)
    return results


def start_similarity(folder, out_dir, against):
    """The class's similarity, computed in a thread while the graders run (None if not asked).

    It only reads the submissions, never runs them, so it needs no sandbox. A missing
    --against folder stops grade-all before any grading starts.
    """
    if against is None:
        return None
    for other in against:
        if not Path(other).is_dir():
            raise FileNotFoundError(f"--against {other}: no such folder of submissions")
    from .similarity import run_similarity  # here: similarity imports this module
    side = ThreadPoolExecutor(1)
    future = side.submit(run_similarity, folder, out_dir, against)
    side.shutdown(wait=False)  # the thread finishes its one job; result() waits for it
    return future


def write_gradebook(results, path):
    functions = [g.function for g in RUBRIC]
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "total", *functions, "integrity", "isolation"])
        for result in results:
            scores = result.by_function()
            writer.writerow([result.student, result.score,
                             *[scores.get(f, (0, 0))[0] for f in functions],
                             " | ".join(result.integrity + result.notes), isolation_words(result)])


def class_summary(results):
    """{function: (mean fraction of its points, Counter of students per mistake)}."""
    summary = {}
    for graded in RUBRIC:
        fractions, mistakes = [], Counter()
        for result in results:
            score, most = result.by_function().get(graded.function, (0, graded.points))
            fractions.append(score / most if most else 0.0)
            mistakes.update({m for case in result.cases if case.function == graded.function
                             for m in case.mistakes})  # once per student
        summary[graded.function] = (sum(fractions) / max(1, len(fractions)), mistakes)
    return summary


def write_summary(results, out_dir):
    summary = class_summary(results)
    lines = [f"# Class summary: {len(results)} submissions", "",
             f"Mean total: {sum(r.score for r in results) / max(1, len(results)):.1f} / 100", "",
             "| function | mean | most frequent mistakes |", "|---|---|---|"]
    for function, (mean, mistakes) in summary.items():
        common = "; ".join(f"{m} ({n})" for m, n in mistakes.most_common(3)) or "-"
        lines.append(f"| `{function}` | {100 * mean:.0f}% | {common} |")
    lines += ["", "![mean score per function](summary.png)", ""]
    (out_dir / "summary.md").write_text("\n".join(lines))
    plot_summary(summary, out_dir / "summary.png")


def plot_summary(summary, path):
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, a faster import
    names = list(summary)
    means = [100 * summary[n][0] for n in names]
    figure = Figure(figsize=(8, 0.4 * len(names) + 1), layout="tight")
    axes = figure.subplots()
    axes.barh(names[::-1], means[::-1], color="tab:blue")
    axes.set_xlim(0, 100)
    axes.set_xlabel("mean score (% of the function's points)")
    axes.set_title("Where the class struggles")
    figure.savefig(path, dpi=100)
