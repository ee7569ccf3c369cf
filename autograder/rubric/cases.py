"""The rubric: every graded function, its points, its cases, and what each case checks.

Read it as the grading scheme a course would publish. A case is PUBLIC (its arrays ship to
students for `make check`) or HIDDEN (kept by the instructor). Inputs are described, not
stored: `make fixtures` materializes them with a seed taken from the case's id and runs the
reference on them. Points of a function are shared among its cases by `weight`, and a
case's points among its checks; a check passes when the relative error
max(|a - b| / max(1e-8, |a| + |b|)) is at most its tolerance.

How each kind of case is run (in the sandboxed worker) is in `harness.py`:
- forward:  out = f(*inputs); for batch norm, the running averages written back too
- backward: the student's forward on the inputs, then the student's backward fed that
            forward's cache and a fixed upstream gradient `dout`; each gradient is also held
            against a centred-difference gradient of the student's own forward (advice only)
- bn_steps: train-mode steps on batches x[0], ..., x[-2], then test mode on x[-1]
- net_init: ThreeLayerConvNet(**kwargs) under a fixed seed: shapes, scales, zero biases
- net_loss: fixed parameters loaded into the student's net, then loss(X) and loss(X, y)
"""
from dataclasses import dataclass, field
from typing import Optional
import zlib

PUBLIC, HIDDEN = "public", "hidden"
FORWARD_TOL = 1e-7   # float64 round-off between correct implementations is ~1e-13
GRADIENT_TOL = 1e-7
SELF_CHECK_TOL = 1e-5  # a centred difference (h = 1e-5) of the student's own forward
# Shapes that differ only by size-1 axes ((1, D) where (D,) is documented; group norm's dgamma
# was (C,) in 2018-2020 and (1, C, 1, 1) since) get full marks with a note, as CS231n's own
# notebooks and solver accept them. True: such an output fails its check instead.
STRICT_SHAPES = False
# What flows into the next layer keeps its documented shape whatever STRICT_SHAPES says: an
# `out` of shape (1, 1, N, C, H, W) has the right numbers but breaks the layer after it.
SHAPE_IS_CONTRACT = ("out", "dx", "scores")


# -- how inputs are described ----------------------------------------------------------------

@dataclass(frozen=True)
class Array:
    """An input array to be made at fixture time: randn, linspace, permutation or randint."""
    how: str
    shape: tuple
    scale: float = 1.0
    shift: float = 0.0
    low: float = 0.0
    high: float = 1.0


def randn(*shape, scale=1.0, shift=0.0):
    return Array("randn", shape, scale, shift)


def linspace(low, high, *shape):
    return Array("linspace", shape, low=low, high=high)


def distinct(*shape, scale=0.1):
    """A shuffled arange: no two values tie, so every max has one winner."""
    return Array("permutation", shape, scale)


def labels(n, classes):
    return Array("randint", (n,), high=classes)


# -- the rubric's vocabulary -------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    title: str
    visibility: str
    inputs: dict            # argument name -> Array or a plain value (params dict, int);
                            # "bn_param.running_mean" puts an array inside a params dict
    weight: float = 1.0
    kind: Optional[str] = None  # when it differs from its function's kind
    self_check: bool = True     # backward: also compare with the numerical gradient
    outputs: Optional[tuple] = None  # only these outputs are graded (None: all it returns)


@dataclass(frozen=True)
class Graded:
    function: str           # the name students know; test names begin with it
    points: float
    kind: str               # forward | backward | net_loss (a case may say bn_steps, net_init)
    cases: tuple
    forward: Optional[str] = None  # backward: the forward whose cache it is fed
    tolerance: float = FORWARD_TOL
    mistakes: tuple = field(default=())  # names from mistakes.py to recognize on failure

    def case_points(self, case):
        return self.points * case.weight / sum(c.weight for c in self.cases)


def case_id(graded, case):
    """A stable file name for a case's fixture."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in case.title.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{graded.function}.{slug}"


def case_seed(graded, case):
    return zlib.crc32(case_id(graded, case).encode())


def conv(x, w, stride, pad):
    return {"x": randn(*x), "w": randn(*w), "b": randn(w[0]),
            "conv_param": {"stride": stride, "pad": pad}}


def pool(x, height, width, stride):
    return {"x": distinct(*x),
            "pool_param": {"pool_height": height, "pool_width": width, "stride": stride}}


def bn(shape, mode="train", scale=1.0, shift=0.0, **extra):
    return {"x": randn(*shape, scale=scale, shift=shift), "gamma": randn(shape[1], shift=1.0),
            "beta": randn(shape[1]), "bn_param": {"mode": mode, **extra}}


def test_bn(shape):
    """Test mode on running averages unlike the batch's own statistics."""
    D = shape[1]
    return {**bn(shape, mode="test", scale=2.0, shift=1.0),
            "bn_param.running_mean": randn(D, scale=0.5),
            "bn_param.running_var": randn(D, scale=0.2, shift=1.0)}


