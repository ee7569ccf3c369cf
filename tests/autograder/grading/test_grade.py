"""Grading end to end: the reference scores full marks, the stubs zero, mistakes get named."""
import csv
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import dataclasses

from autograder.rubric import cases as rubric
from autograder.rubric.cases import RUBRIC, total_points
from autograder.grading.grade import grade_files

ROOT = Path(__file__).resolve().parents[3]
SUBMISSIONS = ROOT / "submissions"


def test_the_reference_scores_full_marks(reference_files):
    result = grade_files("reference", reference_files)
    failing = [(c.name, c.problem, [k.message for k in c.checks if not k.passed]) for c in result.cases if not c.passed]
    assert failing == []
    assert result.score == result.max_score == total_points()
    assert result.integrity == [] and result.notes == []


def test_the_stubs_score_zero_without_crashing(stub_files):
    result = grade_files("stubs", stub_files)
    assert result.score == 0 and result.max_score == total_points()
    assert len(result.cases) == sum(len(g.cases) for g in RUBRIC)
    layer_cases = [c for c in result.cases if c.function != "ThreeLayerConvNet"]
    assert all(c.problem or any("None" in k.message for k in c.checks) for c in layer_cases)


def test_every_test_name_begins_with_the_graded_function(reference_files):
    result = grade_files("reference", reference_files, visibilities=("public",))
    functions = {g.function for g in RUBRIC}
    assert all(c.name.split(":")[0] in functions for c in result.cases)


def test_a_submission_with_several_mistakes_gets_them_named():
    from autograder.grading.submission import read_submission
    files, notes = read_submission(SUBMISSIONS / "carol_mistakes.zip")
    result = grade_files("carol", files, notes)
    named = {m for c in result.cases for m in c.mistakes}
    expected_fragments = ["assigned (=) instead of accumulated", "unbiased one (divided by N - 1)",
                          "still carries the zero padding", "without first moving the channel axis",
                          "divided by D - 1", "lacks its factor 0.5"]
    for fragment in expected_fragments:
        assert any(fragment in m for m in named), f"not named: {fragment}"
    assert 0 < result.score < 100


def test_a_forward_mistake_is_named(reference_files):
    layers = reference_files["layers.py"].replace(
        "out[n, f, i, j] = np.sum(window * w[f]) + b[f]", "out[n, f, i, j] = np.sum(window * w[f])")
    result = grade_files("nobias", {"layers.py": layers}, functions={"conv_forward_naive"})
    assert result.score == 0
    assert all(any("bias b is never added" in m for m in c.mistakes) for c in result.cases)


def test_a_backward_that_disagrees_with_its_own_forward_is_told(reference_files):
    layers = reference_files["layers.py"].replace(
        "dw[f] += window * dout[n, f, i, j]", "dw[f] += 2 * window * dout[n, f, i, j]")
    result = grade_files("dw", {"layers.py": layers}, functions={"conv_backward_naive"})
    case = result.cases[0]
    assert [c.passed for c in case.checks] == [True, False, True]  # dx, dw, db
    assert case.score == pytest.approx(case.max_score * 2 / 3)
    assert any("dw does not match a numerical gradient of your own forward" in a for a in case.advice)


def test_cli_writes_gradescope_results_and_exits_zero(tmp_path, reference_folder):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(reference_folder),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 100 and results["execution_time"] > 0
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] == "passed" and test["visibility"] in ("visible", "after_published")
    assert "# student: 100 / 100" in (out / "report.md").read_text()


def test_cli_reports_a_missing_submission_clearly(tmp_path):
    for missing in ("nope", "nope.zip"):
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / missing)],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 2 and f"{missing}: no such file or folder" in done.stderr
    (tmp_path / "notes.txt").write_text("not a submission")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "notes.txt")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "not a readable zip file" in done.stderr


@pytest.mark.slow
def test_grade_all_builds_a_gradebook_for_the_example_submissions(tmp_path):
    out = tmp_path / "grades"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(SUBMISSIONS),
                           "--out", str(out), "-j", "2"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with open(out / "gradebook.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[:7] == ["student", "name", "login", "email", "sid", "canvas_user_id", "total"]
    totals = {r["student"]: float(r["total"]) for r in rows}
    assert {r["status"] for r in rows} == {"graded"}
    assert totals["alice_complete"] == 100 and totals["bob_stubs"] == 0
    assert 0 < totals["carol_mistakes"] < 100
    summary = (out / "summary.md").read_text()
    assert "assigned (=) instead of accumulated" in summary
    assert "| most frequent diagnoses |" in summary and "fix batchnorm_forward first (1)" in summary
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "reports" / "alice_complete" / "results.json").read_text())["score"] == 100


