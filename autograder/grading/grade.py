"""Grading one submission: an ordered pipeline of small steps.

    read the files -> inspect them (integrity) -> start the sandbox (imports) ->
    run each case there and judge it here -> stop the sandbox and everything it started

The order matters at the end: results exist only after `stop()` has returned, so nothing
the student started is alive when they are written.
"""
import time

import numpy as np

from ..rubric.cases import HIDDEN, PUBLIC, selected_cases
from .compare import check_outputs, recognize_mistakes, self_check_advice
from ..rubric.fixtures import FIXTURES, load_fixture, split_fixture
from .integrity import inspect
from .results import CaseResult, SubmissionResult
from ..sandbox.limits import Limits
from ..sandbox.sandbox import Sandbox, WorkerFailed

NET_KINDS = ("net_init", "net_loss")


def source_file(kind):
    return "classifiers/cnn.py" if kind in NET_KINDS else "layers.py"


def grade_case(sandbox, graded, case, fixtures_dir):
    kind = case.kind or graded.kind
    result = CaseResult(graded.function, case.title, case.visibility, graded.case_points(case))
    inputs, expected, mistakes = split_fixture(load_fixture(graded, case, fixtures_dir))
    failed_import = sandbox.import_errors.get(source_file(kind))
    if failed_import:
        result.problem = f"your {source_file(kind)} could not be imported"
        result.traceback = failed_import
        return result
    arrays = {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
    params = {k: v for k, v in inputs.items() if not isinstance(v, np.ndarray)}
    request = {"kind": kind, "function": graded.function, "forward": graded.forward,
               "params": params, "order": list(case.inputs)}
    printed_from = sandbox.log_size()
    try:
        header, got = sandbox.run(request, arrays)
    except WorkerFailed as failure:
        result.problem = str(failure)
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
    return result


def grade_files(student, files, notes=(), visibilities=(PUBLIC, HIDDEN), functions=None,
                limits=Limits(), fixtures_dir=FIXTURES):
    """Grade {"layers.py": text, "classifiers/cnn.py": text} against the chosen cases."""
    started = time.monotonic()
    result = SubmissionResult(student, notes=list(notes), integrity=inspect(files))
    with Sandbox(files, limits) as sandbox:
        result.isolation = sandbox.protections  # what protected this run, filled in as it starts
        try:
            sandbox.start()
        except WorkerFailed as failure:  # the import itself hung or killed the process
            detail = f"{failure}\n{sandbox.output()}".strip()
            sandbox.import_errors = {rel: detail for rel in ("layers.py", "classifiers/cnn.py")}
        for graded, case in selected_cases(visibilities, functions):
            result.cases.append(grade_case(sandbox, graded, case, fixtures_dir))
        sandbox.stop()  # every process the student started is gone from here on
    result.execution_time = round(time.monotonic() - started, 3)
    return result
