"""How fast the fast layers are: ours (assignment/fast_layers.py, pure numpy) against
PyTorch's CPU kernels and against the reference naive layers, one table per dtype from one
run, then the training throughput a student feels (kit/bench_training.py).

    python -m autograder.kit.bench [--repeats 20] [--naive-repeats 1] [--no-naive]
                                   [--dtype float64 float32] [--no-training]

Every time is one forward + backward pass on a CS231n shape, in float64 and in float32
(ThreeLayerConvNet's default: what students wait for). Torch runs
conv2d / max_pool2d and autograd's backward with as many threads as numpy's BLAS uses, and
its gradients are cleared before each call (as zero_grad(set_to_none=True) would) so it never
pays for accumulating them. Ours and torch take turns, a few calls at a time with a rest in
between, and the best call counts (see best_times). The naive layers are timed on the same
full shape, best of --naive-repeats runs (one by default, no warm-up: they take seconds),
in float64 only: their speed is not the question, and they take half a minute.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set (some machines set them for older OpenBLAS
builds), make numpy's OpenBLAS pick another kernel than its own probe would: `make bench`
unsets both for its one command, so the figures are those of numpy as students install it;
the table says which kernel ran and whether either variable was set.

The machine may be shared: the load average is printed before and after the run. Ours keeps
its speed under load better than torch does (torch's OpenMP threads wait for each other at
every barrier), so ratios taken on a busy machine flatter ours: compare with a quiet run, or
with one thread on each side (OPENBLAS_NUM_THREADS=1 python -m autograder.kit.bench).

torch is optional (pip install torch==2.13.0): without it the torch column is skipped.
"""
import argparse
import math
import os
import platform
import time

import numpy as np

from assignment.fast_layers import (conv_backward_fast, conv_forward_fast, max_pool_backward_fast,
                                    max_pool_forward_fast)
from reference.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                              max_pool_forward_naive)

CONV_SHAPES = [  # (x shape, w shape, stride, pad)
    ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1),     # the CS231n fast-layers notebook
    ((50, 3, 32, 32), (32, 3, 7, 7), 1, 3),      # ThreeLayerConvNet's convolution
    ((50, 32, 16, 16), (64, 32, 3, 3), 1, 1),    # a deeper 3x3 layer
    ((100, 16, 15, 15), (16, 16, 5, 5), 2, 0),   # strided, unpadded, output size by floor
]
POOL_SHAPES = [  # (x shape, pool height, pool width, stride, counted in the geometric means)
    ((100, 3, 32, 32), 2, 2, 2, True),           # the CS231n fast-layers notebook
    ((50, 32, 32, 32), 2, 2, 2, True),           # ThreeLayerConvNet's pooling
    ((50, 32, 31, 31), 3, 3, 2, False),          # overlapping windows: shown, not in the means
]
TORCH_TARGETS = {"float64": 1.0, "float32": 1.25}  # geometric mean of ours/torch: at most
NAIVE_TARGET = 300   # geometric mean of naive/ours: at least
BLOCK, REST = 5, 0.2  # calls per turn, seconds of rest before each turn


def cpu_model():
    """The processor's name, as /proc/cpuinfo (Linux) or platform gives it."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def blas_libraries():
    """threadpoolctl's records of numpy's BLAS (ask before torch loads libraries of its own)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]


def blas_threads():
    """How many threads numpy's BLAS uses."""
    counts = [lib["num_threads"] for lib in blas_libraries()]
    if counts:
        return max(counts)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_torch(threads):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def conv_case(x, w, b, stride, pad):
    """(ours, naive, torch maker): closures that run one forward + backward pass."""
    param = {"stride": stride, "pad": pad}
    dout = np.random.RandomState(1).randn(*conv_forward_fast(x, w, b, param)[0].shape)
    dout = dout.astype(x.dtype)

    def ours():
        conv_backward_fast(dout, conv_forward_fast(x, w, b, param)[1])

    def naive():
        conv_backward_naive(dout, conv_forward_naive(x, w, b, param)[1])

    def theirs(torch):
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        tdout = torch.tensor(dout)

        def run():
            tx.grad = tw.grad = tb.grad = None
            torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad).backward(tdout)
        return run
    return ours, naive, theirs