def test_points_need_not_sum_to_one_hundred(monkeypatch, reference_files):
    """A course that gives convolution twice the points: reports are out of the new total."""
    from autograder.grading.report import markdown_report
    doubled = tuple(dataclasses.replace(g, points=2 * g.points) if g.function == "conv_forward_naive"
                    else g for g in RUBRIC)
    monkeypatch.setattr(rubric, "RUBRIC", doubled)
    assert total_points(doubled) == total_points(RUBRIC) + 12 != 100
    result = grade_files("reference", reference_files, functions={"conv_forward_naive", "relu"})
    assert result.max_score == 24
    layers = reference_files["layers.py"].replace(
        "out[n, f, i, j] = np.sum(window * w[f]) + b[f]", "out[n, f, i, j] = np.sum(window * w[f])")
    result = grade_files("nobias", {"layers.py": layers})
    assert result.max_score == total_points(doubled) == 112
    assert markdown_report(result).startswith(f"# nobias: {result.score:g} / {result.max_score:g}")


def test_running_averages_and_gradients_with_extra_size_one_axes_get_full_marks(reference_files):
    """(1, D) where (D,) is documented, (C,) where (1, C, 1, 1) is: right values, full marks."""
    layers = reference_files["layers.py"].replace(
        'bn_param["running_mean"] = running_mean', 'bn_param["running_mean"] = running_mean.reshape(1, -1)')
    layers = layers.replace("dbeta = dout.sum(axis=0)", "dbeta = dout.sum(axis=0, keepdims=True)")
    layers = layers.replace("dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)", "dbeta = dout.sum(axis=(0, 2, 3))")
    result = grade_files("shapes", {"layers.py": layers}, functions={
        "batchnorm_forward", "batchnorm_backward", "spatial_groupnorm_backward"})
    assert result.score == result.max_score
    messages = [k.message for c in result.cases for k in c.checks]
    assert any("note: running_mean has shape (1, " in m for m in messages)
    assert any("note: dbeta has shape (6,) where (1, 6, 1, 1) is documented" in m for m in messages)


def test_a_function_missing_from_an_older_file_is_said_once_and_scores_zero(reference_files):
    year_2017 = runpy.run_path(str(Path(__file__).with_name("templates.py")))["year_2017"]
    old = year_2017(reference_files)["layers.py"]
    result = grade_files("2017", {"layers.py": old}, visibilities=("public",))
    assert [n for n in result.notes if "layernorm_forward" in n] == [
        "`layernorm_forward` is missing from layers.py — an older version of the assignment? "
        "Its cases score 0."]
    missing = [c for c in result.cases if c.function.startswith(("layernorm", "spatial_groupnorm"))]
    assert missing and all(c.score == 0 and "is missing from layers.py" in c.problem
                           and not c.traceback for c in missing)
    assert not any("AttributeError" in c.problem for c in result.cases)
    present = [c for c in result.cases if c.function not in {m.function for m in missing}
               and c.function != "ThreeLayerConvNet"]
    assert present and all(c.passed for c in present)


def test_a_function_missing_behind_a_star_import_is_said_once_when_it_runs(reference_files):
    """Reading cannot tell what `from x import *` brings; running can, and says it the same way."""
    year_2017 = runpy.run_path(str(Path(__file__).with_name("templates.py")))["year_2017"]
    old = "from math import *\n" + year_2017(reference_files)["layers.py"]
    result = grade_files("2017", {"layers.py": old}, functions={"layernorm_forward", "layernorm_backward"})
    assert result.notes == [
        "`layernorm_forward` is missing from layers.py — an older version of the assignment? Its cases score 0.",
        "`layernorm_forward` is missing from layers.py — an older version of the assignment? "
        "`layernorm_backward` needs its cache. Its cases score 0."]
    assert all(c.score == 0 and "is missing from layers.py" in c.problem and not c.traceback
               for c in result.cases)


def hanging(files, function):
    """The files with an infinite loop at the top of `function`'s region."""
    text = files["layers.py"]
    start = text.index("# *****START OF YOUR CODE", text.index(f"def {function}("))
    line_end = text.index("\n", start) + 1
    return dict(files, **{"layers.py": text[:line_end] + "    while True:\n        pass\n" + text[line_end:]})


def test_in_the_self_check_a_hanging_forward_is_waited_out_once_and_blamed_first(reference_files):
    import time
    from autograder.rubric.cases import PUBLIC
    from autograder.sandbox.limits import Limits
    from autograder.student.further_checks import SKIPPED, run_further_checks
    files, limits, hung = hanging(reference_files, "layernorm_forward"), Limits(seconds_per_case=1.0), {}
    began = time.monotonic()
    result = grade_files("s", files, visibilities=(PUBLIC,), limits=limits, hung=hung,
                         functions={"layernorm_backward"})
    case, = result.cases
    assert case.problem.startswith("layernorm_forward hangs: fix it first")
    assert list(hung) == ["layernorm_forward"] and time.monotonic() - began < 1.0 + 8  # one limit, not two
    findings = run_further_checks(files, {"layernorm_backward"}, limits, hung=hung)
    assert findings and all(f.details == [SKIPPED, "layernorm_forward"] for f in findings)

    staff = grade_files("s", files, visibilities=(PUBLIC,), limits=limits, functions={"layernorm_backward"})
    assert "did not finish within 1 s" in staff.cases[0].problem  # staff grading runs every case
