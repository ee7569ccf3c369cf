"""The layer benchmark's pieces: the machine it names, its table in both dtypes, its timing
in turns; and the training benchmark on a few batches (torch only when installed)."""
import math

import numpy as np
import pytest

from autograder.kit import bench, bench_training


def test_cpu_model_names_the_processor():
    model = bench.cpu_model()
    assert isinstance(model, str) and model.strip() and model != "unknown"


def test_describe_machine_says_when_the_openblas_kernel_is_forced(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    lines = bench.describe_machine()
    assert lines[0].startswith("CPU: ")
    assert any("OPENBLAS_CORETYPE" in line and "make bench" in line for line in lines)
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert not any("OPENBLAS_CORETYPE" in line for line in bench.describe_machine())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cases_are_made_in_their_dtype(dtype, monkeypatch):
    made = []

    def recorder(*arrays_and_params):
        made.extend(a.dtype for a in arrays_and_params if isinstance(a, np.ndarray))
        return None, None, None
    monkeypatch.setattr(bench, "conv_case", recorder)
    monkeypatch.setattr(bench, "pool_case", recorder)
    cases = list(bench.cases(dtype))
    assert len(cases) == len(bench.CONV_SHAPES) + len(bench.POOL_SHAPES)
    assert made and set(made) == {np.dtype(dtype)}


def test_table_judges_each_dtype_by_its_target(capsys):
    def row(name, ours, torch, headline=True, dtype="float32"):
        return {"name": name, "headline": headline, "ours": ours, "torch": torch, "naive": None,
                "ours_vs_torch": ours / torch, "naive_vs_ours": None, "threads": 2,
                "dtype": dtype}
    rows = [row("a", 1.2, 1.0), row("b", 1.2, 1.0), row("c", 9.0, 1.0, headline=False)]
    bench.print_table(rows, repeats=3, naive_repeats=1)
    out = capsys.readouterr().out
    assert "float32" in out and "ours/torch 1.20 (target <= 1.25: met)" in out
    bench.print_table([dict(r, dtype="float64") for r in rows], repeats=3, naive_repeats=1)
    assert "ours/torch 1.20 (target <= 1.0: NOT met)" in capsys.readouterr().out


def test_best_times_take_turns_and_keep_the_best():
    calls = []
    runs = [lambda: calls.append("a"), lambda: calls.append("b")]
    best = bench.best_times(runs, repeats=4, block=2, rest=0)
    assert len(best) == 2 and all(0 <= t < 1 for t in best)
    # warm-up, then blocks of two in turns: a a a b b b a a b b
    assert calls == list("aaabbbaabb")


def test_geometric_mean():
    assert math.isclose(bench.geometric_mean([0.5, 2.0, None]), 1.0)
    assert bench.geometric_mean([None]) is None


def test_epoch_times_sum_the_best_time_of_each_block():
    seen = []
    steps = [lambda X, y: seen.append(("ours", X)), lambda X, y: seen.append(("theirs", X))]
    batches = [[(k, 0), (k, 0)] for k in range(5)]
    times = bench_training.epoch_times(steps, batches, rounds=2, block=2, rest=0)
    assert len(times) == 2 and all(t >= 0 for t in times)
    # after a warm-up on the first batch, ours and theirs alternate block by block
    assert seen[:2] == [("ours", 0), ("theirs", 0)]
    assert [who for who, _ in seen[2:6]] == ["ours", "ours", "theirs", "theirs"]
    assert len(seen) == 2 + 2 * 2 * 5


def test_training_runs_a_short_epoch_on_both_sides():
    X, y = bench_training.synthetic_data(100)
    assert X.dtype == np.float32 and X.shape == (100, 3, 32, 32) and set(y) <= set(range(10))
    result = bench_training.bench_training(images=100, rounds=1)
    assert result["ours"] > 0
    try:
        import torch  # noqa: F401
    except ImportError:
        assert result["torch"] is None
    else:
        assert result["torch"] > 0
