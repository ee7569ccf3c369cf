"""A student's self-check: their own `assignment/` on the public cases, as a clear table.

`python -m autograder check` checks everything; the notebooks call `check("conv_forward_naive")`
for one function. The code runs in the same sandbox as real grading, so what passes here
passes there (on these cases). Then come further checks on shapes of our own that need no
expected value (further_checks.py), reported apart, as advice: they give no marks, but a backward
that disagrees with its own forward when windows overlap will lose marks on hidden cases.
Both print and return nothing, so that a notebook shows the table and no object after it.
"""
import difflib
import importlib
import inspect
import linecache
import sys

from ..rubric.cases import PUBLIC, RUBRIC
from ..rubric.fixtures import FixtureError
from ..grading.markers import integrity_problems, split_regions
from ..grading.grade import grade_files
from ..paths import ASSIGNMENT, MARKED_FILES, PRISTINE, REFERENCE
from ..sandbox.limits import Limits
from .further_checks import SKIPPED, run_further_checks
from .show import shown

FUNCTIONS = [graded.function for graded in RUBRIC]
LIMIT_SECONDS = Limits().seconds_per_case

NOT_IMPLEMENTED = "not implemented yet"


def where(function):
    file = "classifiers/cnn.py" if function == "ThreeLayerConvNet" else "layers.py"
    return f"assignment/{file}, between the START/END OF YOUR CODE markers of {function}"


def status(case):
    """pass | not implemented yet | fail."""
    if case.passed:
        return "pass"
    nothing = (any("is None" in c.message for c in case.checks)
               and not any(c.passed for c in case.checks))
    if nothing or "NoneType" in case.problem or "'NoneType'" in case.traceback:
        return NOT_IMPLEMENTED
    return "fail"


def own_files():
    return {rel: (ASSIGNMENT / rel).read_text() for rel in MARKED_FILES}


class UnknownFunction(ValueError):
    """A name that is not one of the graded functions."""


def known(functions):
    """The names, checked against the graded functions (a typo is an error that lists them)."""
    unknown = [f for f in functions if f not in FUNCTIONS]
    if unknown:
        hints = [f"{f!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(f, FUNCTIONS, 1))
                 else repr(f) for f in unknown]
        raise UnknownFunction(f"no graded function named {', '.join(hints)}; the graded functions are: "
                              + ", ".join(FUNCTIONS))
    return set(functions) or None


def run_checks(functions=None, hung=None):
    """The public cases; `hung` is filled with the functions that hang (see grade_files)."""
    try:
        return grade_files("your assignment/", own_files(), visibilities=(PUBLIC,), functions=functions,
                           hung={} if hung is None else hung)
    except FixtureError as error:  # (its own wording is for instructors)
        if REFERENCE.exists():
            raise  # an instructor's kit: `make fixtures` is theirs to run
        raise FixtureError("the public cases in autograder/rubric/fixtures/ do not match this copy of "
                           "the assignment (a file there was changed or is missing): download the "
                           "student bundle again, or ask your course staff") from error


def explain(case):
    """The lines a student reads about one case."""
    state = status(case)
    lines = [f"{state.upper():>20}  {case.name}"]
    if state == NOT_IMPLEMENTED:
        forward = next((g.forward for g in RUBRIC if g.function == case.function), None)
        lines.append(f"{'':>22}fill in {where(case.function)}"
                     + (f" (it is fed the cache of your {forward})" if forward else ""))
        return lines
    if case.problem:
        lines.append(f"{'':>22}{case.problem}")
        lines += [f"{'':>22}{t}" for t in case.traceback.splitlines()[-4:]]
    # The words first (what the mistake looks like), the numbers after.
    lines += [f"{'':>22}looks like a known mistake: {m}" for m in case.mistakes]
    lines += [f"{'':>22}Diagnosis: {d['text']}" for d in case.diagnoses]
    lines += [f"{'':>22}{'ok' if c.passed else 'x '} {c.message}" for c in case.checks]
    lines += [f"{'':>22}note: {a}" for a in case.advice]
    return lines


