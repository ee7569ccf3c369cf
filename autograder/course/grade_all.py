"""Grading a class: every submission in a folder, in parallel, into a gradebook.

Each submission is graded by its own `python -m autograder grade --json` process (forked from
one warm process that has imported the grader: warm_graders.py), so that a broken or hostile
one cannot stop the others, and each gets its own sandbox user, leased
(sandbox/uids.py) so that no other grader on the machine uses it at once. The results come
back as JSON on that process's stdout (which student code never holds); every file in the
output folder is written here, after all of them are done.

The grader of a submission runs in a session of its own. When it takes too long, when the
class run is interrupted (Ctrl-C) or fails, it is asked to stop (SIGTERM: its sandbox kills
all it started), then its whole session is killed, and, as root, every process of its uid
(`Lease.release`) before that uid grades anyone else.
"""
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue

from tqdm.auto import tqdm

from ..grading.report import write_outputs
from ..grading.grade import not_graded
from ..grading.results import SubmissionResult
from ..grading.triage import GRADER_FAILED
from ..sandbox import system
from ..sandbox.uids import Lease, NoUidFree
from .gradebook import rows_of, write_gradebook
from .layouts import read_class, stage
from .regrade import set_aside, write_changes
from .result_cache import ResultCache
from .report_folders import clash_flag, report_folder, report_keys
from .roster import read_roster
from .summary import write_summary
from .warm_graders import start_grader, warm_graders
from .written_points import apply_marks, read_marks, summary_lines


def failed_grading(student, why):
    """A result for a submission the grader failed on: a full gradebook row, no total."""
    return not_graded(student, GRADER_FAILED, why)


STOP_GRACE = 3.0  # seconds a grader asked to stop has to stop its sandbox before it is killed
RUNNING = set()  # the graders' processes, so that an interrupted class run ends every one


def end_grader(grader):
    """SIGTERM to its session, a moment to stop its sandbox, then SIGKILL to what is left.
    The grader is not reaped before the SIGKILL, so its group's number is still its own."""
    if grader.reaped:
        return  # ended and reaped: its number may be someone else's by now
    try:
        os.killpg(grader.pid, signal.SIGTERM)
    except OSError:
        pass
    deadline = time.monotonic() + STOP_GRACE
    while time.monotonic() < deadline and not grader.exited():
        time.sleep(0.01)  # it is usually exiting already: its result came
    try:
        os.killpg(grader.pid, signal.SIGKILL)
    except OSError:
        pass
    grader.reap()


def end_every_grader():
    for grader in list(RUNNING):
        end_grader(grader)


def lease_for(uid):
    """The lease of the first free uid from `uid` (as root), or None (no uid to lease)."""
    if os.name != "posix" or os.getuid() != 0 or "uids" not in system.detect():
        return None
    try:
        return Lease.take(uid)
    except (NoUidFree, OSError):
        return None  # the grader leases (or says it could not) by itself


