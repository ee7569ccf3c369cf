"""Plausible wrong variants of each graded function, written as small edits of OUR reference.

Each is a bug seen in real student code: H and W swapped, a square output or filter assumed,
a test-mode slip, a window off by one, `=` where `+=` belongs, a missing 0.5 in L2. The rubric
must take marks from every one of them on some case (test_mutants.py).
"""
import numpy as np

from autograder.rubric.mistakes import Mistake
from reference import layers as ref
from reference.classifiers.cnn import ThreeLayerConvNet


# -- convolution ----------------------------------------------------------------------------

def conv_forward(out_size=None, filter_size=None, window=None, bias=True, pad_axes=(2, 3)):
    """The reference's loops with one decision made wrongly: how big the output is, what the
    filter's size is, where each window starts and ends, whether b is added, what is padded."""
    def forward(x, w, b, conv_param):
        stride, pad = conv_param["stride"], conv_param["pad"]
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        if filter_size:
            HH, WW = filter_size(HH, WW)
        H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
        if out_size:
            H_out, W_out = out_size(H_out, W_out)
        widths = [(0, 0)] * 4
        for axis in pad_axes:
            widths[axis] = (pad, pad)
        x_pad = np.pad(x, widths)
        out = np.zeros((N, F, H_out, W_out))
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        hs, ws = (window or (lambda i, j, s: (i * s, j * s)))(i, j, stride)
                        patch = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                        kernel = w[f, :, :patch.shape[1], :patch.shape[2]]
                        out[n, f, i, j] = np.sum(patch * kernel) + (b[f] if bias else 0)
        return out, (x, w, b, conv_param)
    return forward


def conv_backward(loops=None, accumulate_dw=True, crop=None, db_axes=(0, 2, 3), stride_in_width=True):
    def backward(dout, cache):
        x, w, b, conv_param = cache
        stride, pad = conv_param["stride"], conv_param["pad"]
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        H_out, W_out = dout.shape[2:]
        if loops:
            H_out, W_out = loops(H_out, W_out)
        x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
        for n in range(N):
            for f in range(F):
                for i in range(H_out):
                    for j in range(W_out):
                        hs, ws = i * stride, j * stride if stride_in_width else j
                        patch = x_pad[n, :, hs:hs + HH, ws:ws + WW]
                        if accumulate_dw:
                            dw[f] += patch * dout[n, f, i, j]
                        else:
                            dw[f] = patch * dout[n, f, i, j]
                        dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
        dx = crop(dx_pad, pad, H, W) if crop else dx_pad[:, :, pad:pad + H, pad:pad + W]
        return dx, dw, dout.sum(axis=db_axes)
    return backward


# -- max pooling ----------------------------------------------------------------------------

def pool_forward(out_size=None, window_size=None, stride_of=None, shrink=0):
    def forward(x, pool_param):
        ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        if window_size:
            ph, pw = window_size(ph, pw)
        s = stride_of(stride, ph, pw) if stride_of else stride
        N, C, H, W = x.shape
        H_out, W_out = 1 + (H - ph) // s, 1 + (W - pw) // s
        if out_size:
            H_out, W_out = out_size(H_out, W_out, H, W, ph, pw, s)
        out = np.zeros((N, C, H_out, W_out))
        for i in range(H_out):
            for j in range(W_out):
                window = x[:, :, i * s:i * s + ph - shrink, j * s:j * s + pw - shrink]
                out[:, :, i, j] = window.max(axis=(2, 3))
        return out, (x, pool_param)
    return forward


def pool_backward(loops=None, assign=False, locate=None, window_size=None):
    def backward(dout, cache):
        x, pool_param = cache
        ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
        if window_size:
            ph, pw = window_size(ph, pw)
        N, C, H_out, W_out = dout.shape
        if loops:
            H_out, W_out = loops(H_out, W_out)
        dx = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                for i in range(H_out):
                    for j in range(W_out):
                        hs, ws = i * stride, j * stride
                        window = x[n, c, hs:hs + ph, ws:ws + pw]
                        flat = int(np.argmax(window))
                        r, s = locate(flat, ph, pw) if locate else np.unravel_index(flat, window.shape)
                        if assign:
                            dx[n, c, hs + r, ws + s] = dout[n, c, i, j]
                        else:
                            dx[n, c, hs + r, ws + s] += dout[n, c, i, j]
        return dx
    return backward


