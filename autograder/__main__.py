"""The autograder's command line: `python -m autograder VERB ...`, each verb a few lines that
call into a room. Staff grade with `grade`, `grade-all` and `export`; students run `check`.

Exit status: 0 whenever grading finished, whatever the score; 2 when it could not start
(a bad path or flag, stale fixtures). `python -m autograder VERB --help` says more.
"""
import argparse
import gc
import json
import os
import re
import sys
import textwrap
from contextlib import ExitStack
from dataclasses import fields
from pathlib import Path

from .escape.text import terminal, visible
from .paths import FIXTURES, REFERENCE, ROOT
from .sandbox.limits import Limits, check_due


class UsageError(ValueError):
    """The command line asks for something that cannot be done; the message says why."""


def version():
    """The kit's version, from pyproject.toml (or the installed metadata when it is absent)."""
    try:
        found = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
        if found:
            return found[1]
    except OSError:
        pass
    try:
        from importlib.metadata import version as installed
        return installed("convnet-layers-kit")
    except Exception:  # no metadata either: still answer
        return "unknown"


def positive(kind, what="a number"):
    """An argparse type: a number of this kind (int, float) that is more than 0."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} more than 0")
        return value
    parse.__name__ = kind.__name__  # what argparse names in its own messages
    return parse


# What each limit means, for --help (the names and defaults come from Limits itself).
LIMIT_HELP = {
    "seconds_per_case": "wall-clock seconds one case may take",
    "seconds_to_import": "seconds importing the student's files may take",
    "memory_mb": "memory the student's code may use, in MB",
    "output_kb": "what the student's code may print, in KB in all",
    "results_mb": "what one case may send back, in MB",
    "uid": "the unprivileged user student code runs as, when the grader is root",
}


def add_limits(parser):
    group = parser.add_argument_group("limits on student code (each must be more than 0)")
    for field in fields(Limits):
        flag = "--" + field.name.replace("_", "-")
        kind = type(field.default)
        group.add_argument(flag, type=positive(kind, "a whole number" if kind is int else "a number"),
                           default=field.default, help=LIMIT_HELP.get(field.name, field.name))


def limits_from(args):
    return Limits(**{f.name: getattr(args, f.name) for f in fields(Limits)})


def limit_args(args):
    """The limits as command-line words, to hand on to child graders (the uid is per child)."""
    words = []
    for field in fields(Limits):
        if field.name != "uid":
            words += ["--" + field.name.replace("_", "-"), str(getattr(args, field.name))]
    return words


def warn_reduced_isolation(results):
    """Never silent: what did not protect this run, on stderr. A submission never graded had
    no sandbox at all, which is said as that, not as a protection missing."""
    from .grading.report import isolation_words
    from .grading.triage import NOT_GRADED, status
    reduced = sorted({isolation_words(r) for r in results if status(r) not in NOT_GRADED} - {"full"})
    for words in reduced:
        print(f"warning: isolation {words}", file=sys.stderr)
    for result in results:
        if status(result) in NOT_GRADED:
            print(terminal(f"warning: {result.student}: {isolation_words(result)}"), file=sys.stderr)


# The grader compares arrays element by element: BLAS threads would only spin and contend.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def grade(args):
    """`args.sandbox`: entered and launched by main(), before anything else."""
    from .grading.grade import grade_files, not_graded
    from .grading.report import function_table, total_words, write_outputs
    from .grading.submission import SubmissionError, read_submission, student_name
    from .grading.triage import COULD_NOT_READ
    # One submission, then exit: the collector would only walk the arrays and results again
    # and again (a tenth of this process's time); what it would free is freed at exit.
    gc.disable()
    if not Path(args.submission).exists():
        raise UsageError(f"{args.submission}: no such file or folder")
    try:
        files, notes = read_submission(args.submission)
    except SubmissionError as error:
        if not args.json:  # alone, it is a usage error; in a class run, a row that says why
            raise
        result = not_graded(student_name(args.submission), COULD_NOT_READ, str(error))
        print(json.dumps(result.to_dict()))
        return 0
    result = grade_files(student_name(args.submission), files, notes, limits=limits_from(args),
                         sandbox=args.sandbox)
    if args.out:
        write_outputs(result, args.out)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print("\n".join(function_table(result)))
        print(f"{visible(result.student)}: {total_words(result)}" + (f" -> {args.out}" if args.out else ""))
    warn_reduced_isolation([result])
    return 0


def class_folder(path):
    """grade-all grades a folder; a zip is refused with what to do instead."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() == ".zip":
            raise UsageError(f"{path} is a zip file; grade-all takes a folder. If it is a class "
                             f"download (Canvas, Gradescope), unzip it and pass the folder: "
                             f"unzip {path} -d {path.with_suffix('')} && python -m autograder "
                             f"grade-all {path.with_suffix('')} --out DIR. If it is one student's "
                             f"submission, use: python -m autograder grade {path}")
        raise UsageError(f"{path} is a file; grade-all takes a folder of submissions")
    if not path.is_dir():
        raise UsageError(f"no folder {path}")
    return path


