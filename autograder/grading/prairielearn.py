"""Grading on PrairieLearn: /grade as PrairieLearn lays it out, into /grade/results/results.json.

PrairieLearn runs the bundle's `run_grader` in its `prairielearn/grader-python` container, as
root and without network, with the student's uploads in /grade/student/ (layers.py, cnn.py
or submission.zip, under the names they were uploaded with). PL_GRADE_ROOT stands in for
/grade off PrairieLearn. What this module decides:

- Students read `message`, `output` and each test's `name`, `message` and `output`
  (pl-external-grader-results). Message and output go through ansi2html, which escapes &, <
  and > itself and obeys terminal escape codes: so they are made visible here
  (escape.text.terminal: ESC, bidi and other acting characters shown as <U+001B>), never
  HTML-escaped a second time (a student would read `&lt;`).
- A hidden case shows its name, its points and whether it passed, nothing more; its details
  (errors, shapes, hints, printed output) go to stdout, the grading job's log, which
  PrairieLearn shows course staff only.
- `score` is the tests' points over their max_points, so that it is what PrairieLearn adds up.
- A submission that cannot be graded (neither file, an unreadable zip, a file that does not
  parse) is `gradable: false` with `format_errors` saying what to upload: no attempt charged.
  So is a grader that cannot run (a package missing from the image, stale fixtures, a bug):
  the message says it is not the student's fault and the job log says why.
- Limits: the kit's, with the time per case lowered where every case timing out would not
  fit in PrairieLearn's 600 s; an alarm stops grading before PrairieLearn kills the container.
- results.json stays under 1 MB: texts are cut, shorter and shorter until it fits.

Standard library only until missing_packages() has answered: a missing numpy must become a
results.json that names it, not a traceback.
"""
import ast
import json
import math
import os
import signal
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from ..escape.text import terminal, visible
from ..rubric.cases import HIDDEN, PROVIDED, PUBLIC, selected_cases
from ..sandbox.limits import Limits
from .needs import missing_packages
from .report import case_tests, function_table, markdown_report, submission_summary

GRADE_ROOT = "PL_GRADE_ROOT"
MAX_RESULTS_BYTES = 1_000_000   # PrairieLearn's limit on results.json
MAX_LOG_CHARS = 500_000         # the staff report printed into the job's log
PL_MAX_TIMEOUT = 600            # PrairieLearn refuses a longer externalGradingOptions.timeout
STARTUP_SECONDS = 30            # Python, imports, fixtures, results: everything but the cases
WORKER_MARGIN = 5.0             # sandbox.MARGIN: how long the grader waits for a hung worker
SECONDS_PER_CASE_OVERHEAD = 0.5 # the fixture, the fork, the checks around each case
STOP_BEFORE = 10                # seconds left, at the alarm, to stop the sandbox and write
CUTS = (8000, 3000, 1000, 300, 0)  # characters kept per text, tried in turn until it fits
STUDENT = "your submission"
UPLOADS = ("layers.py", "cnn.py", "submission.zip")
WHAT_TO_UPLOAD = ("Upload your layers.py and cnn.py (assignment/layers.py and "
                  "assignment/classifiers/cnn.py) as they are, or the submission.zip that "
                  "`make submit` made.")
NOT_YOUR_FAULT = ("The grader could not grade this submission, and it is not your fault: no "
                  "attempt was charged. Please tell the course staff (they will find why in "
                  "this grading job's log).")
HIDDEN_DESCRIPTION = "hidden case: its result counts; its details are kept by the course staff"
PUBLIC_DESCRIPTION = "public case: the same as in your self-check (make check)"


class GradingTimedOut(BaseException):
    """The alarm rang: grading would not finish within PrairieLearn's timeout. (Not an
    Exception, so that no `except Exception` on the way can swallow it.)"""


# -- time ------------------------------------------------------------------------------------

def graded_case_count():
    """Every case a grading may run: the rubric's, and the probes of redefined provided functions."""
    return (len(list(selected_cases((PUBLIC, HIDDEN), None)))
            + sum(len(graded.cases) for graded in PROVIDED))


def worst_case_seconds(limits, cases=None):
    """How long grading takes when every case runs into its time limit."""
    cases = graded_case_count() if cases is None else cases
    return (STARTUP_SECONDS + limits.seconds_to_import + WORKER_MARGIN
            + cases * (limits.seconds_per_case + SECONDS_PER_CASE_OVERHEAD))


def fitted_limits(limits=Limits(), most=PL_MAX_TIMEOUT):
    """The kit's limits, with less time per case where the worst case would not fit in `most`."""
    if worst_case_seconds(limits) <= most:
        return limits
    cases = graded_case_count()
    room = (most - STARTUP_SECONDS - limits.seconds_to_import - WORKER_MARGIN) / cases
    return replace(limits, seconds_per_case=math.floor((room - SECONDS_PER_CASE_OVERHEAD) * 10) / 10)


