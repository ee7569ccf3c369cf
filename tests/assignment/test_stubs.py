"""The stubs students receive: derived from the reference, importable, harmless to run."""
import numpy as np

from assignment import layers as stub
from assignment.classifiers.cnn import ThreeLayerConvNet
from autograder.kit.stubs import stale_stubs


def test_committed_stubs_are_derived_from_the_reference():
    assert stale_stubs() == [], "run `python -m autograder stubs` and commit the result"


def test_layer_stubs_return_placeholders():
    x4 = np.random.randn(2, 3, 4, 4)
    x2 = np.random.randn(4, 3)
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    w, b = np.random.randn(2, 3, 3, 3), np.zeros(2)
    out, cache = stub.conv_forward_naive(x4, w, b, conv_param)
    assert out is None and cache[0] is x4 and cache[3] is conv_param
    assert stub.conv_backward_naive(None, None) == (None, None, None)
    out, cache = stub.max_pool_forward_naive(x4, pool_param)
    assert out is None and cache[0] is x4 and cache[1] is pool_param
    assert stub.max_pool_backward_naive(None, None) is None
    for backward in (stub.batchnorm_backward, stub.batchnorm_backward_alt, stub.layernorm_backward,
                     stub.spatial_batchnorm_backward, stub.spatial_groupnorm_backward):
        assert backward(None, None) == (None, None, None)
    for mode in ("train", "test"):
        assert stub.batchnorm_forward(x2, np.ones(3), np.zeros(3), {"mode": mode}) == (None, None)
    assert stub.layernorm_forward(x2, np.ones(3), np.zeros(3), {}) == (None, None)
    assert stub.spatial_batchnorm_forward(x4, np.ones(3), np.zeros(3), {"mode": "train"}) == (None, None)
    assert stub.spatial_groupnorm_forward(x4, np.ones((1, 3, 1, 1)), np.zeros((1, 3, 1, 1)), 3, {}) == (None, None)


def test_provided_layers_are_complete_in_the_stubs():
    out, _ = stub.affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))
    assert out.shape == (2, 4) and np.all(out == 3)


def test_net_stub_constructs_with_no_params():
    assert ThreeLayerConvNet().params == {}
