"""The fast layers against the reference naive layers, and against torch when it is installed."""
import numpy as np
import pytest

from assignment.fast_layers import (conv_backward_fast, conv_forward_fast, max_pool_backward_fast,
                                    max_pool_forward_fast)
from assignment.gradient_check import rel_error
from reference.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                              max_pool_forward_naive)

CONV_CASES = [  # (x shape, w shape, stride, pad)
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
    ((2, 3, 5, 5), (2, 3, 3, 3), 1, 0),
    ((1, 2, 6, 9), (3, 2, 2, 4), 2, 2),   # N = 1, non-square input and filter
    ((3, 1, 5, 4), (2, 1, 3, 2), 3, 1),   # C = 1, stride 3
    ((2, 2, 8, 8), (3, 2, 3, 3), 2, 0),   # (H - HH) not divisible by the stride: floor
]
POOL_CASES = [  # (x shape, pool height, pool width, stride)
    ((2, 3, 8, 8), 2, 2, 2),
    ((2, 2, 7, 7), 3, 3, 2),   # overlapping
    ((1, 3, 5, 5), 2, 2, 1),   # overlapping, stride 1
    ((1, 1, 6, 8), 3, 2, 3),   # non-square, windows that skip columns
    ((2, 2, 5, 7), 2, 2, 2),   # a row and a column left out
]


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_conv_fast_equals_naive(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    param = {"stride": stride, "pad": pad}
    out_naive, cache_naive = conv_forward_naive(x, w, b, param)
    out_fast, cache_fast = conv_forward_fast(x, w, b, param)
    assert out_fast.shape == out_naive.shape and rel_error(out_fast, out_naive) < 1e-9
    dout = rng.standard_normal(out_naive.shape)
    for fast, naive in zip(conv_backward_fast(dout, cache_fast), conv_backward_naive(dout, cache_naive)):
        assert fast.shape == naive.shape and rel_error(fast, naive) < 1e-9


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
@pytest.mark.parametrize("ties", [False, True])
def test_pool_fast_equals_naive(x_shape, ph, pw, stride, ties):
    rng = np.random.default_rng(1)
    # Small integers tie often: the gradient must go to the first maximum, as in the naive.
    x = rng.integers(0, 3, size=x_shape).astype(float) if ties else rng.standard_normal(x_shape)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out_naive, cache_naive = max_pool_forward_naive(x, param)
    out_fast, cache_fast = max_pool_forward_fast(x, param)
    assert np.array_equal(out_fast, out_naive)
    dout = rng.standard_normal(out_naive.shape)
    dx_fast, dx_naive = max_pool_backward_fast(dout, cache_fast), max_pool_backward_naive(dout, cache_naive)
    assert dx_fast.shape == x.shape and rel_error(dx_fast, dx_naive) < 1e-12


def test_float32_stays_float32():
    x = np.random.randn(2, 3, 6, 6).astype(np.float32)
    w, b = np.random.randn(4, 3, 3, 3).astype(np.float32), np.zeros(4, np.float32)
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv_backward_fast(np.ones_like(out), cache))
    pooled, cache = max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert pooled.dtype == np.float32
    assert max_pool_backward_fast(np.ones_like(pooled), cache).dtype == np.float32


def test_big_batches_split_across_threads_agree_with_naive():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((9, 5, 6, 6))
    param = {"pool_height": 3, "pool_width": 3, "stride": 1}
    out, cache = max_pool_forward_fast(x, param)
    dout = rng.standard_normal(out.shape)
    assert rel_error(max_pool_backward_fast(dout, cache),
                     max_pool_backward_naive(dout, max_pool_forward_naive(x, param)[1])) < 1e-12


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES[:3])
def test_conv_fast_equals_torch(x_shape, w_shape, stride, pad):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    out, cache = conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    assert rel_error(out, tout.detach().numpy()) < 1e-9
    for ours, theirs in zip(conv_backward_fast(dout, cache), (tx.grad, tw.grad, tb.grad)):
        assert rel_error(ours, theirs.numpy()) < 1e-9


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
def test_pool_fast_equals_torch(x_shape, ph, pw, stride):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape)
    out, cache = max_pool_forward_fast(x, {"pool_height": ph, "pool_width": pw, "stride": stride})
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, (ph, pw), stride=stride)
    dout = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    assert np.array_equal(out, tout.detach().numpy())
    assert rel_error(max_pool_backward_fast(dout, cache), tx.grad.numpy()) < 1e-12
