"""Numerical gradients by centred differences, to check analytic backward passes."""
from random import randrange

import numpy as np

__all__ = ["eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check_sparse",
           "rel_error"]


def rel_error(x, y):
    """Relative error max(|x - y| / max(1e-8, |x| + |y|)), the measure every check uses."""
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _checked(value, what):
    if value is None:
        raise TypeError(f"{what} returned None: is the function still a stub?")
    return value


def eval_numerical_gradient(f, x, verbose=True, h=0.00001):
    """Numerical gradient of a scalar function f at x, by centred differences.

    Inputs:
    - f: a function of one argument, returning a scalar
    - x: the point (numpy array) at which to evaluate the gradient; changed in place while
      this runs, and restored
    Returns:
    - grad: array of the shape of x
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = _checked(f(x), "f")
        x[ix] = old - h
        fxmh = _checked(f(x), "f")
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of sum(f(x) * df) at x, for a function f returning an array.

    Inputs:
    - f: a function of one argument, returning an array of the shape of df
    - x: the point (numpy array); changed in place while this runs, and restored
    - df: upstream gradient, of the shape of f(x)
    Returns:
    - grad: array of the shape of x
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(_checked(f(x), "f"), copy=True)
        x[ix] = old - h
        neg = np.array(_checked(f(x), "f"), copy=True)
        x[ix] = old
        if pos.shape != np.shape(df):
            raise ValueError(f"f returned shape {pos.shape}, but df has shape {np.shape(df)}")
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare the analytic gradient with centred differences at a few random entries."""
    for _ in range(num_checks):
        ix = tuple(randrange(m) for m in x.shape)
        old = x[ix]
        x[ix] = old + h
        fxph = _checked(f(x), "f")
        x[ix] = old - h
        fxmh = _checked(f(x), "f")
        x[ix] = old
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        rel = abs(grad_numerical - grad_analytic) / (abs(grad_numerical) + abs(grad_analytic) + 1e-12)
        print("numerical: %f analytic: %f, relative error: %e" % (grad_numerical, grad_analytic, rel))
