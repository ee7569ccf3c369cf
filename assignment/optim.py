"""First-order update rules, CS231n style: `update(w, dw, config=None) -> (next_w, config)`.

`config` holds the hyperparameters and the rule's state (velocity, moments); it is created
with defaults on the first call and passed back in on every later one.
"""
import numpy as np

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam", "UPDATE_RULES"]


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent. config: learning_rate (1e-2)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum. config: learning_rate (1e-2), momentum (0.9), velocity."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """RMSProp. config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    decay = config["decay_rate"]
    config["cache"] = decay * config["cache"] + (1 - decay) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


def adam(w, dw, config=None):
    """Adam, with bias correction. config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999),
    epsilon (1e-8), m, v, t (the step count, incremented before it is used)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    b1, b2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = b1 * config["m"] + (1 - b1) * dw
    config["v"] = b2 * config["v"] + (1 - b2) * dw ** 2
    m_hat = config["m"] / (1 - b1 ** config["t"])
    v_hat = config["v"] / (1 - b2 ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config


UPDATE_RULES = {"sgd": sgd, "sgd_momentum": sgd_momentum, "rmsprop": rmsprop, "adam": adam}
