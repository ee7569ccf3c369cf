"""The fast layers against the reference naive layers (and against torch, when it is installed).

Shapes are small: the naive layers are loops in Python.
"""
import threading

import numpy as np
import pytest

from assignment import fast_layers
from assignment.fast_layers import (conv_backward_fast, conv_forward_fast, max_pool_backward_fast,
                                    max_pool_forward_fast)
from reference.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                              max_pool_forward_naive)


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def scaled_error(ours, exact):
    """The worst error relative to the largest exact value: float32 rounds every partial sum
    at ~6e-8 of its size, so an entry that cancels to near zero keeps an error of the size of
    its terms, and an entrywise relative error would blame it."""
    return np.max(np.abs(ours - exact)) / np.max(np.abs(exact))


FLOAT32_TOLERANCE = 1e-5  # sums of up to a few thousand float32 terms


CONV_CASES = [  # (x shape, w shape, stride, pad)
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 1),
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
    ((2, 3, 5, 5), (2, 3, 3, 3), 1, 0),
    ((3, 2, 8, 8), (3, 2, 3, 3), 3, 2),    # stride 3, pad 2
    ((1, 2, 6, 9), (3, 2, 2, 4), 2, 2),    # N = 1, non-square input and filters
    ((3, 1, 5, 4), (2, 1, 3, 2), 3, 1),    # C = 1
    ((2, 2, 8, 8), (3, 2, 3, 3), 2, 0),    # (H - HH) not a multiple of the stride: floor
    ((2, 2, 9, 7), (2, 2, 4, 3), 2, 1),    # floor on both axes, differently
    ((2, 3, 5, 5), (2, 3, 1, 1), 2, 2),    # 1x1 filters whose taps land in the padding
    ((1, 1, 4, 4), (1, 1, 2, 2), 1, 3),    # padding wider than the filter
    # Output rows shorter than 8 with a batch of 8 or more: the columns run batch-last.
    ((8, 2, 7, 7), (3, 2, 3, 3), 2, 1),
    ((9, 3, 6, 5), (2, 3, 3, 2), 1, 0),
]
POOL_CASES = [  # (x shape, pool height, pool width, stride)
    ((2, 3, 8, 8), 2, 2, 2),      # windows that tile x
    ((2, 2, 7, 7), 3, 3, 2),      # overlapping
    ((1, 3, 5, 5), 2, 2, 1),      # overlapping, stride 1
    ((2, 2, 9, 7), 3, 2, 1),      # overlapping, non-square window
    ((1, 1, 6, 8), 3, 2, 3),      # non-square, windows that skip a column
    ((2, 2, 5, 7), 2, 2, 2),      # a row and a column no window reaches
    ((2, 2, 9, 9), 2, 2, 3),      # gaps between windows
    ((1, 1, 6, 10), 3, 5, 3),     # tiling down, overlapping across
]


def conv_data(x_shape, w_shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape), rng.standard_normal(w_shape),
            rng.standard_normal(w_shape[0]))


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_conv_fast_equals_naive(x_shape, w_shape, stride, pad):
    x, w, b = conv_data(x_shape, w_shape)
    param = {"stride": stride, "pad": pad}
    out_naive, cache_naive = conv_forward_naive(x, w, b, param)
    out_fast, cache_fast = conv_forward_fast(x, w, b, param)
    assert out_fast.shape == out_naive.shape
    assert rel_error(out_fast, out_naive) < 1e-9
    dout = np.random.default_rng(1).standard_normal(out_naive.shape)
    names = ("dx", "dw", "db")
    for name, fast, naive in zip(names, conv_backward_fast(dout, cache_fast),
                                 conv_backward_naive(dout, cache_naive)):
        assert fast.shape == naive.shape, name
        assert rel_error(fast, naive) < 1e-9, name


