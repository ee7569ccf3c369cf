"""The further checks: silent on the reference, not run on the stubs, and they catch what the
public cases let through (`=` for `+=` in pooling backward, L2 without its 0.5)."""
import pytest

from autograder.grading.grade import grade_files
from autograder.rubric.cases import PUBLIC
from autograder.student.further_checks import PROPERTIES, run_further_checks

POOL_ASSIGNS = ("dx[n, c, hs + r, ws + s] += dout[n, c, i, j]", "dx[n, c, hs + r, ws + s] = dout[n, c, i, j]")
L2_WITHOUT_HALF = ("loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)",
                   "loss += self.reg * np.sum(self.params[name] ** 2)")


def mutant(files, rel, change):
    old, new = change
    assert files[rel].count(old) == 1, f"the reference changed: {old!r} is not in {rel} once"
    return {**files, rel: files[rel].replace(old, new)}


def states(findings, function):
    return {f.situation: f.state for f in findings if f.function == function}


def test_every_graded_function_has_a_further_check_and_the_reference_passes_them_all(reference_files):
    findings = run_further_checks(reference_files)
    assert {f.function for f in findings} == {p.function for p in PROPERTIES}
    assert [f.line() for f in findings if f.state != "agrees"] == []


def test_on_the_stubs_nothing_runs_and_nothing_is_blamed(stub_files):
    assert {f.state for f in run_further_checks(stub_files)} == {"not run"}


def test_assigning_instead_of_adding_in_pooling_backward_is_caught_where_windows_overlap(reference_files):
    files = mutant(reference_files, "layers.py", POOL_ASSIGNS)
    public = grade_files("mutant", files, visibilities=(PUBLIC,), functions={"max_pool_backward_naive"})
    assert public.cases and all(case.passed for case in public.cases)  # what make check said before

    findings = run_further_checks(files, {"max_pool_backward_naive"})
    found = states(findings, "max_pool_backward_naive")
    assert found == {"when pooling windows overlap (3x3 windows, stride 2)": "disagrees",
                     "when pooling windows overlap (2x3 windows, stride 1, N = 1)": "disagrees",
                     "with 2x2 windows, stride 2, on a non-square input": "agrees"}
    said = [f.line() for f in findings if f.state == "disagrees"][0]
    assert said.startswith("max_pool_backward_naive, when pooling windows overlap")
    assert "your dx disagrees with your own forward" in said


def test_l2_without_its_half_is_caught_by_the_nets_own_gradient_check(reference_files):
    files = mutant(reference_files, "classifiers/cnn.py", L2_WITHOUT_HALF)
    public = grade_files("mutant", files, visibilities=(PUBLIC,), functions={"ThreeLayerConvNet"})
    assert public.cases and all(case.passed for case in public.cases)

    found = states(run_further_checks(files, {"ThreeLayerConvNet"}), "ThreeLayerConvNet")
    assert found["with L2 regularization (reg = 0.7)"] == "disagrees"
    assert found["without regularization"] == "agrees"


@pytest.mark.parametrize("change, function, situation", [
    (("dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]",
      "dx_pad[n, :, hs:hs + HH, ws:ws + WW] = w[f] * dout[n, f, i, j]"),
     "conv_backward_naive", "with stride 2, pad 1, a non-square input and kernel"),
    (("sample_var = x.var(axis=0)", "sample_var = x.var(axis=0, ddof=1)"),
     "batchnorm_forward", "in train mode, N = 16, D = 5"),
    (("std = np.sqrt(x_groups.var(axis=2, keepdims=True) + eps)",
      "std = np.sqrt(x_groups.var(axis=2, keepdims=True, ddof=1) + eps)"),
     "spatial_groupnorm_forward", "with G = C (each channel of each sample on its own)"),
])
def test_other_slips_are_caught_too(reference_files, change, function, situation):
    files = mutant(reference_files, "layers.py", change)
    assert states(run_further_checks(files, {function}), function)[situation] == "disagrees"