def timeout_seconds(limits=None):
    """externalGradingOptions.timeout: the worst case under the fitted limits, whole seconds."""
    return min(PL_MAX_TIMEOUT, math.ceil(worst_case_seconds(limits or fitted_limits())))


# -- what students read ----------------------------------------------------------------------

def cut(text, most):
    """`text` made visible (newlines kept) and cut to `most` characters, saying so. Cut before
    it is made visible, so that a huge text costs no more than `most` characters' work."""
    text = str(text)
    shown = terminal(text[:most + 1])
    if len(shown) <= most:
        return shown
    return shown[:most] + f"\n... (cut: {len(text)} characters in all)"


def protection_lines(result):
    """What protected the run of the student's code, in force or not: never silent."""
    lines = ["What protected your code's run:"]
    lines += [f"- {name}: {words}" for name, (on, words) in result.isolation.items() if on]
    lines += [f"- NOT in force: {name}: {words}" for name, (on, words) in result.isolation.items() if not on]
    if not result.isolation:
        lines.append("- unknown: the sandbox did not start")
    network = container_network()
    if network:
        lines.append(f"- {network}")
    return lines


def container_network(net=Path("/sys/class/net")):
    """The network this container has, read from the kernel ("" when it cannot say)."""
    try:
        interfaces = sorted(p.name for p in net.iterdir() if p.name != "lo")
    except OSError:
        return ""
    if not interfaces:
        return "no network: the container has no interface but loopback"
    return (f"network interfaces present ({', '.join(interfaces)}): on PrairieLearn that means "
            "enableNetworking is on")


def results_message(result, tests, most):
    """The submission's summary, the named mistakes and diagnoses of the public cases, what
    is hidden, and what protected the run."""
    lines = [submission_summary(result), ""]
    hinted = [test for test in tests if test.hints and test.visibility != HIDDEN]
    if hinted:
        lines.append("Named mistakes and diagnoses (open a test below for its details):")
        for test in hinted:
            lines.append(f"{test.name}")
            lines += ["  " + hint.strip() for hint in test.hints]
        lines.append("")
    hidden = [test for test in tests if test.visibility == HIDDEN]
    if hidden:
        lines.append(f"{len(hidden)} hidden cases ({round(sum(t.points for t in hidden), 2):g} of "
                     f"{round(sum(t.max_points for t in hidden), 2):g} points): you see their names and "
                     "points; their details stay with the course staff.")
        lines.append("")
    lines += protection_lines(result)
    return cut("\n".join(lines), most * 4)


def test_entry(test, most):
    if test.visibility == HIDDEN:
        return {"name": visible(test.name), "description": HIDDEN_DESCRIPTION,
                "points": test.points, "max_points": test.max_points, "message": "",
                "output": ("passed" if test.passed else "failed")
                + " (a hidden case: only its result is shown)"}
    return {"name": visible(test.name), "description": PUBLIC_DESCRIPTION,
            "points": test.points, "max_points": test.max_points,
            "message": cut("\n".join(hint.strip() for hint in test.hints), most),
            "output": cut(test.feedback, most)}


def prairielearn_results(result, most=CUTS[0]):
    """The results.json dict in PrairieLearn's schema, texts cut to `most` characters each."""
    tests = case_tests(result)
    entries = [test_entry(test, most) for test in tests]
    points = sum(e["points"] for e in entries)
    max_points = sum(e["max_points"] for e in entries)
    return {
        "gradable": True,
        "score": min(1.0, max(0.0, points / max_points)) if max_points else 0.0,
        "message": results_message(result, tests, most),
        "output": cut("\n".join(function_table(result)), most * 4),
        "tests": entries,
    }


def not_gradable(format_errors, message=""):
    """A submission marked invalid: no points, no attempt charged, `format_errors` say why."""
    return {"gradable": False, "score": 0.0,
            "format_errors": [cut(error, 2000) for error in format_errors],
            "message": cut(message, 8000), "output": "", "tests": []}


def encoded(results):
    return json.dumps(results, indent=1) + "\n"


def within_size(build):
    """The text of build(most) for the longest cut in CUTS whose results.json fits."""
    for most in CUTS:
        text = encoded(build(most))
        if len(text.encode()) <= MAX_RESULTS_BYTES:
            return text
    return encoded(not_gradable(["The results were too large to report."], NOT_YOUR_FAULT))


# -- the uploads -----------------------------------------------------------------------------

