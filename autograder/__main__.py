"""The command line: `python -m autograder VERB ...`; each verb lives in the module of its name.

Exit status: 0 whenever grading finished, whatever the score; 2 when it could not start
(a bad path, missing fixtures).
"""
import argparse
import json
import os
import sys
from dataclasses import fields

from .sandbox.limits import Limits


def add_limits(parser):
    group = parser.add_argument_group("limits on student code")
    for field in fields(Limits):
        flag = "--" + field.name.replace("_", "-")
        group.add_argument(flag, type=type(field.default), default=field.default,
                           help=f"default {field.default}")


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
    """Never silent: what did not protect this run, on stderr."""
    from .grading.report import isolation_words
    reduced = sorted({isolation_words(r) for r in results} - {"full"})
    for words in reduced:
        print(f"warning: isolation {words}", file=sys.stderr)


# The grader compares arrays element by element: BLAS threads would only spin and contend.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def grade(args):
    from .grading.grade import grade_files
    from .grading.report import write_outputs
    from .grading.submission import read_submission, student_name
    files, notes = read_submission(args.submission)
    result = grade_files(student_name(args.submission), files, notes, limits=limits_from(args))
    if args.out:
        write_outputs(result, args.out)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(f"{result.student}: {result.score:g} / {result.max_score:g}"
              + (f" -> {args.out}" if args.out else ""))
    warn_reduced_isolation([result])
    return 0


def grade_all(args):
    from .course.grade_all import grade_all as run
    against = args.against if (args.similarity or args.against) else None
    results = run(args.folder, args.out, args.jobs, limit_args(args), base_uid=args.uid,
                  similarity_against=against)
    for result in results:
        print(f"{result.student:<30} {result.score:6.2f}")
    print(f"gradebook: {args.out}/gradebook.csv, summary: {args.out}/summary.md")
    warn_reduced_isolation(results)
    if against is not None:
        print(f"similarity: {args.out}/similarity.csv, {args.out}/similarity.html")
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
    matches, warnings = run_similarity(args.folder, args.out, args.against, args.cap, args.top)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{sum(1 for m in matches if m.shared)} pairs share code: {args.out}/similarity.csv, "
          f"{args.out}/similarity.html (a reason to look, not proof)")
    return 0


def check(args):
    from .student.check import check as check_functions, print_table
    if args.functions:
        check_functions(*args.functions)
    else:
        print_table()
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


def release(args):
    from .kit.release import build_release
    print(f"student bundle: {build_release()}")
    return 0


def gradescope(args):
    from .kit.gradescope import build_autograder_zip
    print(f"Gradescope autograder: {build_autograder_zip()}")
    return 0


def submit(args):
    from .student.submit import build_submission
    return build_submission()


def notebooks(args):
    from .kit.notebooks import run_notebooks
    return run_notebooks()


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    one = verbs.add_parser("grade", help="grade one submission (a folder or a .zip)")
    one.add_argument("submission")
    one.add_argument("--out", help="folder for results.json and report.md")
    one.add_argument("--json", action="store_true", help="print the full result as JSON")
    add_limits(one)
    one.set_defaults(run=grade)

    many = verbs.add_parser("grade-all", help="grade every submission in a folder")
    many.add_argument("folder")
    many.add_argument("--out", required=True, help="folder for the gradebook and reports")
    many.add_argument("-j", "--jobs", type=int, default=2, help="submissions graded at once")
    many.add_argument("--similarity", action="store_true",
                      help="also compare the class function by function (see `similarity`)")
    many.add_argument("--against", action="append", default=[], metavar="FOLDER",
                      help="with --similarity, also compare with FOLDER's submissions")
    add_limits(many)
    many.set_defaults(run=grade_all)

    alike = verbs.add_parser("similarity", help="who shares code with whom, function by function")
    alike.add_argument("folder", help="the class: a folder of submissions")
    alike.add_argument("--out", required=True, help="folder for similarity.csv and .html")
    alike.add_argument("--against", action="append", default=[], metavar="FOLDER",
                       help="also compare with every submission in FOLDER (repeatable)")
    alike.add_argument("--cap", type=share, default=0.3,
                       help="ignore fragments found in more than this share of the class")
    alike.add_argument("--top", type=int, default=30, help="pairs shown side by side")
    alike.set_defaults(run=similarity)

    own = verbs.add_parser("check", help="check your own assignment/ on the public cases")
    own.add_argument("functions", nargs="*", help="only these functions, with details")
    own.set_defaults(run=check)

    for name, run, text in [
        ("fixtures", fixtures, "regenerate the fixtures from the reference"),
        ("stubs", stubs, "derive the assignment/ stubs from reference/"),
        ("release", release, "build dist/student/ and dist/student.zip"),
        ("gradescope", gradescope, "build dist/autograder.zip"),
        ("notebooks", notebooks, "execute every notebook against the reference"),
        ("bench", bench, "time the fast layers against torch and the naive ones"),
        ("submit", submit, "pack your layers.py, cnn.py and notebooks into submission.zip"),
    ]:
        verbs.add_parser(name, help=text).set_defaults(run=run)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.verb in ("grade", "grade-all", "check"):
        for name, value in SINGLE_THREADED.items():
            os.environ.setdefault(name, value)  # before numpy is first imported
    from .rubric.fixtures import FixtureError, check_made_from_current_sources
    from .grading.submission import SubmissionError
    from .grading.limits_check import LimitsTooLow, refuse_limits_too_low
    try:
        if args.verb in ("grade", "grade-all"):
            check_made_from_current_sources()  # never grade against an older rubric's values
            refuse_limits_too_low(limits_from(args))  # blame the limits, not the students
        return args.run(args)
    except (FixtureError, SubmissionError, FileNotFoundError, NotADirectoryError, LimitsTooLow) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(("autograder.", "reference")):
            raise
        print(f"error: `{args.verb}` is an instructor's command, not part of the student bundle",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
