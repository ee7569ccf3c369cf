"""What a person should know first about a graded submission: its status, the one thing to
fix, and the errors that many cases share (said once, not in every case).

The status is one of STATUSES: "graded" when every case ran and was judged; otherwise the
reason a person should look ("import failed": a file did not import, so its cases score 0;
"timed out": a case hit the time limit; "could not read": the submission is no readable
folder or zip; "grader failed": the grader itself stopped). The last two have no grade at
all: their total is empty, never 0.
"""
from collections import Counter
import re

GRADED, IMPORT_FAILED, TIMED_OUT = "graded", "import failed", "timed out"
COULD_NOT_READ, GRADER_FAILED = "could not read", "grader failed"
STATUSES = (GRADED, IMPORT_FAILED, TIMED_OUT, COULD_NOT_READ, GRADER_FAILED)
NOT_GRADED = (COULD_NOT_READ, GRADER_FAILED)  # no total: nothing was judged

TIMEOUT_WORDS = "did not finish within"
REPEATS = 2  # an error in this many cases or more is said once, at the top


def imported_badly(case):
    return case.problem.startswith("your ") and case.problem.endswith("could not be imported")


def timed_out(case):
    return TIMEOUT_WORDS in case.problem


def status(result):
    """The submission's status, of STATUSES."""
    if result.failure:
        return result.failure
    if any(imported_badly(case) for case in result.cases):
        return IMPORT_FAILED
    if any(timed_out(case) for case in result.cases):
        return TIMED_OUT
    return GRADED


def exception_part(traceback):
    """The exception's own lines of a traceback as the worker gives it: frames come indented
    (`  layers.py, line 3, in f`), the exception begins at the first line that is not."""
    lines = traceback.rstrip().splitlines()
    for number, line in enumerate(lines):
        if line and not line[0].isspace():
            return "\n".join(lines[number:])
    return ""


LOCATION = re.compile(r"^\s*(?P<file>[\w./-]+\.py), line (?P<line>\d+)(?:, in (?P<function>\w+))?")


def last_location(traceback):
    """`layers.py, line 12, in conv_forward_naive` of the innermost frame in a student file,
    or "" when the traceback names none."""
    found = [m for m in map(LOCATION.match, traceback.splitlines()) if m]
    if not found:
        return ""
    where = found[-1]
    return f"{where['file']}, line {where['line']}" + (
        f", in {where['function']}" if where["function"] else "")


def error_of(case):
    """What a failing case's error says, the part that repeats across cases ("" if none)."""
    if case.traceback:
        return exception_part(case.traceback) or case.traceback.strip()
    return case.problem.strip() if not case.checks else ""


def repeated_errors(result):
    """[(error, number of cases)] of the errors that REPEATS or more cases share, most first."""
    counts = Counter(error_of(case) for case in result.cases if not case.passed)
    counts.pop("", None)
    return [(error, n) for error, n in counts.most_common() if n >= REPEATS]


def first_line(text):
    return text.strip().splitlines()[0] if text.strip() else ""


def fix_first(result):
    """The one thing to fix first, in one line of plain text ("" when nothing stands out):
    the line a file fails to import on, the function that hangs, or an error many cases share."""
    state = status(result)
    if state in NOT_GRADED:
        return next((n for n in result.notes if n.startswith("grading failed")),
                    f"not graded ({state})")
    cases = [c for c in result.cases if not c.passed]
    broken = [c for c in cases if imported_badly(c)]
    if broken:
        case = broken[0]
        where = last_location(case.traceback) or case.problem[len("your "):-len(" could not be imported")]
        failing = sum(imported_badly(c) for c in cases)
        return (f"{where}: {first_line(exception_part(case.traceback)) or 'the import failed'}"
                f" — the file does not import, so {failing} cases score 0; fix this line first")
    hanging = Counter(c.function for c in cases if timed_out(c))
    if hanging:
        of = Counter(c.function for c in result.cases)
        words = "; ".join(f"`{f}` in {n} of {of[f]} cases" for f, n in hanging.most_common())
        limit = re.search(rf"{TIMEOUT_WORDS} ([\d.]+ s)", next(c.problem for c in cases if timed_out(c)))
        return (f"did not finish within {limit[1] if limit else 'the time limit'} (an infinite "
                f"loop?): {words}; a case that hangs scores 0")
    repeated = repeated_errors(result)
    if repeated:
        error, count = repeated[0]
        where = next((last_location(c.traceback) for c in cases if error_of(c) == error
                      and last_location(c.traceback)), "")
        return (f"{where + ': ' if where else ''}{first_line(error)} — {count} cases fail "
                "with this error")
    return ""


def reason(result):
    """One line for a person: the status and why (what `fix_first` says, or the notes)."""
    return f"{status(result)}: {fix_first(result) or '; '.join(result.notes) or 'see the report'}"