def late_policy_from(args):
    """The LatePolicy of --deadline, --late-penalty and --late-cap (None when none is given)."""
    from .course.late import LatePolicy, LatePolicyError, parse_time
    if args.deadline is None and args.late_penalty is None:
        return None
    try:
        deadline = parse_time(args.deadline, "--deadline") if args.deadline else None
        return LatePolicy(deadline, args.late_penalty or 0.0, args.late_cap)
    except LatePolicyError as error:
        raise UsageError(str(error)) from None


def grade_all(args):
    from .course.grade_all import grade_all as run
    class_folder(args.folder)
    against = args.against if (args.similarity or args.against) else None
    from .course.layouts import LayoutError
    from .course.written_points import WrittenError
    try:
        rows = run(args.folder, args.out, args.jobs, limit_args(args), base_uid=args.uid,
                   similarity_against=against, roster=args.roster,
                   late_policy=late_policy_from(args), fresh=args.fresh, written=args.written)
    except (LayoutError, WrittenError) as error:  # an unreadable class folder, roster or written.csv: nothing was graded
        print(f"error: {terminal(error)}", file=sys.stderr)
        return 2
    for row in rows:
        total = "  none" if row.result is None else (
            "      " if row.total is None else f"{row.total:6.2f}")  # never 0 for no grade
        flags = [f for f in row.values()["flags"].split(" | ") if f]
        # Names and flags are the students' own words: shown, never obeyed by the terminal.
        print(f"{visible(row.student):<30} {total}" + "".join(f"  [{visible(flag)}]" for flag in flags))
    print(f"gradebook: {args.out}/gradebook.csv, summary: {args.out}/summary.md")
    warn_reduced_isolation([row.result for row in rows if row.result])
    if against is not None:
        print(f"similarity: {args.out}/similarity.csv, {args.out}/similarity.html")
    return 0


def written(args):
    from .course.written_points import WrittenError
    from .written.build import build_written, note_lines
    class_folder(args.folder)
    try:
        students, answered = build_written(args.folder, args.out)
    except WrittenError as error:  # the written.csv already in --out cannot be read
        print(f"error: {error}", file=sys.stderr)
        return 2
    for key, count in answered.items():
        print(f"{key:<40} {count} of {len(students)} answered")
    for line in note_lines(students):
        print(f"note: {line}")
    print(f"written answers: {args.out}/written.html (score them there, then Download "
          f"written.csv); grade-all ... --written written.csv adds the points")
    return 0


