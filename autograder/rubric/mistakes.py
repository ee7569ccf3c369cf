"""A catalog of real, common mistakes, each a small mistaken variant of the reference.

`make fixtures` runs every case through the variants its function lists in the rubric and
stores what they return. When a student's output fails a check and equals a variant's, the
feedback names the mistake in plain words. Only fixture generation imports this module (it
needs the reference); grading reads the stored arrays.
"""
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from reference import layers as ref
from reference.classifiers.cnn import ThreeLayerConvNet


@dataclass(frozen=True)
class Mistake:
    message: str        # what the student did, in plain words
    overrides: dict     # layer name -> mistaken function, in place of the reference's
    net_class: type = ThreeLayerConvNet

    def layers(self):
        """The reference layers with this mistake's functions swapped in."""
        namespace = SimpleNamespace(**{k: getattr(ref, k) for k in dir(ref) if not k.startswith("_")})
        for name, function in self.overrides.items():
            setattr(namespace, name, function)
        return namespace


# -- convolution ----------------------------------------------------------------------------

def conv_forward_windows_one_pixel_apart(x, w, b, conv_param):
    """The output sized with the stride, as the docstring says, but each window (i, j) read at
    (i, j): the commonest stride bug, which keeps the output's shape right."""
    s, p = conv_param["stride"], conv_param["pad"]
    out, _ = ref.conv_forward_naive(x, w, b, dict(conv_param, stride=1))
    H_out = 1 + (x.shape[2] + 2 * p - w.shape[2]) // s
    W_out = 1 + (x.shape[3] + 2 * p - w.shape[3]) // s
    return out[:, :, :H_out, :W_out], (x, w, b, conv_param)


def conv_backward_padded_dx(dout, cache):
    x, w, b, conv_param = cache
    p = conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    return ref.conv_backward_naive(dout, (x_pad, w, b, dict(conv_param, pad=0)))


def conv_backward_db_over_batch_only(dout, cache):
    dx, dw, _ = ref.conv_backward_naive(dout, cache)
    return dx, dw, dout.sum(axis=0)


# -- max pooling ----------------------------------------------------------------------------

