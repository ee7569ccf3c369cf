"""Diagnosis: reading the shape of an error, for mistakes nobody catalogued.

A wrong output is rarely wrong at random. When it is the expected one times a constant, or
the expected one plus a constant per channel, or right everywhere but the border, or right
for the first sample only, that shape says what went wrong, and no catalog is needed to see
it. Three readings, each run in the grader's process where both arrays exist:

- one output: got against expected (PATTERNS, tried in order; the first that fits speaks);
- across cases: which cases of a function fail, against the properties each case has
  (rubric/properties.py): "fails exactly on the cases with stride > 1";
- dependencies: a failure that comes from another graded function the student wrote
  (a function their code calls, a forward whose cache a backward is fed): fix that first.

A diagnosis says only what the numbers show: a pattern must fit every entry (to FIT), and a
case gets at most MAX_PER_CASE of them. It never prints an expected value: a factor, an axis,
an index or a property, never an entry of an expected array.
"""
import ast
import itertools
from collections import Counter

import numpy as np

from ..rubric.properties import case_properties
from .compare import SELF_CHECK_AGREES, rel_error_map

FIT = 1e-6          # a pattern fits when it explains every entry to this, relative to the scale
READABLE = 1e-4     # an error smaller than this (relative to the scale) has no shape to read:
                    # near round-off, almost any pattern would fit it
MAX_PER_CASE = 2    # one or two patterns that fit, never a list of guesses


def diagnosis(pattern, text):
    """One diagnosis: a short pattern name (counted in the class summary) and its line."""
    return {"pattern": pattern, "text": text}


def scale_of(values):
    """The largest magnitude in `values` (at least 1e-12): what FIT and READABLE are relative to."""
    return max(float(np.max(np.abs(values), initial=0.0)), 1e-12)


def close(got, want, fraction=FIT):
    """got equals want (same shape) up to `fraction` of want's scale."""
    return got.shape == want.shape and \
        float(np.max(np.abs(got - want), initial=0.0)) <= fraction * scale_of(want)


def axis_names(key, ndim):
    """What each axis of an output is, in the names the docstrings use."""
    if ndim == 4:
        return ("F", "C", "HH", "WW") if key in ("dw", "W1", "dW1") else ("N", "C", "H", "W")
    if ndim == 2:  # a batch of features, or a weight matrix (rows in, columns out)
        return ("row", "column") if key.lstrip("d").startswith("W") else ("N", "D")
    return tuple(f"axis {a}" for a in range(ndim))


AXIS_WORDS = {"N": "sample", "C": "channel", "D": "feature", "F": "filter", "H": "row", "W": "column"}


# -- what a constant factor likely is ------------------------------------------------------------

def reciprocal(name):
    """1/N, 1/(H·W): the name of one over a named size, without its gloss."""
    short = name.split(",")[0]
    return f"1/({short})" if "·" in short else f"1/{short}"