# -- normalization --------------------------------------------------------------------------

def spatial_batchnorm_always_batch_statistics(x, gamma, beta, bn_param):
    """Normalizes over (N, H, W) itself and forgets that test mode uses the running averages."""
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    C = x.shape[1]
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    if bn_param["mode"] == "train":
        for key, value in (("running_mean", mean), ("running_var", var)):
            bn_param[key] = momentum * bn_param.get(key, np.zeros(C)) + (1 - momentum) * value
    x_hat = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + eps)
    return gamma[:, None, None] * x_hat + beta[:, None, None], None


def spatial_batchnorm_test_mode_forced_to_train(x, gamma, beta, bn_param):
    mode, bn_param["mode"] = bn_param["mode"], "train"
    out = ref.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = mode
    return out


def batchnorm_test_without_affine(x, gamma, beta, bn_param):
    if bn_param["mode"] == "test":
        return ref.batchnorm_forward(x, np.ones_like(gamma), np.zeros_like(beta), bn_param)
    return ref.batchnorm_forward(x, gamma, beta, bn_param)


def batchnorm_test_subtracts_beta(x, gamma, beta, bn_param):
    """Test mode right but for the shift: gamma * x_hat - beta."""
    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    return (out - 2 * beta if bn_param["mode"] == "test" else out), cache


def batchnorm_test_batch_statistics(x, gamma, beta, bn_param):
    """Test mode normalizes with the batch's own statistics (and leaves the averages alone)."""
    if bn_param["mode"] != "test":
        return ref.batchnorm_forward(x, gamma, beta, bn_param)
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + bn_param.get("eps", 1e-5))
    return gamma * x_hat + beta, None


def batchnorm_eps_in_running_var(x, gamma, beta, bn_param):
    """A running-average slip: the eps of the normalization is added into running_var."""
    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":
        bn_param["running_var"] = bn_param["running_var"] + (
            1 - bn_param.get("momentum", 0.9)) * bn_param.get("eps", 1e-5)
    return out, cache


def batchnorm_running_std(x, gamma, beta, bn_param):
    """Keeps a running standard deviation where the running variance belongs."""
    out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    if bn_param["mode"] == "train":
        m = bn_param.get("momentum", 0.9)
        old = (bn_param["running_var"] - (1 - m) * x.var(axis=0)) / m
        bn_param["running_var"] = m * old + (1 - m) * x.std(axis=0)
    return out, cache


def batchnorm_backward_dgamma_without_x_hat(dout, cache):
    dx, _, dbeta = ref.batchnorm_backward(dout, cache)
    return dx, dbeta.copy(), dbeta