@pytest.fixture
def many_chunks_and_threads(monkeypatch):
    """Chunks of one sample each, shared between three threads (BLAS on one meanwhile)."""
    monkeypatch.setattr(fast_layers, "CHUNK_BYTES", 1)
    monkeypatch.setattr(fast_layers, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(fast_layers, "THREADS", 3)
    monkeypatch.setattr(fast_layers, "MIN_PARALLEL", 0)
    for name in ("_executor", "_blas", "_pid"):  # made again for three threads, then restored
        monkeypatch.setattr(fast_layers, name, None)


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_conv_in_chunks_on_threads_equals_naive(x_shape, w_shape, stride, pad,
                                                 many_chunks_and_threads):
    x, w, b = conv_data(x_shape, w_shape, seed=9)
    param = {"stride": stride, "pad": pad}
    out_naive, cache_naive = conv_forward_naive(x, w, b, param)
    out_fast, cache_fast = conv_forward_fast(x, w, b, param)
    assert rel_error(out_fast, out_naive) < 1e-9
    dout = np.random.default_rng(10).standard_normal(out_naive.shape)
    for name, fast, naive in zip(("dx", "dw", "db"), conv_backward_fast(dout, cache_fast),
                                 conv_backward_naive(dout, cache_naive)):
        assert rel_error(fast, naive) < 1e-9, name


def test_conv_results_do_not_depend_on_the_threads(monkeypatch):
    # The chunks do not depend on THREADS, and dw and db add their parts in chunk order,
    # whichever thread finished first: the same bits on any machine.
    x, w, b = conv_data((12, 3, 9, 9), (4, 3, 3, 3), seed=11)
    dout = np.random.default_rng(12).standard_normal((12, 4, 9, 9))
    monkeypatch.setattr(fast_layers, "CHUNK_BYTES", 1)
    monkeypatch.setattr(fast_layers, "MIN_SPLIT_BYTES", 0)
    results = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(fast_layers, "THREADS", threads)
        for name in ("_executor", "_blas", "_pid"):
            monkeypatch.setattr(fast_layers, name, None)
        out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
        results.append((out, *conv_backward_fast(dout, cache)))
    for other in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], other))


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_conv_float32_equals_naive_float64(x_shape, w_shape, stride, pad):
    x, w, b = (a.astype(np.float32) for a in conv_data(x_shape, w_shape, seed=13))
    param = {"stride": stride, "pad": pad}
    out, cache = conv_forward_fast(x, w, b, param)
    exact_out, exact_cache = conv_forward_naive(*(a.astype(np.float64) for a in (x, w, b)), param)
    assert out.dtype == np.float32
    assert scaled_error(out, exact_out) < FLOAT32_TOLERANCE
    dout = np.random.default_rng(14).standard_normal(out.shape).astype(np.float32)
    for name, fast, exact in zip(("dx", "dw", "db"), conv_backward_fast(dout, cache),
                                 conv_backward_naive(dout.astype(np.float64), exact_cache)):
        assert fast.dtype == np.float32, name
        assert scaled_error(fast, exact) < FLOAT32_TOLERANCE, name


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
def test_pool_float32_equals_naive(x_shape, ph, pw, stride):
    # Taking maxima and routing integer gradients is exact in any precision.
    x = pool_input(x_shape, ties=True).astype(np.float32)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = max_pool_forward_fast(x, param)
    exact_out, exact_cache = max_pool_forward_naive(x.astype(np.float64), param)
    assert out.dtype == np.float32 and np.array_equal(out, exact_out)
    dout = np.random.default_rng(15).integers(-9, 10, size=out.shape)
    dx = max_pool_backward_fast(dout.astype(np.float32), cache)
    assert dx.dtype == np.float32
    assert np.array_equal(dx, max_pool_backward_naive(dout.astype(np.float64), exact_cache))


def test_conv_leaves_its_inputs_alone():
    x, w, b = conv_data((2, 3, 6, 6), (4, 3, 3, 3))
    copies = [a.copy() for a in (x, w, b)]
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    dout = np.ones_like(out)
    conv_backward_fast(dout, cache)
    assert all(np.array_equal(a, c) for a, c in zip((x, w, b), copies))
    assert np.array_equal(dout, np.ones_like(out))


def pool_input(x_shape, ties, seed=2):
    rng = np.random.default_rng(seed)
    # Values from {0, 1, 2} repeat the maximum in most windows: the gradient must go to the
    # first one in row-major order, as np.argmax picks in the naive layer.
    return rng.integers(0, 3, size=x_shape).astype(float) if ties else rng.standard_normal(x_shape)


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_pool_fast_equals_naive(x_shape, ph, pw, stride, ties):
    x = pool_input(x_shape, ties)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out_naive, cache_naive = max_pool_forward_naive(x, param)
    out_fast, cache_fast = max_pool_forward_fast(x, param)
    assert out_fast.shape == out_naive.shape
    assert np.array_equal(out_fast, out_naive)
    # Integer-valued gradients add up exactly whatever the order of the additions, so even
    # overlapping windows must agree with the naive layer to the last bit.
    dout = np.random.default_rng(3).integers(-9, 10, size=out_naive.shape).astype(float)
    dx_fast = max_pool_backward_fast(dout, cache_fast)
    assert dx_fast.shape == x.shape
    assert np.array_equal(dx_fast, max_pool_backward_naive(dout, cache_naive))


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
def test_pool_fast_backward_equals_naive_on_real_gradients(x_shape, ph, pw, stride):
    x = pool_input(x_shape, ties=True)
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    dout = np.random.default_rng(4).standard_normal(max_pool_forward_naive(x, param)[0].shape)
    dx_fast = max_pool_backward_fast(dout, max_pool_forward_fast(x, param)[1])
    dx_naive = max_pool_backward_naive(dout, max_pool_forward_naive(x, param)[1])
    assert rel_error(dx_fast, dx_naive) < 1e-12


