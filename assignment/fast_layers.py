"""Fast convolution and max pooling in pure numpy: nothing to compile.

Convolution is im2col + one matrix product. np.lib.stride_tricks.as_strided gives a
(C, HH, WW, N, H', W') view of the padded input in which every entry is one input of one
receptive field; copying it lays the receptive fields out as the columns of a
(C*HH*WW, N*H'*W') matrix, and one BLAS product with the (F, C*HH*WW) filters is the whole
forward pass. Backward, dw is one product with the same columns and the gradient of the
columns is another; col2im folds that back into dx by adding one strided slice of dx per
kernel offset: HH*WW vectorized additions, where np.add.at would scatter element by element
(and slowly). Slices are clipped to the unpadded input, so no padded dx is ever built.
numpy's loops run along the last axis of a slice, so when output rows are short (W' < 8) the
columns run through the batch last instead, (C, HH, WW, H', W', N), with x and dx laid out
(C, H, W, N) to match: every copy and addition then runs along the batch.

Max pooling takes the pool_height*pool_width offsets of a window one at a time: offset (i, j)
of every window at once is a strided slice of x, and the output is their running maximum.
Backward, each window's gradient goes to the first offset (in row-major order, as np.argmax in
the naive layer picks among ties) that holds the maximum, and is taken away from the offsets
after it. Windows that tile x exactly write each element of dx once; overlapping windows
accumulate. (Reshaping x to (N, C, H', ph, W', pw) and taking the max over axes 3 and 5 is the
textbook path for tiling windows, but numpy reduces such short axes slowly: the strided
slices are ~30x faster, and the same code serves every stride.)

Threads: numpy's element-wise loops run on one core, but they release the GIL, so pooling
splits big batches between as many threads as BLAS uses (OPENBLAS_NUM_THREADS,
MKL_NUM_THREADS or OMP_NUM_THREADS when set, else the cores we may run on). Convolution
does not: after every product BLAS's own threads keep spinning for a while, and a second
thread of ours would only compete with them for the cores.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
           "max_pool_backward_fast"]


def _thread_count():
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


THREADS = min(8, _thread_count())  # element-wise passes stop scaling before that
MIN_PARALLEL = 1 << 19  # elements a pass must touch to be worth splitting
_executor, _executor_pid = None, None


def _in_parallel(work, n, size):
    """Call work(part) for slices of range(n), one per thread, and wait for them all. Passes
    over fewer than MIN_PARALLEL elements stay on this thread: waking another costs more."""
    global _executor, _executor_pid
    parts = min(THREADS, n) if size >= MIN_PARALLEL else 1
    bounds = [n * k // parts for k in range(parts + 1)]
    slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    if parts > 1 and _executor_pid != os.getpid():  # a forked child inherits no threads
        _executor, _executor_pid = ThreadPoolExecutor(THREADS - 1), os.getpid()
    futures = [_executor.submit(work, part) for part in slices[1:]]
    work(slices[0])  # this thread takes a share too
    for future in futures:
        future.result()


def _out_size(size, field, stride, pad=0):
    return 1 + (size + 2 * pad - field) // stride


def _taps(size, field, stride, pad, out_size):
    """Along one axis, for each kernel offset k: (k, the outputs whose input lies inside the
    unpadded input, the slice of the input they read)."""
    for k in range(field):
        first = max(0, -((k - pad) // stride))  # ceil((pad - k) / stride)
        stop = min(out_size, (size - 1 + pad - k) // stride + 1)
        if first < stop:
            start = first * stride + k - pad
            last = start + (stop - first - 1) * stride
            yield k, slice(first, stop), slice(start, last + 1, stride)


def _lanes(batch_last, n, h, w):
    """(n, h, w) in the order the columns run through samples and output positions."""
    return (h, w, n) if batch_last else (n, h, w)


def _work_array(shape, dtype, batch_last):
    """A zeroed (N, C, H, W) array, held in memory as (C, H, W, N) when the batch goes last."""
    if batch_last:
        N, C, H, W = shape
        return np.zeros((C, H, W, N), dtype).transpose(3, 0, 1, 2)
    return np.zeros(shape, dtype)


def conv_forward_fast(x, w, b, conv_param):
    """A fast implementation of the forward pass for a convolutional layer.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with keys 'stride' and 'pad'

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') where
      H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, cols, conv_param), where cols, of shape (C*HH*WW, N*H'*W'), holds
      the receptive fields of x as columns
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = _out_size(H, HH, stride, pad), _out_size(W, WW, stride, pad)
    # numpy copies and adds along the last axis of a slice: rows of a few outputs make short,
    # slow loops. Then the columns run through the batch last, and x is laid out to match.
    batch_last = W_out < 8 <= N
    if pad or batch_last:
        xp = _work_array((N, C, H + 2 * pad, W + 2 * pad), x.dtype, batch_last)
        xp[:, :, pad:pad + H, pad:pad + W] = x
    else:
        xp = x
    sN, sC, sH, sW = xp.strides
    fields = as_strided(xp, (C, HH, WW, *_lanes(batch_last, N, H_out, W_out)),
                        (sC, sH, sW, *_lanes(batch_last, sN, sH * stride, sW * stride)),
                        writeable=False)
    cols = np.ascontiguousarray(fields).reshape(C * HH * WW, N * H_out * W_out)
    products = (w.reshape(F, -1) @ cols).reshape(F, *_lanes(batch_last, N, H_out, W_out))
    out = np.empty((N, F, H_out, W_out), np.result_type(x, w))
    # Adding the bias while putting the axes back in order: one pass instead of two.
    to_lanes = (1, *_lanes(batch_last, 0, 2, 3))  # from (N, F, H', W') to the products' order
    np.add(products.transpose(np.argsort(to_lanes)), b.reshape(F, 1, 1), out=out)
    return out, (x, w, cols, conv_param)