def share(text):
    """An argparse type: a share of the class, in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share in (0, 1], e.g. 0.3")
    return value


def similarity(args):
    from .course.similarity import run_similarity
    matches, warnings, discounted = run_similarity(args.folder, args.out, args.against, args.cap,
                                                   args.top)
    for warning in warnings:
        print(f"warning: {visible(warning)}", file=sys.stderr)
    for line in discounted:
        print(line)
    shared = sum(1 for m in matches if m.shared)
    print(f"{shared} (pair, function) rows share code: {args.out}/similarity.csv, "
          f"{args.out}/similarity.html (a reason to look, not proof)")
    return 0


def check(args):
    from .student.check import UnknownFunction, check as check_functions, print_table
    try:
        if args.functions:
            check_functions(*args.functions)
        else:
            print_table()
    except UnknownFunction as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def fixtures(args):
    from .rubric.fixtures import write_fixtures
    manifest = write_fixtures()
    print(f"wrote {len(manifest)} fixtures and fixtures/manifest.json")
    return 0


def stubs(args):
    from .kit.stubs import write_stubs
    written = write_stubs()
    print("rewrote " + ", ".join(written) if written else "stubs are up to date")
    return 0


def bench(args):
    from .kit import bench, bench_grading
    bench.main([])
    return bench_grading.main()


def examples(args):
    from .kit.examples import write_examples
    written = write_examples()
    print("rewrote submissions/" + ", submissions/".join(written) if written else "examples are up to date")
    return 0


def release(args):
    from .kit.release import build_release
    print(f"student bundle: {build_release()}")
    return 0


def gradescope(args):
    from .kit.gradescope import build_autograder_zip
    print(f"Gradescope autograder: {build_autograder_zip()}")
    return 0


def prairielearn(args):
    from .kit.prairielearn import build_prairielearn
    print(f"PrairieLearn question and course files: {build_prairielearn()}")
    return 0


def submit(args):
    from .student.submit import build_submission
    return build_submission()


def notebooks(args):
    from .kit.notebooks import run_notebooks
    return run_notebooks()


def export(args):
    from .course import export as exports
    try:
        if args.target == "canvas":
            outcome = exports.export_canvas(args.grades, args.gradebook, args.out, args.column,
                                            args.missing_as_zero, args.scale)
        elif args.target == "moodle":
            outcome = exports.export_moodle(args.grades, args.out, args.column, args.missing_as_zero)
        else:
            outcome = exports.export_long(args.grades, args.out, args.missing_as_zero)
    except exports.ExportError as error:
        raise UsageError(str(error)) from None
    for warning in outcome.warnings:
        print(f"warning: {visible(warning)}", file=sys.stderr)
    print(outcome.summary(args.out))
    return 0


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written (examples keep their lines), and every real default shown."""

    def _get_help_string(self, action):
        shown = (action.option_strings and action.default not in (None, False, argparse.SUPPRESS)
                 and action.default != [])
        return action.help + (" (default: %(default)s)" if shown else "")


def paragraphs(text):
    """Wrap prose to the terminal's usual width; indented lines (examples) stay as written."""
    return "\n\n".join(part if part.startswith("  ") else textwrap.fill(part, 88)
                        for part in text.split("\n\n"))


def add_verb(verbs, name, run, text, description=None):
    """A verb: `text` is its line in the list of verbs, `description` its --help."""
    description = description or text[0].upper() + text[1:] + "."
    parser = verbs.add_parser(name, help=text, description=paragraphs(description),
                              formatter_class=HelpFormatter)
    parser.set_defaults(run=run)
    return parser


def add_export(verbs):
    exporter = add_verb(verbs, "export", None, "write grade-all's gradebook in an LMS's import format",
                        "Write grade-all's gradebook.csv in the format another system imports.\n\n"
                        "  python -m autograder export canvas GRADES --gradebook EXPORT.csv --out IMPORT.csv\n"
                        "  python -m autograder export moodle GRADES --out IMPORT.csv\n"
                        "  python -m autograder export long GRADES --out GRADES.csv\n\n"
                        "GRADES is the folder grade-all wrote (or its gradebook.csv). Students "
                        "without a grade are left blank unless --missing-as-zero; a submission "
                        "the grader failed on is never exported as 0 (it is listed instead).")
    targets = exporter.add_subparsers(dest="target", required=True, metavar="TARGET")
    canvas = add_verb(targets, "canvas", export, "Canvas: fill the assignment's column of its gradebook export",
                      "Fill one assignment's column of the gradebook CSV that Canvas exports "
                      "(Grades > Export > Export Entire Gradebook) and write the file to import "
                      "(Grades > Import). Students are matched by Canvas user id, then SIS User "
                      "ID, then SIS Login ID (or email), then the name their submission was "
                      "graded under. The file keeps Canvas's student columns and Points "
                      "Possible row and the one assignment column; Canvas's read-only totals "
                      "and the other assignments are left out (Canvas's importer skips them, "
                      "and leaving them out cannot undo a change made in Canvas since the "
                      "export).")
    moodle = add_verb(targets, "moodle", export, "Moodle: identifier columns and one grade column",
                      "Write a CSV for Moodle's Grades > Import > CSV file: columns Email "
                      "address, ID number, Username and one grade column; map one identifier "
                      "and the grade column to your grade item in Moodle. Students without a "
                      "grade are left out. Moodle refuses the whole file if one identifier "
                      "matches nobody: map the column that every row has.")
    long = add_verb(targets, "long", export, "one row per student: student, id, email, score, max, late, status")
    for parser in (canvas, moodle, long):
        parser.add_argument("grades", metavar="GRADES", help="the folder grade-all wrote, or its gradebook.csv")
        parser.add_argument("--out", required=True, help="the CSV file to write")
        parser.add_argument("--missing-as-zero", action="store_true",
                            help="give 0 to students who submitted nothing (never to failed gradings)")
    canvas.add_argument("--gradebook", required=True, metavar="EXPORT.csv",
                        help="the gradebook CSV Canvas exported")
    canvas.add_argument("--column", metavar="NAME",
                        help="the assignment column, by title or id (needed only when the export "
                             "has several and none names this kit)")
    canvas.add_argument("--scale", action="store_true",
                        help="convert scores to the Canvas assignment's points when they differ")
    moodle.add_argument("--column", default="Grade", metavar="NAME", help="the grade column's name")


