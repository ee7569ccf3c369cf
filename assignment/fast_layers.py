"""Fast convolution and max pooling in pure numpy: nothing to compile.

Convolution is im2col + one matrix product. A strided view of the padded input lays every
receptive field out as a column, without copying (`windows`); one reshape copies it into a
(C*HH*WW, N*H'*W') matrix, and BLAS does the rest. The backward pass reuses those columns
for dw, and folds the column gradients back into dx by adding one strided slice per kernel
offset (HH*WW vectorized additions, instead of a scatter over every element).

Max pooling walks the pool_height*pool_width offsets of a window: each offset is a strided
slice of x, and their running maximum is the forward pass. The backward pass hands each
window's gradient to the first offset that holds its maximum (as the naive layer does on
ties) and takes it away from the rest, adding into dx so that overlapping windows
accumulate.

The element-wise work runs on one thread per core, each on a slice of the batch (numpy
releases the GIL in its loops), as the matrix products already do inside BLAS.
"""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
           "max_pool_backward_fast"]


CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_executor = None


def in_parallel(work, size):
    """Call work(chunk) for one slice of range(size) per core, and wait for them all."""
    global _executor
    chunks = min(CORES, size)
    if chunks <= 1:
        work(slice(0, size))
        return
    if _executor is None:
        _executor = ThreadPoolExecutor(CORES)
    bounds = np.linspace(0, size, chunks + 1).astype(int)
    for future in [_executor.submit(work, slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:])]:
        future.result()


def output_size(size, field, stride, pad=0):
    return 1 + (size + 2 * pad - field) // stride


def windows(xp, HH, WW, stride, H_out, W_out):
    """A (C, HH, WW, N, H', W') view of the padded input: the receptive fields, uncopied."""
    sN, sC, sH, sW = xp.strides
    N, C = xp.shape[:2]
    return as_strided(xp, (C, HH, WW, N, H_out, W_out),
                      (sC, sH, sW, sN, sH * stride, sW * stride), writeable=False)


def offsets(height, width, stride, H_out, W_out):
    """(index, rows, cols) for each offset of a window: the strided slices it covers."""
    for r in range(height):
        for c in range(width):
            yield r * width + c, slice(r, r + stride * H_out, stride), slice(c, c + stride * W_out, stride)


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
    - cache: (x shape, w, columns of x, conv_param) for conv_backward_fast
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = output_size(H, HH, stride, pad), output_size(W, WW, stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    fields = windows(xp, HH, WW, stride, H_out, W_out)
    cols = np.empty(fields.shape, dtype=x.dtype)

    def copy(chunk):
        cols[chunk] = fields[chunk]
    in_parallel(copy, C)
    cols = cols.reshape(C * HH * WW, N * H_out * W_out)
    out = w.reshape(F, -1) @ cols
    out += b.reshape(F, 1)
    out = np.ascontiguousarray(out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3))
    cache = (x.shape, w, cols, conv_param)
    return out, cache


def conv_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a convolutional layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: A tuple as returned by conv_forward_fast

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    (N, C, H, W), w, cols, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2:]
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    db = dout_rows.sum(axis=1)
    dw = (dout_rows @ cols.T).reshape(w.shape)
    dcols = (w.reshape(F, -1).T @ dout_rows).reshape(C, HH, WW, N, H_out, W_out)
    # Fold the columns back: each kernel offset adds one strided slice of the padded dx.
    dxp = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=dcols.dtype)

    def fold(chunk):
        for _, rows, columns in offsets(HH, WW, stride, H_out, W_out):
            dxp[chunk, :, rows, columns] += dcols[chunk, rows.start, columns.start]
    in_parallel(fold, C)
    dx = dxp[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(dx), dw, db


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
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = output_size(H, ph, stride), output_size(W, pw, stride)
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)

    def pool(chunk):
        part = out[chunk]
        for k, rows, cols in offsets(ph, pw, stride, H_out, W_out):
            if k == 0:
                part[...] = x[chunk, :, rows, cols]
            else:
                np.maximum(part, x[chunk, :, rows, cols], out=part)
    in_parallel(pool, N)
    return out, (x, out, pool_param)


def max_pool_backward_fast(dout, cache):
    """A fast implementation of the backward pass for a max-pooling layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple as returned by max_pool_forward_fast

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, out, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = dout.shape[2:]
    dx = np.zeros(x.shape, dtype=np.result_type(x, dout))
    last = ph * pw - 1

    def route(chunk):
        left = dout[chunk].astype(dx.dtype)  # the gradient not yet handed to an offset
        for k, rows, cols in offsets(ph, pw, stride, H_out, W_out):
            target = dx[chunk, :, rows, cols]
            if k == last:  # whatever is left has its maximum here
                target += left
                break
            share = left * (x[chunk, :, rows, cols] == out[chunk])
            target += share
            left -= share
    in_parallel(route, x.shape[0])
    return dx
