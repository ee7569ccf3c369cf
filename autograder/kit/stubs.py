"""Derive the student stubs in `assignment/` from the marked files in `reference/`.

The reference is the single source of truth: nobody edits a stub by hand. `stale_stubs()`
is what CI checks; `write_stubs()` is what `python -m autograder stubs` runs.
"""
from ..grading.markers import derive_stub
from ..paths import ASSIGNMENT, MARKED_FILES, REFERENCE


def derived_stubs():
    """{relative path: stub text} for every marked file, derived from the reference."""
    return {
        rel: derive_stub((REFERENCE / rel).read_text(), f"reference/{rel}")
        for rel in MARKED_FILES
    }


def stale_stubs(stubs=None):
    """Relative paths of the committed stubs that differ from what derivation gives."""
    stubs = derived_stubs() if stubs is None else stubs
    return [rel for rel, text in stubs.items()
            if not (ASSIGNMENT / rel).exists() or (ASSIGNMENT / rel).read_text() != text]


def write_stubs():
    """Rewrite the stale stubs; return their relative paths."""
    stubs = derived_stubs()
    stale = stale_stubs(stubs)
    for rel in stale:
        (ASSIGNMENT / rel).write_text(stubs[rel])
    return stale