def factor_candidates(inputs):
    """[(value, name)] of the sizes a misplaced factor is usually made of, from the case's inputs."""
    x = inputs.get("x", inputs.get("X"))
    named = [(2, "2")]
    if isinstance(x, np.ndarray) and x.ndim >= 2:
        shape = x.shape[-4:] if x.ndim >= 4 else x.shape[-2:]
        N = shape[0]
        named.append((N, "N, the batch size"))
        if N > 1:  # a variance divided by N - 1 scales what it normalizes by this
            named.append((np.sqrt((N - 1) / N), "√((N-1)/N), a variance divided by N - 1"))
        if len(shape) == 4:
            N, C, H, W = shape
            named += [(C, "C, the number of channels"), (H * W, "H·W, the number of pixels"),
                      (N * H * W, "N·H·W")]
            if "G" in inputs:
                named.append((C // inputs["G"] * H * W, "the group size (C/G)·H·W"))
        else:
            named.append((shape[1], "D, the number of features"))
    dout = inputs.get("dout")
    if isinstance(dout, np.ndarray) and dout.ndim == 4:
        named += [(dout.shape[2] * dout.shape[3], "H'·W', the output's pixels"),
                  (dout.shape[0] * dout.shape[2] * dout.shape[3], "N·H'·W'")]
    w = inputs.get("w")
    if isinstance(w, np.ndarray) and w.ndim == 4:
        named.append((w.shape[2] * w.shape[3], "HH·WW, the filter area"))
    pool = inputs.get("pool_param")
    if pool:
        named.append((pool["pool_height"] * pool["pool_width"], "the pool area"))
    named += [(1 / value, reciprocal(name)) for value, name in named]
    return [(float(value), name) for value, name in named if value not in (0, 1)]


def name_factor(k, inputs):
    """What k likely is: one name, or two when sizes coincide; nothing when none fits."""
    names = list(dict.fromkeys(name for value, name in factor_candidates(inputs)
                               if abs(k - value) <= 1e-6 * abs(value)))
    return " or ".join(names[:2])  # the plain constants first: 2 before N when N = 2


# -- patterns in one output: each (key, got, want, case) -> text or None -------------------------

def all_zeros(key, got, want, case):
    if not np.any(got) and np.any(want):
        return f"{key} is all zeros: it is never written to (a loop that never runs, the result " \
               "kept in another variable than the one returned), or overwritten (= where += belongs)"


def input_unchanged(key, got, want, case):
    for name, value in case["arrays"].items():
        if name != key and isinstance(value, np.ndarray) and close(got, value):
            return f"{key} is the input {name}, returned unchanged: the computation is never " \
                   "applied to it (or its result is not what is returned)"


def sign_flip(key, got, want, case):
    if got.size > 1 and close(got, -want):
        return f"{key} has the right magnitude everywhere but the opposite sign: a minus too " \
               "many or too few (x - y written y - x, or a gradient subtracted instead of added)"


def constant_factor(key, got, want, case):
    if got.size < 2 or not np.any(want):
        return None
    k = float(np.sum(got * want) / np.sum(want * want))
    if abs(k) < 1e-12 or abs(k - 1) < 1e-9 or not close(got, k * want):
        return None
    name = name_factor(k, case["arrays"] | case["params"])
    if name:
        return f"{key} is the expected value times a constant k = {k:.4g} everywhere, and k is " \
               f"{name}: a factor too many, or one missing"
    return f"{key} is the expected value times a constant k = {k:.4g} everywhere: a scale " \
           "factor is wrong (a division or multiplication too many or missing)"


def along_one_axis(key, got, term):
    """(axis, vector) when `term` (an array of got's shape) is constant along every axis but
    one (axis None: constant everywhere); None when it varies along more, or has no other axis."""
    scale = scale_of(term)
    varying = [a for a in range(term.ndim) if np.ptp(term, axis=a).max() > FIT * scale]
    if not varying:
        return None, term.ravel()[:1]
    if len(varying) > 1 or got.shape[varying[0]] == got.size:
        return None  # not constant along any axis that has more than one entry
    axis = varying[0]
    return axis, np.moveaxis(term, axis, 0).reshape(got.shape[axis], -1)[:, 0]


def which_input(case, vector, forms):
    """The name and form of the input array that `vector` equals in one of `forms`
    ((word, function of the input)), if any."""
    for name, value in case["arrays"].items():
        if isinstance(value, np.ndarray) and value.size == vector.size:
            for word, form in forms:
                with np.errstate(divide="ignore", invalid="ignore"):
                    if close(vector, form(value.ravel())):
                        return name, word
    return None


def is_ramp(value):
    """An evenly spaced array (np.linspace): every window of it is the last one shifted."""
    steps = np.diff(np.ravel(value))
    return steps.size > 1 and np.ptp(steps) <= FIT * scale_of(steps)


def per_axis(key, got, case, term, neutral, scale, forms, says):
    """When `term` (got - want, got / want) is one value per entry of a single axis, none of
    them `neutral` to `scale` (0 or 1: right there, a last row or some samples, which the
    patterns below read): what `says` says of it, naming the input it equals in one of
    `forms` ((how, function of the input)) if any; else None."""
    found = along_one_axis(key, got, term)
    if found is None or found[0] is None:
        return None
    axis, vector = found
    if any(np.any(np.abs(vector - value) <= FIT * scale) for value in neutral):
        return None
    word = AXIS_WORDS.get(axis_names(key, got.ndim)[axis], f"index along axis {axis}")
    named = which_input(case, vector, forms)
    named_text, plain_text = says
    if named:
        return f"{key} is " + named_text.format(word=word, name=named[0], how=named[1])
    return f"{key} is " + plain_text.format(word=word)


def constant_offset(key, got, want, case):
    """got - want constant along every axis but (at most) one: a term added twice or left out."""
    if got.size < 2 or close(got, want):
        return None
    everywhere = along_one_axis(key, got, got - want)
    if everywhere and everywhere[0] is None:
        if any(is_ramp(v) for v in case["arrays"].values()):
            return None  # on a linear ramp any wrong window is off by one constant: it says nothing
        return f"{key} is off by the same constant everywhere: something is added or " \
               "subtracted once too often, or not at all"
    return per_axis(key, got, case, got - want, (0,), scale_of(want),
                    (("added twice", lambda v: v), ("left out", lambda v: -v)), (
        "off by a constant per {word}, which is exactly {name}: {name} is {how}",
        "off by a constant per {word} (the same for every entry of that {word}): a per-{word} "
        "term (a bias, a shift, a mean) is added twice or left out"))


def factor_per_axis(key, got, want, case):
    """got / want constant along every axis but one: a per-channel scale applied twice or missing."""
    if got.size < 2 or np.any(want == 0) or close(got, want):
        return None
    return per_axis(key, got, case, got / want, (0, 1), 1.0,
                    (("applied twice", lambda v: v), ("missing", lambda v: 1 / v)), (
        "the expected value times a factor per {word}, which is exactly {name}: {name} is {how}",
        "the expected value times a factor that depends only on the {word}: a per-{word} scale "
        "(gamma, a standard deviation) is applied twice or missing"))


def layout(key, got, want, case):
    """The right values, in the wrong order of axes or the wrong shape."""
    if got.size != want.size or got.size < 2:
        return None
    names = axis_names(key, want.ndim)
    for perm in itertools.permutations(range(want.ndim)):
        if perm == tuple(range(want.ndim)):
            continue
        if close(got, want.transpose(perm)):
            moved = [names[p] for a, p in enumerate(perm) if a != p]
            back = tuple(int(a) for a in np.argsort(perm))
            return f"{key} holds the right values with its axes in the wrong order " \
                   f"({', '.join(moved)} moved): your axes are " \
                   f"({', '.join(names[p] for p in perm)}); .transpose{back} puts them right"
    if got.shape != want.shape and close(got.reshape(want.shape), want):
        return f"{key} holds the right values in the right order but has shape {got.shape}: " \
               "reshape it"
    if close(np.sort(got, axis=None), np.sort(want, axis=None)):
        return f"{key} holds the right values in the wrong places (the same values, in another " \
               "order): a reshape without the transpose that must come before it, or an index " \
               "computed wrongly"


def spatial_errors(key, got, want, case):
    """(rows, columns, H, W): where some entry is wrong, for an (N, C, H, W) output; else None."""
    if got.ndim != 4 or got.shape != want.shape or axis_names(key, 4)[2] != "H":
        return None
    wrong = (rel_error_map(got, want) > case["tolerance"]).any(axis=(0, 1))
    return (*np.nonzero(wrong), *got.shape[2:]) if wrong.any() else None


def last_row_or_column(key, got, want, case):
    where = spatial_errors(key, got, want, case)
    if where is None:
        return None
    rows, cols, H, W = where
    if H < 3 or W < 3 or not np.all((rows == H - 1) | (cols == W - 1)):
        return None
    in_last_row, in_last_column = rows == H - 1, cols == W - 1
    which = " and ".join(word for word, hit in (
        ("row", in_last_row.any() and not in_last_column.all()),
        ("column", in_last_column.any() and not in_last_row.all())) if hit) or "row and column"
    return f"{key} is right everywhere but its last {which}: a loop that stops one short " \
           "(range(n - 1)), or a slice that ends one early"


def border_only(key, got, want, case):
    where = spatial_errors(key, got, want, case)
    if where is None:
        return None
    rows, cols, H, W = where
    distance = np.minimum(np.minimum(rows, H - 1 - rows), np.minimum(cols, W - 1 - cols))
    band = int(distance.max()) + 1
    far_side_only = np.all((rows >= H - band) | (cols >= W - band))
    params = case["params"]
    reach = max([params.get("conv_param", {}).get("pad", 0)]
                + [s - 1 for s in case["arrays"].get("w", np.zeros((1, 1, 1, 1))).shape[2:]]
                + [1])
    if band > reach or 2 * band >= min(H, W):
        return None  # the errors reach the middle: not a border effect
    if far_side_only:  # only by the bottom and right edges: the far end is never reached
        return f"{key} is right but within {band} pixel(s) of its bottom or right edge: a loop " \
               "that stops short of the last windows (H' used for W', or a bound one too small)"
    where_to_look = "the zero padding (where it goes, how much) or " if "conv_param" in params else ""
    return f"{key} is right in the middle and wrong only within {band} pixel(s) of the edges: " \
           f"look at the border: {where_to_look}windows that reach past the edge"


def some_right(axis):
    def pattern(key, got, want, case):
        names = axis_names(key, got.ndim)
        if got.shape != want.shape or got.ndim < 2 or got.shape[axis] < 2 or \
                names[axis] not in AXIS_WORDS:  # a weight matrix's rows: no loop runs over them
            return None
        word = AXIS_WORDS[names[axis]]
        others = tuple(a for a in range(got.ndim) if a != axis)
        wrong = rel_error_map(got, want) > case["tolerance"]
        right = ~wrong.any(axis=others)
        if right.all() or not right.any():
            return None
        # A wrong slice is wrong wherever a value is expected; right here and there in it (a
        # ReLU that clips the negatives) is another mistake, not a loop over the wrong range.
        # And a right slice holds something: zero where zero is expected (a unit a ReLU
        # switched off) proves nothing.
        expected_nonzero = np.moveaxis(np.abs(want) > FIT * scale_of(want), axis, 0)
        wrong_slices = np.moveaxis(wrong, axis, 0)[~right] | ~expected_nonzero[~right]
        if not wrong_slices.all() or not all(s.any() for s in expected_nonzero[right]):
            return None
        if right[0] and right.sum() == 1:
            return f"{key} is right for the first {word} only ({names[axis]} index 0): does a loop " \
                   f"over the {word}s stop early, or always use index 0?"
        good = ", ".join(str(i) for i in np.nonzero(right)[0][:6])
        return f"{key} is right for some {word}s only ({names[axis]} index {good}) and wrong for " \
               f"the others: look at how the {word} index is used"
    return pattern


PATTERNS = (  # the most specific first; the first that fits an output speaks for it
    ("all zeros", all_zeros),
    ("input returned unchanged", input_unchanged),
    ("sign flip", sign_flip),
    ("constant factor", constant_factor),
    ("wrong layout", layout),
    ("constant offset", constant_offset),
    ("factor per channel or feature", factor_per_axis),
    ("last row or column", last_row_or_column),
    ("border only", border_only),
    ("some samples right", some_right(0)),
    ("some channels right", some_right(1)),
)


def diagnose_outputs(kind, checks, got, expected, inputs, tolerance, named_mistakes=()):
    """Diagnoses of a case's failing outputs, by their pattern in one array.

    Outputs the catalog already names, initialization (random: only statistics are held),
    NaN or inf, and cases with an output not returned at all are left to their own lines.
    """
    if named_mistakes or kind == "net_init" or any(c.output not in got for c in checks):
        return []  # an output missing (None: not implemented yet) says more than any pattern
    case = {"arrays": {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)},
            "params": {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)},
            "tolerance": tolerance}
    found = []
    for check in checks:
        key = check.output
        if check.passed or key not in got or key not in expected:
            continue
        mine, want = np.asarray(got[key], float), np.asarray(expected[key], float)
        if mine.shape != want.shape and np.squeeze(mine).shape == np.squeeze(want).shape:
            mine = mine.reshape(want.shape)  # only size-1 axes differ: the same array (compare.py)
        if not np.all(np.isfinite(mine)) or close(mine, want, READABLE):
            continue
        patterns = PATTERNS if mine.shape == want.shape else [("wrong layout", layout)]
        for pattern, read in patterns:
            text = read(key, mine, want, case)
            if text:
                found.append(diagnosis(pattern, text))
                break
    return found


