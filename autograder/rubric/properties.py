"""What each case is, read from its inputs: stride, pad, overlap, squareness, N, C, G, mode, reg.

The properties are derived, never declared: a case's inputs in cases.py already say its
stride and its shapes, and a second copy of them in words could drift from the first. A
property is a name a student can read ("stride > 1") and whether the case has it; properties
that do not apply to a case (a pad for pooling) are absent, not False.
"""
from .cases import Array


def spatial_output(height, width, window, stride, pad=0):
    """(H', W') of a sliding window: 1 + (H + 2 * pad - HH) // stride, as the docstrings say."""
    return (1 + (height + 2 * pad - window[0]) // stride, 1 + (width + 2 * pad - window[1]) // stride)


def input_shape(case, kind):
    """The shape of the case's data: x (without bn_steps' leading axis of batches) or X,
    or the net's (C, H, W) input_dim behind one sample."""
    data = case.inputs.get("x", case.inputs.get("X"))
    if isinstance(data, Array):
        return data.shape[1:] if kind == "bn_steps" else data.shape
    kwargs = case.inputs.get("kwargs", {})
    return (1, *kwargs["input_dim"]) if "input_dim" in kwargs else None


def case_properties(graded, case):
    """{property name: bool} for the case, from its inputs alone."""
    kind = case.kind or graded.kind
    inputs, found = case.inputs, {}
    shape = input_shape(case, kind)
    conv, pool = inputs.get("conv_param"), inputs.get("pool_param")
    window = None
    if conv is not None:
        found["stride > 1"], found["pad = 0"] = conv["stride"] > 1, conv["pad"] == 0
        window = inputs["w"].shape[2:]
        found["non-square filter"] = window[0] != window[1]
    if pool is not None:
        window = (pool["pool_height"], pool["pool_width"])
        found["stride > 1"] = pool["stride"] > 1
        found["overlapping windows"] = pool["stride"] < max(window)
        found["non-square pooling window"] = window[0] != window[1]
    if shape is not None and kind != "net_init":
        found["N = 1"] = shape[0] == 1
    if shape is not None and len(shape) == 4:
        found["non-square input"] = shape[2] != shape[3]
        found["C = 1"] = shape[1] == 1
        if window is not None:
            stride = (conv or pool)["stride"]
            out = spatial_output(shape[2], shape[3], window, stride, (conv or {}).get("pad", 0))
            found["non-square output"] = out[0] != out[1]
    if "G" in inputs:
        found["G = C"], found["G = 1"] = inputs["G"] == shape[1], inputs["G"] == 1
    if "bn_param" in inputs:
        found["test mode"] = kind == "bn_steps" or inputs["bn_param"]["mode"] == "test"
        found["momentum other than 0.9"] = inputs["bn_param"].get("momentum", 0.9) != 0.9
        found["non-zero running averages"] = "bn_param.running_mean" in inputs
    data = inputs.get("x")
    if isinstance(data, Array) and data.how == "randn":
        found["large inputs"] = data.scale >= 100
        found["inputs far from zero"] = abs(data.shift) >= 1e3
    if kind in ("net_init", "net_loss"):
        found["initialization"] = kind == "net_init"
        if kind == "net_loss":
            found["reg > 0"] = inputs["kwargs"].get("reg", 0.0) > 0
    return found
