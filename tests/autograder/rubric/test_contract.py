"""Every case stays inside the assignment's contract, as CS231n states it.

CS231n's fast layers assert `(W + 2 * pad - filter_width) % stride == 0`, and its pooling
docstring says "you can assume (H - pool_height) % stride == 0". A case outside that contract
penalizes students who assert it, so the rubric itself is held to it here.
"""
import pytest

from autograder.rubric.cases import RUBRIC, Array, case_id

CONV = ("conv_forward_naive", "conv_backward_naive")
POOL = ("max_pool_forward_naive", "max_pool_backward_naive")
GROUP = ("spatial_groupnorm_forward", "spatial_groupnorm_backward")


def shape(spec):
    return spec.shape if isinstance(spec, Array) else None


def cases_of(functions):
    return [pytest.param(graded, case, id=case_id(graded, case))
            for graded in RUBRIC if graded.function in functions for case in graded.cases]


def whole(numerator, stride):
    return numerator >= 0 and numerator % stride == 0


@pytest.mark.parametrize("graded, case", cases_of(CONV))
def test_conv_output_sizes_are_whole_numbers(graded, case):
    _, _, H, W = shape(case.inputs["x"])
    _, _, HH, WW = shape(case.inputs["w"])
    stride, pad = case.inputs["conv_param"]["stride"], case.inputs["conv_param"]["pad"]
    assert whole(H + 2 * pad - HH, stride), f"H' = 1 + ({H} + 2*{pad} - {HH}) / {stride}"
    assert whole(W + 2 * pad - WW, stride), f"W' = 1 + ({W} + 2*{pad} - {WW}) / {stride}"


@pytest.mark.parametrize("graded, case", cases_of(POOL))
def test_pool_output_sizes_are_whole_numbers(graded, case):
    _, _, H, W = shape(case.inputs["x"])
    param = case.inputs["pool_param"]
    stride = param["stride"]
    assert whole(H - param["pool_height"], stride), f"(H - pool_height) % stride, H = {H}"
    assert whole(W - param["pool_width"], stride), f"(W - pool_width) % stride, W = {W}"


@pytest.mark.parametrize("graded, case", cases_of(GROUP))
def test_groups_divide_the_channels(graded, case):
    assert shape(case.inputs["x"])[1] % case.inputs["G"] == 0


@pytest.mark.parametrize("graded, case", cases_of(("ThreeLayerConvNet",)))
def test_the_net_keeps_its_spatial_size_and_pools_evenly(graded, case):
    """conv stride 1, pad (F - 1) // 2 keeps H x W only for an odd F; the 2x2 pool needs even H, W."""
    kwargs = case.inputs["kwargs"]
    _, H, W = kwargs["input_dim"]
    assert kwargs.get("filter_size", 7) % 2 == 1
    assert H % 2 == 0 and W % 2 == 0


def test_the_contract_test_catches_a_fractional_output():
    """The two hidden conv cases that once broke it (W' = 5.5, H' = 8/3) would fail here."""
    assert not whole(9 + 2 * 2 - 4, 2) and not whole(7 + 2 * 1 - 4, 3)
