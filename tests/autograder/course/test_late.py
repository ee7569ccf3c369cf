"""The late policy: whole days rounded up from the deadline, Canvas's flag honoured, a cap, and
the raw score kept beside the penalized one in the gradebook and the long export."""
import csv
from datetime import timedelta

import pytest

from autograder.course.export import export_long
from autograder.course.gradebook import rows_of, write_gradebook
from autograder.course.late import LatePolicy, LatePolicyError, parse_time
from autograder.course.layouts import ClassFolder, Student, Submission
from autograder.grading.results import CaseResult, SubmissionResult

DEADLINE = parse_time("2026-11-20T23:59-08:00")


def test_gradescope_times_are_read_with_their_zone_and_days_round_up():
    policy = LatePolicy(DEADLINE, 10)
    on_time = {"submitted_at": "2026-11-20 23:58:59.999999999 -08:00"}
    a_minute = {"submitted_at": "2026-11-21 00:00:30.412356000 -08:00"}
    in_utc = {"submitted_at": "2026-11-22T08:00:00Z"}  # 2026-11-22 00:00 at -08:00
    assert policy.days_late(on_time)[0] == 0
    assert policy.days_late(a_minute)[0] == 1
    assert policy.days_late(in_utc)[0] == 2
    assert parse_time("2026-11-20 13:56:01.412356000 -08:00").utcoffset() == timedelta(hours=-8)


def test_canvas_late_flag_counts_a_day_and_the_cap_holds():
    policy = LatePolicy(None, 30, cap=50)
    assert policy.days_late({"late": "late"}) == (1, "late by Canvas's flag, time not known: counted as 1 day")
    assert policy.days_late({"late": ""})[0] == 0
    assert policy.penalty(1) == 30 and policy.penalty(3) == 50
    with pytest.raises(LatePolicyError, match="write it as"):
        parse_time("next friday", "--deadline")


def graded(student, score):
    return SubmissionResult(student, cases=[CaseResult("conv_forward_naive", "c", "public", 100.0,
                                                       score=score)])


def test_the_penalty_is_in_the_gradebook_and_the_long_export_with_the_raw_score(tmp_path):
    found = ClassFolder("test")
    people = [Student("ada", {"submitted_at": "2026-11-23T10:00-08:00"}),  # 3 days late
              Student("bea", {"late": "late"}), Student("cy", {"submitted_at": "2026-11-19T10:00-08:00"})]
    found.submissions = [Submission([p], f"{p.key}/") for p in people]
    rows = rows_of(found, [graded("ada", 80), graded("bea", 90), graded("cy", 70)],
                   late_policy=LatePolicy(DEADLINE, 10, cap=25))
    values = {r.student: r.values() for r in rows}
    assert (values["ada"]["total"], values["ada"]["raw_total"], values["ada"]["days_late"],
            values["ada"]["late_penalty"]) == (60.0, 80.0, 3, 25)
    assert (values["bea"]["total"], values["bea"]["days_late"]) == (81.0, 1)
    assert values["cy"]["total"] == 70.0 and values["cy"]["late_penalty"] == ""
    assert "late 3 days" in values["ada"]["flags"]
    (tmp_path / "grades").mkdir()
    write_gradebook(rows, tmp_path / "grades" / "gradebook.csv")
    export_long(tmp_path / "grades", tmp_path / "long.csv")
    with open(tmp_path / "long.csv", newline="") as file:
        long = {r["student"]: r for r in csv.DictReader(file)}
    assert (long["ada"]["score"], long["ada"]["raw_score"], long["ada"]["late_penalty"]) == ("60", "80", "25")
