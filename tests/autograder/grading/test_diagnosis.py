"""Diagnosis: each pattern on synthetic arrays, across cases, dependencies, and end to end on
mistakes nobody catalogued (diagnosis_mutants.py) graded by the real grader."""
import re
import runpy
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.compare import check_outputs, self_check_advice
from autograder.grading.diagnosis import (
    PATTERNS, across_cases, dependency, diagnose_outputs, diagnose_submission, diagnosis_counts,
    graded_calls, most_frequent)
from autograder.grading.grade import grade_files
from autograder.grading.report import case_feedback, gradescope_results
from autograder.grading.results import CaseResult, Check, SubmissionResult
from autograder.rubric.cases import FORWARD_TOL, RUBRIC

MUTANTS = runpy.run_path(str(Path(__file__).with_name("diagnosis_mutants.py")))
BY_NAME = {g.function: g for g in RUBRIC}
RNG = np.random.default_rng(0)


def read(got, expected, inputs=None, kind="forward", key="out"):
    """The patterns diagnose_outputs finds in one failing output."""
    checks = check_outputs(kind, {key: got}, {}, {key: expected}, {}, FORWARD_TOL)
    found = diagnose_outputs(kind, checks, {key: got}, {key: expected}, inputs or {}, FORWARD_TOL)
    return [d["pattern"] for d in found], " ".join(d["text"] for d in found)


# -- one output ---------------------------------------------------------------------------------

EXPECTED = RNG.standard_normal((2, 3, 5, 6))


def test_a_factor_is_named_after_the_size_it_equals():
    x = np.zeros((2, 3, 5, 6))
    patterns, text = read(EXPECTED / 30, EXPECTED, {"x": x})
    assert patterns == ["constant factor"] and "1/(H·W)" in text
    patterns, text = read(EXPECTED * 0.37, EXPECTED, {"x": x})
    assert patterns == ["constant factor"] and "0.37" in text and "H·W" not in text


@pytest.mark.parametrize("transform, pattern", [
    (lambda e: -e, "sign flip"),
    (lambda e: np.zeros_like(e), "all zeros"),
    (lambda e: e + np.arange(3)[None, :, None, None] + 1, "constant offset"),
    (lambda e: e * (np.arange(3) + 2)[None, :, None, None], "factor per channel or feature"),
    (lambda e: e.swapaxes(2, 3), "wrong layout"),                         # (N, C, W, H)
    (lambda e: e.transpose(0, 2, 3, 1).reshape(e.shape), "wrong layout"),  # reshape, no transpose
    (lambda e: np.concatenate([e[..., :-1], e[..., -1:] + 1], axis=3), "last row or column"),
    (lambda e: np.pad(e[:, :, 1:-1, 1:-1], ((0, 0), (0, 0), (1, 1), (1, 1))), "border only"),
    (lambda e: np.concatenate([e[:1], 0 * e[1:]]), "some samples right"),
    (lambda e: np.concatenate([e[:, :1], e[:, 1:] + RNG.standard_normal(e[:, 1:].shape)], axis=1),
     "some channels right"),
])
def test_each_pattern_in_one_output(transform, pattern):
    expected = EXPECTED[:, :, :5, :5] if pattern == "wrong layout" else EXPECTED
    x = np.zeros_like(expected)
    assert read(transform(expected), expected, {"x": x, "conv_param": {"pad": 1}})[0] == [pattern]


def test_an_offset_or_factor_that_is_an_input_is_named():
    b = RNG.standard_normal(3)
    assert "exactly b: b is added twice" in read(EXPECTED + b[None, :, None, None], EXPECTED, {"b": b})[1]
    gamma = RNG.standard_normal(3) + 2
    text = read(EXPECTED / gamma[None, :, None, None], EXPECTED, {"gamma": gamma})[1]
    assert "exactly gamma: gamma is missing" in text


def test_the_input_returned_unchanged():
    x = RNG.standard_normal(EXPECTED.shape)
    assert read(x.copy(), EXPECTED, {"x": x})[0] == ["input returned unchanged"]


def test_right_values_in_another_shape():
    patterns, text = read(EXPECTED.reshape(6, 30), EXPECTED)
    assert patterns == ["wrong layout"] and "right order" in text
    patterns, text = read(EXPECTED.transpose(0, 2, 3, 1), EXPECTED)
    assert patterns == ["wrong layout"] and ".transpose(0, 3, 1, 2)" in text


def test_an_unrelated_or_barely_wrong_output_gets_no_diagnosis():
    assert read(RNG.standard_normal(EXPECTED.shape), EXPECTED)[0] == []
    assert read(EXPECTED * (1 + 1e-6), EXPECTED)[0] == []  # fails the check; no shape to read
    assert read(RNG.standard_normal((2, 3)), EXPECTED)[0] == []  # the shape line says it all


