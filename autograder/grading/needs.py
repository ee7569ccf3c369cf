"""What grading imports beyond the standard library, and which of it this Python lacks.

Standard library only: a grader checks this before importing anything else of ours, so that
a missing package becomes a message naming it rather than a traceback (PrairieLearn's image
has no network to install it from; see kit/prairielearn.py).
"""
import importlib.util

# numpy for everything; threadpoolctl for rubric/fixtures.py (one BLAS thread).
GRADING_PACKAGES = ("numpy", "threadpoolctl")


def missing_packages(packages=GRADING_PACKAGES):
    """The import names among `packages` that this interpreter cannot find (found, not imported)."""
    missing = []
    for name in packages:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing
