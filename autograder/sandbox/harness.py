"""How a case is run: the same code runs the reference (to make fixtures), each catalogued
mistake (to recognize it later), and a student's code (inside the sandboxed worker).

It needs numpy only, so that the worker can run it from a copy inside its sandbox. It is
handed the layers as a namespace (a module, or the reference with one function swapped) and
the inputs as plain values; it returns {name: value} with whatever the code returned,
unchecked: telling right from wrong is the parent's job, which this process never sees.
"""
import numpy as np

H = 1e-5  # step of the centred differences


def call_args(inputs):
    """Positional arguments from the case inputs; "bn_param.running_mean" goes into bn_param."""
    names = [n for n in inputs if n != "dout" and not n.startswith("probe_")]
    args = {n: dict(inputs[n]) if isinstance(inputs[n], dict) else inputs[n]
            for n in names if "." not in n}
    for name in names:
        if "." in name:
            owner, key = name.split(".", 1)
            args[owner][key] = inputs[name]
    return args


def fresh(args):
    """A copy whose parameter dicts the function may write into without touching ours."""
    return [dict(v) if isinstance(v, dict) else v for v in args.values()]


def run_forward(layers, function, inputs):
    args = call_args(inputs)
    values = fresh(args)
    out, _ = getattr(layers, function)(*values)
    outputs = {"out": out}
    for value in values:
        if isinstance(value, dict) and "mode" in value:  # batch norm writes its averages back
            outputs["running_mean"] = value.get("running_mean")
            outputs["running_var"] = value.get("running_var")
    return outputs


def run_bn_steps(layers, function, inputs):
    """Train mode on every batch of x but the last, then test mode on the last."""
    args = call_args(inputs)
    batches, gamma, beta, bn_param = args["x"], args["gamma"], args["beta"], args["bn_param"]
    forward = getattr(layers, function)
    for batch in batches[:-1]:
        forward(batch, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = forward(batches[-1], gamma, beta, bn_param)
    return {"out": out, "running_mean": bn_param.get("running_mean"),
            "running_var": bn_param.get("running_var")}


def run_backward(layers, function, inputs, forward_name):
    args = call_args(inputs)
    _, cache = getattr(layers, forward_name)(*fresh(args))
    grads = getattr(layers, function)(inputs["dout"], cache)
    wrt = [name for name, value in args.items() if isinstance(value, np.ndarray)]
    if not isinstance(grads, tuple):
        grads = (grads,)
    outputs = {"d" + name: grad for name, grad in zip(wrt, grads)}
    for name in wrt:
        probe = inputs.get("probe_d" + name)
        if probe is None:
            continue
        try:
            outputs["numerical_d" + name] = numerical_gradient(
                layers, forward_name, args, name, inputs["dout"], probe)
        except Exception:  # advice only: a forward that fails is reported by its own cases
            pass
    return outputs


def numerical_gradient(layers, forward_name, args, name, dout, probe):
    """Centred differences of sum(forward(...) * dout) at the flat indices in `probe`."""
    x = args[name]
    values = np.empty(len(probe))
    for k, index in enumerate(probe):
        index = np.unravel_index(int(index), x.shape)
        old = x[index]
        x[index] = old + H
        plus = np.sum(getattr(layers, forward_name)(*fresh(args))[0] * dout)
        x[index] = old - H
        minus = np.sum(getattr(layers, forward_name)(*fresh(args))[0] * dout)
        x[index] = old
        values[k] = (plus - minus) / (2 * H)
    return values


PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


def net_kwargs(kwargs):
    kwargs = dict(kwargs)
    if "dtype" in kwargs:
        kwargs["dtype"] = np.dtype(kwargs["dtype"]).type
    if "input_dim" in kwargs:
        kwargs["input_dim"] = tuple(kwargs["input_dim"])
    return kwargs


def run_net_init(net_class, inputs):
    np.random.seed(inputs["seed"])
    model = net_class(**net_kwargs(inputs["kwargs"]))
    return {name: model.params.get(name) for name in PARAM_NAMES}


def run_net_loss(net_class, inputs):
    kwargs = net_kwargs(inputs["kwargs"])
    model = net_class(**kwargs)
    dtype = kwargs.get("dtype", np.float32)
    model.params = {name: inputs[name].astype(dtype) for name in PARAM_NAMES}
    scores = model.loss(inputs["X"])
    loss, grads = model.loss(inputs["X"], inputs["y"].astype(int))
    outputs = {"scores": scores, "loss": loss}
    outputs.update({"d" + name: grads.get(name) for name in PARAM_NAMES})
    return outputs


RUNNERS = {  # kind -> runner(layers, net_class, function, inputs, forward)
    "forward": lambda layers, net, fn, inputs, fwd: run_forward(layers, fn, inputs),
    "bn_steps": lambda layers, net, fn, inputs, fwd: run_bn_steps(layers, fn, inputs),
    "backward": lambda layers, net, fn, inputs, fwd: run_backward(layers, fn, inputs, fwd),
    "net_init": lambda layers, net, fn, inputs, fwd: run_net_init(net, inputs),
    "net_loss": lambda layers, net, fn, inputs, fwd: run_net_loss(net, inputs),
}


def run_case(kind, layers, net_class, function, inputs, forward=None):
    """Run one case; the kinds are described in cases.py."""
    if kind not in RUNNERS:
        raise ValueError(f"unknown case kind {kind!r}: expected one of {', '.join(RUNNERS)}")
    return RUNNERS[kind](layers, net_class, function, inputs, forward)
