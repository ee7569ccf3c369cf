"""Numerical gradients by centred differences, to check analytic backward passes."""
from random import randrange

import numpy as np

__all__ = ["eval_numerical_gradient", "eval_numerical_gradient_array", "grad_check_sparse",
           "rel_error"]


def rel_error(x, y):
    """Relative error max(|x - y| / max(1e-8, |x| + |y|)), the measure every check uses."""
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def centred(f, x, ix, h):
    """(f at x[ix] + h, f at x[ix] - h), with x[ix] restored afterwards."""
    old = x[ix]
    x[ix] = old + h
    plus = f(x)
    plus = None if plus is None else np.array(plus, copy=True)  # f may return a view of x
    x[ix] = old - h
    minus = f(x)
    minus = None if minus is None else np.array(minus, copy=True)
    x[ix] = old
    if plus is None or minus is None:
        raise TypeError("f returned None: is the function still a stub?")
    return plus, minus


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
        fxph, fxmh = centred(f, x, ix, h)
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
        pos, neg = centred(f, x, ix, h)
        if pos.shape != np.shape(df):
            raise ValueError(f"f returned shape {pos.shape}, but df has shape {np.shape(df)}")
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare the analytic gradient with centred differences at a few random entries."""
    for _ in range(num_checks):
        ix = tuple(randrange(m) for m in x.shape)
        fxph, fxmh = centred(f, x, ix, h)
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        rel = abs(grad_numerical - grad_analytic) / (abs(grad_numerical) + abs(grad_analytic) + 1e-12)
        print("numerical: %f analytic: %f, relative error: %e" % (grad_numerical, grad_analytic, rel))