def bn_steps(shape, steps, momentum):
    """`steps` train-mode batches, then a test-mode batch, stacked along a first axis."""
    return dict(bn(shape, momentum=momentum), x=randn(steps + 1, *shape, scale=2.0, shift=1.0))


def ln(shape, scale=1.0, shift=0.0):
    return {"x": randn(*shape, scale=scale, shift=shift), "gamma": randn(shape[1], shift=1.0),
            "beta": randn(shape[1]), "ln_param": {}}


def gn(shape, G, scale=1.0, shift=0.0):
    C = shape[1]
    return {"x": randn(*shape, scale=scale, shift=shift),
            "gamma": randn(1, C, 1, 1, shift=1.0), "beta": randn(1, C, 1, 1),
            "G": G, "gn_param": {}}


NET = {"input_dim": (3, 8, 8), "num_filters": 4, "filter_size": 3, "hidden_dim": 10,
       "num_classes": 5, "dtype": "float64"}


def net(reg, n=4, **sizes):
    """A loss case of the net in NET's sizes, or others (input_dim, filter_size, ...)."""
    kwargs = dict(NET, **sizes, reg=reg)
    C, H, W = kwargs["input_dim"]
    F, HH, hidden, classes = (kwargs[k] for k in ("num_filters", "filter_size", "hidden_dim",
                                                  "num_classes"))
    return {"X": randn(n, C, H, W), "y": labels(n, classes),
            "W1": randn(F, C, HH, HH, scale=0.3), "b1": randn(F, scale=0.1),
            "W2": randn(F * H * W // 4, hidden, scale=0.2), "b2": randn(hidden, scale=0.1),
            "W3": randn(hidden, classes, scale=0.3), "b3": randn(classes, scale=0.1),
            "kwargs": kwargs}


def net_init(**kwargs):
    return {"kwargs": kwargs, "seed": 0}


BIG = {"scale": 100.0, "shift": 50.0}  # x * 100 + 50: large magnitudes
FAR = {"shift": 1e6}  # x + 1e6: E[x^2] - E[x]^2 loses every digit of a unit variance here


# -- the rubric ----------------------------------------------------------------------------------

RUBRIC = (
    Graded("conv_forward_naive", 12, "forward", mistakes=(
        "conv_no_bias", "conv_flipped_kernel", "conv_ignores_stride"), cases=(
        Case("CS231n notebook values", PUBLIC, {
            "x": linspace(-0.1, 0.5, 2, 3, 4, 4), "w": linspace(-0.2, 0.3, 3, 3, 4, 4),
            "b": linspace(-0.1, 0.2, 3), "conv_param": {"stride": 2, "pad": 1}}),
        Case("stride 1, pad 1", PUBLIC, conv((2, 3, 5, 5), (4, 3, 3, 3), 1, 1)),
        Case("stride 2, pad 0", HIDDEN, conv((2, 3, 7, 7), (3, 3, 3, 3), 2, 0)),
        Case("non-square input, filter and output, pad 2", HIDDEN, conv((2, 2, 6, 10), (3, 2, 2, 4), 2, 2)),
        Case("N = 1, C = 1, stride 3, non-square output", HIDDEN, conv((1, 1, 8, 11), (2, 1, 4, 4), 3, 1)),
    )),
    Graded("conv_backward_naive", 14, "backward",
           forward="conv_forward_naive", tolerance=GRADIENT_TOL, mistakes=(
               "conv_dx_still_padded", "conv_db_not_summed_over_space"), cases=(
        Case("stride 1, pad 1", PUBLIC, conv((2, 3, 5, 5), (2, 3, 3, 3), 1, 1)),
        Case("stride 2, pad 0", HIDDEN, conv((2, 3, 7, 7), (3, 3, 3, 3), 2, 0)),
        Case("non-square input, filter and output, pad 2", HIDDEN, conv((1, 2, 6, 10), (3, 2, 2, 4), 2, 2)),
        Case("N = 1, C = 1, stride 3, non-square output", HIDDEN, conv((1, 1, 8, 11), (2, 1, 4, 4), 3, 1)),
    )),
    Graded("max_pool_forward_naive", 7, "forward", mistakes=(
        "pool_ignores_stride",), cases=(
        Case("CS231n notebook values", PUBLIC, {
            "x": linspace(-0.3, 0.4, 2, 3, 4, 4),
            "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}}),
        Case("2x2 pool, stride 2", PUBLIC, pool((2, 3, 8, 8), 2, 2, 2)),
        Case("overlapping 3x3 windows, stride 2, non-square output", HIDDEN, pool((2, 2, 7, 9), 3, 3, 2)),
        Case("non-square 2x3 pool and output, stride 1, C = 1", HIDDEN, pool((1, 1, 5, 7), 2, 3, 1)),
        # With N and C above 1, only the window's shape sets it apart from the 2x3 case above:
        # pool_height used for both tells itself as "the non-square windows fail".
        Case("non-square 3x2 pool, stride 2, non-square output", HIDDEN, pool((2, 2, 7, 8), 3, 2, 2)),
    )),
    Graded("max_pool_backward_naive", 9, "backward",
           forward="max_pool_forward_naive", tolerance=GRADIENT_TOL, mistakes=(
               "pool_backward_assigns", "pool_backward_spreads_evenly"), cases=(
        Case("2x2 pool, stride 2", PUBLIC, pool((3, 2, 8, 8), 2, 2, 2)),
        Case("overlapping 3x3 windows, stride 2, non-square output", HIDDEN, pool((2, 2, 7, 9), 3, 3, 2)),
        Case("overlapping 2x2 windows, stride 1", HIDDEN, pool((1, 3, 5, 5), 2, 2, 1)),
        Case("non-square 3x2 pool, stride 3, N = 1, C = 1", HIDDEN, pool((1, 1, 6, 8), 3, 2, 3)),
    )),
    Graded("batchnorm_forward", 10, "forward", mistakes=(
        "bn_unbiased_variance", "bn_momentum_reversed", "bn_eps_outside_sqrt",
        "bn_test_uses_batch_statistics", "bn_unstable_variance"), cases=(
        Case("train mode", PUBLIC, bn((20, 5), momentum=0.9)),
        Case("train mode, momentum 0.6, non-zero running averages", HIDDEN,
             dict(bn((8, 3), momentum=0.6), **{"bn_param.running_mean": randn(3),
                                               "bn_param.running_var": randn(3, shift=2.0)})),
        Case("train mode, large inputs (x * 100 + 50)", HIDDEN, bn((30, 4), **BIG)),
        Case("train mode, inputs far from zero (x + 1e6)", HIDDEN, bn((16, 3), **FAR)),
        Case("test mode after 3 train steps", PUBLIC, bn_steps((10, 4), 3, 0.9), kind="bn_steps"),
        Case("test mode after 6 train steps, momentum 0.7", HIDDEN, bn_steps((16, 3), 6, 0.7),
             kind="bn_steps"),
        # Test mode is half the function's work, but above it is one check of three in two
        # cases: these grade its output alone (given running averages), so that a wrong test
        # mode costs more than a third of the function and a running-average slip less.
        Case("test mode, given running averages", HIDDEN, test_bn((12, 4)), weight=1.5,
             outputs=("out",)),
        Case("test mode, given running averages, N = 1", HIDDEN, test_bn((1, 5)), weight=1.5,
             outputs=("out",)),
    )),
    Graded("batchnorm_backward", 6, "backward",
           forward="batchnorm_forward", tolerance=GRADIENT_TOL, mistakes=(
               "bn_backward_ignores_statistics",), cases=(
        Case("N = 4, D = 5", PUBLIC, bn((4, 5))),
        Case("N = 20, D = 3", HIDDEN, bn((20, 3))),
        Case("large inputs (x * 100 + 50)", HIDDEN, bn((10, 4), **BIG), self_check=False),
    )),
    Graded("batchnorm_backward_alt", 4, "backward",
           forward="batchnorm_forward", tolerance=GRADIENT_TOL, mistakes=(
               "bn_backward_ignores_statistics",), cases=(
        Case("N = 4, D = 5", PUBLIC, bn((4, 5))),
        Case("N = 20, D = 3", HIDDEN, bn((20, 3))),
    )),
    Graded("layernorm_forward", 4, "forward", mistakes=(
        "ln_normalizes_over_batch", "ln_unbiased_variance"), cases=(
        Case("N = 4, D = 5", PUBLIC, ln((4, 5))),
        Case("N = 3, D = 8, large inputs (x * 100 + 50)", HIDDEN, ln((3, 8), **BIG)),
    )),
    Graded("layernorm_backward", 4, "backward",
           forward="layernorm_forward", tolerance=GRADIENT_TOL, cases=(
        Case("N = 4, D = 5", PUBLIC, ln((4, 5))),
        Case("N = 1, D = 6", HIDDEN, ln((1, 6))),
    )),
    Graded("spatial_batchnorm_forward", 6, "forward",
           mistakes=("sbn_reshape_without_moving_channels",), cases=(
        Case("train mode, N = 2, C = 3", PUBLIC, bn((2, 3, 4, 5))),
        Case("train mode, C = 1, large inputs (x * 100 + 50)", HIDDEN, bn((4, 1, 3, 3), **BIG)),
        Case("train mode, non-square, N = 1", HIDDEN, bn((1, 4, 3, 6), momentum=0.5)),
        Case("test mode after 3 train steps, momentum 0.8", HIDDEN, bn_steps((2, 3, 4, 5), 3, 0.8),
             kind="bn_steps"),
    )),
    Graded("spatial_batchnorm_backward", 5, "backward",
           forward="spatial_batchnorm_forward", tolerance=GRADIENT_TOL, mistakes=(
               "sbn_reshape_without_moving_channels",), cases=(
        Case("N = 2, C = 3", PUBLIC, bn((2, 3, 4, 5))),
        Case("non-square, N = 1, C = 4", HIDDEN, bn((1, 4, 3, 6))),
    )),
    Graded("spatial_groupnorm_forward", 6, "forward", mistakes=(
        "gn_interleaved_groups", "gn_unbiased_variance"), cases=(
        Case("G = 2, C = 6", PUBLIC, gn((2, 6, 4, 5), 2)),
        Case("G = 1 (layer norm)", HIDDEN, gn((2, 4, 3, 3), 1)),
        Case("G = C (instance norm)", HIDDEN, gn((2, 4, 3, 3), 4)),
        Case("G = 3, large inputs (x * 100 + 50)", HIDDEN, gn((3, 6, 2, 3), 3, **BIG)),
        Case("G = 2, inputs far from zero (x + 1e6)", HIDDEN, gn((2, 4, 3, 3), 2, **FAR)),
    )),
    Graded("spatial_groupnorm_backward", 5, "backward",
           forward="spatial_groupnorm_forward", tolerance=GRADIENT_TOL, cases=(
        Case("G = 2, C = 6", PUBLIC, gn((2, 6, 4, 5), 2)),
        Case("G = 1 (layer norm)", HIDDEN, gn((2, 4, 3, 3), 1)),
        Case("G = C (instance norm)", HIDDEN, gn((1, 4, 3, 3), 4)),
    )),
    Graded("ThreeLayerConvNet", 8, "net_loss",
           mistakes=("net_l2_without_half", "net_l2_on_biases"), cases=(
        Case("initialization: shapes, weight scale, zero biases", PUBLIC, net_init(
            input_dim=(3, 16, 16), num_filters=8, filter_size=5, hidden_dim=50, weight_scale=0.01),
            kind="net_init"),
        Case("initialization, non-square input", HIDDEN, net_init(
            input_dim=(2, 8, 12), num_filters=12, filter_size=3, hidden_dim=40, num_classes=7,
            weight_scale=0.05), kind="net_init"),
        Case("loss and gradients, reg = 0", PUBLIC, net(0.0), weight=1.5),
        Case("loss and gradients, reg = 0.5", HIDDEN, net(0.5), weight=1.5),
        # A net that only works for square inputs, or for the 3x3 and 7x7 filters of the
        # notebooks (padding hard-coded), fails here.
        Case("loss and gradients, non-square input (10 x 6), 5x5 filters, reg = 0.1", HIDDEN,
             net(0.1, n=3, input_dim=(2, 10, 6), filter_size=5), weight=1.5),
    )),
)


# Provided functions are not graded. A submission that defines one itself (older templates had
# students write affine and relu) is run on its case, and reported only if it behaves otherwise.
PROVIDED = (
    Graded("affine_forward", 0, "forward", cases=(
        Case("as provided", HIDDEN, {"x": randn(3, 2, 3), "w": randn(6, 4), "b": randn(4)}),)),
    Graded("affine_backward", 0, "backward", forward="affine_forward", tolerance=GRADIENT_TOL, cases=(
        Case("as provided", HIDDEN, {"x": randn(3, 2, 3), "w": randn(6, 4), "b": randn(4)},
             self_check=False),)),
    Graded("relu_forward", 0, "forward", cases=(
        Case("as provided", HIDDEN, {"x": randn(4, 5)}),)),
    Graded("relu_backward", 0, "backward", forward="relu_forward", tolerance=GRADIENT_TOL, cases=(
        Case("as provided", HIDDEN, {"x": randn(4, 5)}, self_check=False),)),
    Graded("softmax_loss", 0, "forward", cases=(
        Case("as provided", HIDDEN, {"x": randn(5, 4), "y": [0, 3, 1, 2, 3]}),)),
)


def total_points(rubric=RUBRIC):
    """What a submission is out of: the points need not sum to 100."""
    return round(sum(graded.points for graded in rubric), 2)


def selected_cases(visibilities, functions=None):
    """(graded, case) for the cases of those visibilities, of those functions (all if None)."""
    for graded in RUBRIC:
        if functions and graded.function not in functions:
            continue
        for case in graded.cases:
            if case.visibility in visibilities:
                yield graded, case