def test_no_diagnosis_where_the_check_passes_or_a_named_mistake_speaks():
    checks = [Check("out", True, "ok")]
    assert diagnose_outputs("forward", checks, {"out": -EXPECTED}, {"out": EXPECTED}, {}, 1e-7) == []
    checks = [Check("out", False, "x")]
    assert diagnose_outputs("forward", checks, {"out": -EXPECTED}, {"out": EXPECTED}, {}, 1e-7,
                            ["a named mistake"]) == []


def test_values_right_up_to_size_one_axes_are_not_read_as_a_layout():
    want = RNG.standard_normal((1, 4, 1, 1))
    assert read(want.ravel(), want)[0] == []  # the shape rule speaks, not a diagnosis
    assert read(-want.ravel(), want)[0] == ["sign flip"]


# -- never contradict: the self-check's advice ------------------------------------------------------

def advice_for(analytic, numerical, check):
    """self_check_advice on one gradient dx, probed at its first entries."""
    got = {"dx": analytic, "numerical_dx": numerical}
    return " ".join(self_check_advice(got, {"probe_dx": np.arange(numerical.size, dtype=float)}, [check]))


def test_a_failure_that_is_only_a_shape_is_not_blamed_on_the_forward():
    dx = RNG.standard_normal(4)
    shape_only = Check("dx", False, "dx has shape (4,), expected (1, 4)")
    assert advice_for(dx, dx[:3], shape_only) == ""
    values = Check("dx", False, "dx: relative error 1", 1.0, 1e-7)
    assert "it is your forward pass" in advice_for(dx, dx[:3], values)


def test_a_backward_that_matches_the_reference_is_not_called_wrong():
    dx = RNG.standard_normal(4)
    right = Check("dx", True, "dx: relative error 0", 0.0, 1e-7)
    text = advice_for(dx, dx[:3] + 1, right)
    assert "the backward is right" in text and "backward pass is wrong" not in text


def test_probes_that_all_fall_on_zeros_show_nothing():
    wrong = Check("dx", False, "dx: relative error 1", 1.0, 1e-7)
    assert advice_for(np.zeros(4), np.zeros(3), wrong) == ""


# -- across cases -----------------------------------------------------------------------------------

def results_of(function, fails):
    """CaseResults of a function's cases, failing those whose title `fails` accepts."""
    graded = BY_NAME[function]
    return graded, [CaseResult(function, c.title, c.visibility, 1.0, score=0.0 if fails(c.title) else 1.0)
                    for c in graded.cases]


def test_failing_exactly_where_a_property_holds_is_said():
    graded, cases = results_of("conv_forward_naive", lambda t: "pad 0" in t)
    assert across_cases(graded, cases)["pattern"] == "fails when pad = 0"
    graded, cases = results_of("ThreeLayerConvNet", lambda t: "reg = 0." in t)  # 0.5 and 0.1
    assert across_cases(graded, cases)["pattern"] == "fails when reg > 0"
    graded, cases = results_of("spatial_groupnorm_forward", lambda t: "instance" not in t)
    assert across_cases(graded, cases)["pattern"] == "passes only when G = C"


def test_no_cross_case_diagnosis_when_all_fail_or_the_rubric_cannot_tell():
    graded, cases = results_of("conv_forward_naive", lambda t: True)
    assert across_cases(graded, cases) is None
    # max pooling's only stride-1 case is also its only N = 1, C = 1 case: too many explanations
    graded, cases = results_of("max_pool_forward_naive", lambda t: "stride 1" not in t)
    assert across_cases(graded, cases) is None


# -- dependencies -------------------------------------------------------------------------------------

def test_graded_calls_are_read_from_the_students_source(reference_files):
    calls = graded_calls(reference_files, {g.function for g in RUBRIC})
    assert calls["spatial_batchnorm_forward"] == {"batchnorm_forward"}
    assert calls["spatial_batchnorm_backward"] == {"batchnorm_backward_alt"}
    assert calls["conv_forward_naive"] == set()
    assert graded_calls({"layers.py": "def broken(:"}, {"broken"}) == {}
    # a net that runs the student's own naive layers instead of the provided fast ones
    net = ("class ThreeLayerConvNet:\n    def loss(self, X):\n"
           "        a, _ = layers.conv_forward_naive(X, 1, 2, {})\n"
           "        return max_pool_forward_naive(a, {})\n")
    assert graded_calls({"classifiers/cnn.py": net}, {g.function for g in RUBRIC}) == {
        "ThreeLayerConvNet": {"conv_forward_naive", "max_pool_forward_naive"}}


