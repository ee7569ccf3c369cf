"""The written part of the rubric: the notebooks' Inline Questions, their points and a marking
guide for staff.

The questions themselves are written once, in the notebooks (`## Inline Question N`); this
table names them by notebook and N. It is staff material: the release never ships it
(kit/release.py lists what it ships), and the marking guides are shown to staff on the page
that `python -m autograder written` makes, beside the students' answers.
"""
from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class WrittenQuestion:
    notebook: str       # the notebook's file name, as shipped
    number: int         # the N of its `## Inline Question N`
    points: float
    guide: str          # what a full answer says, and where to take points off

    @property
    def key(self):
        """The question's name in written.csv and the gradebook: `1_convolution Q1`."""
        return f"{PurePath(self.notebook).stem} Q{self.number}"


WRITTEN = (
    WrittenQuestion("1_convolution.ipynb", 1, 2, """\
Full marks: a window needs HH rows that all exist; the `1 +` counts the window at row 0 and
`//` counts how many more whole strides fit. H=5, HH=3: stride 2 reads rows 0-2 and 2-4 (two
outputs, every row used); stride 3 reads rows 0-2 only (1 + 2//3 = 1), rows 3-4 are never
read: silently dropped, not an error. Checking that (H + 2 pad - HH) % stride == 0 (CS231n's
assert), or changing pad/stride so it divides, earns the last point.
-1: no example worked through, or says the last window is 'padded' or 'partial'."""),
    WrittenQuestion("1_convolution.ipynb", 2, 2, """\
Full marks: middle 9 outputs, edge 6, corner 4 (with pad 1 a 3x3 window centred on each
position); so dx is smaller at the border (fewer terms), which is why padding matters for
border pixels. db[f] sums dout over n, i, j because b[f] is added to every output of filter f
at every position of every sample.
-1: counts wrong (any of 9/6/4), or no reason for db's sum."""),
    WrittenQuestion("2_max_pooling.ipynb", 1, 3, """\
Full marks: only the input where the window's maximum sits receives the window's dout (the
max is locally the identity on that input and constant in the others); all others get 0.
On a tie the max is not differentiable: the code gives it to one of them (np.argmax: the
first), or to all of them (a mask `x == max`: too much gradient); the numerical gradient
there is about half to each (a centred difference sees either side). Ties make the answer
depend on the tie rule, so graded inputs have distinct values.
-1 each: tie behaviour of their own code not said; numerical gradient at a tie wrong;
no reason for the distinct inputs."""),
    WrittenQuestion("3_fast_layers_and_convnet.ipynb", 1, 2, """\
Full marks: W1 32*3*7*7 = 4704, b1 32; after the 2x2 pool 32*16*16 = 8192 features, so
W2 8192*100 = 819200, b2 100; W3 100*10 = 1000, b3 10; total 825046. The first affine layer
holds almost all. Without the pool: 32*32*32*100 = 3276800 in W2 (4x).
-1: one layer wrong, or no working shown; -1: the pool's effect missing."""),
    WrittenQuestion("3_fast_layers_and_convnet.ipynb", 2, 2, """\
Full marks: overfitting (the model memorizes 50 images, does not generalize); two changes
with a reason each: more data / augmentation (more variety to fit), L2 regularization
(`reg`, smaller weights, smoother function), fewer filters or hidden units (less capacity),
dropout, early stopping on validation accuracy, batch norm.
-1 per missing change or reason."""),
    WrittenQuestion("4_spatial_batchnorm.ipynb", 1, 2, """\
Full marks: a filter's output means the same thing at every position (weights are shared
across space), so one scale and shift per channel keeps the layer convolutional
(translation-equivariant) and gamma/beta have shape (C,); per-position statistics would treat
positions as different features. Counts: per channel over N*H*W = 8*16*16 = 2048 values;
per (c, h, w) over N = 8 only (noisy).
-1: no reason tied to weight sharing; -1: counts wrong."""),
    WrittenQuestion("4_spatial_batchnorm.ipynb", 2, 2, """\
Full marks: batch of one: each channel's mean over H*W of one image is removed, so the output
depends on the image's own statistics (with N*H*W = H*W still defined but not the training
distribution); batch whose images are alike: variance small or ~0, the output blows up or
collapses to beta, and the same image gives different outputs in different batches; test
outputs should be a fixed function of each input.
-1 per case missing."""),
    WrittenQuestion("5_spatial_groupnorm.ipynb", 1, 3, """\
Full marks: G = 1: layer norm (statistics per sample over C, H, W); G = C: instance norm
(per sample and channel, over H, W). Each sample's statistics come from that sample alone,
so its output does not depend on the batch: same behaviour at batch size 1 and in test mode,
no running averages needed, train and test compute the same thing.
-1 each: one special case wrong or its axes missing; batch independence not explained;
its consequence for small batches / test mode missing."""),
    WrittenQuestion("5_spatial_groupnorm.ipynb", 2, 2, """\
Full marks: batch norm's accuracy falls as the batch shrinks (its statistics come from few
values, noisy, and test mode's running averages differ from training's), group norm's stays
about the same (per-sample statistics). A situation for batch norm: large batches (it often
trains a little better there, and at test time folds into the previous layer for free).
Accept what their own run showed if explained; -1: no explanation from where the statistics
come from; -1: no situation for batch norm."""),
)


def written_total(questions=WRITTEN):
    return float(round(sum(q.points for q in questions), 2))


def by_key(questions=WRITTEN):
    return {q.key: q for q in questions}
