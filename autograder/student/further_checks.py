"""Further checks for the self-check: what any correct code satisfies, on shapes of our own.

The public cases hold a student's outputs against the reference's on a few shapes; the hidden
cases use others (strides, overlapping windows, non-square inputs, N = 1, G = 1 and G = C).
These checks need no expected value, so they can run on such shapes without revealing one:
- each backward against centred differences of the student's *own* forward (and the net's
  gradients against its own loss, with and without L2 regularization);
- each output's shape against its docstring;
- invariances: batch norm in train mode gives each feature mean beta and std gamma (inputs
  far from zero too), layer and group norm do so per sample and group, group norm with G = 1
  is layer norm of the flattened sample, a centred delta kernel passes its input through (with
  stride 2, every other pixel of it), a 1x1 pool too, spatial batch norm in test mode with
  running averages 0 and 1 - eps returns x, and the net's loss grows with reg by exactly
  0.5 * reg * sum(W ** 2);
- code that raises on our shapes (a square filter assumed) is a disagreement, said with what
  it raised.
Where the numbers fit a common slip (windows one pixel apart, the L2's 0.5 missing), the
finding says that slip in words.
They run in the same sandboxed worker as the cases, which is sent inputs only; what comes
back is judged here and reported apart from the public cases, as advice, not marks.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..sandbox.harness import H  # the centred differences' step, as the worker's
from ..sandbox.limits import Limits
from ..sandbox.sandbox import Sandbox, TimedOut, WorkerFailed

SEED = 2024
GRADIENT_AGREEMENT = 1e-6     # |analytic - numerical| / (|analytic| + |numerical|), as vectors
STATISTIC_AGREEMENT = 1e-4    # a mean or a std against what the layer's contract says
PROBES = 120                  # gradient entries probed per input (all of them, for small ones)
NET_PROBES = 3                # per parameter of the net (each costs two losses)


@dataclass(frozen=True)
class Property:
    function: str       # the graded function it advises on
    situation: str      # in words: "when pooling windows overlap (3x3 windows, stride 2)"
    kind: str           # what the worker runs: forward | backward | net_init | net_loss, or
                        # net_gradient | net_reg (net_loss, and more losses: EXTRA_REQUESTS)
    inputs: Callable    # rng -> {argument: value}, in the function's argument order
    judge: Callable     # (inputs, outputs) -> [what disagrees, in words]; [] when all agree
    forward: Optional[str] = None


@dataclass
class Finding:
    function: str
    situation: str
    state: str          # agrees | disagrees | hangs | not run
    details: list

    def line(self):
        said = "; ".join(self.details)
        return f"{self.function}, {self.situation}" + (f": {said}" if said else "")


# -- judges ------------------------------------------------------------------------------------

def disagreement(a, b):
    """Norm-wise relative error: a gradient as a whole, robust to entries near zero."""
    return float(np.linalg.norm(a - b) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(b)))


def worst(a, b, shape, indices):
    k = int(np.argmax(np.abs(a - b)))
    where = tuple(int(i) for i in np.unravel_index(int(indices[k]), shape))
    return f"worst at index {where}: yours {a[k]:.4g}, centred differences {b[k]:.4g}"


def gradients_agree_with(what):
    """Each probed gradient against centred differences of the student's own `what`."""
    return lambda inputs, got: gradients_agree(inputs, got, what)


def gradients_agree(inputs, got, what="forward"):
    problems = []
    for key in sorted(k for k in inputs if k.startswith("probe_")):
        grad = key[len("probe_"):]
        probe = inputs[key].astype(int)
        if grad not in got or "numerical_" + grad not in got:
            continue
        analytic = got[grad].ravel()[probe] if got[grad].size > probe.max() else None
        if analytic is None or got[grad].shape != inputs[grad[1:]].shape:
            problems.append(f"{grad} has shape {got[grad].shape}, not the shape of {grad[1:]}, "
                            f"{inputs[grad[1:]].shape}")
            continue
        error = disagreement(analytic, got["numerical_" + grad])
        if error > GRADIENT_AGREEMENT:
            problems.append(f"your {grad} disagrees with your own {what} (error {error:.1e} > "
                            f"{GRADIENT_AGREEMENT:.0e}; {worst(analytic, got['numerical_' + grad], got[grad].shape, probe)})")
    return problems