# -- patterns across cases ----------------------------------------------------------------------

PROPERTY_HINTS = {
    "stride > 1": "the stride: window (i, j) starts at (i * stride, j * stride)",
    "pad = 0": "a pad of zero (a slice such as [pad:-pad] is empty when pad = 0)",
    "overlapping windows": "entries that fall in several windows: their gradients add up (+=)",
    "non-square input": "H and W: is one used where the other belongs?",
    "non-square output": "H' and W': is one used where the other belongs?",
    "non-square filter": "HH and WW: is one used where the other belongs?",
    "non-square pooling window": "pool_height and pool_width: swapped, or one used for both?",
    "N = 1": "a batch of one sample (a squeeze, or a sum over the wrong axis)",
    "C = 1": "a single channel (a squeeze, or a sum over the wrong axis)",
    "G = C": "groups of one channel each (instance norm)",
    "G = 1": "a single group holding every channel (layer norm)",
    "test mode": "mode = 'test': normalize with running_mean and running_var, scaled and shifted",
    "momentum other than 0.9": "bn_param['momentum']: is 0.9 written in place of it?",
    "non-zero running averages": "running_mean and running_var given in bn_param: start from them",
    "large inputs": "inputs far from unit size",
    "inputs far from zero": "a variance taken from E[x^2] - E[x]^2, which loses its digits here",
    "reg > 0": "the L2 regularization: 0.5 * reg * sum(W**2) in the loss, reg * W in each dW",
    "initialization": "__init__: the shapes, weight_scale, and zero biases",
}


