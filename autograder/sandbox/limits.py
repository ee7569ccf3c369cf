"""The limits on student code: declared once, each with its default and its meaning.
(A module of its own so that the command line can read them without importing numpy.)"""
import os
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    """Configurable from the command line; the defaults suit this assignment's cases."""
    seconds_per_case: float = 10.0
    seconds_to_import: float = 20.0
    memory_mb: int = 2048
    output_kb: int = 256      # what the student's code may print, in all
    results_mb: int = 64      # what the worker may send back for one case
    uid: int = 61000          # the unprivileged user, when running as root


# Set once the reference was graded under lowered limits (grading/limits_check.py): grade-all's
# graders, each with a uid of its own, need not repeat it.
CHECKED = "AUTOGRADER_LIMITS_CHECKED"


def lowered(limits):
    """The names of the limits set lower than the defaults."""
    return [f.name for f in fields(Limits)
            if f.name != "uid" and getattr(limits, f.name) < getattr(Limits(), f.name)]


def checked_key(limits):
    return repr(replace(limits, uid=Limits().uid))  # the same check, whichever uid grades


def check_due(limits, reference_exists=True):
    """Whether the reference must be graded under these limits before anyone is."""
    return bool(lowered(limits)) and reference_exists and \
        os.environ.get(CHECKED) != checked_key(limits)