def shape_is(expected, key="out"):
    def judge(inputs, got):
        shape = tuple(expected(inputs))
        if got[key].shape != shape:
            return [f"{key} has shape {got[key].shape}; its docstring says {shape}"]
        return []
    return judge


def equals(expected, what, key="out"):
    """The output equals something computed here from the inputs (a delta kernel, G = 1...)."""
    def judge(inputs, got):
        want = expected(inputs)
        if got[key].shape != want.shape:
            return [f"{key} has shape {got[key].shape}, expected {want.shape}"]
        error = disagreement(got[key].ravel(), want.ravel())
        return [] if error <= 1e-7 else [f"{key} differs from {what} (error {error:.1e})"]
    return judge


def normalized(groups, eps=1e-5):
    """With gamma = 1 and beta = 0, each group (rows of groups(array, inputs)) has mean 0 and
    std sqrt(var / (var + eps)), var being the group's variance in x."""
    def judge(inputs, got):
        x, out = inputs["x"], got["out"]
        if out.shape != x.shape:
            return [f"out has shape {out.shape}, not the shape of x, {x.shape}"]
        var = groups(x, inputs).var(axis=1)
        mean, std = groups(out, inputs).mean(axis=1), groups(out, inputs).std(axis=1)
        want = np.sqrt(var / (var + eps))
        problems = []
        if np.max(np.abs(mean)) > STATISTIC_AGREEMENT:
            problems.append(f"with gamma = 1 and beta = 0 the output's means are not 0 "
                            f"(up to {np.max(np.abs(mean)):.2g})")
        if np.max(np.abs(std - want)) > STATISTIC_AGREEMENT:
            problems.append(f"with gamma = 1 and beta = 0 the output's stds are not 1 "
                            f"(one is {std.ravel()[np.argmax(np.abs(std - want))]:.4g})")
        return problems
    return judge


def near(key, value, what, tolerance):
    def judge(inputs, got):
        found = float(got[key])
        return [] if abs(found - value) <= tolerance else [f"{key} is {found:.4g}, not {what} ({value:.4g})"]
    return judge


# -- inputs ------------------------------------------------------------------------------------

def with_probes(inputs, rng):
    """Probe every input array's gradient (up to PROBES entries of each)."""
    for name, value in list(inputs.items()):
        if isinstance(value, np.ndarray) and name != "dout":
            count = min(PROBES, value.size)
            inputs["probe_d" + name] = np.sort(rng.choice(value.size, count, replace=False)).astype(float)
    return inputs