ABSENT_HINTS = {  # where to look when only the cases with the property pass
    "N = 1": "what changes with several samples: the loop over the batch, or an index fixed at 0",
    "C = 1": "what changes with several channels: the loop over them, or an index fixed at 0",
    "pad = 0": "the padding: where the zeros go and how many",
    "G = C": "groups of several channels: a group is C // G consecutive channels",
    "G = 1": "several groups: x reshaped to (N, G, C // G * H * W)",
    "test mode": "train mode: the batch's own mean and variance",
}


def across_cases(graded, cases):
    """The property that tells this function's failing cases from its passing ones, if one does.

    Either the failing cases are exactly those that have it ("fails when stride > 1") or the
    passing ones are ("passes only when N = 1"). When more than two properties tell them apart
    as well, the rubric cannot say which: no diagnosis rather than a guess."""
    failing = {c.title for c in cases if not c.passed}
    passing = {c.title for c in cases} - failing
    if not failing or not passing:
        return None
    by_title = {c.title: c for c in graded.cases}
    properties = {c.title: case_properties(graded, by_title[c.title]) for c in cases}
    names = sorted({p for props in properties.values() for p in props},
                   key=list(PROPERTY_HINTS).index)
    having = {p: {t for t, props in properties.items() if props.get(p)} for p in names}
    fails_when = [p for p in names if having[p] == failing]
    # The other way round only where every case says (a net's init has no reg), and only for
    # properties whose absence points somewhere ("N > 1": the loop over the batch).
    passes_only_when = [p for p in names if having[p] == passing and p in ABSENT_HINTS
                        and all(p in props for props in properties.values())]
    if len(fails_when) + len(passes_only_when) not in (1, 2) or (fails_when and passes_only_when):
        return None
    fitting = fails_when or passes_only_when
    which = " or ".join(fitting)
    if fails_when:
        return diagnosis("fails when " + which, f"fails exactly on the cases with {which}, and "
                         f"passes the others: look at {'; '.join(PROPERTY_HINTS[p] for p in fitting)}")
    return diagnosis("passes only when " + which, f"fails on every case except those with "
                     f"{which}: look at {'; '.join(ABSENT_HINTS[p] for p in fitting)}")