STUDENT_VERBS = ("check", "submit")
STUDENT_HELP = """Check your assignment and pack it for submission, from your student folder.

  python -m autograder check                 every graded function: pass, fail or not implemented yet
  python -m autograder check FUNCTION ...    what the public cases found, in detail (as in the notebooks)
  python -m autograder submit                pack your files and notebooks into submission.zip

`make check` and `make submit` run the same. Exit status: 0 when the check ran, whatever it found.
"""


def in_student_bundle():
    """The student bundle holds the public cases only."""
    return not (FIXTURES / "hidden").exists()


def build_parser(student=None):
    """The command line; in the student bundle (`student`, by default when it is one) --help
    lists the student's verbs only, in their words (the others still answer, in one line)."""
    student = in_student_bundle() if student is None else student
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description=STUDENT_HELP if student else __doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    one = add_verb(verbs, "grade", grade, "grade one submission (a folder or a .zip)",
                   "Grade one submission: a folder or a .zip holding layers.py and cnn.py at any "
                   "depth. Prints the score per function with the cases that failed; with --out, "
                   "writes results.json (Gradescope's format) and report.md there.")
    one.add_argument("submission", help="a folder or a .zip")
    one.add_argument("--out", help="folder for results.json and report.md (none: print only)")
    one.add_argument("--json", action="store_true", help="print the full result as JSON instead")
    add_limits(one)

    many = add_verb(verbs, "grade-all", grade_all, "grade every submission in a folder",
                    "Grade every submission in FOLDER (a folder; unzip a class download first), "
                    "each in its own sandboxed process, and write per-student results.json and "
                    "report.md, gradebook.csv and summary.md/.png into --out.")
    many.add_argument("folder", help="the class: a folder of submissions")
    many.add_argument("--out", required=True, help="folder for the gradebook and reports")
    many.add_argument("-j", "--jobs", type=positive(int, "a whole number"), default=2,
                      help="submissions graded at once (at most the number of cores)")
    many.add_argument("--roster", metavar="CSV",
                      help="the class list (name/login/id/email columns; Canvas's and "
                           "Gradescope's exports as they are): adds a row for who submitted nothing")
    many.add_argument("--written", metavar="CSV",
                      help="written.csv (from `written`): adds the written answers' points "
                           "per question and to the total")
    many.add_argument("--similarity", action="store_true",
                      help="also compare the class function by function (see `similarity`)")
    many.add_argument("--against", action="append", default=[], metavar="FOLDER",
                      help="with --similarity, also compare with FOLDER's submissions")
    many.add_argument("--fresh", action="store_true",
                      help="grade every submission again, even those whose results are cached "
                           "in --out from an earlier run with the same files, rubric and limits")
    late = many.add_argument_group("late work (days late are rounded up: a minute late is a day)")
    late.add_argument("--deadline", metavar="WHEN",
                      help="e.g. 2026-11-20T23:59-08:00 (without a zone: this machine's); "
                           "Gradescope's submission times are held against it")
    late.add_argument("--late-penalty", type=float, metavar="PERCENT_PER_DAY",
                      help="percent of the score taken per day late (Canvas's _LATE_ files, "
                           "whose time is unknown, count as 1 day)")
    late.add_argument("--late-cap", type=float, default=100.0, metavar="PERCENT",
                      help="the most a late penalty takes, in percent (default 100)")
    add_limits(many)

    alike = add_verb(verbs, "similarity", similarity, "who shares code with whom, function by function",
                     "Compare the class's submissions function by function (the starter code and "
                     "what most of the class writes discounted) into similarity.csv and "
                     "similarity.html: a reason to look, not proof.")
    alike.add_argument("folder", help="the class: a folder of submissions")
    alike.add_argument("--out", required=True, help="folder for similarity.csv and .html")
    alike.add_argument("--against", action="append", default=[], metavar="FOLDER",
                       help="also compare with every submission in FOLDER (repeatable)")
    alike.add_argument("--cap", type=share, default=0.3,
                       help="ignore fragments found in more than this share of the class")
    alike.add_argument("--top", type=positive(int, "a whole number"), default=30,
                       help="pairs shown side by side")

    add_export(verbs)

    marking = add_verb(verbs, "written", written, "the written answers on one page, to score by hand",
                       "Read every submission's notebooks (any layout grade-all reads) into "
                       "DIR/written.html, one Inline Question at a time across the class with "
                       "its marking guide, and DIR/written.csv (student, question, points, max, "
                       "comment). Score in the page and Download written.csv (or edit the CSV "
                       "in a spreadsheet), then: grade-all CLASS --out DIR --written written.csv. "
                       "Made again into the same DIR, it keeps the points already in its written.csv.")
    marking.add_argument("folder", help="the class: a folder of submissions")
    marking.add_argument("--out", required=True, help="folder for written.html and written.csv")

    own = add_verb(verbs, "check", check, "check your own assignment/ on the public cases",
                   "Run your assignment/ on the public cases, in the grader's sandbox: a table of "
                   "every function, or the details of the functions you name.")
    own.add_argument("functions", nargs="*", help="only these functions, with details")

    for name, run, text in [
        ("fixtures", fixtures, "regenerate the fixtures from the reference"),
        ("stubs", stubs, "derive the assignment/ stubs from reference/"),
        ("examples", examples, "rebuild the example submissions in submissions/ from the reference"),
        ("release", release, "build dist/student/ and dist/student.zip"),
        ("gradescope", gradescope, "build dist/autograder.zip (upload it to Gradescope)"),
        ("prairielearn", prairielearn, "build dist/prairielearn/ (a question and its serverFilesCourse)"),
        ("notebooks", notebooks, "execute every notebook against the reference"),
        ("bench", bench, "time the fast layers against torch and the naive ones"),
        ("submit", submit, "pack your layers.py, cnn.py and notebooks into submission.zip"),
    ]:
        add_verb(verbs, name, run, text)
    if student:  # argparse has no public way to hide a verb from the list: keep the students'
        verbs._choices_actions = [a for a in verbs._choices_actions if a.dest in STUDENT_VERBS]
    return parser