def pool_case(x, ph, pw, stride):
    param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    dout = np.random.RandomState(1).randn(*max_pool_forward_fast(x, param)[0].shape)
    dout = dout.astype(x.dtype)

    def ours():
        max_pool_backward_fast(dout, max_pool_forward_fast(x, param)[1])

    def naive():
        max_pool_backward_naive(dout, max_pool_forward_naive(x, param)[1])

    def theirs(torch):
        tx, tdout = torch.tensor(x, requires_grad=True), torch.tensor(dout)

        def run():
            tx.grad = None
            torch.nn.functional.max_pool2d(tx, (ph, pw), stride=stride).backward(tdout)
        return run
    return ours, naive, theirs


def cases(dtype="float64"):
    """(name, in the means, ours, naive, torch maker) for every shape, on fixed data."""
    rng = np.random.RandomState(0)

    def data(*shape):
        return rng.randn(*shape).astype(dtype)
    for x_shape, w_shape, stride, pad in CONV_SHAPES:
        yield (f"conv x{x_shape} w{w_shape} s{stride} p{pad}", True,
               *conv_case(data(*x_shape), data(*w_shape), data(w_shape[0]), stride, pad))
    for x_shape, ph, pw, stride, headline in POOL_SHAPES:
        yield (f"pool x{x_shape} {ph}x{pw} s{stride}", headline,
               *pool_case(data(*x_shape), ph, pw, stride))


