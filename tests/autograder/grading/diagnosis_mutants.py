"""Mistakes nobody catalogued, as students would write them: small edits of OUR reference's text.

None of these is in autograder/rubric/mistakes.py. Each says which graded functions to grade,
the function whose feedback is read (`target`), and the diagnosis patterns that fit what the
edit does (written with the edit, before any grading): a diagnosis of the target whose
pattern is not listed is a wrong one. `fits` empty: no pattern is expected to fit, so the
right answer is no diagnosis at all.

They are edits of the source, not swapped functions (tests/autograder/rubric/mutants.py),
because a dependency lives in the student's own call chain: a mistaken batchnorm_forward must
reach spatial_batchnorm_forward through the student's call, as it does in a real submission.
"""
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAYERS, CNN = "layers.py", "classifiers/cnn.py"


@dataclass(frozen=True)
class TextMutant:
    name: str
    edits: tuple            # (file, the def or line it follows, old text, new text)
    functions: frozenset    # graded functions to grade
    target: str             # whose diagnoses are read
    fits: frozenset         # diagnosis patterns that fit the edit


def mutant(name, edits, target, fits, also=()):
    return TextMutant(name, tuple(edits), frozenset({target, *also}), target, frozenset(fits))


def edit(anchor, old, new, file=LAYERS):
    return (file, anchor, old, new)


def apply(files, mutant):
    """The files with the mutant's edits made; each old text must be found after its anchor."""
    files = dict(files)
    for file, anchor, old, new in mutant.edits:
        text = files[file]
        start = text.index(old, text.index(anchor))
        files[file] = text[:start] + new + text[start + len(old):]
    return files


def reference_files():
    return {rel: (ROOT / "reference" / rel).read_text() for rel in (LAYERS, CNN)}


def grade(mutant, files):
    """The mutant graded by the real grader, on its functions' public and hidden cases."""
    from autograder.grading.grade import grade_files
    return grade_files(mutant.name, apply(files, mutant), functions=mutant.functions)


def patterns_of(result, function):
    return [d["pattern"] for c in result.cases if c.function == function for d in c.diagnoses]


def fits(pattern, listed):
    """A pattern fits a listed one when equal, or when it names the listed property among
    coincident ones ("passes only when N = 1 or C = 1" fits "passes only when N = 1")."""
    for lead in ("fails when ", "passes only when "):
        if pattern.startswith(lead) and listed.startswith(lead):
            return listed[len(lead):] in pattern[len(lead):].split(" or ")
    return pattern == listed


def classify(mutant, patterns):
    """(verdict, unlisted patterns): verdict is fitting, wrong or none."""
    unlisted = sorted(p for p in set(patterns) if not any(fits(p, f) for f in mutant.fits))
    if not mutant.fits:  # nothing fits: silence is the right answer
        return ("wrong" if patterns else "silent"), unlisted
    if len(unlisted) < len(set(patterns)):
        return "fitting", unlisted
    return ("wrong" if patterns else "none"), unlisted


CONV, CONV_B = "def conv_forward_naive(", "def conv_backward_naive("
POOL, POOL_B = "def max_pool_forward_naive(", "def max_pool_backward_naive("
BN, BN_B, BN_ALT = "def batchnorm_forward(", "def batchnorm_backward(", "def batchnorm_backward_alt("
LN_B = "def layernorm_backward("
SBN, SBN_B = "def spatial_batchnorm_forward(", "def spatial_batchnorm_backward("
GN, GN_B = "def spatial_groupnorm_forward(", "def spatial_groupnorm_backward("
CONV_OUT = "out[n, f, i, j] = np.sum(window * w[f]) + b[f]"