def submission_path(student):
    """(what to grade in /grade/student, format errors): the loose files, else the one zip."""
    if not student.is_dir() or not any(p.is_file() for p in student.rglob("*")):
        return None, [f"Nothing was uploaded. {WHAT_TO_UPLOAD}"]
    if any(student.rglob("layers.py")) or any(student.rglob("cnn.py")):
        return student, []
    zips = sorted(p for p in student.rglob("*") if p.suffix.lower() == ".zip" and p.is_file())
    if len(zips) == 1:
        return zips[0], []
    if len(zips) > 1:
        named = [p for p in zips if p.name == "submission.zip"]
        if len(named) == 1:
            return named[0], []
        return None, ["Several zip files were uploaded: upload one, the submission.zip that "
                      "`make submit` made, or layers.py and cnn.py themselves."]
    return None, [f"Neither layers.py nor cnn.py was uploaded. {WHAT_TO_UPLOAD}"]


def parse_errors(files):
    """A format error for every file Python cannot parse (it could not be imported either)."""
    errors = []
    for rel, text in files.items():
        name = Path(rel).name
        try:
            ast.parse(text, name)
        except SyntaxError as error:
            errors.append(f"{name} does not parse: line {error.lineno}: {error.msg}. Fix it (run "
                          f"the file or your notebook) and upload it again.")
        except ValueError as error:  # null bytes
            errors.append(f"{name} is not a Python file ({error}): upload the .py file itself.")
    return errors


def read_uploads(student):
    """(files, notes, format errors) from /grade/student."""
    from .submission import SubmissionError, read_submission
    path, errors = submission_path(student)
    if errors:
        return {}, [], errors
    try:
        files, notes = read_submission(path)
    except SubmissionError:
        return {}, [], [f"{path.name} is not a zip file that can be read. {WHAT_TO_UPLOAD}"]
    if not files:
        where = path.name if path.is_file() else "your upload"
        return {}, [], [f"Neither layers.py nor cnn.py is in {where}. {WHAT_TO_UPLOAD}"]
    if path.is_dir():
        notes += [f"{zip_file.name} was not graded: the .py files uploaded beside it were"
                  for zip_file in sorted(path.rglob("*.zip"))]
    return files, notes, parse_errors(files)


# -- one grading job -------------------------------------------------------------------------

def log(text):
    """Into the grading job's log: course staff read it, students never do."""
    print(text[:MAX_LOG_CHARS], flush=True)


def grade_root(root, limits=None):
    """The results.json text for the job laid out under `root` (PrairieLearn's /grade)."""
    missing = missing_packages()
    if missing:
        log(f"missing Python packages in this image: {', '.join(missing)}")
        return encoded(not_gradable(
            [NOT_YOUR_FAULT],
            f"The grader needs the Python package{'s' * (len(missing) > 1)} "
            f"{', '.join(missing)}, which this grader image lacks (it has no network to install "
            f"them). Course staff: use an image that has them (see the kit's README, PrairieLearn)."))
    from ..rubric.fixtures import FixtureError, check_made_from_current_sources
    try:
        check_made_from_current_sources()
    except FixtureError as error:
        log(f"stale fixtures: {error}")
        return encoded(not_gradable([NOT_YOUR_FAULT], "The grader's expected values are out of "
                                    "date. Course staff: run `make prairielearn` again and "
                                    "copy serverFilesCourse/ into the course."))
    files, notes, errors = read_uploads(Path(root) / "student")
    if errors:
        return encoded(not_gradable(errors))
    from .grade import grade_files
    result = grade_files(STUDENT, files, notes, limits=limits or fitted_limits())
    log(markdown_report(result))  # everything, hidden cases' details included: for staff
    return within_size(lambda most: prairielearn_results(result, most))


def on_alarm(signum, frame):
    raise GradingTimedOut()


def main(environ=os.environ):
    """Grade the job under PL_GRADE_ROOT (else /grade) and write results/results.json; 0 always."""
    started = time.monotonic()
    root = Path(environ.get(GRADE_ROOT) or "/grade")
    limits = None
    try:
        limits = fitted_limits()
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(max(1, timeout_seconds(limits) - STOP_BEFORE))
        text = grade_root(root, limits)
    except GradingTimedOut:  # the sandbox stopped everything it started on the way out
        log(f"grading stopped after {time.monotonic() - started:.0f} s, before PrairieLearn's timeout")
        text = encoded(not_gradable(
            [f"Grading took longer than the {timeout_seconds(limits)} s PrairieLearn allows and "
             "was stopped: no attempt was charged. Does your code loop forever on some inputs? "
             "Run `make check` and your notebooks."]))
    except Exception:  # the grader never crashes: results.json always says what happened
        log(traceback.format_exc())
        text = encoded(not_gradable([NOT_YOUR_FAULT], NOT_YOUR_FAULT))
    finally:
        signal.alarm(0)
    results = root / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "results.json").write_text(text)
    log(f"results: {results / 'results.json'} ({len(text.encode())} bytes, "
        f"{time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