def batchnorm_backward_drops_mean_term(dout, cache):
    x_hat, gamma, std = cache
    dx_hat = dout * gamma
    dx = (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def layernorm_backward_over_batch(dout, cache):
    """Layer norm's backward written as batch norm's: means over the batch axis."""
    x_hat, gamma, std = cache
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def spatial_batchnorm_backward_dgamma_per_pixel(dout, cache):
    dx, dgamma, dbeta = ref.spatial_batchnorm_backward(dout, cache)
    N, C, H, W = dout.shape
    return dx, dgamma / (H * W), dbeta / (H * W)


def groupnorm_per_channel(x, gamma, beta, G, gn_param):
    """Normalizes each channel on its own (instance norm), whatever G is."""
    return ref.spatial_groupnorm_forward(x, gamma, beta, x.shape[1], gn_param)


def groupnorm_backward_dgamma_over_batch_only(dout, cache):
    dx, _, dbeta = ref.spatial_groupnorm_backward(dout, cache)
    x_hat = cache[0]
    dgamma = (dout * x_hat).sum(axis=0, keepdims=True)[:, :, :1, :1]
    return dx, dgamma, dout.sum(axis=0, keepdims=True)[:, :, :1, :1]


def groupnorm_backward_without_group_mean(dout, cache):
    x_hat, gamma, std, G = cache
    N, C, H, W = dout.shape
    dx_hat = (dout * gamma).reshape(N, G, -1)
    x_hat_groups = x_hat.reshape(N, G, -1)
    dx = (dx_hat - x_hat_groups * (dx_hat * x_hat_groups).mean(axis=2, keepdims=True)) / std
    return (dx.reshape(N, C, H, W), (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True),
            dout.sum(axis=(0, 2, 3), keepdims=True))


# -- the net --------------------------------------------------------------------------------

class NetSquareInput(ThreeLayerConvNet):
    """Sizes W2 as if the input were square (H used for W)."""
    def __init__(self, input_dim=(3, 32, 32), **kwargs):
        C, H, _ = input_dim
        super().__init__(input_dim=(C, H, H), **kwargs)


class NetHiddenBiasNotZero(ThreeLayerConvNet):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.params["b2"] = self.params["b2"] + 0.01


class NetUnscaledWeights(ThreeLayerConvNet):
    """Forgets weight_scale on the last layer."""
    def __init__(self, weight_scale=1e-3, **kwargs):
        super().__init__(weight_scale=weight_scale, **kwargs)
        self.params["W3"] = self.params["W3"] / weight_scale


class NetNoRegInGradients(ThreeLayerConvNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for name in ("W1", "W2", "W3"):
            grads[name] = grads[name] - self.reg * self.params[name]
        return loss, grads


class NetL2WithoutHalf(ThreeLayerConvNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        return loss + 0.5 * self.reg * sum(np.sum(self.params[w] ** 2) for w in ("W1", "W2", "W3")), grads


class NetScoresAfterRelu(ThreeLayerConvNet):
    """A ReLU on the class scores, in the test-time forward only."""
    def loss(self, X, y=None):
        result = super().loss(X, y)
        return np.maximum(result, 0) if y is None else result


class NetLossVariant(ThreeLayerConvNet):
    """The reference's loss with one decision made wrongly: the padding for a filter size, or
    the flattened size of the pooled maps (square inputs assumed)."""
    def pad_of(self, filter_size):
        return (filter_size - 1) // 2

    square = False

    def loss(self, X, y=None):
        from reference.classifiers import cnn
        p = self.params
        conv_param = {"stride": 1, "pad": self.pad_of(p["W1"].shape[2])}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        pooled, cache1 = cnn.conv_relu_pool_forward(X, p["W1"], p["b1"], conv_param, pool_param)
        N, F, H, _ = pooled.shape
        flat = pooled.reshape(N, F * H * H) if self.square else pooled
        hidden, cache2 = cnn.affine_relu_forward(flat, p["W2"], p["b2"])
        scores, cache3 = cnn.affine_forward(hidden, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = cnn.softmax_loss(scores, y)
        grads = {}
        dhidden, grads["W3"], grads["b3"] = cnn.affine_backward(dscores, cache3)
        dflat, grads["W2"], grads["b2"] = cnn.affine_relu_backward(dhidden, cache2)
        _, grads["W1"], grads["b1"] = cnn.conv_relu_pool_backward(dflat.reshape(pooled.shape), cache1)
        for name in ("W1", "W2", "W3"):
            loss += 0.5 * self.reg * np.sum(p[name] ** 2)
            grads[name] += self.reg * p[name]
        return loss, grads


class NetPadFor3And7(NetLossVariant):
    """Padding written for the notebooks' 3x3 and 7x7 filters only."""
    def pad_of(self, filter_size):
        return 1 if filter_size == 3 else 3


class NetLossSquareInput(NetLossVariant):
    """Flattens the pooled maps as if they were square (H used for W)."""
    square = True


def swap(a, b, *rest):
    return b, a


def square(a, b, *rest):
    return a, a


def minus_one_height(a, b, *rest):
    return a - 1, b


MUTANTS = {  # graded function -> {name: override or net class}
    "conv_forward_naive": {
        "H and W of the output swapped": conv_forward(out_size=swap),
        "square output assumed (W' = H')": conv_forward(out_size=square),
        "square filter assumed (WW = HH)": conv_forward(filter_size=square),
        "one output row too few (no + 1)": conv_forward(out_size=minus_one_height),
        "bias left out": conv_forward(bias=False),
        "padding on the height only": conv_forward(pad_axes=(2,)),
        "stride ignored along the width": conv_forward(window=lambda i, j, s: (i * s, j)),
        "windows move one pixel at a time (the stride only in the output size)": conv_forward(
            window=lambda i, j, s: (i, j)),
    },
    "conv_backward_naive": {
        "loops over a square output": conv_backward(loops=square),
        "dw assigned with = instead of +=": conv_backward(accumulate_dw=False),
        "dx still padded": conv_backward(crop=lambda dx, p, H, W: dx),
        "dx cropped with H and W swapped": conv_backward(
            crop=lambda dx, p, H, W: dx[:, :, p:p + W, p:p + H]),
        "db summed over the batch only": conv_backward(db_axes=(0,)),
        "stride ignored along the width": conv_backward(stride_in_width=False),
    },
    "max_pool_forward_naive": {
        "square output assumed (W' = H')": pool_forward(out_size=square),
        "H and W of the output swapped": pool_forward(out_size=swap),
        "square window assumed (pool_width = pool_height)": pool_forward(window_size=square),
        "pool height and width swapped": pool_forward(window_size=swap),
        "stride taken as the pool height": pool_forward(stride_of=lambda s, ph, pw: ph),
        "windows one row and column too small": pool_forward(shrink=1),
    },
    "max_pool_backward_naive": {
        "gradient assigned with = instead of +=": pool_backward(assign=True),
        "loops over a square output": pool_backward(loops=square),
        "pool height and width swapped": pool_backward(window_size=swap),
        "argmax unravelled with the pool height": pool_backward(
            locate=lambda flat, ph, pw: divmod(flat, ph)),
    },
    "batchnorm_forward": {
        "test mode without gamma and beta": batchnorm_test_without_affine,
        "running standard deviation kept instead of variance": batchnorm_running_std,
        "test mode subtracts beta": batchnorm_test_subtracts_beta,
        "test mode uses the batch's statistics": batchnorm_test_batch_statistics,
        "eps added into running_var": batchnorm_eps_in_running_var,
    },
    "batchnorm_backward": {
        "dgamma without x_hat": batchnorm_backward_dgamma_without_x_hat,
        "dx without the mean term": batchnorm_backward_drops_mean_term,
    },
    "batchnorm_backward_alt": {
        "dgamma without x_hat": batchnorm_backward_dgamma_without_x_hat,
        "dx without the mean term": batchnorm_backward_drops_mean_term,
    },
    "layernorm_backward": {
        "means over the batch, as in batch norm": layernorm_backward_over_batch,
    },
    "spatial_batchnorm_forward": {
        "batch statistics in test mode too": spatial_batchnorm_always_batch_statistics,
        "test mode forced to train": spatial_batchnorm_test_mode_forced_to_train,
    },
    "spatial_batchnorm_backward": {
        "dgamma and dbeta averaged over pixels": spatial_batchnorm_backward_dgamma_per_pixel,
    },
    "spatial_groupnorm_forward": {
        "one group per channel whatever G": groupnorm_per_channel,
    },
    "spatial_groupnorm_backward": {
        "dgamma and dbeta summed over the batch only": groupnorm_backward_dgamma_over_batch_only,
        "dx without the group-mean term": groupnorm_backward_without_group_mean,
    },
    "ThreeLayerConvNet": {
        "W2 sized for a square input": NetSquareInput,
        "hidden bias not zero at start": NetHiddenBiasNotZero,
        "last weights not scaled": NetUnscaledWeights,
        "regularization left out of the gradients": NetNoRegInGradients,
        "L2 without its 0.5": NetL2WithoutHalf,
        "ReLU on the test-time scores": NetScoresAfterRelu,
        "padding for 3x3 and 7x7 filters only": NetPadFor3And7,
        "loss assumes a square input": NetLossSquareInput,
    },
}


def as_mistake(function, override):
    """The mutant as a catalog Mistake, so that it runs exactly as the catalog's do."""
    if isinstance(override, type):
        return Mistake("", {}, net_class=override)
    return Mistake("", {function: override})
