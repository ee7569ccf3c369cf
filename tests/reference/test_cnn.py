"""The reference ThreeLayerConvNet: sane initial loss, exact gradients, and it can overfit."""
import numpy as np
import pytest

from assignment.data_utils import get_digits_data
from assignment.gradient_check import eval_numerical_gradient, rel_error
from assignment.solver import Solver
from reference.classifiers.cnn import ThreeLayerConvNet
from reference import layers as reference_layers


def test_the_reference_net_runs_on_the_reference_layers():
    import reference.classifiers.cnn as cnn
    assert cnn.softmax_loss is reference_layers.softmax_loss
    assert cnn.conv_relu_pool_forward.__module__ == "reference.layer_utils"


def test_initial_loss_is_about_log_num_classes():
    np.random.seed(0)
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=8, filter_size=3, hidden_dim=20)
    X = np.random.randn(50, 1, 8, 8)
    y = np.random.randint(10, size=50)
    loss, _ = model.loss(X, y)
    assert abs(loss - np.log(10)) < 0.01
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    assert loss_reg > loss  # regularization adds to the loss


def test_init_statistics():
    np.random.seed(1)
    model = ThreeLayerConvNet(input_dim=(3, 16, 12), num_filters=20, filter_size=5,
                              hidden_dim=30, num_classes=7, weight_scale=0.01)
    shapes = {name: p.shape for name, p in model.params.items()}
    assert shapes == {"W1": (20, 3, 5, 5), "b1": (20,), "W2": (20 * 8 * 6, 30), "b2": (30,),
                      "W3": (30, 7), "b3": (7,)}
    assert abs(model.params["W2"].std() - 0.01) < 0.001
    assert all(not model.params[b].any() for b in ("b1", "b2", "b3"))
    assert all(p.dtype == np.float32 for p in model.params.values())


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_gradients_match_numerical(reg):
    np.random.seed(2)
    num_inputs, input_dim, num_classes = 2, (3, 10, 10), 10
    X = np.random.randn(num_inputs, *input_dim)
    y = np.random.randint(num_classes, size=num_inputs)
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=input_dim, hidden_dim=7,
                              weight_scale=0.1, reg=reg, dtype=np.float64)
    loss, grads = model.loss(X, y)
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]  # noqa: E731
        numerical = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-6)
        assert rel_error(numerical, grads[name]) < 1e-5, name


def test_overfits_fifty_digits():
    np.random.seed(3)
    data = get_digits_data()
    small = {"X_train": data["X_train"][:50], "y_train": data["y_train"][:50],
             "X_val": data["X_val"], "y_val": data["y_val"]}
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=16, filter_size=3,
                              hidden_dim=100, weight_scale=0.1)
    solver = Solver(model, small, num_epochs=15, batch_size=10, update_rule="adam",
                    optim_config={"learning_rate": 1e-2}, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
