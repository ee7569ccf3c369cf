"""Grading one submission: an ordered pipeline of small steps.

    read the files -> inspect them (integrity) and find missing functions ->
    start the sandbox (imports) -> run each case there and judge it here ->
    run the provided functions the files redefine -> stop the sandbox and all it started ->
    diagnose across cases (which fail together, and through which other function)

The order matters at the end: results exist only after `stop()` has returned, so nothing
the student started is alive when they are written.
"""
import time
from contextlib import nullcontext

import numpy as np

from ..rubric.cases import HIDDEN, PROVIDED, PUBLIC, RUBRIC, selected_cases
from .compare import check_outputs, recognize_mistakes, self_check_advice
from .diagnosis import diagnose_outputs, diagnose_submission
from ..rubric.fixtures import FIXTURES, FixturesAhead, split_fixture
from .integrity import defined_names, inspect, provided_redefinitions
from .results import CaseResult, SubmissionResult
from .triage import NOT_GRADED
from ..sandbox.limits import Limits
from ..sandbox.sandbox import Sandbox, TimedOut, WorkerFailed

NET_KINDS = ("net_init", "net_loss")


def source_file(kind):
    return "classifiers/cnn.py" if kind in NET_KINDS else "layers.py"


def missing_message(needed, graded):
    rel = source_file(graded.kind)
    return (f"`{needed}` is missing from {rel} — an older version of the assignment?"
            + ("" if needed == graded.function else f" `{graded.function}` needs its cache.")
            + " Its cases score 0.")


def missing_functions(files):
    """{function: why it cannot be graded} for the graded functions a present file lacks.

    Said once per function, instead of an AttributeError per case. A backward also needs its
    forward (its cache), so it is missing when its forward is."""
    present = {}
    for rel, text in files.items():
        # cnn.py's star imports bring layers, never the net, so they cannot hide a missing net.
        present[rel] = defined_names(text, star_imports_may_define=rel == "layers.py")
    why = {}
    for graded in RUBRIC:
        rel = source_file(graded.kind)
        names = present.get(rel)
        if names is None:  # the file is absent (noted already) or cannot be read statically
            continue
        for needed in (graded.function, graded.forward):
            if needed and needed not in names:
                why[graded.function] = missing_message(needed, graded)
                break
    return why


def request_for(graded, case, inputs, kind=None, function=None):
    """(request, arrays) for the worker: the arrays apart, the rest (params, G) in the header."""
    arrays = {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
    params = {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)}
    return {"kind": kind or case.kind or graded.kind, "function": function or graded.function,
            "forward": graded.forward, "params": params, "order": list(case.inputs)}, arrays


def grade_case(sandbox, graded, case, fixtures, hung=None):
    """One case run and judged (`fixtures`: a FixturesAhead). `hung` (a dict), when given,
    records the function's name and the case's title if the case did not finish within the
    time limit."""
    kind = case.kind or graded.kind
    result = CaseResult(graded.function, case.title, case.visibility, graded.case_points(case))
    inputs, expected, mistakes = split_fixture(fixtures.get(graded, case))
    failed_import = sandbox.import_errors.get(source_file(kind))
    if failed_import:
        result.problem = f"your {source_file(kind)} could not be imported"
        result.traceback = failed_import
        return result
    request, arrays = request_for(graded, case, inputs)
    params = request["params"]
    printed_from = sandbox.log_size()
    try:
        header, got = sandbox.run(request, arrays)
    except WorkerFailed as failure:
        result.problem = str(failure)
        if hung is not None and isinstance(failure, TimedOut):
            hung.setdefault(graded.function, f'its case "{case.title}"')
        return result
    finally:
        result.printed = sandbox.output(printed_from)
    if header.get("status") != "ok":
        result.problem = f"your code raised {header.get('error', 'an error')}"
        result.traceback = str(header.get("traceback", ""))
        return result
    result.checks = check_outputs(kind, got, header, expected, params, graded.tolerance)
    result.score = result.max_score * sum(c.passed for c in result.checks) / len(result.checks)
    result.mistakes = recognize_mistakes(result.checks, got, mistakes, graded.tolerance)
    result.advice = self_check_advice(got, inputs, result.checks)
    result.diagnoses = diagnose_outputs(kind, result.checks, got, expected, inputs,
                                        graded.tolerance, result.mistakes)
    return result


def provided_behaviour(sandbox, files, fixtures):
    """Integrity findings for the provided functions that layers.py defines (as every year's
    template does) and that behave otherwise than provided: judged by running them."""
    redefined = provided_redefinitions(files.get("layers.py", ""))
    findings = []
    for graded in PROVIDED:
        if graded.function not in redefined:
            continue
        for case in graded.cases:
            probe = grade_case(sandbox, graded, case, fixtures)  # worth 0: judge its checks
            same = not probe.problem and all(check.passed for check in probe.checks)
            if same or probe.problem.startswith("your layers.py could not be imported"):
                continue
            why = probe.problem or "; ".join(c.message for c in probe.checks if not c.passed)
            findings.append(f"layers.py, line {redefined[graded.function]}, in `{graded.function}`: "
                            f"this provided function was changed and now behaves differently "
                            f"({why}); the sandwich layers and the net use it: restore the provided one")
    return findings


def reached_fast_layers(reached):
    """Integrity findings for the provided fast layers a naive layer called while its cases
    ran (refused there, whatever the file's text hid: built strings, getattr, importlib)."""
    return [f"layers.py, in `{function}`: called the provided {', '.join(sorted(names))} while its "
            f"cases ran (refused); the naive layers must be your own loops"
            for function, names in sorted(reached.items())]


