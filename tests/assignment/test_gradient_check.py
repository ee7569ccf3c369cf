import numpy as np
import pytest

from assignment.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error


def test_numerical_gradient_of_a_known_function():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    grad = eval_numerical_gradient(lambda x: np.sum(x ** 2), x, verbose=False)
    assert rel_error(grad, 2 * x) < 1e-8
    assert np.array_equal(x, before)  # restored


def test_numerical_gradient_array_of_a_known_function():
    rng = np.random.default_rng(1)
    x, df = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    grad = eval_numerical_gradient_array(lambda x: np.sin(x), x, df)
    assert rel_error(grad, np.cos(x) * df) < 1e-8


def test_a_stub_that_returns_none_gets_a_clear_error():
    with pytest.raises(TypeError, match="returned None: is the function still a stub"):
        eval_numerical_gradient_array(lambda x: None, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        eval_numerical_gradient_array(lambda x: np.ones(3), np.ones(2), np.ones(2))