def test_pool_split_between_threads_equals_naive(monkeypatch):
    # Big batches are split between threads; force a split of 5 samples into 3 parts here.
    monkeypatch.setattr(fast_layers, "THREADS", 3)
    monkeypatch.setattr(fast_layers, "MIN_PARALLEL", 0)
    x = pool_input((5, 2, 9, 9), ties=True)
    for ph, pw, stride in ((2, 2, 2), (3, 3, 2), (2, 2, 1)):
        param = {"pool_height": ph, "pool_width": pw, "stride": stride}
        out_naive, cache_naive = max_pool_forward_naive(x, param)
        out_fast, cache_fast = max_pool_forward_fast(x, param)
        assert np.array_equal(out_fast, out_naive)
        dout = np.random.default_rng(5).integers(-9, 10, size=out_naive.shape).astype(float)
        assert np.array_equal(max_pool_backward_fast(dout, cache_fast),
                              max_pool_backward_naive(dout, cache_naive))


def test_float32_stays_float32():
    x, w, b = (a.astype(np.float32) for a in conv_data((2, 3, 6, 6), (4, 3, 3, 3)))
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    assert out.dtype == np.float32
    dx, dw, db = conv_backward_fast(np.ones_like(out), cache)
    assert (dx.dtype, dw.dtype, db.dtype) == (np.float32,) * 3
    out64, _ = conv_forward_naive(*(a.astype(np.float64) for a in (x, w, b)),
                                  {"stride": 1, "pad": 1})
    assert rel_error(out, out64) < 1e-4
    pooled, cache = max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert pooled.dtype == np.float32
    assert max_pool_backward_fast(np.ones_like(pooled), cache).dtype == np.float32


TORCH_ERRORS = {"float64": rel_error, "float32": scaled_error}
TORCH_TOLERANCES = {"float64": 1e-9, "float32": FLOAT32_TOLERANCE}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES[:5] + CONV_CASES[-2:])
def test_conv_fast_equals_torch(x_shape, w_shape, stride, pad, dtype):
    torch = pytest.importorskip("torch")
    error, tolerance = TORCH_ERRORS[dtype], TORCH_TOLERANCES[dtype]
    x, w, b = (a.astype(dtype) for a in conv_data(x_shape, w_shape, seed=6))
    out, cache = conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tout = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
    assert out.dtype == dtype
    assert error(out, tout.detach().numpy()) < tolerance
    dout = np.random.default_rng(7).standard_normal(out.shape).astype(dtype)
    tout.backward(torch.tensor(dout))
    for ours, theirs in zip(conv_backward_fast(dout, cache), (tx.grad, tw.grad, tb.grad)):
        assert ours.dtype == dtype
        assert error(ours, theirs.numpy()) < tolerance


@pytest.mark.parametrize("x_shape,ph,pw,stride", POOL_CASES)
def test_pool_fast_equals_torch(x_shape, ph, pw, stride):
    torch = pytest.importorskip("torch")
    x = pool_input(x_shape, ties=False)  # torch picks among ties its own way: no ties here
    out, cache = max_pool_forward_fast(x, {"pool_height": ph, "pool_width": pw, "stride": stride})
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, (ph, pw), stride=stride)
    assert np.array_equal(out, tout.detach().numpy())
    dout = np.random.default_rng(8).standard_normal(out.shape)
    tout.backward(torch.tensor(dout))
    assert rel_error(max_pool_backward_fast(dout, cache), tx.grad.numpy()) < 1e-12


def test_conv_gives_blas_its_threads_back(many_chunks_and_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
                if lib["user_api"] == "blas"]
    before = blas_threads()
    x, w, b = conv_data((4, 2, 6, 6), (3, 2, 3, 3))
    out, cache = conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    conv_backward_fast(np.ones_like(out), cache)
    assert blas_threads() == before


def test_conv_without_threadpoolctl_runs_its_chunks_on_one_thread(monkeypatch):
    # Without a way to put BLAS on one thread, ours stay idle rather than compete with it.
    monkeypatch.setattr(fast_layers, "ThreadpoolController", None)
    monkeypatch.setattr(fast_layers, "CHUNK_BYTES", 1)
    monkeypatch.setattr(fast_layers, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(fast_layers, "THREADS", 2)
    for name in ("_executor", "_blas", "_pid"):
        monkeypatch.setattr(fast_layers, name, None)
    threads, columns = set(), fast_layers._Geometry.columns

    def spy(self, x):
        threads.add(threading.get_ident())
        return columns(self, x)
    monkeypatch.setattr(fast_layers._Geometry, "columns", spy)
    x, w, b = conv_data((6, 2, 7, 7), (3, 2, 3, 3), seed=16)
    param = {"stride": 1, "pad": 1}
    out, cache = conv_forward_fast(x, w, b, param)
    assert rel_error(out, conv_forward_naive(x, w, b, param)[0]) < 1e-9
    conv_backward_fast(np.ones_like(out), cache)
    assert threads == {threading.get_ident()}
