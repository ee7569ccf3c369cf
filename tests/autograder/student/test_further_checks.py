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


def in_function(files, function, old, new):
    """layers.py with `old` replaced by `new` in `function` (the first time after its def)."""
    text = files["layers.py"]
    start = text.index(f"def {function}(")
    return dict(files, **{"layers.py": text[:start] + text[start:].replace(old, new, 1)})


def public_and_further(files, function):
    public = grade_files("mutant", files, visibilities=(PUBLIC,), functions={function})
    return public, {f.situation: f for f in run_further_checks(files, {function})}


def test_windows_that_move_one_pixel_at_a_time_are_named_in_words(reference_files):
    """The commonest stride bug keeps the output's shape: the public case only says numbers,
    the strided delta kernel says what is wrong (and the catalog names it)."""
    files = in_function(reference_files, "conv_forward_naive", "hs, ws = i * stride, j * stride", "hs, ws = i, j")
    public, further = public_and_further(files, "conv_forward_naive")
    strided = next(f for s, f in further.items() if "stride 2" in s and "delta" in s)
    assert strided.state == "disagrees" and "one pixel at a time" in strided.details[0]
    failing = [c for c in public.cases if not c.passed]
    assert failing and any("one pixel at a time" in m for c in failing for m in c.mistakes)


def test_the_biases_regularized_too_is_said_in_words(reference_files):
    files = mutant(reference_files, "classifiers/cnn.py", (
        'for name in ("W1", "W2", "W3"):', 'for name in ("W1", "W2", "W3", "b1", "b2", "b3"):'))
    public, further = public_and_further(files, "ThreeLayerConvNet")
    assert all(case.passed for case in public.cases)  # reg = 0 in the public loss case
    finding = next(f for s, f in further.items() if "against the same loss with reg = 0" in s)
    assert finding.state == "disagrees" and finding.details == [
        "the biases are regularized too: L2 applies to the weights W1, W2, W3 only"]


def test_spatial_batchnorm_that_ignores_test_mode_is_caught(reference_files):
    files = mutant(reference_files, "layers.py", (
        "out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)",
        "bn_param['mode'] = 'train'\n    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)"))
    public, further = public_and_further(files, "spatial_batchnorm_forward")
    assert all(case.passed for case in public.cases)  # the public case is in train mode
    finding = next(f for s, f in further.items() if "in test mode" in s)
    assert finding.state == "disagrees" and "running_mean and running_var" in finding.details[0]


def test_code_that_raises_on_our_shapes_is_a_disagreement_that_says_what_it_raised(reference_files):
    files = in_function(reference_files, "conv_forward_naive", "window = x_pad[n, :, hs:hs + HH, ws:ws + WW]",
                        "window = x_pad[n, :, hs:hs + HH, ws:ws + HH]")
    finding = next(f for f in run_further_checks(files, {"conv_forward_naive"}) if "non-square" in f.situation)
    assert finding.state == "disagrees" and finding.details[0].startswith("your conv_forward_naive raised")