MUTANTS = (
    # -- convolution, forward
    mutant("conv: bias added twice", [edit(CONV, CONV_OUT, CONV_OUT + " + b[f]")],
           "conv_forward_naive", {"constant offset"}),
    mutant("conv: output doubled", [edit(CONV, CONV_OUT, CONV_OUT.replace("= ", "= 2 * (") + ")")],
           "conv_forward_naive", {"constant factor"}),
    mutant("conv: sign of the output flipped", [edit(CONV, CONV_OUT, CONV_OUT.replace("= ", "= -(") + ")")],
           "conv_forward_naive", {"sign flip"}),
    mutant("conv: only the first sample", [edit(CONV, "for n in range(N):", "for n in range(1):")],
           "conv_forward_naive", {"some samples right", "passes only when N = 1"}),
    mutant("conv: last output row skipped", [edit(CONV, "for i in range(H_out):", "for i in range(H_out - 1):")],
           "conv_forward_naive", {"last row or column"}),
    mutant("conv: padded with ones", [edit(CONV, "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
                                           "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=1)")],
           "conv_forward_naive", {"border only", "passes only when pad = 0"}),
    mutant("conv: padding on the far side only", [edit(CONV, "(pad, pad), (pad, pad)))", "(0, 2 * pad), (0, 2 * pad)))")],
           "conv_forward_naive", {"passes only when pad = 0"}),
    mutant("conv: output laid out (N, H', W', F) then reshaped", [edit(
        CONV, "    cache = (x, w, b, conv_param)",
        "    out = out.transpose(0, 2, 3, 1).reshape(out.shape)\n    cache = (x, w, b, conv_param)")],
           "conv_forward_naive", {"wrong layout"}),
    # -- convolution, backward
    mutant("conv backward: dw divided by N", [edit(CONV_B, "dw[f] += window * dout[n, f, i, j]",
                                                    "dw[f] += window * dout[n, f, i, j] / N")],
           "conv_backward_naive", {"constant factor", "passes only when N = 1"}),
    mutant("conv backward: db a mean, not a sum", [edit(CONV_B, "db = dout.sum(axis=(0, 2, 3))",
                                                         "db = dout.mean(axis=(0, 2, 3))")],
           "conv_backward_naive", {"constant factor"}),
    mutant("conv backward: dx sign flipped", [edit(CONV_B, "dx_pad[n, :, hs:hs + HH, ws:ws + WW] +=",
                                                    "dx_pad[n, :, hs:hs + HH, ws:ws + WW] -=")],
           "conv_backward_naive", {"sign flip"}),
    mutant("conv backward: dx written with = where windows overlap", [edit(
        CONV_B, "dx_pad[n, :, hs:hs + HH, ws:ws + WW] +=", "dx_pad[n, :, hs:hs + HH, ws:ws + WW] =")],
           "conv_backward_naive", set()),
    mutant("conv backward: dx of the first sample only", [edit(
        CONV_B, "dx_pad[n, :, hs:hs + HH, ws:ws + WW] +=", "dx_pad[0, :, hs:hs + HH, ws:ws + WW] +=")],
           "conv_backward_naive", {"passes only when N = 1"}),
    # -- max pooling
    mutant("pool: only the first channel", [edit(POOL, "for c in range(C):", "for c in range(1):")],
           "max_pool_forward_naive", {"some channels right", "passes only when C = 1"}),
    mutant("pool: H' and W' transposed on return", [edit(
        POOL, "    cache = (x, pool_param)", "    out = out.transpose(0, 1, 3, 2)\n    cache = (x, pool_param)")],
           "max_pool_forward_naive", {"wrong layout"}),
    mutant("pool: min instead of max", [edit(POOL, "np.max(x[n, c,", "np.min(x[n, c,")],
           "max_pool_forward_naive", set()),
    mutant("pool: last output column skipped", [edit(POOL, "for j in range(W_out):", "for j in range(W_out - 1):")],
           "max_pool_forward_naive", {"last row or column"}),
    mutant("pool: pool_height used for the width too", [edit(
        POOL, 'ph, pw = pool_param["pool_height"], pool_param["pool_width"]',
        'ph, pw = pool_param["pool_height"], pool_param["pool_height"]')],
           "max_pool_forward_naive", {"fails when non-square pooling window"}),
    mutant("pool backward: gradient divided by the pool area", [edit(
        POOL_B, "+= dout[n, c, i, j]", "+= dout[n, c, i, j] / (ph * pw)")],
           "max_pool_backward_naive", {"constant factor"}),
    mutant("pool backward: sign flipped", [edit(POOL_B, "+= dout[n, c, i, j]", "-= dout[n, c, i, j]")],
           "max_pool_backward_naive", {"sign flip"}),
    mutant("pool backward: dx of the first sample only", [edit(POOL_B, "for n in range(N):", "for n in range(1):")],
           "max_pool_backward_naive", {"some samples right", "passes only when N = 1"}),
    # -- batch norm
    mutant("bn: beta added twice in train mode", [edit(BN, "out = gamma * x_hat + beta", "out = gamma * x_hat + 2 * beta")],
           "batchnorm_forward", {"constant offset", "passes only when test mode"}),
    mutant("bn: test mode forgets the mean", [edit(BN, "gamma * (x - running_mean) /", "gamma * x /")],
           "batchnorm_forward", {"constant offset", "fails when test mode"}),
    mutant("bn: momentum fixed at 0.9", [edit(BN, 'momentum = bn_param.get("momentum", 0.9)', "momentum = 0.9")],
           "batchnorm_forward", {"fails when momentum other than 0.9"}),
    mutant("bn: running variance never updated", [edit(
        BN, "        running_var = momentum * running_var + (1 - momentum) * sample_var", "        pass")],
           "batchnorm_forward", {"all zeros", "input returned unchanged"}),
    mutant("bn: test mode without gamma", [edit(BN, "out = gamma * (x - running_mean)", "out = (x - running_mean)")],
           "batchnorm_forward", {"factor per channel or feature", "fails when test mode"}),
    mutant("bn backward: dbeta a mean over the batch", [edit(BN_B, "dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)")],
           "batchnorm_backward", {"constant factor"}),
    mutant("bn backward alt: dx not divided by std", [edit(BN_ALT, ".mean(axis=0)) / std", ".mean(axis=0))")],
           "batchnorm_backward_alt", {"factor per channel or feature"}),
    mutant("bn backward through a forward with eps fixed at 1e-3", [edit(
        BN, "std = np.sqrt(sample_var + eps)", "std = np.sqrt(sample_var + 1e-3)")],
           "batchnorm_backward", {"fix batchnorm_forward first"}, also={"batchnorm_forward"}),
    # -- layer norm
    mutant("ln backward: dx not divided by std", [edit(LN_B, "    ) / std", "    )")],
           "layernorm_backward", {"factor per channel or feature", "some samples right"}),
    # -- spatial batch norm, through the student's batch norm
    mutant("sbn through bn with beta added twice", [edit(BN, "out = gamma * x_hat + beta", "out = gamma * x_hat + 2 * beta")],
           "spatial_batchnorm_forward", {"fix batchnorm_forward first"}, also={"batchnorm_forward"}),
    mutant("sbn backward through bn backward alt with dbeta a mean", [edit(
        BN_ALT, "dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)")],
           "spatial_batchnorm_backward", {"fix batchnorm_backward_alt first"}, also={"batchnorm_backward_alt"}),
    mutant("sbn: H and W swapped on the way back", [edit(SBN, "reshape(N, H, W, C).transpose(0, 3, 1, 2)",
                                                          "reshape(N, H, W, C).transpose(0, 3, 2, 1)")],
           "spatial_batchnorm_forward", {"wrong layout"}),
    # -- group norm
    mutant("gn: one group per channel whatever G", [edit(GN, "x_groups = x.reshape(N, G, -1)", "x_groups = x.reshape(N, C, -1)")],
           "spatial_groupnorm_forward", {"passes only when G = C"}),
    mutant("gn: x returned unnormalized", [edit(GN, "    out = gamma * x_hat + beta", "    out = x")],
           "spatial_groupnorm_forward", {"input returned unchanged"}),
    mutant("gn backward: dbeta divided by N", [edit(GN_B, "dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)",
                                                     "dbeta = dout.sum(axis=(0, 2, 3), keepdims=True) / N")],
           "spatial_groupnorm_backward", {"constant factor", "passes only when N = 1"}),
    # -- the net
    mutant("net: regularization left out of the gradients", [edit(
        "def loss(", "            grads[name] += self.reg * self.params[name]", "            pass", CNN)],
           "ThreeLayerConvNet", {"fails when reg > 0"}),
    mutant("net: b1 starts at one", [edit("def __init__(", 'self.params["b1"] = np.zeros(F)',
                                          'self.params["b1"] = np.ones(F)', CNN)],
           "ThreeLayerConvNet", {"fails when initialization"}),
    mutant("net on the student's naive layers, through conv with the bias added twice", [
        edit(CONV, CONV_OUT, CONV_OUT + " + b[f]"),
        edit("def loss(", "pooled, cache1 = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)",
             "a, conv_cache = conv_forward_naive(X, W1, b1, conv_param)\n"
             "        s, relu_cache = relu_forward(a)\n"
             "        pooled, pool_cache = max_pool_forward_naive(s, pool_param)", CNN),
        edit("def loss(", '_, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, cache1)',
             'ds = max_pool_backward_naive(dpooled, pool_cache)\n'
             '        _, grads["W1"], grads["b1"] = conv_backward_naive(relu_backward(ds, relu_cache), conv_cache)',
             CNN)],
           "ThreeLayerConvNet", {"fix conv_forward_naive first"}, also={"conv_forward_naive"}),
    mutant("net: no ReLU after the hidden layer", [edit(
        "def loss(", "hidden, cache2 = affine_relu_forward(pooled, W2, b2)",
        "hidden, cache2 = affine_forward(pooled, W2, b2)", CNN), edit(
        "def loss(", "affine_relu_backward(dhidden, cache2)", "affine_backward(dhidden, cache2)", CNN)],
           "ThreeLayerConvNet", set()),
)