def conv_out(x, w, stride, pad):
    (N, _, Hx, Wx), (F, _, HH, WW) = x, w
    return (N, F, 1 + (Hx + 2 * pad - HH) // stride, 1 + (Wx + 2 * pad - WW) // stride)


def conv_inputs(x, w, stride, pad, backward=False):
    def make(rng):
        inputs = {"x": rng.standard_normal(x), "w": rng.standard_normal(w), "b": rng.standard_normal(w[0]),
                  "conv_param": {"stride": stride, "pad": pad}}
        if backward:
            inputs["dout"] = rng.standard_normal(conv_out(x, w, stride, pad))
            with_probes(inputs, rng)
        return inputs
    return make


def delta_kernel(rng):
    x = rng.standard_normal((2, 3, 5, 4))
    w = np.zeros((3, 3, 3, 3))
    w[[0, 1, 2], [0, 1, 2], 1, 1] = 1.0
    return {"x": x, "w": w, "b": np.array([1.0, -2.0, 0.5]), "conv_param": {"stride": 1, "pad": 1}}


def strided_delta(rng):
    """A centred 3x3 delta kernel with pad 1 and stride 2: window (i, j) is centred on pixel
    (2i, 2j), so out must be x[:, :, ::2, ::2] + b."""
    return dict(delta_kernel(rng), conv_param={"stride": 2, "pad": 1})


def strided_like(inputs, rows, cols):
    x, b = inputs["x"], inputs["b"][None, :, None, None]
    return x[:, :, rows, cols] + b


def windows_at_the_stride(inputs, got):
    """out against x[::2, ::2] + b, and against what the commonest stride bugs give."""
    out, x = got["out"], inputs["x"]
    H_out, W_out = conv_out(x.shape, inputs["w"].shape, 2, 1)[2:]
    want = strided_like(inputs, slice(None, None, 2), slice(None, None, 2))
    if out.shape != want.shape:
        return [f"out has shape {out.shape}; its docstring says {want.shape}"]
    if disagreement(out.ravel(), want.ravel()) <= 1e-7:
        return []
    readings = (  # (rows, cols) windows read at, and what it means
        ((slice(0, H_out), slice(0, W_out)), "the windows move one pixel at a time (window (i, j) "
         "starts at (i, j)): it must start at (i * stride, j * stride)"),
        ((slice(None, None, 2), slice(0, W_out)), "the stride is not used along the width: "
         "window (i, j) starts at (i * stride, j): it must be (i * stride, j * stride)"),
        ((slice(0, H_out), slice(None, None, 2)), "the stride is not used along the height: "
         "window (i, j) starts at (i, j * stride): it must be (i * stride, j * stride)"),
    )
    for (rows, cols), words in readings:
        if disagreement(out.ravel(), strided_like(inputs, rows, cols).ravel()) <= 1e-7:
            return [words]
    return [f"out differs from x[:, :, ::2, ::2] + b (error {disagreement(out.ravel(), want.ravel()):.1e}): "
            "look at where each window starts, (i * stride, j * stride), and at the padding"]


def pool_out(x, height, width, stride):
    N, C, Hx, Wx = x
    return (N, C, 1 + (Hx - height) // stride, 1 + (Wx - width) // stride)


def pool_inputs(x, height, width, stride, backward=False):
    def make(rng):
        # Distinct values 0.1 apart: every window has one maximum, and the centred
        # differences never move it.
        inputs = {"x": 0.1 * rng.permutation(int(np.prod(x))).reshape(x).astype(float),
                  "pool_param": {"pool_height": height, "pool_width": width, "stride": stride}}
        if backward:
            inputs["dout"] = rng.standard_normal(pool_out(x, height, width, stride))
            with_probes(inputs, rng)
        return inputs
    return make


def norm_inputs(shape, param, gamma_shape, backward=False, unit=False, G=None, shift=3.0):
    """x, gamma, beta (1 and 0 if `unit`), G for group norm, and the param dict."""
    def make(rng):
        x = 2.0 * rng.standard_normal(shape) + shift
        gamma = np.ones(gamma_shape) if unit else rng.standard_normal(gamma_shape) + 1.5
        beta = np.zeros(gamma_shape) if unit else rng.standard_normal(gamma_shape)
        inputs = {"x": x, "gamma": gamma, "beta": beta}
        if G is not None:
            inputs["G"] = G
        inputs[param] = {"mode": "train"} if param == "bn_param" else {}
        if backward:
            inputs["dout"] = rng.standard_normal(shape)
            with_probes(inputs, rng)
        return inputs
    return make


def bn(shape, **options):
    return norm_inputs(shape, "bn_param", shape[1:2], **options)


def ln(shape, **options):
    return norm_inputs(shape, "ln_param", shape[1:2], **options)


def gn(shape, G, **options):
    return norm_inputs(shape, "gn_param", (1, shape[1], 1, 1), G=G, **options)


def test_mode_identity(shape, eps=1e-5):
    """Test mode with running_mean = 0, running_var = 1 - eps, gamma = 1, beta = 0: out must be x."""
    def make(rng):
        C = shape[1]
        return {"x": 2.0 * rng.standard_normal(shape) + 3.0, "gamma": np.ones(C), "beta": np.zeros(C),
                "bn_param": {"mode": "test"}, "bn_param.running_mean": np.zeros(C),
                "bn_param.running_var": np.full(C, 1 - eps)}
    return make


def uses_running_averages(inputs, got):
    out, x = got["out"], inputs["x"]
    if out.shape != x.shape:
        return [f"out has shape {out.shape}, not the shape of x, {x.shape}"]
    error = disagreement(out.ravel(), x.ravel())
    if error <= 1e-7:
        return []
    return [f"out is not x (error {error:.1e}) although running_mean = 0, running_var = 1 - eps, "
            "gamma = 1 and beta = 0: test mode must normalize with running_mean and running_var "
            "(passed on to your batchnorm_forward in bn_param), not with the batch's own statistics"]


PER_FEATURE = lambda x, inputs: x.T                                            # noqa: E731
PER_SAMPLE = lambda x, inputs: x.reshape(x.shape[0], -1)                       # noqa: E731
PER_CHANNEL = lambda x, inputs: x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1)  # noqa: E731
PER_GROUP = lambda x, inputs: x.reshape(x.shape[0] * inputs["G"], -1)          # noqa: E731


def groupnorm_as_layernorm(inputs):
    x = inputs["x"].reshape(inputs["x"].shape[0], -1)
    return ((x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)).reshape(inputs["x"].shape)


NET_KWARGS = {"input_dim": (2, 8, 6), "num_filters": 3, "filter_size": 3, "hidden_dim": 7,
              "num_classes": 4, "dtype": "float64"}
PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def net_param_shapes(kwargs):
    """The docstring's shapes: a 2x2 pool halves H and W of the padded ('same') convolution."""
    (C, Hx, Wx), F, HH = kwargs["input_dim"], kwargs["num_filters"], kwargs["filter_size"]
    hidden, classes = kwargs["hidden_dim"], kwargs["num_classes"]
    return {"W1": (F, C, HH, HH), "b1": (F,), "W2": (F * (Hx // 2) * (Wx // 2), hidden),
            "b2": (hidden,), "W3": (hidden, classes), "b3": (classes,)}


def net_inputs(reg, scale=0.3, n=3):
    def make(rng):
        C, Hx, Wx = NET_KWARGS["input_dim"]
        inputs = {"kwargs": dict(NET_KWARGS, reg=reg), "X": rng.standard_normal((n, C, Hx, Wx)),
                  "y": rng.integers(0, NET_KWARGS["num_classes"], n).astype(float)}
        for name, shape in net_param_shapes(NET_KWARGS).items():
            inputs[name] = scale * rng.standard_normal(shape)
        for name in PARAMS:
            count = min(NET_PROBES, inputs[name].size)
            inputs["probe_d" + name] = np.sort(rng.choice(inputs[name].size, count, replace=False)).astype(float)
        return inputs
    return make


def l2_penalty(inputs, names):
    return 0.5 * inputs["kwargs"]["reg"] * sum(float(np.sum(inputs[n] ** 2)) for n in names)


def regularized_as_documented(inputs, got):
    """loss(reg) - loss(reg = 0) against 0.5 * reg * (|W1|^2 + |W2|^2 + |W3|^2), and against
    what the commonest L2 slips give."""
    added, want = float(got["loss"]) - float(got["loss_without_reg"]), l2_penalty(inputs, ("W1", "W2", "W3"))
    biases = l2_penalty(inputs, ("b1", "b2", "b3"))
    readings = ((want, None),
                (2 * want, "the L2 term lacks its factor 0.5: loss += 0.5 * reg * sum(W ** 2) for W1, W2, W3"),
                (want + biases, "the biases are regularized too: L2 applies to the weights W1, W2, W3 only"),
                (0.0, "reg adds nothing to the loss: loss += 0.5 * reg * sum(W ** 2) for W1, W2, W3"))
    for value, words in readings:
        if abs(added - value) <= 1e-6 * max(1.0, abs(want)):
            return [words] if words else []
    return [f"reg = {inputs['kwargs']['reg']:g} adds {added:.6g} to the loss, where "
            f"0.5 * reg * (sum(W1 ** 2) + sum(W2 ** 2) + sum(W3 ** 2)) is {want:.6g}"]


def init_shapes(inputs, got):
    shapes = net_param_shapes(inputs["kwargs"])
    return [f"{name} has shape {got[name].shape}; the docstring makes it {shape}"
            for name, shape in shapes.items() if name in got and got[name].shape != shape]


# -- the checks, per function ---------------------------------------------------------------------

def backward(function, forward, situation, inputs):
    return Property(function, situation, "backward", inputs, gradients_agree, forward)


def net_gradient(situation, reg):
    return Property("ThreeLayerConvNet", situation, "net_gradient", net_inputs(reg), gradients_agree_with("loss"))


PROPERTIES = (
    Property("conv_forward_naive", "on a non-square input and kernel, stride 2, pad 1", "forward",
             conv_inputs((1, 2, 7, 5), (3, 2, 3, 2), 2, 1),
             shape_is(lambda i: conv_out(i["x"].shape, i["w"].shape, 2, 1))),
    Property("conv_forward_naive", "with a centred 3x3 delta kernel, pad 1 (out must be x + b)", "forward",
             delta_kernel, equals(lambda i: i["x"] + i["b"][None, :, None, None], "x + b")),
    Property("conv_forward_naive", "with a centred 3x3 delta kernel, pad 1, stride 2 "
             "(out must be x[:, :, ::2, ::2] + b)", "forward", strided_delta, windows_at_the_stride),
    backward("conv_backward_naive", "conv_forward_naive", "with stride 2, pad 1, a non-square input and kernel",
             conv_inputs((2, 3, 7, 5), (4, 3, 3, 2), 2, 1, backward=True)),
    backward("conv_backward_naive", "conv_forward_naive", "with N = 1, stride 1, no padding",
             conv_inputs((1, 2, 5, 5), (3, 2, 3, 3), 1, 0, backward=True)),

    Property("max_pool_forward_naive", "with a 3x2 window, stride 2, on a non-square input and output",
             "forward", pool_inputs((1, 2, 7, 8), 3, 2, 2), shape_is(lambda i: pool_out(i["x"].shape, 3, 2, 2))),
    Property("max_pool_forward_naive", "with a 1x1 window, stride 1 (out must be x)", "forward",
             pool_inputs((2, 2, 3, 4), 1, 1, 1), equals(lambda i: i["x"], "x")),
    backward("max_pool_backward_naive", "max_pool_forward_naive",
             "when pooling windows overlap (3x3 windows, stride 2)", pool_inputs((2, 2, 7, 7), 3, 3, 2, backward=True)),
    backward("max_pool_backward_naive", "max_pool_forward_naive",
             "when pooling windows overlap (2x3 windows, stride 1, N = 1)", pool_inputs((1, 2, 4, 6), 2, 3, 1, backward=True)),
    backward("max_pool_backward_naive", "max_pool_forward_naive",
             "with 2x2 windows, stride 2, on a non-square input", pool_inputs((2, 2, 4, 6), 2, 2, 2, backward=True)),

    Property("batchnorm_forward", "in train mode, N = 16, D = 5", "forward",
             bn((16, 5), unit=True), normalized(PER_FEATURE)),
    Property("batchnorm_forward", "in train mode, on inputs far from zero (x + 1e7); a variance "
             "from mean(x**2) - mean(x)**2 loses its digits here", "forward",
             bn((16, 5), unit=True, shift=1e7), normalized(PER_FEATURE)),
    backward("batchnorm_backward", "batchnorm_forward", "with N = 5, D = 4", bn((5, 4), backward=True)),
    backward("batchnorm_backward_alt", "batchnorm_forward", "with N = 5, D = 4", bn((5, 4), backward=True)),
    Property("layernorm_forward", "with N = 1, D = 6", "forward", ln((1, 6), unit=True), normalized(PER_SAMPLE)),
    Property("layernorm_forward", "with N = 4, D = 3", "forward", ln((4, 3), unit=True), normalized(PER_SAMPLE)),
    backward("layernorm_backward", "layernorm_forward", "with N = 1, D = 6", ln((1, 6), backward=True)),
    backward("layernorm_backward", "layernorm_forward", "with N = 3, D = 5", ln((3, 5), backward=True)),

    Property("spatial_batchnorm_forward", "in train mode, N = 1, on a non-square input", "forward",
             bn((1, 3, 4, 5), unit=True), normalized(PER_CHANNEL)),
    Property("spatial_batchnorm_forward", "in test mode, with running_mean = 0 and running_var = 1 - eps "
             "(out must be x)", "forward", test_mode_identity((2, 3, 4, 5)), uses_running_averages),
    backward("spatial_batchnorm_backward", "spatial_batchnorm_forward", "with N = 1, a non-square input",
             bn((1, 3, 4, 5), backward=True)),
    backward("spatial_batchnorm_backward", "spatial_batchnorm_forward", "with N = 3, C = 2",
             bn((3, 2, 3, 2), backward=True)),

    Property("spatial_groupnorm_forward", "with G = 1 (it must equal layer norm of each flattened sample)",
             "forward", gn((2, 4, 3, 5), 1, unit=True), equals(groupnorm_as_layernorm, "layer norm")),
    Property("spatial_groupnorm_forward", "with G = C (each channel of each sample on its own)", "forward",
             gn((2, 3, 4, 3), 3, unit=True), normalized(PER_GROUP)),
    Property("spatial_groupnorm_forward", "with G = 2, C = 6, N = 1, a non-square input", "forward",
             gn((1, 6, 3, 4), 2, unit=True), normalized(PER_GROUP)),
    backward("spatial_groupnorm_backward", "spatial_groupnorm_forward", "with G = 1", gn((2, 4, 3, 2), 1, backward=True)),
    backward("spatial_groupnorm_backward", "spatial_groupnorm_forward", "with G = C", gn((2, 3, 2, 3), 3, backward=True)),
    backward("spatial_groupnorm_backward", "spatial_groupnorm_forward", "with G = 2, C = 4, N = 1",
             gn((1, 4, 3, 3), 2, backward=True)),

    Property("ThreeLayerConvNet", "on a non-square input (2, 8, 6)", "net_init",
             lambda rng: {"kwargs": dict(NET_KWARGS, weight_scale=1e-2), "seed": 0}, init_shapes),
    Property("ThreeLayerConvNet", "with near-zero weights (the loss must be log(num_classes))", "net_loss",
             net_inputs(0.0, scale=1e-6), near("loss", np.log(NET_KWARGS["num_classes"]), "log(num_classes)", 1e-3)),
    Property("ThreeLayerConvNet", "with L2 regularization (reg = 0.7), against the same loss with reg = 0",
             "net_reg", net_inputs(0.7), regularized_as_documented),
    net_gradient("without regularization", 0.0),
    net_gradient("with L2 regularization (reg = 0.7)", 0.7),
)


# -- running them ---------------------------------------------------------------------------------

def ask(sandbox, kind, prop, inputs):
    """One request to the worker: arrays as arrays, the rest (params, G, kwargs) in the header."""
    arrays = {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
    params = {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)}
    return sandbox.run({"kind": kind, "function": prop.function, "forward": prop.forward,
                        "params": params, "order": list(inputs)}, arrays)


def net_numerical_gradients(sandbox, prop, inputs):
    """Centred differences of the student's own loss at the probed entries of each parameter."""
    numerical = {}
    for name in PARAMS:
        values = []
        for index in inputs["probe_d" + name].astype(int):
            losses = []
            for step in (H, -H):
                moved = dict(inputs, **{name: inputs[name].copy()})
                moved[name].flat[index] += step
                header, got = ask(sandbox, "net_loss", prop, moved)
                if header.get("status") != "ok" or "loss" not in got:
                    return {}
                losses.append(float(got["loss"]))
            values.append((losses[0] - losses[1]) / (2 * H))
        numerical["numerical_d" + name] = np.array(values)
    return numerical


def loss_without_reg(sandbox, prop, inputs):
    header, got = ask(sandbox, "net_loss", prop, dict(inputs, kwargs=dict(inputs["kwargs"], reg=0.0)))
    return {"loss_without_reg": got["loss"]} if header.get("status") == "ok" and "loss" in got else {}


EXTRA_REQUESTS = {"net_gradient": net_numerical_gradients, "net_reg": loss_without_reg}


def raised(prop, header):
    """A Finding for code that raised on our shapes: not run when it is a stub (None came back
    where arrays belong), else a disagreement: a correct layer runs on any documented shape."""
    error = str(header.get("error", "an error"))
    if "NoneType" in error:
        return Finding(prop.function, prop.situation, "not run", ["not implemented yet"])
    if error.startswith("ImportError: the file that defines this could not be imported"):
        return Finding(prop.function, prop.situation, "not run", [error])  # the cases say why
    whose = prop.forward if prop.forward and f"in {prop.forward}" in str(header.get("traceback", "")) \
        else prop.function
    return Finding(prop.function, prop.situation, "disagrees", [f"your {whose} raised {error}"])


def examine(sandbox, prop, rng):
    inputs = prop.inputs(rng)
    kind = "net_loss" if prop.kind in EXTRA_REQUESTS else prop.kind
    try:
        header, got = ask(sandbox, kind, prop, inputs)
        if prop.kind in EXTRA_REQUESTS and header.get("status") == "ok" and not header.get("none"):
            got.update(EXTRA_REQUESTS[prop.kind](sandbox, prop, inputs))
    except TimedOut as failure:  # correct code finishes on any documented shape
        return Finding(prop.function, prop.situation, "hangs", [str(failure)])
    except WorkerFailed as failure:
        return Finding(prop.function, prop.situation, "not run", [str(failure)])
    if header.get("status") != "ok":
        return raised(prop, header)
    if header.get("none") or header.get("bad"):
        return Finding(prop.function, prop.situation, "not run", ["not implemented yet"])
    try:
        problems = prop.judge(inputs, got)
    except Exception as error:  # outputs of a form the judge cannot read (a wrong ndim, ...)
        return Finding(prop.function, prop.situation, "not run",
                       [f"what your code returned could not be read ({type(error).__name__}: {error})"])
    return Finding(prop.function, prop.situation, "disagrees" if problems else "agrees", problems)


SKIPPED = "skipped: it hangs"


def run_further_checks(files, functions=None, limits=Limits(), hung=()):
    """A Finding per further check of the chosen functions (all when None), in one sandbox.

    A function in `hung` (the public cases found it hangs), or one that hangs here, is not run
    again, nor is the backward fed its cache: one time limit is waited out per hang, not one
    per check."""
    chosen = [(n, p) for n, p in enumerate(PROPERTIES) if functions is None or p.function in functions]
    if not chosen:
        return []
    hung = set(hung)
    if all({p.function, p.forward} & hung for _, p in chosen):  # not even a sandbox to start
        return [Finding(p.function, p.situation, "not run", [SKIPPED, p.forward if p.forward in hung
                                                              else p.function]) for _, p in chosen]
    with Sandbox(files, limits) as sandbox:
        try:
            sandbox.start()
        except WorkerFailed as failure:
            return [Finding(p.function, p.situation, "not run", [str(failure)]) for _, p in chosen]
        findings = []
        for number, prop in chosen:
            blocker = next((f for f in (prop.function, prop.forward) if f in hung), None)
            if blocker:
                findings.append(Finding(prop.function, prop.situation, "not run", [SKIPPED, blocker]))
                continue
            finding = examine(sandbox, prop, np.random.default_rng(SEED + number))
            if finding.state == "hangs":
                hung.add(prop.function)
            findings.append(finding)
        sandbox.stop()  # every process the student started is gone from here on
    return findings
