"""The Solver on a tiny softmax model: it learns, keeps its histories and the best params."""
import numpy as np
import pytest

from assignment.layers import affine_backward, affine_forward, softmax_loss
from assignment.solver import Solver


class Softmax:
    """A linear classifier: the smallest model with the Solver's API."""

    def __init__(self, dim, classes):
        self.params = {"W": 0.01 * np.random.randn(dim, classes), "b": np.zeros(classes)}

    def loss(self, X, y=None):
        scores, cache = affine_forward(X, self.params["W"], self.params["b"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        _, dW, db = affine_backward(dscores, cache)
        return loss, {"W": dW, "b": db}


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    X = rng.standard_normal((n, 2)) + 3 * np.eye(3)[y][:, :2] - 1.5 * (y == 2)[:, None]
    return {"X_train": X[:150], "y_train": y[:150], "X_val": X[150:], "y_val": y[150:]}


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_training_lowers_the_loss_and_keeps_the_best_params(rule):
    np.random.seed(0)
    model = Softmax(2, 3)
    solver = Solver(model, blobs(), update_rule=rule, optim_config={"learning_rate": 0.05},
                    num_epochs=5, batch_size=30, verbose=False)
    solver.train()
    assert np.mean(solver.loss_history[-5:]) < solver.loss_history[0]
    assert len(solver.loss_history) == 5 * (150 // 30)
    assert len(solver.val_acc_history) == len(solver.train_acc_history) == 6  # first + 5 epochs
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.8
    assert all(np.array_equal(model.params[k], solver.best_params[k]) for k in model.params)


def test_unknown_options_and_rules_are_named():
    with pytest.raises(ValueError, match="num_epoch"):
        Solver(Softmax(2, 3), blobs(), num_epoch=3)
    with pytest.raises(ValueError, match="adamw.*sgd, sgd_momentum, rmsprop, adam"):
        Solver(Softmax(2, 3), blobs(), update_rule="adamw")


def test_checkpoints_are_npz_not_pickles(tmp_path):
    solver = Solver(Softmax(2, 3), blobs(), num_epochs=1, batch_size=50, verbose=False,
                    checkpoint_name=str(tmp_path / "run"))
    solver.train()
    with np.load(tmp_path / "run_epoch_1.npz", allow_pickle=False) as saved:
        assert saved["param_W"].shape == (2, 3) and len(saved["loss_history"]) == 3


def test_quiet_when_not_verbose_and_a_progress_bar_when_verbose(capsys):
    Solver(Softmax(2, 3), blobs(), num_epochs=1, verbose=False).train()
    quiet = capsys.readouterr()
    assert quiet.out == quiet.err == ""
    Solver(Softmax(2, 3), blobs(), num_epochs=2, batch_size=50, verbose=True).train()
    shown = capsys.readouterr()
    assert "(Epoch 2 / 2) train acc:" in shown.out + shown.err
    assert "it/s" in shown.err or "s/it" in shown.err  # tqdm's bar