# -- dependencies ---------------------------------------------------------------------------------

def graded_calls(files, functions):
    """{graded function: the other graded functions its source calls}, from the student's files."""
    calls = {}
    for text in files.values():
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in functions:
                called = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr
                          for n in ast.walk(node) if isinstance(n, ast.Call)
                          and isinstance(n.func, (ast.Name, ast.Attribute))}
                calls[node.name] = (called & functions) - {node.name}
    return calls


def dependency(graded, case, failing_functions, calls, through_forward=False):
    """Which other graded function of the student's to fix first, if this case fails through one.
    `through_forward`: the function's own cases showed that its backward agrees with its forward."""
    for other in sorted(calls.get(graded.function, ())):
        if other in failing_functions:
            return diagnosis(f"fix {other} first",
                             f"fix {other} first: your {graded.function} calls your {other}, "
                             "which fails its own tests")
    # Through the cache only where the numbers point there: the backward agrees with a
    # numerical gradient of the student's own forward, or the forward itself raised.
    forward = graded.forward
    through_forward = through_forward or any(SELF_CHECK_AGREES in a for a in case.advice) or \
        bool(case.problem and forward and f"in {forward}" in case.traceback)
    if forward in failing_functions and through_forward:
        return diagnosis(f"fix {forward} first",
                         f"fix {forward} first: this test runs your {forward} and feeds what it "
                         f"caches to your {graded.function}, and your {forward} fails its own tests")


