"""Case properties are read from each case's inputs, never declared a second time."""
from autograder.rubric.cases import RUBRIC
from autograder.rubric.properties import case_properties, spatial_output

BY_NAME = {g.function: g for g in RUBRIC}


def test_the_properties_are_derived_from_the_inputs():
    conv = BY_NAME["conv_forward_naive"]
    props = case_properties(conv, conv.cases[2])  # stride 2, pad 0, (2, 3, 7, 7)
    assert props["stride > 1"] and props["pad = 0"] and not props["non-square input"]
    pool = BY_NAME["max_pool_backward_naive"]
    assert case_properties(pool, pool.cases[2])["overlapping windows"]  # 2x2 windows, stride 1
    net = BY_NAME["ThreeLayerConvNet"]
    assert [case_properties(net, c).get("reg > 0") for c in net.cases] == [None, None, False, True, True]
    bn = BY_NAME["batchnorm_forward"]
    assert [case_properties(bn, c)["test mode"] for c in bn.cases] == [False] * 4 + [True] * 4


def test_every_case_has_properties_and_they_are_booleans():
    for graded in RUBRIC:
        for case in graded.cases:
            props = case_properties(graded, case)
            assert props and all(isinstance(v, bool) for v in props.values()), case.title


def test_the_output_size_follows_the_docstrings_formula():
    assert spatial_output(7, 9, (3, 3), 2) == (3, 4)
    assert spatial_output(6, 10, (2, 4), 2, pad=2) == (5, 6)