def main(argv=None, forkable=False):
    """`forkable`: this process has read nothing a student may not see (a grader forked by the
    class run's warm process): `grade`'s first worker may be forked from it (Sandbox.launch)."""
    args = build_parser().parse_args(argv)
    if args.verb in ("grade", "grade-all", "check"):
        for name, value in SINGLE_THREADED.items():
            os.environ.setdefault(name, value)  # before numpy is first imported
    args.sandbox = None
    with ExitStack() as stack:
        # `grade`'s worker starts Python and numpy while we start ours; not where the
        # reference is graded first (two sandboxes of one uid lease would stop each other).
        if args.verb == "grade" and not check_due(limits_from(args), REFERENCE.exists()):
            from .sandbox.sandbox import Sandbox
            args.sandbox = stack.enter_context(Sandbox(limits=limits_from(args)))
            args.sandbox.launch(fork=forkable)  # before any fixture is read: see checked_run
        return checked_run(args)


def checked_run(args):
    """args.run(args), after the checks every grading needs; the errors users make, said."""
    from .rubric.fixtures import FIXTURES, FixtureError, check_made_from_current_sources
    from .grading.submission import SubmissionError
    from .grading.limits_check import LimitsTooLow, refuse_limits_too_low
    try:
        if args.verb in ("grade", "grade-all"):
            if not (FIXTURES / "hidden").exists():  # the student bundle: no hidden cases here
                print(f"error: `{args.verb}` needs the hidden cases, which only the course staff have: "
                      "check your own work with `python -m autograder check`", file=sys.stderr)
                return 2
            check_made_from_current_sources()  # never grade against an older rubric's values
            refuse_limits_too_low(limits_from(args))  # blame the limits, not the students
        return args.run(args)
    except (FixtureError, SubmissionError, UsageError, FileNotFoundError,
            NotADirectoryError, LimitsTooLow) as error:
        print(f"error: {terminal(error)}", file=sys.stderr)  # may name a student's file
        return 2
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(("autograder.", "reference")):
            raise
        print(f"error: `{args.verb}` is an instructor's command, not part of the student bundle",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