def conv_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a convolutional layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: A tuple (x, w, cols, conv_param) as returned by conv_forward_fast

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    x, w, cols, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2:]
    batch_last = W_out < 8 <= N  # as in the forward pass
    to_lanes = (1, *_lanes(batch_last, 0, 2, 3))
    dout_rows = np.ascontiguousarray(dout.transpose(to_lanes)).reshape(F, -1)  # like cols' columns
    db = dout_rows.sum(axis=1)
    dw = (dout_rows @ cols.T).reshape(w.shape).astype(w.dtype, copy=False)
    dcols = (w.reshape(F, -1).T @ dout_rows).reshape(C, HH, WW,
                                                      *_lanes(batch_last, N, H_out, W_out))
    # col2im: kernel offset (i, j) adds its column gradients to one strided slice of dx,
    # clipped to the unpadded input.
    dx = _work_array(x.shape, x.dtype, batch_last)
    dx_lanes = dx.transpose(to_lanes)  # lined up with dcols
    every = slice(None)
    for i, out_rows, rows in _taps(H, HH, stride, pad, H_out):
        for j, out_cols, cols_j in _taps(W, WW, stride, pad, W_out):
            dx_lanes[(every, *_lanes(batch_last, every, rows, cols_j))] += \
                dcols[(every, i, j, *_lanes(batch_last, every, out_rows, out_cols))]
    return np.ascontiguousarray(dx), dw, db


def _offsets(pool_param, H_out, W_out):
    """The slices (rows, cols) of x that hold offset (i, j) of every pooling window, for each
    offset in row-major order."""
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    for i in range(ph):
        for j in range(pw):
            yield (slice(i, i + stride * (H_out - 1) + 1, stride),
                   slice(j, j + stride * (W_out - 1) + 1, stride))


def max_pool_forward_fast(x, pool_param):
    """A fast implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with keys 'pool_height', 'pool_width' and 'stride'

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where
      H' = 1 + (H - pool_height) // stride and W' = 1 + (W - pool_width) // stride
    - cache: (x, out, pool_param)
    """
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = _out_size(H, ph, stride), _out_size(W, pw, stride)
    out = np.empty((N, C, H_out, W_out), x.dtype)
    offsets = list(_offsets(pool_param, H_out, W_out))

    def pool(part):
        running = out[part]
        running[...] = x[part, :, offsets[0][0], offsets[0][1]]
        for rows, cols in offsets[1:]:
            np.maximum(running, x[part, :, rows, cols], out=running)
    _in_parallel(pool, N, x.size)
    return out, (x, out, pool_param)


def max_pool_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a max-pooling layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple (x, out, pool_param) as returned by max_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, out, pool_param = cache
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = out.shape[2:]
    overlap = stride < ph or stride < pw
    tiled = stride == ph == pw and H_out * stride == H and W_out * stride == W
    # Tiling windows write every element of dx once, so it needs no zeroing first.
    dx = np.empty(x.shape, x.dtype) if tiled else np.zeros(x.shape, x.dtype)
    offsets = list(_offsets(pool_param, H_out, W_out))
    # Scratch arrays, made once: each thread works on its slice of the batch.
    left = dout.astype(x.dtype)  # the gradient of each window that no offset has taken yet
    hits, shares = np.empty(out.shape, bool), np.empty(out.shape, x.dtype)

    def route(part):
        for k, (rows, cols) in enumerate(offsets):
            if k < len(offsets) - 1:
                hit, share = hits[part], shares[part]
                np.equal(x[part, :, rows, cols], out[part], out=hit)
                np.multiply(left[part], hit, out=share)  # all of it where this offset is a max
                left[part] -= share                      # so none is left for later offsets
            else:  # the last offset is the maximum wherever no earlier one was
                share = left[part]
            if overlap:
                dx[part, :, rows, cols] += share
            else:
                dx[part, :, rows, cols] = share
    _in_parallel(route, N, x.size)
    return dx
