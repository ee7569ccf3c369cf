"""The reference layers against independent oracles: centred-difference gradients, the values
the public CS231n notebook prints, and the identities between the normalizations."""
import numpy as np
import pytest

from assignment.gradient_check import eval_numerical_gradient_array, rel_error
from reference import layers as L

GRAD_TOL = 1e-6  # centred differences with h = 1e-5 in float64 agree to ~1e-8 here


def numerical_grads(forward, inputs, dout):
    """Centred-difference gradient of sum(forward(*inputs) * dout) w.r.t. every input."""
    grads = []
    for i in range(len(inputs)):
        def f(_, i=i):
            return forward(*inputs)[0]
        grads.append(eval_numerical_gradient_array(f, inputs[i], dout))
    return grads


def assert_grads_match(forward, backward, inputs, tol=GRAD_TOL):
    rng = np.random.default_rng(0)
    out, cache = forward(*inputs)
    dout = rng.standard_normal(out.shape)
    analytic = backward(dout, cache)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    numeric = numerical_grads(forward, inputs, dout)
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        assert a.shape == n.shape, f"gradient {k}: shape {a.shape} vs numerical {n.shape}"
        assert rel_error(a, n) < tol, f"gradient {k}: rel error {rel_error(a, n):.2e}"


# -- the values printed by the public CS231n ConvolutionalNetworks notebook ------------------