def pool_windows(x, pool_param):
    """Yield (rows, cols, i, j) for every pooling window: its slices and its output index."""
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H, W = x.shape[2:]
    for i in range(1 + (H - ph) // s):
        for j in range(1 + (W - pw) // s):
            yield slice(i * s, i * s + ph), slice(j * s, j * s + pw), i, j


def pool_backward_assigning(dout, cache):
    """Writes the gradient at each window's max with `=`: overlapping windows overwrite."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    for rows, cols, i, j in pool_windows(x, pool_param):
        window = x[:, :, rows, cols]
        is_max = window == window.max(axis=(2, 3), keepdims=True)
        view = dx[:, :, rows, cols]
        view[is_max] = np.broadcast_to(dout[:, :, i:i + 1, j:j + 1], window.shape)[is_max]
    return dx


def pool_backward_spreading(dout, cache):
    """Spreads each window's gradient evenly, as average pooling would."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    area = pool_param["pool_height"] * pool_param["pool_width"]
    for rows, cols, i, j in pool_windows(x, pool_param):
        dx[:, :, rows, cols] += dout[:, :, i:i + 1, j:j + 1] / area
    return dx


# -- batch, layer and group normalization --------------------------------------------------------

def batchnorm_variant(ddof=0, momentum_reversed=False, eps_outside_sqrt=False,
                      test_uses_batch=False, unstable=False):
    def forward(x, gamma, beta, bn_param):
        eps, m = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
        D = x.shape[1]
        running_mean = bn_param.get("running_mean", np.zeros(D))
        running_var = bn_param.get("running_var", np.zeros(D))
        if bn_param["mode"] == "test" and not test_uses_batch:
            mean, var = running_mean, running_var
        else:
            mean, var = x.mean(axis=0), x.var(axis=0, ddof=ddof)
            if unstable:
                var = (x ** 2).mean(axis=0) - mean ** 2
        if bn_param["mode"] == "train":
            keep, new = (1 - m, m) if momentum_reversed else (m, 1 - m)
            bn_param["running_mean"] = keep * running_mean + new * mean
            bn_param["running_var"] = keep * running_var + new * var
        std = np.sqrt(var) + eps if eps_outside_sqrt else np.sqrt(var + eps)
        x_hat = (x - mean) / std
        return gamma * x_hat + beta, (x_hat, gamma, std)
    return forward


def batchnorm_backward_without_statistics(dout, cache):
    x_hat, gamma, std = cache
    return dout * gamma / std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def layernorm_variant(axis=1, ddof=0):
    def forward(x, gamma, beta, ln_param):
        eps = ln_param.get("eps", 1e-5)
        mean = x.mean(axis=axis, keepdims=True)
        std = np.sqrt(x.var(axis=axis, ddof=ddof, keepdims=True) + eps)
        return gamma * (x - mean) / std + beta, None
    return forward


def spatial_batchnorm_forward_unmoved(x, gamma, beta, bn_param):
    out, cache = ref.batchnorm_forward(x.reshape(-1, x.shape[1]), gamma, beta, bn_param)
    return out.reshape(x.shape), cache


def spatial_batchnorm_backward_unmoved(dout, cache):
    dx, dgamma, dbeta = ref.batchnorm_backward_alt(dout.reshape(-1, dout.shape[1]), cache)
    return dx.reshape(dout.shape), dgamma, dbeta


def groupnorm_variant(interleaved=False, ddof=0):
    def forward(x, gamma, beta, G, gn_param):
        N, C, H, W = x.shape
        eps = gn_param.get("eps", 1e-5)
        # Interleaved: channel c joins group c % G instead of the block c // (C // G).
        groups = x.reshape(N, C // G, G, H * W).swapaxes(1, 2) if interleaved else x.reshape(N, G, -1)
        groups = groups.reshape(N, G, -1)
        x_hat = (groups - groups.mean(axis=2, keepdims=True)) / np.sqrt(
            groups.var(axis=2, ddof=ddof, keepdims=True) + eps)
        if interleaved:
            x_hat = x_hat.reshape(N, G, C // G, H * W).swapaxes(1, 2)
        return gamma * x_hat.reshape(N, C, H, W) + beta, None
    return forward


# -- the three-layer net --------------------------------------------------------------------

class NetL2WithoutHalf(ThreeLayerConvNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        return loss + 0.5 * self.reg * sum(np.sum(self.params[w] ** 2) for w in ("W1", "W2", "W3")), grads


class NetL2OnBiases(ThreeLayerConvNet):
    def loss(self, X, y=None):
        result = super().loss(X, y)
        if y is None:
            return result
        loss, grads = result
        for b in ("b1", "b2", "b3"):
            loss += 0.5 * self.reg * np.sum(self.params[b] ** 2)
            grads[b] = grads[b] + self.reg * self.params[b]
        return loss, grads


MISTAKES = {
    "conv_no_bias": Mistake(
        "the bias b is never added to the output",
        {"conv_forward_naive": lambda x, w, b, p: ref.conv_forward_naive(x, w, 0 * b, p)}),
    "conv_flipped_kernel": Mistake(
        "the filter is flipped (a true convolution): CS231n's conv layer is a cross-correlation, "
        "sum(window * w[f]) with w as it is",
        {"conv_forward_naive": lambda x, w, b, p: ref.conv_forward_naive(x, w[:, :, ::-1, ::-1], b, p)}),
    "conv_ignores_stride": Mistake(
        "the windows move one pixel at a time (hs, ws = i, j): the output's size uses the stride, "
        "but window (i, j) must start at (i * stride, j * stride)",
        {"conv_forward_naive": conv_forward_windows_one_pixel_apart}),
    "conv_dx_still_padded": Mistake(
        "dx still carries the zero padding: crop it back to x's shape (H, W)",
        {"conv_backward_naive": conv_backward_padded_dx}),
    "conv_db_not_summed_over_space": Mistake(
        "db is summed over the batch only: sum dout over axes (0, 2, 3)",
        {"conv_backward_naive": conv_backward_db_over_batch_only}),
    "pool_ignores_stride": Mistake(
        "the windows step by the pool size instead of by the stride",
        {"max_pool_forward_naive": lambda x, p: ref.max_pool_forward_naive(x, dict(p, stride=p["pool_height"]))}),
    "pool_backward_assigns": Mistake(
        "where pooling windows overlap, the gradient is assigned (=) instead of accumulated "
        "(+=): a pixel that is the max of several windows must receive all their gradients",
        {"max_pool_backward_naive": pool_backward_assigning}),
    "pool_backward_spreads_evenly": Mistake(
        "the gradient is spread over the whole window, as for average pooling: max pooling "
        "sends it only to the max",
        {"max_pool_backward_naive": pool_backward_spreading}),
    "bn_unbiased_variance": Mistake(
        "the variance is the unbiased one (divided by N - 1): batch norm uses the plain "
        "variance, divided by N (np.var's default)",
        {"batchnorm_forward": batchnorm_variant(ddof=1)}),
    "bn_momentum_reversed": Mistake(
        "momentum is applied the wrong way round: running = momentum * running + "
        "(1 - momentum) * batch statistic",
        {"batchnorm_forward": batchnorm_variant(momentum_reversed=True)}),
    "bn_eps_outside_sqrt": Mistake(
        "eps is added outside the square root: use sqrt(var + eps)",
        {"batchnorm_forward": batchnorm_variant(eps_outside_sqrt=True)}),
    "bn_test_uses_batch_statistics": Mistake(
        "test mode normalizes with the batch's own mean and variance: it must use "
        "running_mean and running_var",
        {"batchnorm_forward": batchnorm_variant(test_uses_batch=True)}),
    "bn_unstable_variance": Mistake(
        "the variance is computed as mean(x**2) - mean(x)**2, which loses its digits when the "
        "mean is large next to the spread: use np.var, or the mean of (x - mean)**2",
        {"batchnorm_forward": batchnorm_variant(unstable=True)}),
    "bn_backward_ignores_statistics": Mistake(
        "dx ignores that the mean and the variance depend on x too: only dout * gamma / std "
        "is there",
        {"batchnorm_backward": batchnorm_backward_without_statistics,
         "batchnorm_backward_alt": batchnorm_backward_without_statistics}),
    "ln_normalizes_over_batch": Mistake(
        "the statistics are taken over the batch (axis 0), as in batch norm: layer norm takes "
        "them over each sample's features (axis 1)",
        {"layernorm_forward": layernorm_variant(axis=0)}),
    "ln_unbiased_variance": Mistake(
        "the variance is the unbiased one (divided by D - 1): use the plain variance",
        {"layernorm_forward": layernorm_variant(ddof=1)}),
    "sbn_reshape_without_moving_channels": Mistake(
        "x is reshaped to (N*H*W, C) without first moving the channel axis last: transpose "
        "to (N, H, W, C) before reshaping, and back after",
        {"spatial_batchnorm_forward": spatial_batchnorm_forward_unmoved,
         "spatial_batchnorm_backward": spatial_batchnorm_backward_unmoved}),
    "gn_interleaved_groups": Mistake(
        "the groups interleave channels (c % G): a group is C // G consecutive channels",
        {"spatial_groupnorm_forward": groupnorm_variant(interleaved=True)}),
    "gn_unbiased_variance": Mistake(
        "the variance is the unbiased one: use the plain variance, divided by the group size",
        {"spatial_groupnorm_forward": groupnorm_variant(ddof=1)}),
    "net_l2_without_half": Mistake(
        "the L2 term lacks its factor 0.5: loss += 0.5 * reg * sum(W ** 2)",
        {}, NetL2WithoutHalf),
    "net_l2_on_biases": Mistake(
        "the biases are regularized too: L2 applies to the weights W1, W2, W3 only",
        {}, NetL2OnBiases),
}
