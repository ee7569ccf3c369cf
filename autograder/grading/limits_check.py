"""Limits blamed on the right party: before grading under limits lower than the defaults, the
reference solution is graded under them; if it cannot pass, the limits are too low, and
grading stops there (exit 2) instead of telling every student their code was at fault.

The defaults need no check: the test suite grades the reference under them.
"""
import os
from dataclasses import replace

from ..paths import MARKED_FILES, REFERENCE
from ..sandbox.limits import CHECKED, Limits, check_due, checked_key, lowered
from .grade import grade_files

DEFAULTS = Limits()


class LimitsTooLow(ValueError):
    """The reference itself cannot be graded under these limits."""


def reference_failures(limits, functions=None):
    files = {rel: (REFERENCE / rel).read_text() for rel in MARKED_FILES}
    result = grade_files("the reference", files, limits=limits, functions=functions)
    return [case for case in result.cases if not case.passed]


def flag(name, value):
    return f"--{name.replace('_', '-')} {value:g}"


def refuse_limits_too_low(limits):
    """Raise LimitsTooLow naming the limits under which the reference fails."""
    if not check_due(limits, REFERENCE.exists()):
        return
    names = lowered(limits)
    failed = reference_failures(limits)
    if failed:
        functions = {case.function for case in failed}
        culprits = [name for name in names if reference_failures(
            replace(DEFAULTS, uid=limits.uid, **{name: getattr(limits, name)}), functions)]
        culprits = culprits or names  # too low only together
        first = failed[0]
        example = f"{first.name}: {first.problem or 'wrong results'}" + \
            (f": {first.traceback.splitlines()[0]}" if first.traceback else "")
        raise LimitsTooLow(
            f"{' and '.join(flag(n, getattr(limits, n)) for n in culprits)}: too low, the "
            f"reference solution itself cannot be graded under "
            f"{'it' if len(culprits) == 1 else 'them'} ({len(failed)} of its cases fail, e.g. "
            f"{example}). Raise {'it' if len(culprits) == 1 else 'them'} (defaults: "
            f"{', '.join(flag(n, getattr(DEFAULTS, n)) for n in culprits)}).")
    os.environ[CHECKED] = checked_key(limits)