def best_times(runs, repeats, block=BLOCK, rest=REST):
    """The best time of each run over `repeats` calls.

    The runs take turns, `block` calls at a time, resting first: after a call, numpy's BLAS
    threads and torch's OpenMP threads keep spinning for a while and would take the cores of
    whichever runs next. Taking turns spreads the load of anything else on the machine over
    all runs alike, and the best call is the one it disturbed least.
    """
    best = [math.inf] * len(runs)
    for turn in range(-(-repeats // block)):
        for i, run in enumerate(runs):
            time.sleep(rest)
            if turn == 0:
                run()  # warm-up: the first call allocates and faults in its memory
            for _ in range(block):
                start = time.perf_counter()
                run()
                best[i] = min(best[i], time.perf_counter() - start)
    return best


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def ratio(a, b):
    return a / b if a is not None and b is not None else None


def bench_layers(repeats=20, naive_repeats=1, naive=True, threads=None, dtype="float64"):
    """Time every shape in `dtype`: a list of rows (dicts), one per shape, times in seconds.

    Keys: name, headline (counted in the geometric means), ours, torch, naive (None when
    not timed), ours_vs_torch = ours / torch, naive_vs_ours = naive / ours, threads, dtype.
    """
    threads = threads or blas_threads()
    torch = load_torch(threads)
    rows = []
    for name, headline, ours, slow, theirs in cases(dtype):
        times = best_times([ours, theirs(torch)] if torch else [ours], repeats)
        row = {"name": name, "headline": headline, "ours": times[0],
               "torch": times[1] if torch else None,
               "naive": min(timed(slow) for _ in range(naive_repeats)) if naive else None,
               "threads": threads, "dtype": dtype}
        row["ours_vs_torch"] = ratio(row["ours"], row["torch"])
        row["naive_vs_ours"] = ratio(row["naive"], row["ours"])
        rows.append(row)
    return rows


def geometric_mean(values):
    values = [v for v in values if v is not None]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def cell(value, width, digits, scale=1.0):
    return f"{value * scale:{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def verdict(value, target, at_most):
    if value is None:
        return "not measured"
    return "met" if (value <= target if at_most else value >= target) else "NOT met"


def describe_machine():
    """Lines that say what ran the benchmark: the CPU, numpy's BLAS and its kernel, torch."""
    lines = [f"CPU: {cpu_model()} ({platform.machine()}, {os.cpu_count()} logical cores)"]
    if hasattr(os, "getloadavg"):  # others' work on a shared machine slows both sides
        lines.append("load average before the run (1, 5, 15 min): "
                     + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    for lib in blas_libraries():
        lines.append(f"numpy {np.__version__}: {lib.get('internal_api')} {lib.get('version')}, "
                     f"kernel {lib.get('architecture', '?')}, {lib['num_threads']} threads")
    forced = {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
              if name in os.environ}
    if forced:
        lines.append(f"note: {forced} set in the environment: numpy's OpenBLAS kernel was forced "
                     "(`make bench` unsets both for its command)")
    try:
        import torch
        lines.append(f"torch {torch.__version__}")
    except ImportError:
        lines.append("torch is not importable: the torch columns are skipped "
                     "(install it with: pip install torch==2.13.0)")
    return lines


def print_table(rows, repeats, naive_repeats):
    threads, dtype = rows[0]["threads"], rows[0]["dtype"]
    have_torch = any(row["torch"] is not None for row in rows)
    have_naive = any(row["naive"] is not None for row in rows)
    print(f"\nforward + backward, {dtype}, threads: numpy BLAS {threads}, "
          f"torch {threads if have_torch else '-'}")
    naive = (f"naive: best of {naive_repeats} run(s) on the same full shape, no warm-up"
             if have_naive else "naive: not timed")
    print(f"ours and torch: best of {repeats} calls each, in turns of {BLOCK} "
          f"after {REST} s of rest; {naive}")
    header = (f"{'shape':<46} {'ours ms':>9} {'torch ms':>9} {'naive ms':>10} "
              f"{'ours/torch':>10} {'naive/ours':>10}")
    print(header)
    print("-" * len(header))
    for row in rows:
        note = "" if row["headline"] else "  (overlapping: not in the means)"
        print(f"{row['name']:<46} {cell(row['ours'], 9, 2, 1e3)} {cell(row['torch'], 9, 2, 1e3)} "
              f"{cell(row['naive'], 10, 1, 1e3)} {cell(row['ours_vs_torch'], 10, 2)} "
              f"{cell(row['naive_vs_ours'], 10, 0)}{note}")
    print("-" * len(header))
    headline = [row for row in rows if row["headline"]]
    vs_torch = geometric_mean([row["ours_vs_torch"] for row in headline])
    vs_naive = geometric_mean([row["naive_vs_ours"] for row in headline])
    target = TORCH_TARGETS[dtype]
    line = (f"geometric means over the {len(headline)} shapes in the means, {dtype}: "
            f"ours/torch {cell(vs_torch, 0, 2)} (target <= {target}: "
            f"{verdict(vs_torch, target, True)})")
    if have_naive:
        line += (f", naive/ours {cell(vs_naive, 0, 0)} (target >= {NAIVE_TARGET}: "
                 f"{verdict(vs_naive, NAIVE_TARGET, False)})")
    print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.kit.bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20,
                        help="calls of ours and of torch per shape; the best counts (default 20)")
    parser.add_argument("--naive-repeats", type=int, default=1,
                        help="runs of the naive layers per shape; the best counts (default 1)")
    parser.add_argument("--no-naive", action="store_true",
                        help="skip the naive layers (they take about 30 s)")
    parser.add_argument("--dtype", nargs="+", choices=sorted(TORCH_TARGETS),
                        default=["float64", "float32"], help="dtypes to time (default: both)")
    parser.add_argument("--no-training", action="store_true",
                        help="skip the training throughput (one epoch of ThreeLayerConvNet)")
    args = parser.parse_args(argv)
    print("\n".join(describe_machine()))
    for dtype in args.dtype:
        rows = bench_layers(args.repeats, args.naive_repeats,
                            naive=not args.no_naive and dtype == "float64", dtype=dtype)
        print_table(rows, args.repeats, args.naive_repeats)
    if not args.no_training:
        from .bench_training import main as bench_training
        bench_training([])
    if hasattr(os, "getloadavg"):
        print("load average after the run (1, 5, 15 min): "
              + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
    return 0


if __name__ == "__main__":
    main()
