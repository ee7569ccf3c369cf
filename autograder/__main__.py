"""The command line: `python -m autograder VERB ...`; each verb lives in the module of its name."""
import argparse
import sys


def _stubs(args):
    from .stubs import write_stubs
    written = write_stubs()
    print("rewrote " + ", ".join(written) if written else "stubs are up to date")
    return 0


def _bench(args):
    from .bench import main as bench_main
    return bench_main([])


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("stubs", help="derive assignment/ stubs from reference/").set_defaults(run=_stubs)
    verbs.add_parser("bench", help="time the fast layers against torch and the naive ones").set_defaults(run=_bench)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