# -- a hang, in the self-check: waited out once, and blamed on the function that hangs ---------

def forward_hangs(sandbox, graded, case, fixtures):
    """Whether the forward that a backward case runs first hangs on the case's inputs, alone."""
    inputs, _, _ = split_fixture(fixtures.get(graded, case))
    request, arrays = request_for(graded, case, inputs, kind="forward", function=graded.forward)
    try:
        sandbox.run(request, arrays)
    except TimedOut:
        return True
    except WorkerFailed:
        return False  # it died otherwise: the case itself will say how
    return False


def hang_in_the_way(sandbox, graded, case, hung, probed, limits, fixtures):
    """Why this case is not run (its function, or the forward it runs first, hangs), or ''."""
    seconds = f"{limits.seconds_per_case:g} s"
    if graded.function in hung:
        return (f"not run: your {graded.function} did not finish within {seconds} on "
                f"{hung[graded.function]} (an infinite loop?): fix it first")
    forward = graded.forward
    if forward and forward not in hung and forward not in probed:
        probed.add(forward)
        if forward_hangs(sandbox, graded, case, fixtures):
            hung[forward] = f"the inputs of {graded.function}'s case \"{case.title}\""
    if forward in hung:
        return (f"{forward} hangs: fix it first (this case runs your {forward} and feeds its "
                f"cache to your {graded.function}; your {forward} did not finish within {seconds})")
    return ""


def missing_at_run_time(result, graded):
    """The `why` of missing_functions when a case found the function absent only when it ran
    (a file whose star imports hid what it defines), else None."""
    error = result.problem
    for needed in (graded.function, graded.forward):
        if needed and "AttributeError" in error and error.endswith(f"has no attribute '{needed}'"):
            return missing_message(needed, graded)
    return None


def not_run_case(graded, case, problem):
    result = CaseResult(graded.function, case.title, case.visibility, graded.case_points(case))
    result.problem = problem
    return result


def not_graded(student, state, why):
    """The result of a submission that was never graded (`state` of triage.NOT_GRADED): every
    case at zero so that reports still list them, but no total counts (triage.status)."""
    assert state in NOT_GRADED, state
    cases = [CaseResult(g.function, c.title, c.visibility, g.case_points(c), problem=why)
             for g, c in selected_cases((PUBLIC, HIDDEN))]
    return SubmissionResult(student, cases=cases, notes=[f"grading failed: {why}"], failure=state)


def missing_case(graded, case, why):
    return not_run_case(graded, case, why.split(" —")[0] + " (see the note at the top)")


def grade_files(student, files, notes=(), visibilities=(PUBLIC, HIDDEN), functions=None,
                limits=Limits(), fixtures_dir=FIXTURES, hung=None, sandbox=None):
    """Grade {"layers.py": text, "classifiers/cnn.py": text} against the chosen cases.

    `sandbox`: an entered Sandbox awaiting the files (its worker may be launched already),
    else one is made here.

    `hung` (the self-check gives a dict {}): once a function's case times out, its other cases
    and those of the backward fed its cache are not run, and a backward's forward is first run
    alone, so that a hang costs one time limit and is blamed on the function that hangs. It is
    left holding {function: on what it hung, in words}. Staff grading (None) runs every case: a function
    that hangs on one case may pass the others."""
    started = time.monotonic()
    probed = set()
    missing = missing_functions(files)
    notes = list(notes) + [why for function, why in missing.items()
                           if not functions or function in functions]
    result = SubmissionResult(student, notes=notes)
    with nullcontext(sandbox) if sandbox else Sandbox(limits=limits) as sandbox:
        result.isolation = sandbox.protections  # what protected this run, filled in as it starts
        # While the worker starts, this process reads the fixtures and the files' text.
        if sandbox.process is None:
            sandbox.launch()
        sandbox.submit(files)
        fixtures = FixturesAhead(selected_cases(visibilities, functions), fixtures_dir)
        result.integrity = inspect(files)
        try:
            sandbox.start()
        except WorkerFailed as failure:  # the import itself hung or killed the process
            detail = f"{failure}\n{sandbox.output()}".strip()
            sandbox.import_errors = {rel: detail for rel in ("layers.py", "classifiers/cnn.py")}
        for graded, case in selected_cases(visibilities, functions):
            if graded.function in missing:
                result.cases.append(missing_case(graded, case, missing[graded.function]))
                continue
            blocked = hung is not None and hang_in_the_way(sandbox, graded, case, hung, probed,
                                                           limits, fixtures)
            if blocked:
                result.cases.append(not_run_case(graded, case, blocked))
                continue
            graded_case = grade_case(sandbox, graded, case, fixtures, hung)
            probed.add(graded.function)  # run on its own: no need to probe it for a backward
            why = missing_at_run_time(graded_case, graded)
            if why:  # said once, like the ones found by reading the file
                missing[graded.function] = why
                result.notes.append(why)
                graded_case = missing_case(graded, case, why)
            result.cases.append(graded_case)
        if HIDDEN in visibilities:  # the probes' fixtures are the instructor's
            result.integrity += provided_behaviour(sandbox, files, fixtures)
        result.integrity += reached_fast_layers(sandbox.reached)
        sandbox.stop()  # every process the student started is gone from here on
    # After every case: which cases fail together, and which function fails through another.
    diagnose_submission(result, RUBRIC, files)
    result.execution_time = round(time.monotonic() - started, 3)
    return result