def grade_one(submission, uid, limit_args, timeout, warm=None):
    """The submission's result, from a grader of its own (forked by `warm`, a WarmGraders,
    or started afresh)."""
    lease = lease_for(uid)
    uid = lease.uid if lease else uid
    argv = ["grade", str(submission.path), "--json", "--uid", str(uid), *limit_args]
    grader = None
    try:
        grader = start_grader(argv, lease, warm)
        RUNNING.add(grader)
        try:
            stdout, stderr = grader.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            return failed_grading(submission.name, f"took more than {timeout:g} s in all")
        try:
            return SubmissionResult.from_dict(json.loads(stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError, KeyError, TypeError):
            last_words = (stderr.strip().splitlines() or ["no message"])[-1]
            return failed_grading(submission.name, f"the grader stopped: {last_words}")
    finally:  # a timeout, Ctrl-C, or any failure: nothing of this submission lives on
        if grader is not None:
            end_grader(grader)
            RUNNING.discard(grader)
        if lease:
            lease.release()


def grade_all(folder, out_dir, jobs=2, limit_args=(), base_uid=61000, timeout=900,
              similarity_against=None, roster=None, late_policy=None, fresh=False, written=None):
    """Grade every submission; write per-student outputs (in out_dir/reports/<key>/, see
    report_folders.py), gradebook.csv and the summary.

    The class folder may be in any layout of layouts.py; with `roster` (a CSV file) every
    roster student gets a row. An earlier grading in out_dir is set aside, not overwritten
    (regrade.py). With `similarity_against` (a list of folders, maybe empty) the similarity
    of the class is computed too, into out_dir/similarity.csv and .html, while the graders run.
    With `written` (written.csv) the written points join the gradebook (written_points.py).
    Returns the gradebook's rows.
    """
    found = read_class(folder, out_dir)
    people = read_roster(roster) if roster else None  # a bad roster stops before any grading
    marks = read_marks(written) if written else None  # so does an unreadable written.csv
    similarity = start_similarity(folder, out_dir, similarity_against)
    # matplotlib takes a while to import: done while the graders run, once one does (a
    # regrade that changes nothing reuses the earlier picture and needs none).
    plotting = threading.Thread(target=importlib.import_module, args=("matplotlib.figure",))
    plotting_lock = threading.Lock()
    uids = Queue()
    for slot in range(jobs):
        uids.put(base_uid + slot)  # one sandbox user per parallel slot: no cross-talk

    cache, reused = ResultCache(out_dir, limit_args, fresh), []
    warm = []  # the WarmGraders (or None), started with the first grading

    def job(submission):
        key = cache.key(submission.path)
        kept = cache.load(key, submission.name)
        if kept is not None:  # the same files, rubric, kit and limits: the same result
            reused.append(submission.name)
            return kept
        with plotting_lock:
            if plotting.ident is None:  # not started yet
                plotting.start()
                warm.append(warm_graders())
        uid = uids.get()
        try:
            result = grade_one(submission, uid, limit_args, timeout, warm[0])
        finally:
            uids.put(uid)
        cache.save(key, result)
        return result

    with tempfile.TemporaryDirectory(prefix="grade-all-") as scratch, ThreadPoolExecutor(jobs) as pool:
        stage(found.submissions, scratch)  # Canvas's loose files, each student's in a folder
        try:
            results = list(tqdm(pool.map(job, found.submissions), total=len(found.submissions),
                                desc="grading", unit="submission"))
        except BaseException:  # Ctrl-C, or a failure here: no grader may outlive the class run
            pool.shutdown(wait=False, cancel_futures=True)
            end_every_grader()
            raise
        finally:
            if warm and warm[0]:
                warm[0].close()
    if plotting.ident is not None:
        plotting.join()
    rows = rows_of(found, results, people, late_policy)
    part = apply_marks(rows, marks) if marks is not None else None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = report_keys(row.student for row in rows if row.result is not None)
    regrade = set_aside(out_dir, keys.values())
    if regrade is not None:
        regrade.reused = sorted(reused)
    for row in rows:
        if row.result is not None:
            flag = clash_flag(row.student, keys[row.student])
            if flag:
                row.flags.append(flag)
            write_outputs(row.result, report_folder(out_dir, keys[row.student]))
    write_gradebook(rows, out_dir / "gradebook.csv", part)
    changed = write_changes(regrade, rows, out_dir, part) if regrade else None
    alike = None
    if similarity is not None:
        try:
            matches, _, discounted = similarity.result()
            alike = (matches, discounted)
        except Exception as error:  # the grades are written: a failed comparison must not undo them
            print(f"warning: the similarity report failed ({error!r}); the grades stand",
                  file=sys.stderr)
    write_summary(rows, found, out_dir, changed, regrade, alike)
    if part is not None:
        with open(out_dir / "summary.md", "a") as summary:
            summary.write("\n".join(summary_lines(rows, part)) + "\n")
    return rows


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
    from .similarity import run_similarity  # only when asked for
    side = ThreadPoolExecutor(1)
    future = side.submit(run_similarity, folder, out_dir, against)
    side.shutdown(wait=False)  # the thread finishes its one job; result() waits for it
    return future
