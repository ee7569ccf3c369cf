"""The limits on student code: declared once, each with its default and its meaning.
(A module of its own so that the command line can read them without importing numpy.)"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Configurable from the command line; the defaults suit this assignment's cases."""
    seconds_per_case: float = 10.0
    seconds_to_import: float = 20.0
    memory_mb: int = 2048
    output_kb: int = 256      # what the student's code may print, in all
    results_mb: int = 64      # what the worker may send back for one case
    uid: int = 61000          # the unprivileged user, when running as root