def test_conv_forward_matches_cs231n_notebook():
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = L.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    correct_out = np.array([[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                             [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                             [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                            [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                             [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                             [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])
    assert rel_error(out, correct_out) < 1e-7  # the notebook expects ~2e-8


def test_max_pool_forward_matches_cs231n_notebook():
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out, _ = L.max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    correct_out = np.array([[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                             [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                             [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
                            [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                             [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                             [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])
    assert rel_error(out, correct_out) < 1e-7


# -- gradients: every backward against centred differences of its own forward --------------

CONV_CASES = [  # (x shape, w shape, stride, pad)
    ((2, 3, 5, 5), (3, 3, 3, 3), 1, 1),
    ((2, 3, 7, 7), (2, 3, 3, 3), 2, 0),
    ((1, 2, 6, 9), (3, 2, 2, 4), 2, 2),  # N = 1, non-square input and filter
    ((3, 1, 5, 4), (2, 1, 3, 2), 3, 1),  # C = 1, stride 3
]


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_conv_backward_naive(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    param = {"stride": stride, "pad": pad}
    assert_grads_match(lambda x, w, b: L.conv_forward_naive(x, w, b, param),
                       L.conv_backward_naive, (x, w, b))


POOL_CASES = [  # (x shape, pool height, pool width, stride)
    ((2, 3, 4, 4), 2, 2, 2),
    ((1, 2, 7, 7), 3, 3, 2),  # overlapping windows
    ((2, 1, 5, 6), 2, 3, 1),  # overlapping, non-square pool, C = 1
    ((1, 1, 6, 8), 3, 2, 3),  # windows that skip columns
]


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
def test_max_pool_backward_naive(x_shape, ph, pw, stride):
    # A permutation keeps the maxima apart, so the numerical gradient is defined.
    rng = np.random.default_rng(2)
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) / 10.0
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    assert_grads_match(lambda x: L.max_pool_forward_naive(x, param),
                       L.max_pool_backward_naive, (x,))


def test_max_pool_backward_accumulates_where_windows_overlap():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0  # the centre is the maximum of all four 2x2 windows
    out, cache = L.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    dx = L.max_pool_backward_naive(np.ones_like(out), cache)
    assert dx[0, 0, 1, 1] == 4.0 and dx.sum() == 4.0


@pytest.mark.parametrize("backward", [L.batchnorm_backward, L.batchnorm_backward_alt])
@pytest.mark.parametrize("shape", [(4, 5), (3, 4), (10, 1)])  # N = 2 saturates: x_hat = +-1
def test_batchnorm_backward(backward, shape):
    rng = np.random.default_rng(3)
    x = 5 * rng.standard_normal(shape) + 12
    gamma, beta = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    bn_param = {"mode": "train"}
    assert_grads_match(lambda x, g, b: L.batchnorm_forward(x, g, b, dict(bn_param)),
                       backward, (x, gamma, beta))


def test_batchnorm_train_then_test_mode_uses_running_averages():
    rng = np.random.default_rng(4)
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    bn_param = {"mode": "train", "momentum": 0.8}
    mean, var = np.zeros(3), np.zeros(3)
    for _ in range(5):
        x = 3 * rng.standard_normal((50, 3)) + 2
        L.batchnorm_forward(x, gamma, beta, bn_param)
        mean = 0.8 * mean + 0.2 * x.mean(axis=0)
        var = 0.8 * var + 0.2 * x.var(axis=0)
    assert rel_error(bn_param["running_mean"], mean) < 1e-12
    assert rel_error(bn_param["running_var"], var) < 1e-12
    bn_param["mode"] = "test"
    x = rng.standard_normal((7, 3))
    out, _ = L.batchnorm_forward(x, gamma, beta, bn_param)
    assert rel_error(out, gamma * (x - mean) / np.sqrt(var + 1e-5) + beta) < 1e-12


def test_batchnorm_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        L.batchnorm_forward(np.ones((2, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})


@pytest.mark.parametrize("shape", [(4, 5), (3, 3), (1, 6)])
def test_layernorm_backward(shape):
    rng = np.random.default_rng(5)
    x = 4 * rng.standard_normal(shape) - 3
    gamma, beta = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    assert_grads_match(lambda x, g, b: L.layernorm_forward(x, g, b, {}),
                       L.layernorm_backward, (x, gamma, beta))


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 3, 3), (5, 1, 2, 3)])
def test_spatial_batchnorm_backward(shape):
    rng = np.random.default_rng(6)
    x = 2 * rng.standard_normal(shape) + 1
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    assert_grads_match(lambda x, g, b: L.spatial_batchnorm_forward(x, g, b, {"mode": "train"}),
                       L.spatial_batchnorm_backward, (x, gamma, beta))


def test_spatial_batchnorm_normalizes_each_channel():
    rng = np.random.default_rng(7)
    x = 4 * rng.standard_normal((10, 3, 4, 5)) + 10
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.0, -1.0, 5.0])
    out, _ = L.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert np.allclose(out.mean(axis=(0, 2, 3)), beta)
    assert np.allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)


@pytest.mark.parametrize("shape,G", [((2, 6, 4, 5), 2), ((2, 6, 3, 3), 1), ((1, 4, 3, 2), 4),
                                     ((3, 1, 2, 3), 1)])
def test_spatial_groupnorm_backward(shape, G):
    rng = np.random.default_rng(8)
    x = 3 * rng.standard_normal(shape) - 1
    C = shape[1]
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    assert_grads_match(lambda x, g, b: L.spatial_groupnorm_forward(x, g, b, G, {}),
                       L.spatial_groupnorm_backward, (x, gamma, beta))


def test_groupnorm_with_one_group_is_layernorm():
    rng = np.random.default_rng(9)
    N, C, H, W = 3, 4, 2, 5
    x = rng.standard_normal((N, C, H, W))
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    gn, _ = L.spatial_groupnorm_forward(x, gamma, beta, 1, {})
    per_feature = lambda p: np.repeat(p.reshape(C), H * W)  # noqa: E731
    ln, _ = L.layernorm_forward(x.reshape(N, -1), per_feature(gamma), per_feature(beta), {})
    assert rel_error(gn, ln.reshape(N, C, H, W)) < 1e-12


def test_groupnorm_with_one_channel_per_group_is_instance_norm():
    rng = np.random.default_rng(10)
    N, C, H, W = 2, 3, 4, 4
    x = 5 * rng.standard_normal((N, C, H, W)) + 2
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    gn, _ = L.spatial_groupnorm_forward(x, gamma, beta, C, {})
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    instance = gamma * (x - mean) / np.sqrt(var + 1e-5) + beta
    assert rel_error(gn, instance) < 1e-12


def test_groupnorm_gradients_keep_the_parameter_shape():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 4, 3, 3))
    gamma, beta = np.ones((1, 4, 1, 1)), np.zeros((1, 4, 1, 1))
    out, cache = L.spatial_groupnorm_forward(x, gamma, beta, 2, {})
    _, dgamma, dbeta = L.spatial_groupnorm_backward(np.ones_like(out), cache)
    assert dgamma.shape == dbeta.shape == (1, 4, 1, 1)


@pytest.mark.parametrize("forward,backward,args", [
    (L.affine_forward, L.affine_backward, ((2, 3, 4), (12, 5), (5,))),
    (L.relu_forward, L.relu_backward, ((3, 7),)),
])
def test_provided_layers_backward(forward, backward, args):
    rng = np.random.default_rng(12)
    inputs = tuple(rng.standard_normal(shape) for shape in args)
    assert_grads_match(forward, backward, inputs)


def test_softmax_loss_gradient():
    rng = np.random.default_rng(13)
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 4, size=6)
    loss, dx = L.softmax_loss(x, y)
    from assignment.gradient_check import eval_numerical_gradient
    dx_num = eval_numerical_gradient(lambda x: L.softmax_loss(x, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < 1e-7
    assert abs(L.softmax_loss(np.zeros((5, 10)), np.arange(5))[0] - np.log(10)) < 1e-12
