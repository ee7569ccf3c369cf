"""How fast the pure-numpy fast layers are, printed side by side from one run:
ours (forward + backward) against PyTorch's CPU kernels (float64, the same thread count as
numpy's BLAS) and against the reference naive layers. Torch is optional: without it the
torch column is skipped.
"""
import math
import os
import time

import numpy as np

from assignment.fast_layers import (conv_backward_fast, conv_forward_fast, max_pool_backward_fast,
                                    max_pool_forward_fast)
from reference.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                              max_pool_forward_naive)

THREADS = 2  # numpy's BLAS uses every core here; torch is given as many

CONV_SHAPES = [  # (x shape, w shape, stride, pad): CS231n's notebook and ThreeLayerConvNet
    ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    ((50, 3, 32, 32), (32, 3, 7, 7), 1, 3),
    ((50, 32, 16, 16), (64, 32, 3, 3), 1, 1),
    ((100, 16, 15, 15), (16, 16, 5, 5), 2, 0),
]
POOL_SHAPES = [  # (x shape, pool height, pool width, stride, counted in the mean)
    ((100, 3, 32, 32), 2, 2, 2, True),
    ((50, 32, 32, 32), 2, 2, 2, True),
    ((50, 32, 31, 31), 3, 3, 2, False),  # overlapping windows: shown, not in the headline
]


def best_time(run, repeats):
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def conv_runs(x, w, b, stride, pad):
    param = {"stride": stride, "pad": pad}
    dout = np.random.randn(*conv_forward_fast(x, w, b, param)[0].shape)

    def fast():
        _, cache = conv_forward_fast(x, w, b, param)
        conv_backward_fast(dout, cache)

    def naive():
        _, cache = conv_forward_naive(x, w, b, param)
        conv_backward_naive(dout, cache)
    return fast, naive, lambda torch: torch_conv(torch, x, w, b, stride, pad, dout)


def pool_runs(x, ph, pw, stride):
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    dout = np.random.randn(*max_pool_forward_fast(x, param)[0].shape)

    def fast():
        _, cache = max_pool_forward_fast(x, param)
        max_pool_backward_fast(dout, cache)

    def naive():
        _, cache = max_pool_forward_naive(x, param)
        max_pool_backward_naive(dout, cache)
    return fast, naive, lambda torch: torch_pool(torch, x, ph, pw, stride, dout)


def torch_conv(torch, x, w, b, stride, pad, dout):
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tdout = torch.tensor(dout)

    def run():
        out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
        out.backward(tdout)
    return run


def torch_pool(torch, x, ph, pw, stride, dout):
    tx = torch.tensor(x, requires_grad=True)
    tdout = torch.tensor(dout)

    def run():
        out = torch.nn.functional.max_pool2d(tx, (ph, pw), stride=stride)
        out.backward(tdout)
    return run


def load_torch():
    try:
        import torch
    except ImportError:
        print("torch is not installed: the torch column is skipped (pip install torch==2.13.0)")
        return None
    torch.set_num_threads(THREADS)
    return torch


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def main(repeats=10, naive_repeats=1):
    np.random.seed(0)
    torch = load_torch()
    rows = []
    for x_shape, w_shape, stride, pad in CONV_SHAPES:
        x, w = np.random.randn(*x_shape), np.random.randn(*w_shape)
        rows.append((f"conv x{x_shape} w{w_shape} s{stride} p{pad}", True,
                     *conv_runs(x, w, np.random.randn(w_shape[0]), stride, pad)))
    for x_shape, ph, pw, stride, headline in POOL_SHAPES:
        rows.append((f"pool x{x_shape} {ph}x{pw} s{stride}", headline,
                     *pool_runs(np.random.randn(*x_shape), ph, pw, stride)))
    print(f"forward + backward, float64, best of {repeats} (naive: best of {naive_repeats}); "
          f"threads: numpy BLAS {os.environ.get('OPENBLAS_NUM_THREADS', 'all')}, torch {THREADS}")
    print(f"{'shape':<52} {'ours ms':>9} {'torch ms':>9} {'ours/torch':>10} {'naive ms':>10} {'naive/ours':>10}")
    vs_torch, vs_naive = [], []
    for name, headline, fast, naive, torch_run in rows:
        ours = best_time(fast, repeats)
        theirs = best_time(torch_run(torch), repeats) if torch else float("nan")
        slow = best_time(naive, naive_repeats)
        if headline:
            vs_torch.append(ours / theirs) if torch else None
            vs_naive.append(slow / ours)
        mark = "" if headline else "  (not in the means)"
        print(f"{name:<52} {1e3 * ours:9.2f} {1e3 * theirs:9.2f} {ours / theirs:10.2f} "
              f"{1e3 * slow:10.1f} {slow / ours:10.0f}{mark}")
    print(f"geometric mean ours/torch: {geometric_mean(vs_torch):.2f} (target <= 1.25); "
          f"naive/ours: {geometric_mean(vs_naive):.0f}x (target >= 300)")
    return 0


if __name__ == "__main__":
    main()
