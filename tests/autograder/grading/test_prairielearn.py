"""PrairieLearn's results.json from a graded submission: sizes, escaping, hidden cases, time."""
import json
import math
from dataclasses import replace

import pytest

from autograder.escape.text import terminal
from autograder.grading import prairielearn as pl
from autograder.grading.results import CaseResult, Check, SubmissionResult
from autograder.paths import FIXTURES
from autograder.sandbox.limits import Limits
from autograder.sandbox.sandbox import MARGIN

ACTING = "\x1b[31m\u202e\u200b"   # an ANSI colour, a right-to-left override, a zero-width space


def submission(cases=4, feedback="", visibility="public"):
    result = SubmissionResult("your submission", isolation={"time limit": [True, "1 s per case"]})
    for i in range(cases):
        case = CaseResult("conv_forward_naive", f"case {i}", visibility if i % 2 else "public", 2.0,
                          score=2.0 * (i % 3 == 0))
        case.checks = [Check("out", case.score > 0, f"relative error {i}e-3 {feedback}")]
        case.traceback = feedback
        case.mistakes = [f"mistake number {i}"]
        result.cases.append(case)
    return result


def test_score_is_the_tests_points_over_their_max_points():
    results = pl.prairielearn_results(submission(cases=5))
    points = [t["points"] for t in results["tests"]]
    assert points == [2.0, 0.0, 0.0, 2.0, 0.0]
    assert results["score"] == pytest.approx(4 / 10)


def test_a_hidden_case_shows_its_name_and_points_and_nothing_else():
    results = pl.prairielearn_results(submission(cases=4, feedback="SECRET-DETAIL", visibility="hidden"))
    hidden = [t for t in results["tests"] if t["description"] == pl.HIDDEN_DESCRIPTION]
    assert [t["name"] for t in hidden] == ["conv_forward_naive: case 1", "conv_forward_naive: case 3"]
    text = json.dumps(results)
    assert "mistake number 1" not in text and "mistake number 3" not in text
    assert text.count("SECRET-DETAIL") == 2 * 2  # the public cases' checks and tracebacks only
    assert "mistake number 0" in results["message"] and "mistake number 2" in results["message"]


def test_what_a_student_controls_is_shown_not_obeyed():
    results = pl.prairielearn_results(submission(feedback=f"raise ValueError('{ACTING}<b>x</b>')"))
    text = json.dumps(results, ensure_ascii=False)
    assert not any(char in text for char in ("\x1b", "\u202e", "\u200b"))
    assert "<U+001B>[31m<U+202E><U+200B>" in results["tests"][0]["output"]
    # Not HTML-escaped here: PrairieLearn's ansi2html escapes &, <, > itself.
    assert "<b>x</b>" in results["tests"][0]["output"]


def test_results_stay_under_a_megabyte_whatever_the_feedback():
    huge = "\u00e9\u202e" * 50_000  # 6 bytes and 8 once JSON-escaped and made visible
    text = pl.within_size(lambda most: pl.prairielearn_results(submission(cases=60, feedback=huge), most))
    assert len(text.encode()) <= pl.MAX_RESULTS_BYTES
    results = json.loads(text)
    assert results["gradable"] is True and len(results["tests"]) == 60
    assert "characters in all)" in results["tests"][0]["output"]


def test_not_gradable_has_format_errors_and_no_tests():
    results = pl.not_gradable([f"layers.py{ACTING} does not parse"], "why")
    assert results["gradable"] is False and results["tests"] == []
    assert results["format_errors"] == [terminal(f"layers.py{ACTING} does not parse")]


def test_the_worst_case_fits_in_prairielearns_timeout():
    cases = len(list(FIXTURES.rglob("*.npz")))  # a fixture per case the grader may run
    assert pl.graded_case_count() == cases
    limits = pl.fitted_limits()
    assert pl.WORKER_MARGIN == MARGIN
    assert limits.seconds_per_case <= Limits().seconds_per_case
    worst = (limits.seconds_to_import + MARGIN + pl.STARTUP_SECONDS
             + cases * (limits.seconds_per_case + pl.SECONDS_PER_CASE_OVERHEAD))
    assert worst <= pl.timeout_seconds(limits) <= 600
    assert replace(limits, seconds_per_case=Limits().seconds_per_case) == Limits()
    # Where the kit's own limits fit, they are kept as they are.
    assert pl.fitted_limits(most=math.inf) == Limits()


@pytest.mark.slow
def test_the_alarm_stops_grading_before_prairielearn_would(tmp_path, monkeypatch, reference_files):
    """Code that loops forever on every case: the alarm rings, the sandbox stops everything,
    and results.json says the job ran out of time, without charging an attempt."""
    student = tmp_path / "student"
    student.mkdir()
    looping = reference_files["layers.py"].replace(
        "def conv_forward_naive(x, w, b, conv_param):", "def conv_forward_naive(x, w, b, conv_param):\n"
        "    while True:\n        pass\n\n\ndef _unused(x, w, b, conv_param):", 1)
    (student / "layers.py").write_text(looping)
    monkeypatch.setattr(pl, "timeout_seconds", lambda limits=None: pl.STOP_BEFORE + 3)
    assert pl.main({pl.GRADE_ROOT: str(tmp_path)}) == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["gradable"] is False
    assert "longer than the 13 s PrairieLearn allows" in results["format_errors"][0]
