"""The command line as staff meet it: help, version, the grade table, and exit 2 with a
reason (never a traceback) for what cannot be done."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.__main__ import build_parser
from autograder.rubric.cases import RUBRIC

ROOT = Path(__file__).resolve().parents[2]


def run(*words, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *words], capture_output=True,
                          text=True, cwd=cwd)


def verbs(parser):
    """{"grade": subparser, "export canvas": subparser, ...} for every verb."""
    found = {}
    for action in parser._subparsers._group_actions:
        for name, sub in action.choices.items():
            found[name] = sub
            if sub._subparsers:
                found.update({f"{name} {k}": v for k, v in verbs(sub).items()})
    return found


@pytest.mark.parametrize("verb", sorted(verbs(build_parser())))
def test_every_verb_has_help_that_says_what_it_does_and_its_defaults(verb, capsys):
    parser = verbs(build_parser())[verb]
    text = parser.format_help()
    assert parser.description and len(parser.description) > 20, f"{verb} has no description"
    for action in parser._actions:
        if action.dest == "help":
            continue
        if action.option_strings:
            assert action.help, f"{verb} {action.option_strings[0]} has no help"
        if action.option_strings and action.default not in (None, False, []):
            assert f"(default: {action.default})" in re.sub(r"\s+", " ", text), \
                f"{verb} {action.option_strings[0]} does not show its default"
        if not action.option_strings and action.dest not in ("verb", "target"):
            assert action.help, f"{verb} {action.dest} has no help"


def test_help_and_version_from_the_command_line():
    done = run("grade", "--help")
    assert done.returncode == 0 and "--seconds-per-case" in done.stdout
    assert "(default: 10.0)" in done.stdout
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip().endswith(version)


def test_grade_prints_each_functions_score_and_failing_cases():
    done = run("grade", "submissions/carol_mistakes.zip")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.match(r"function\s+score\s+failing cases", lines[0])
    table = {line.split()[0]: line for line in lines[1:len(RUBRIC) + 1]}
    assert list(table) == [g.function for g in RUBRIC]
    assert re.search(r"max_pool_backward_naive\s+\d+(\.\d+)?/9\s+overlapping", table["max_pool_backward_naive"])
    assert re.search(r"conv_forward_naive\s+12/12\s+-$", table["conv_forward_naive"])
    assert re.match(r"carol_mistakes: [\d.]+ / 100", lines[-1])


@pytest.mark.parametrize("words, said", [
    (["grade-all", "submissions/alice_complete.zip", "--out", "OUT"], "is a zip file; grade-all takes a folder"),
    (["grade-all", "submissions/README.md", "--out", "OUT"], "is a file; grade-all takes a folder"),
    (["grade-all", "no-such-class", "--out", "OUT"], "no folder no-such-class"),
    (["grade-all", "submissions", "--out", "OUT", "-j", "0"], "-j/--jobs: '0' is not a whole number more than 0"),
    (["grade-all", "submissions", "--out", "OUT", "-j", "-2"], "'-2' is not a whole number more than 0"),
    (["grade", "submissions/bob_stubs", "--seconds-per-case", "0"], "--seconds-per-case: '0' is not a number more than 0"),
    (["grade", "submissions/bob_stubs", "--seconds-per-case", "-1"], "'-1' is not a number more than 0"),
    (["grade", "submissions/bob_stubs", "--seconds-to-import", "0"], "--seconds-to-import: '0'"),
    (["grade", "submissions/bob_stubs", "--memory-mb", "0"], "--memory-mb: '0' is not a whole number"),
    (["grade", "submissions/bob_stubs", "--output-kb", "-5"], "--output-kb: '-5'"),
    (["grade", "submissions/bob_stubs", "--results-mb", "0"], "--results-mb: '0'"),
    (["grade", "no-such-submission.zip"], "no-such-submission.zip: no such file or folder"),
    (["similarity", "submissions", "--out", "OUT", "--top", "0"], "--top: '0'"),
    (["export", "long", "no-such-grades", "--out", "x.csv"], "no gradebook.csv"),
    (["written", "submissions/alice_complete.zip", "--out", "OUT"], "is a zip file"),
    (["written", "no-such-class", "--out", "OUT"], "no folder no-such-class"),
    (["grade-all", "submissions", "--out", "OUT", "--written", "no-such.csv"], "no file no-such.csv"),
])
def test_what_cannot_be_done_exits_2_with_the_reason_and_no_traceback(words, said, tmp_path):
    words = [str(tmp_path / "out") if w == "OUT" else w for w in words]
    done = run(*words)
    assert done.returncode == 2, done.stdout + done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_written_refuses_an_unreadable_written_csv_it_would_overwrite(tmp_path):
    """Made again into a --out whose written.csv is not one: stop, never overwrite staff's work."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "written.csv").write_text("name;score\nalice;3\n")
    done = run("written", "submissions", "--out", str(out))
    assert done.returncode == 2 and "is not a written.csv" in done.stderr and "Traceback" not in done.stderr
    assert (out / "written.csv").read_text() == "name;score\nalice;3\n"
    assert not (out / "written.html").exists()


def test_written_on_the_example_submissions(tmp_path):
    """The examples carry no notebooks: every answer empty, the page and CSV still made."""
    done = run("written", "submissions", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "0 of 3 answered" in done.stdout and (tmp_path / "written.html").is_file()