def test_a_backward_blames_its_forward_only_when_its_own_numbers_point_there():
    graded = BY_NAME["batchnorm_backward"]
    agrees = CaseResult(graded.function, "t", "public", 1.0,
                        advice=["dx matches a numerical gradient of your own forward (error 1e-10) ..."])
    disagrees = CaseResult(graded.function, "t", "public", 1.0,
                           advice=["dx does not match a numerical gradient of your own forward"])
    assert dependency(graded, agrees, {"batchnorm_forward"}, {})["pattern"] == "fix batchnorm_forward first"
    assert dependency(graded, disagrees, {"batchnorm_forward"}, {}) is None
    assert dependency(graded, agrees, set(), {}) is None  # its forward passes: nothing to blame


def test_at_most_two_diagnoses_a_case_and_none_on_a_passing_one():
    graded, cases = results_of("conv_forward_naive", lambda t: "pad 0" in t)
    for case in cases:
        case.diagnoses = [{"pattern": p, "text": p} for p in ("sign flip", "all zeros")]
    result = diagnose_submission(SubmissionResult("s", cases=cases), [graded], {})
    assert all(len(c.diagnoses) == (0 if c.passed else 2) for c in result.cases)
    assert all(c.diagnoses[1]["pattern"] == "all zeros" for c in result.cases if not c.passed)


def test_the_class_counts_each_diagnosis_once_per_student():
    def student(name, patterns):
        case = CaseResult("conv_forward_naive", "t", "public", 1.0,
                          diagnoses=[{"pattern": p, "text": p} for p in patterns])
        return SubmissionResult(name, cases=[case, case])
    counts = diagnosis_counts([student("a", ["sign flip"]), student("b", ["sign flip", "all zeros"])])
    assert counts == {"conv_forward_naive": Counter({"sign flip": 2, "all zeros": 1})}
    assert most_frequent(counts, "conv_forward_naive") == "sign flip (2); all zeros (1)"
    assert most_frequent(counts, "ThreeLayerConvNet") == "-"


# -- end to end -----------------------------------------------------------------------------------------

def test_the_reference_carries_no_diagnosis_anywhere(reference_files):
    result = grade_files("reference", reference_files)
    assert result.score == 100
    outputs = [t["output"] for t in gradescope_results(result)["tests"]]
    assert not any("Diagnosis" in output for output in outputs)


def mutant_named(name):
    return next(m for m in MUTANTS["MUTANTS"] if m.name == name)


@pytest.mark.parametrize("name, line", [
    ("conv: bias added twice", "Diagnosis: out is off by a constant per channel, which is exactly b: b is added twice."),
    ("pool backward: sign flipped", "Diagnosis: dx has the right magnitude everywhere but the opposite sign"),
    ("bn: momentum fixed at 0.9", "Diagnosis: fails exactly on the cases with momentum other than 0.9"),
    ("sbn through bn with beta added twice",
     "Diagnosis: fix batchnorm_forward first: your spatial_batchnorm_forward calls your batchnorm_forward"),
])
def test_an_uncatalogued_mistake_gets_a_line_of_its_own(name, line):
    mutant = mutant_named(name)
    result = MUTANTS["grade"](mutant, MUTANTS["reference_files"]())
    failing = [case_feedback(c) for c in result.cases if c.function == mutant.target and not c.passed]
    assert failing and any(text.startswith(line) for output in failing for text in output.splitlines())


@pytest.mark.slow
@pytest.mark.parametrize("mutant", [
    pytest.param(m, id=m.name) for m in MUTANTS["MUTANTS"]])
def test_every_uncatalogued_mistake_gets_a_fitting_diagnosis_or_none(mutant, reference_files):
    result = MUTANTS["grade"](mutant, reference_files)
    patterns = MUTANTS["patterns_of"](result, mutant.target)
    assert MUTANTS["classify"](mutant, patterns)[0] in ("fitting", "silent"), patterns
    for case in result.cases:
        for line in case_feedback(case).splitlines():
            assert not line.startswith("Diagnosis:") or not case.passed
        if case.visibility == "hidden" and case.diagnoses:
            assert_no_expected_value_in(case)


def assert_no_expected_value_in(case):
    """A hidden case's readings of its outputs print no value but a factor k: no decimal
    number elsewhere (whole numbers are indices, sizes and axes). The other diagnoses are
    made of the rubric's words (properties, function names), not of the outputs."""
    for text in (d["text"] for d in case.diagnoses if d["pattern"] in dict(PATTERNS)):
        assert not re.findall(r"\d\.\d", re.sub(r"k = -?[\d.e+-]+", "k", text)), text