def print_findings(findings):
    """The further checks, apart from the public cases: what disagrees, in full; the rest counted;
    those skipped because a function hangs, in one line per function."""
    if not findings:
        return
    skipped = {}
    for f in findings:
        if f.state == "not run" and f.details[:1] == [SKIPPED]:
            skipped.setdefault(f.details[1], set()).add(f.function)
    for blocker, functions in skipped.items():
        print(f"\nFurther checks of {', '.join(sorted(functions))} skipped: your {blocker} hangs "
              f"(an infinite loop?); fix it first.")
    ran = [f for f in findings if f.state != "not run"]
    if not ran:
        if not skipped:
            print("\nFurther checks on shapes of our own (advice, not marks) run once these functions do.")
        return
    not_run = sum(f.state == "not run" and f.details[:1] != [SKIPPED] for f in findings)
    print(f"\nFurther checks on shapes of our own (no expected values; advice, not marks): "
          f"{sum(f.state == 'agrees' for f in ran)} of {len(ran)} agree"
          + (f", {not_run} not run (their public cases say why)" if not_run else ""))
    for finding in findings:
        if finding.state in ("disagrees", "hangs"):
            print(f"{'ADVICE':>20}  {finding.line()}")
    if any(f.state in ("disagrees", "hangs") for f in findings):
        print(f"{'':>22}Hidden cases use such shapes: fix these before you submit.")


def say_broken_markers():
    """First, what `make submit` would refuse: a marker line deleted or edited, with the
    function whose region it breaks and where the line goes back (grading itself goes on:
    it judges behaviour)."""
    files = own_files()
    broken = [p for rel in MARKED_FILES for p in integrity_problems(
        files[rel], (PRISTINE / rel).read_text(), f"assignment/{rel}") if p.startswith("markers: ")]
    for problem in broken:
        print(f"{'ERROR':>20}  {problem[len('markers: '):]}")
    if broken:
        print(f"{'':>22}make submit will not pack your files until the marker lines are back as they were.\n")


def check(*functions):
    """Check the named functions (all when none is named) and print what was found: in
    colour where a person reads it (a notebook, a terminal), plain text elsewhere."""
    chosen = known(functions)
    with shown():
        report_on(chosen)


def report_on(chosen):
    say_broken_markers()
    hung = {}
    result = run_checks(chosen, hung)
    for case in result.cases:
        print("\n".join(explain(case)))
    say_missing_limits(result)
    for line in result.integrity:
        print(f"{'WARNING':>20}  {line}")
    passed = sum(case.passed for case in result.cases)
    print(f"\n{passed} of {len(result.cases)} public cases pass.")
    print_findings(run_further_checks(own_files(), chosen, hung=hung))


def print_table():
    with shown():
        print_table_plainly()


def print_table_plainly():
    say_broken_markers()
    hung = {}
    result = run_checks(hung=hung)
    print(f"{'function':<30} {'public cases':>12}  status")
    for graded in RUBRIC:
        cases = [c for c in result.cases if c.function == graded.function]
        states = [status(c) for c in cases]
        overall = ("pass" if all(s == "pass" for s in states) else
                   NOT_IMPLEMENTED if all(s == NOT_IMPLEMENTED for s in states) else "fail")
        print(f"{graded.function:<30} {states.count('pass'):>5} of {len(cases):<4}  {overall}")
    for function, where in hung.items():
        print(f"\n{function} hangs: it did not finish within {LIMIT_SECONDS:g} s on {where} (an infinite "
              "loop?): fix it first; the functions fed its cache were not run.")
    say_missing_limits(result)
    for line in result.integrity:
        print(f"WARNING: {line}")
    print_findings(run_further_checks(own_files(), hung=hung))
    print("\nDetails of any function: in a notebook, or here, `python -m autograder check FUNCTION`.")


def is_stub(function):
    """Whether a region of this function (or class) in the student's files is still empty."""
    module = "assignment.classifiers.cnn" if function == "ThreeLayerConvNet" else "assignment.layers"
    code = getattr(importlib.import_module(module), function)
    linecache.checkcache(inspect.getsourcefile(code))  # the file may have been edited since
    regions = split_regions(inspect.getsource(code)).regions
    return any(all(line.strip() in ("", "pass") for line in region) for region in regions)


class implemented:
    """In a notebook cell: `with implemented("conv_forward_naive"): ...` runs the cell's code;
    if it fails while one of those functions is still a stub, it says so plainly (and where
    to fill it in) instead of showing a traceback. Other errors are raised as usual."""

    def __init__(self, *functions):
        self.functions = functions

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is None:
            return False
        if "matplotlib.pyplot" in sys.modules:  # no half-drawn figure below the message
            sys.modules["matplotlib.pyplot"].close("all")
        stubs = [f for f in self.functions if is_stub(f)]
        for function in stubs:
            print(f"{function} is {NOT_IMPLEMENTED}: fill it in {where(function)}, then run this cell again.")
        return bool(stubs)


# What a student's system may lack (isolation from classmates is the instructor's concern).
LIMITS = ("time limit", "memory limit", "output cap", "fresh state")


def say_missing_limits(result):
    """Plainly, what this system could not give the self-check (macOS, Windows, ...)."""
    for name in LIMITS:
        in_force, words = result.isolation.get(name, (True, ""))
        if not in_force:
            print(f"Note: on this computer the self-check runs with {words}.")
