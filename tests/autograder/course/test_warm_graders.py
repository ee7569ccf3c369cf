"""Graders forked from the class run's warm process: the same results as graders started
afresh, nothing of a grader left once it is ended, and a class run that goes on when the warm
process is gone."""
import os
import time
from types import SimpleNamespace

import pytest

from autograder.course import grade_all as class_run
from autograder.course.warm_graders import FreshGrader, WarmGrader, WarmGraders, start_grader


def write(folder, files):
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def a_class(tmp_path, reference_files, stub_files):
    klass = tmp_path / "class"
    write(klass / "alice", reference_files)
    write(klass / "bob", stub_files)
    broken = dict(reference_files, **{"layers.py": reference_files["layers.py"] + "\n(:\n"})
    write(klass / "carol", broken)
    return klass


def scores(rows):
    return {row.student: (row.result.score, row.result.by_function(), row.result.failure,
                          [(case.score, case.problem, case.mistakes) for case in row.result.cases]) for row in rows}


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def warm():
    graders = WarmGraders()
    yield graders
    graders.close()


@pytest.mark.slow
def test_a_class_graded_by_warm_graders_is_graded_as_by_fresh_ones(tmp_path, reference_files,
                                                                    stub_files, monkeypatch):
    klass = a_class(tmp_path, reference_files, stub_files)
    forked = []
    real_start = class_run.start_grader
    monkeypatch.setattr(class_run, "start_grader", lambda *a: forked.append(real_start(*a)) or forked[-1])
    warm = scores(class_run.grade_all(klass, tmp_path / "warm", jobs=2))
    assert forked and all(isinstance(grader, WarmGrader) for grader in forked)
    monkeypatch.setattr(class_run, "warm_graders", lambda: None)
    del forked[:]
    fresh = scores(class_run.grade_all(klass, tmp_path / "fresh", jobs=2, fresh=True))
    assert forked and all(isinstance(grader, FreshGrader) for grader in forked)
    assert warm == fresh
    assert warm["alice"][0] == 100 and warm["bob"][0] == 0 and warm["carol"][0] == 0


def test_what_a_warm_grader_prints_comes_back_and_it_is_gone_once_ended(tmp_path, warm):
    grader = WarmGrader(warm, ["grade", str(tmp_path / "nobody.zip"), "--json"])
    stdout, stderr = grader.communicate(timeout=60)
    assert stdout == "" and "nobody.zip: no such file or folder" in stderr
    class_run.end_grader(grader)
    assert grader.reaped and gone(grader.pid)


def test_a_warm_grader_past_its_time_is_killed_with_its_session(tmp_path, reference_files, warm,
                                                                 monkeypatch):
    submission = SimpleNamespace(path=write(tmp_path / "alice", reference_files), name="alice")
    started = []
    real_start = class_run.start_grader
    monkeypatch.setattr(class_run, "start_grader", lambda *a: started.append(real_start(*a)) or started[-1])
    result = class_run.grade_one(submission, 61000, [], 0.05, warm)  # mid-grading at 0.05 s
    assert result.failure and "took more than 0.05 s in all" in result.notes[0]
    assert isinstance(started[0], WarmGrader) and started[0].reaped and gone(started[0].pid)


def test_the_class_run_goes_on_when_the_warm_process_is_gone(tmp_path, reference_files, warm):
    warm.process.kill()
    warm.process.wait()
    submission = SimpleNamespace(path=write(tmp_path / "alice", reference_files), name="alice")
    grader = start_grader(["grade", str(submission.path), "--json"], None, warm)
    assert isinstance(grader, FreshGrader)  # started afresh instead
    class_run.end_grader(grader)
    started = time.monotonic()
    result = class_run.grade_one(submission, 61000, [], 120, warm)
    assert result.score == 100 and time.monotonic() - started < 120


@pytest.mark.skipif(not os.path.exists("/proc/self/environ"), reason="reads /proc")
def test_the_warm_process_starts_without_the_staff_members_other_variables(monkeypatch):
    """Its memory is every forked worker's: a token in grade-all's environment stays out."""
    monkeypatch.setenv("STAFF_API_TOKEN", "do-not-leak")
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", "")
    graders = WarmGraders()
    try:
        with open(f"/proc/{graders.process.pid}/environ", "rb") as environ:
            names = {entry.split(b"=", 1)[0] for entry in environ.read().split(b"\0") if entry}
    finally:
        graders.close()
    assert b"STAFF_API_TOKEN" not in names and b"AUTOGRADER_PRETEND_MISSING" in names
