"""The update rules: the values the public CS231n notebook prints, and torch.optim as an oracle."""
import numpy as np
import pytest

from assignment.gradient_check import rel_error
from assignment.optim import UPDATE_RULES, adam, rmsprop, sgd, sgd_momentum

N, D = 4, 5
W = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
DW = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)


def test_sgd_momentum_matches_the_cs231n_notebook():
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, _ = sgd_momentum(W.copy(), DW, config=config)
    expected_next_w = np.asarray([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
    expected_velocity = np.asarray([
        [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(config["velocity"], expected_velocity) < 1e-8


@pytest.mark.parametrize("name,torch_name,ours,theirs", [
    ("sgd", "SGD", {"learning_rate": 0.1}, {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9}),
    ("adam", "Adam", {"learning_rate": 0.01}, {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.01, "decay_rate": 0.99},
     {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
])
def test_update_rules_match_torch_over_several_steps(name, torch_name, ours, theirs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    param = torch.tensor(w.copy(), requires_grad=True)
    optimizer = getattr(torch.optim, torch_name)([param], **theirs)
    config = dict(ours)
    for _ in range(5):
        grad = rng.standard_normal(w.shape)
        w, config = UPDATE_RULES[name](w, grad, config)
        param.grad = torch.tensor(grad)
        optimizer.step()
    # torch keeps its momentum velocity unscaled by lr; with a constant learning rate the
    # updates are the same, so the weights agree to round-off.
    assert rel_error(w, param.detach().numpy()) < 1e-6


def test_adam_counts_its_steps_before_correcting_the_bias():
    _, config = adam(W.copy(), DW, {"learning_rate": 1e-2})
    assert config["t"] == 1
    next_w, _ = adam(np.zeros(1), np.ones(1), {"learning_rate": 0.5})
    assert next_w[0] == pytest.approx(-0.5, rel=1e-6)  # bias-corrected first step is lr * sign


def test_defaults_and_registry():
    _, config = sgd(W.copy(), DW)
    assert config["learning_rate"] == 1e-2
    _, config = rmsprop(W.copy(), DW)
    assert config["decay_rate"] == 0.99 and config["epsilon"] == 1e-8
    assert set(UPDATE_RULES) == {"sgd", "sgd_momentum", "rmsprop", "adam"}