def diagnose_submission(result, rubric, files):
    """Add the across-cases and dependency diagnoses to every failing case, and keep at most
    MAX_PER_CASE per case: a dependency first (the thing to fix first), then the rest."""
    by_function = {}
    for case in result.cases:
        by_function.setdefault(case.function, []).append(case)
    failing_functions = {f for f, cases in by_function.items() if any(not c.passed for c in cases)}
    calls = graded_calls(files, {g.function for g in rubric})
    for graded in rubric:
        cases = by_function.get(graded.function, [])
        pattern = across_cases(graded, cases)
        # Some gradient follows the student's own forward (a case without the numerical
        # self-check, large inputs, goes with the function's other cases).
        agrees = any(SELF_CHECK_AGREES in a for case in cases for a in case.advice)
        for case in cases:
            if case.passed:
                case.diagnoses = []
                continue
            first = dependency(graded, case, failing_functions, calls, agrees)
            ordered = [first] * bool(first) + case.diagnoses + [pattern] * bool(pattern)
            case.diagnoses = ordered[:MAX_PER_CASE]
    return result


# -- the class ------------------------------------------------------------------------------------

def diagnosis_counts(results):
    """{function: Counter of students per diagnosis pattern}, each student once per pattern."""
    counts = {}
    for result in results:
        seen = {(c.function, d["pattern"]) for c in result.cases for d in c.diagnoses}
        for function, pattern in seen:
            counts.setdefault(function, Counter())[pattern] += 1
    return counts


def most_frequent(counts, function, top=3):
    """The summary's cell for one function: its most frequent diagnoses with their counts."""
    common = counts.get(function, Counter()).most_common(top)
    return "; ".join(f"{pattern} ({n})" for pattern, n in common) or "-"
