"""The rubric proves itself: every plausible wrong variant of a graded function loses marks.

A mutant that scores full marks on every case is a real bug the rubric would let through;
the cleanest fix is a case that tells it apart (a non-square output, a test-mode step, ...).
"""
import importlib.util
from pathlib import Path

import pytest

from autograder.grading.compare import check_outputs
from autograder.rubric.cases import RUBRIC
from autograder.rubric.fixtures import load_fixture, run_on, split_fixture
from autograder.rubric.mistakes import MISTAKES, Mistake


def sibling(name):
    """A helper module beside this test (pytest imports tests by path here, not by package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutants = sibling("mutants")
MUTANTS, as_mistake = mutants.MUTANTS, mutants.as_mistake

BY_NAME = {graded.function: graded for graded in RUBRIC}


def cases_lost(graded, mistake):
    """Titles of the cases on which `mistake` (a variant of the reference) loses marks."""
    lost = []
    for case in graded.cases:
        inputs, expected, _ = split_fixture(load_fixture(graded, case))
        inputs = {**{k: inputs[k] for k in case.inputs if k in inputs}, **inputs}  # argument order
        kind = case.kind or graded.kind
        try:
            got = run_on(mistake.layers(), mistake.net_class, graded, case, inputs)
        except Exception:  # it crashed on this case: no marks for it
            lost.append(case.title)
            continue
        checks = check_outputs(kind, got, {}, expected, inputs, graded.tolerance)
        if not all(check.passed for check in checks):
            lost.append(case.title)
    return lost


def every_mutant():
    for function, mutants in MUTANTS.items():
        for name, override in mutants.items():
            yield pytest.param(function, override, id=f"{function}: {name}")
    for name, mistake in MISTAKES.items():
        for graded in RUBRIC:
            if name in graded.mistakes:
                yield pytest.param(graded.function, mistake, id=f"{graded.function}: {name}")


@pytest.mark.parametrize("function, mutant", list(every_mutant()))
def test_every_mutant_loses_marks_on_some_case(function, mutant):
    mistake = mutant if hasattr(mutant, "layers") else as_mistake(function, mutant)
    assert cases_lost(BY_NAME[function], mistake), "full marks on every case: add a case that tells it apart"


def test_the_reference_loses_nothing():
    reference = Mistake("", {})
    for graded in RUBRIC:
        assert cases_lost(graded, reference) == [], graded.function


def test_every_graded_function_has_mutants():
    assert set(MUTANTS) | {g.function for g in RUBRIC if g.mistakes} == set(BY_NAME)


def marks_lost(graded, mistake):
    """Points `mistake` loses on `graded`, as grading scores them: a case's points shared by
    its checks, a crash losing the whole case."""
    lost = 0.0
    for case in graded.cases:
        inputs, expected, _ = split_fixture(load_fixture(graded, case))
        inputs = {**{k: inputs[k] for k in case.inputs if k in inputs}, **inputs}
        try:
            got = run_on(mistake.layers(), mistake.net_class, graded, case, inputs)
        except Exception:
            lost += graded.case_points(case)
            continue
        checks = check_outputs(case.kind or graded.kind, got, {}, expected, inputs, graded.tolerance)
        lost += graded.case_points(case) * sum(not c.passed for c in checks) / len(checks)
    return lost


def test_a_wrong_test_mode_costs_a_third_of_batchnorm_forward_and_more_than_a_running_slip():
    graded = BY_NAME["batchnorm_forward"]
    batchnorm = MUTANTS["batchnorm_forward"]
    wrong_test = [marks_lost(graded, as_mistake(graded.function, batchnorm[name]))
                  for name in ("test mode subtracts beta", "test mode uses the batch's statistics")]
    wrong_test.append(marks_lost(graded, MISTAKES["bn_test_uses_batch_statistics"]))
    slip = marks_lost(graded, as_mistake(graded.function, batchnorm["eps added into running_var"]))
    assert min(wrong_test) >= graded.points / 3, wrong_test
    assert 0 < slip < min(wrong_test), (slip, wrong_test)


@pytest.mark.parametrize("name", ["padding for 3x3 and 7x7 filters only",
                                  "loss assumes a square input"])
def test_a_net_for_square_inputs_or_3_and_7_filters_loses_the_non_square_case(name):
    graded = BY_NAME["ThreeLayerConvNet"]
    mistake = as_mistake(graded.function, MUTANTS["ThreeLayerConvNet"][name])
    (case,) = [c for c in graded.cases if "non-square input (10 x 6)" in c.title]
    assert case.title in cases_lost(graded, mistake)
    assert marks_lost(graded, mistake) >= graded.case_points(case)
