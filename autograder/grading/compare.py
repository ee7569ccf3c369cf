"""Judging one case: the student's outputs against the reference's, in the grader's process.

Every check says what was compared, the error against the tolerance, the shapes, and where
the worst error sits; a failing output that equals a catalogued mistake's names the mistake.
"""
import numpy as np

from ..rubric.cases import SELF_CHECK_TOL, SHAPE_IS_CONTRACT, STRICT_SHAPES
from .results import Check


def rel_error_map(a, b):
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


def rel_error(a, b):
    return float(np.max(rel_error_map(a, b), initial=0.0))


def shape_aligned(key, got, expected, strict=STRICT_SHAPES):
    """(got in the expected shape or None, a note for the student).

    Unless the rubric says strict, shapes that differ only by size-1 axes are the same array
    (for parameters' gradients and running averages, not for what flows into the next layer):
    it is reshaped and compared, and the note says so."""
    if got.shape == expected.shape:
        return got, ""
    squeezable = np.squeeze(got).shape == np.squeeze(expected).shape
    strict = strict or key in SHAPE_IS_CONTRACT
    if squeezable and not strict:
        return got.reshape(expected.shape), (
            f"note: {key} has shape {got.shape} where {expected.shape} is documented; only "
            "size-1 axes differ, so the values were compared and count")
    hint = ""
    if squeezable:
        hint = (f" (only size-1 axes differ, but {key} goes into the next layer: it must have the "
                "documented shape)" if key in SHAPE_IS_CONTRACT else
                " (only size-1 axes differ, but this course asks for exact shapes)")
    return None, f"{key} has shape {got.shape}, expected {expected.shape}{hint}"


def compare_array(key, got, expected, tolerance, strict_shapes=STRICT_SHAPES):
    shape = got.shape  # as returned: the note explains a reshape
    got, note = shape_aligned(key, got, expected, strict_shapes)
    if got is None:
        return Check(key, False, note)
    if not np.all(np.isfinite(got)):
        where = np.unravel_index(int(np.argmax(~np.isfinite(got))), got.shape) if got.ndim else ()
        return Check(key, False, f"{key} contains NaN or inf (first at index {tuple(map(int, where))})")
    errors = rel_error_map(got, expected)
    error = float(np.max(errors, initial=0.0))
    verdict = "<=" if error <= tolerance else ">"
    message = f"{key}: relative error {error:.2e} {verdict} tolerance {tolerance:.0e}, shape {shape}"
    if error > tolerance and got.ndim:
        where = np.unravel_index(int(np.argmax(errors)), got.shape)
        message += (f"; worst at index {tuple(map(int, where))}: got {got[where]:.6g}, "
                    f"expected {expected[where]:.6g}")
    elif error > tolerance:
        message += f"; got {float(got):.6g}, expected {float(expected):.6g}"
    if note:
        message += f"; {note}"
    return Check(key, bool(error <= tolerance), message, error, float(tolerance))


def compare_init(key, got, expected, weight_scale):
    """Initialization is random: compare shapes and statistics, not values."""
    got, note = shape_aligned(key, got, expected)
    if got is None:
        return Check(key, False, note)
    if key.startswith("b"):
        ok = not bool(np.any(got))
        return Check(key, ok, f"{key}: {'all zero' if ok else 'not all zero'}, shape {got.shape}"
                     + ("" if ok else "; biases start at zero"))
    # Sample statistics of n Gaussian draws: allow four standard errors, and at least 10%.
    std, mean, n = float(np.std(got)), float(np.mean(got)), got.size
    std_tol = weight_scale * max(0.1, 4 / np.sqrt(2 * n))
    mean_tol = weight_scale * max(0.1, 4 / np.sqrt(n))
    ok = bool(abs(std - weight_scale) <= std_tol and abs(mean) <= mean_tol)
    return Check(key, ok, f"{key}: std {std:.3g} (expected {weight_scale:g} +- {std_tol:.2g}), "
                 f"mean {mean:.2g} (expected 0 +- {mean_tol:.2g}), shape {got.shape}")


def check_outputs(kind, got, header, expected, params, tolerance):
    """One Check per expected output."""
    none, bad = set(header.get("none", [])), header.get("bad", {})
    checks = []
    for key, want in expected.items():
        if key in none:
            checks.append(Check(key, False, f"{key} is None: not implemented yet?"))
        elif key in bad:
            checks.append(Check(key, False, f"{key} is a {bad[key]}, not an array of numbers"))
        elif key not in got:
            checks.append(Check(key, False, f"{key} was not returned"))
        elif kind == "net_init":
            scale = params["kwargs"].get("weight_scale", 1e-3)
            checks.append(compare_init(key, got[key], want, scale))
        else:
            checks.append(compare_array(key, got[key], want, tolerance))
    return checks


def recognize_mistakes(checks, got, mistakes, tolerance):
    """Plain-words names of the catalogued mistakes that the failing outputs reproduce."""
    failing = [c.output for c in checks if not c.passed and c.output in got]
    found = []
    for message, outputs in mistakes.items():
        for key in (k for k in failing if k in outputs):
            value, _ = shape_aligned(key, got[key], outputs[key])
            if value is not None and rel_error(value, outputs[key]) <= tolerance:
                found.append(message)
                break
    return found


SELF_CHECK_AGREES = "matches a numerical gradient of your own forward"  # diagnosis reads it


def self_check_advice(got, inputs, checks):
    """Compare each analytic gradient with centred differences of the student's own forward.

    Never a contradiction: a gradient that fails on its shape alone is not blamed on the
    forward, and one that matches the reference is not called wrong."""
    advice = []
    for key in [k for k in got if k.startswith("numerical_")]:
        grad = key[len("numerical_"):]
        probe = inputs.get("probe_" + grad)
        if grad not in got or probe is None or got[grad].size <= int(np.max(probe)):
            continue
        analytic = got[grad].ravel()[probe.astype(int)]
        if not np.any(analytic) and not np.any(got[key]):
            continue  # every probe fell where both are zero (max pooling): it shows nothing
        error = rel_error(analytic, got[key])
        mine = [c for c in checks if c.output == grad]
        reference_ok = all(c.passed for c in mine)
        values_differ = any(not c.passed and c.error is not None for c in mine)  # not a shape
        if error > SELF_CHECK_TOL and reference_ok:
            advice.append(f"{grad} matches the reference but not a numerical gradient of your own "
                          f"forward (error {error:.1e} > {SELF_CHECK_TOL:.0e}): the backward is "
                          "right, and it is your forward that is wrong")
        elif error > SELF_CHECK_TOL:
            advice.append(f"{grad} does not match a numerical gradient of your own forward "
                          f"(error {error:.1e} > {SELF_CHECK_TOL:.0e}): your backward does not "
                          "follow your forward, so one of them (or both) is wrong")
        elif values_differ:
            advice.append(f"{grad} {SELF_CHECK_AGREES} (error {error:.1e}), so the backward is "
                          "consistent: it is your forward pass (or what it caches) that differs "
                          "from the reference")
    return advice
