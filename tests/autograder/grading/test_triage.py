"""What a person should know first: the status of a submission, the one thing to fix, and an
error many cases share said once. Held against real gradings of broken files made from our
reference (a syntax error, an attribute NumPy removed, a loop that never ends) and a real
corrupt zip."""
import json
import re
import subprocess
import sys

import pytest

from autograder.grading.grade import grade_files
from autograder.grading.report import markdown_report
from autograder.grading.results import CaseResult, SubmissionResult
from autograder.grading.triage import (COULD_NOT_READ, GRADED, IMPORT_FAILED, TIMED_OUT,
                                       exception_part, fix_first, repeated_errors, status)
from autograder.rubric.cases import RUBRIC
from autograder.sandbox.limits import Limits

from ..conftest import ROOT


def broken(reference_files, function, edit):
    """The reference with `edit(def line) -> text` applied to `function`'s def line."""
    layers = reference_files["layers.py"]
    header = re.search(rf"^def {function}\(.*\):\n", layers, re.M)
    changed = layers[:header.start()] + edit(header.group()) + layers[header.end():]
    return {**reference_files, "layers.py": changed}, layers[:header.start()].count("\n") + 1


def plain(markdown_text):
    """What a reader sees of our Markdown: escape.markdown's backslashes gone."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown_text)


def cases_section(report):
    return report.split("## Cases", 1)[1]


def test_a_syntax_error_is_the_one_thing_to_fix_and_is_said_once(reference_files):
    files, line = broken(reference_files, "conv_forward_naive", lambda d: d.replace("):", ")", 1))
    result = grade_files("syn", files, limits=Limits(uid=61436))
    assert status(result) == IMPORT_FAILED
    first = fix_first(result)
    assert first.startswith(f"layers.py, line {line}: SyntaxError") and "fix this line first" in first
    report = plain(markdown_report(result))
    top, cases = report.split("## Cases", 1)
    assert "## Read this first" in top and "Fix first" in top and "SyntaxError" in top
    assert "SyntaxError" not in cases  # named in every case before: 53 times
    failing = [c for c in result.cases if not c.passed]
    assert len(failing) == len(result.cases) > 40
    # every case is still listed, by name, in a report a fraction of its old length (6+ lines
    # a case): the cases that failed alike share one block
    assert all(case.title in cases for case in failing)
    assert len(report.splitlines()) < 2.5 * len(failing)


def test_an_error_repeated_across_functions_is_said_once_and_each_case_keeps_its_line(reference_files):
    files, line = broken(reference_files, "conv_forward_naive",
                         lambda d: d + "    x = x.astype(np.float)\n")
    result = grade_files("dep", files, functions=("conv_forward_naive", "conv_backward_naive"),
                         limits=Limits(uid=61435))
    (error, count), = repeated_errors(result)
    assert error.startswith("AttributeError: module 'numpy' has no attribute 'float'")
    assert count == len(result.cases) == 9
    report = plain(markdown_report(result))
    assert report.count("np.float64") == 1  # NumPy's long message, once, at the top
    assert cases_section(report).count(f"layers.py, line {line + 1}, in conv_forward_naive") == 2
    assert status(result) == GRADED  # it ran: the grade stands, the error is said


@pytest.mark.slow
def test_a_function_that_hangs_is_timed_out_and_named(reference_files):
    files, _ = broken(reference_files, "max_pool_forward_naive",
                      lambda d: d + "    while True:\n        pass\n")
    result = grade_files("loop", files, functions=("max_pool_forward_naive",),
                         limits=Limits(seconds_per_case=1, uid=61437))
    assert status(result) == TIMED_OUT
    cases = sum(len(graded.cases) for graded in RUBRIC if graded.function == "max_pool_forward_naive")
    assert f"`max_pool_forward_naive` in {cases} of {cases} cases" in fix_first(result)
    assert "did not finish within 1 s" in fix_first(result)


def test_a_corrupt_zip_is_could_not_read_with_no_total_and_the_sandbox_said_never_to_start(tmp_path):
    (tmp_path / "amy.zip").write_bytes(b"PK\x03\x04 not really")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "amy.zip"),
                           "--json"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0
    result = SubmissionResult.from_dict(json.loads(done.stdout.splitlines()[-1]))
    assert status(result) == COULD_NOT_READ and result.failure == COULD_NOT_READ
    report = plain(markdown_report(result))
    assert report.startswith("# amy: not graded (could not read)")
    assert "not graded: the sandbox never started because" in report
    assert "isolation unknown" not in report


def test_exception_part_and_groups_of_cases_that_failed_alike():
    trace = "  layers.py, line 3, in f\n    y = g(x)\nValueError: bad\n  more of it\n"
    assert exception_part(trace) == "ValueError: bad\n  more of it"
    cases = [CaseResult("f", f"case {n}", "public", 1.0, problem="your code raised ValueError: bad",
                        traceback=trace) for n in range(3)]
    cases.append(CaseResult("f", "passes", "public", 1.0, score=1.0))
    result = SubmissionResult("s", cases=cases)
    assert repeated_errors(result) == [("ValueError: bad\n  more of it", 3)]
    report = plain(markdown_report(result))
    blocks = cases_section(report).split("```\n\n```")
    assert len(blocks) == 2 and all(f"case {n}" in blocks[0] for n in range(3))
    assert "ValueError" not in cases_section(report) and report.count("ValueError: bad") == 2


def test_without_an_error_the_fix_first_is_the_function_others_fail_through_or_the_costliest():
    cases = [CaseResult("conv_forward_naive", "a", "public", 4.0, score=1.0),
             CaseResult("max_pool_forward_naive", "b", "public", 2.0, score=0.0)]
    assert fix_first(SubmissionResult("s", cases=cases)) == (
        "`conv_forward_naive` loses the most points (3 of 4): start there")
    cases[1].diagnoses = [{"pattern": "fix batchnorm_forward first", "text": "..."}]
    assert fix_first(SubmissionResult("s", cases=cases)).startswith("fix batchnorm_forward first: 1 ")
    assert fix_first(SubmissionResult("s", cases=[CaseResult("f", "a", "public", 1.0, score=1.0)])) == ""
