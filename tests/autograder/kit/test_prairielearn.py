"""dist/prairielearn/, laid out as PrairieLearn lays out /grade, its real run_grader run as
PrairieLearn runs it (chmod +x, then the path), with PL_GRADE_ROOT in place of /grade.

The oracles: PrairieLearn's documented results.json fields (docs/externalGrading.md), and the
Gradescope results.json that `python -m autograder grade` writes for the same submission
(the test names must be the same; a hidden case's details must reach only the job's log)."""
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.kit.prairielearn import COURSE_FILES, QUESTION, build_prairielearn

ROOT = Path(__file__).resolve().parents[3]
STUDENT_ZIP = ROOT / "submissions" / "carol_mistakes.zip"
MAX_BYTES = 1_000_000
SYSTEM_PYTHON = Path("/usr/bin/python3")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """`make prairielearn`'s folder, built once for the module."""
    return build_prairielearn(tmp_path_factory.mktemp("dist") / "prairielearn")


def data_json(uploads):
    """data.json as PrairieLearn writes it for a pl-file-upload submission."""
    files = [{"name": name, "contents": base64.b64encode(data).decode()} for name, data in uploads.items()]
    return {"params": {}, "correct_answers": {}, "submitted_answers": {"_files": files},
            "format_errors": {}, "partial_scores": {}, "score": 0, "feedback": {},
            "variant_seed": 1, "options": {}, "raw_submitted_answers": {}, "gradable": True}


def lay_out(bundle, root, uploads):
    """/grade as PrairieLearn makes it: serverFilesCourse/<listed folders>, the question's
    tests/ (this question has none), student/ with the uploads under their names, data/."""
    info = json.loads((bundle / "questions" / QUESTION / "info.json").read_text())
    for listed in info["externalGradingOptions"]["serverFilesCourse"]:
        shutil.copytree(bundle / "serverFilesCourse" / listed, root / "serverFilesCourse" / listed)
    if (bundle / "questions" / QUESTION / "tests").exists():
        shutil.copytree(bundle / "questions" / QUESTION / "tests", root / "tests")
    (root / "student").mkdir(parents=True)
    for name, data in uploads.items():
        (root / "student" / name).write_bytes(data)
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps(data_json(uploads)))
    return info


def run_job(bundle, root, uploads, python=sys.executable):
    """Lay the job out, run its entrypoint as PrairieLearn does; (results, the job's log)."""
    info = lay_out(bundle, root, uploads)
    entrypoint = info["externalGradingOptions"]["entrypoint"]
    assert entrypoint.startswith("/grade/")
    script = root / entrypoint.removeprefix("/grade/")
    script.chmod(script.stat().st_mode | 0o111)  # PrairieLearn: chmod +x, then run it
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "VIRTUAL_ENV")}
    done = subprocess.run([str(script)], env=dict(env, PL_GRADE_ROOT=str(root), PYTHON=str(python)),
                          capture_output=True, text=True, cwd="/",
                          timeout=info["externalGradingOptions"]["timeout"])
    assert done.returncode == 0, done.stderr
    raw = (root / "results" / "results.json").read_bytes()
    assert len(raw) < MAX_BYTES
    results = json.loads(raw)
    assert_prairielearn_schema(results)
    return results, done.stdout


def assert_prairielearn_schema(results):
    """The fields PrairieLearn documents, with their types and ranges."""
    assert isinstance(results.get("gradable", True), bool)
    for key in ("message", "output"):
        assert isinstance(results.get(key, ""), str)
    if results.get("gradable", True):
        assert isinstance(results["score"], float) and 0.0 <= results["score"] <= 1.0
        tests = results["tests"]
        assert tests
        for test in tests:
            assert {"name", "description", "points", "max_points", "message", "output"} <= set(test)
            for key in ("name", "description", "message", "output"):
                assert isinstance(test[key], str)
            assert 0 <= test["points"] <= test["max_points"]
        points = sum(t["points"] for t in tests)
        assert results["score"] == pytest.approx(points / sum(t["max_points"] for t in tests), abs=1e-9)
    else:
        errors = results["format_errors"]
        assert isinstance(errors, list) and errors and all(isinstance(e, str) and e for e in errors)


def student_strings(results):
    """Everything pl-external-grader-results shows a student."""
    strings = [results.get("message", ""), results.get("output", ""), *results.get("format_errors", [])]
    for test in results.get("tests", []):
        strings += [test["name"], test["description"], test["message"], test["output"]]
    return strings


def marked(package):
    return {"layers.py": (ROOT / package / "layers.py").read_bytes(),
            "cnn.py": (ROOT / package / "classifiers" / "cnn.py").read_bytes()}


def gradescope_results(submission, out):
    """The same engine's Gradescope results.json for the same submission: the names' oracle."""
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads((out / "results.json").read_text())


def test_the_question_asks_for_external_grading_within_prairielearns_limits(bundle):
    question = bundle / "questions" / QUESTION
    info = json.loads((question / "info.json").read_text())
    assert info["type"] == "v3" and info["gradingMethod"] == "External" and info["singleVariant"]
    assert len(info["uuid"]) == 36
    options = info["externalGradingOptions"]
    assert options["enabled"] is True and options["image"] == "prairielearn/grader-python"
    assert options["serverFilesCourse"] == [COURSE_FILES + "/"]
    assert 30 <= options["timeout"] <= 600
    assert "enableNetworking" not in options  # off, PrairieLearn's default
    html = (question / "question.html").read_text()
    assert '<pl-file-upload optional-file-names="layers.py, cnn.py, submission.zip">' in html
    assert "<pl-external-grader-results>" in html and "<pl-submission-panel>" in html
    course = bundle / "serverFilesCourse" / COURSE_FILES
    shipped = {p.relative_to(course).as_posix() for p in course.rglob("*") if p.is_file()}
    assert "run_grader" in shipped and "autograder/grading/prairielearn.py" in shipped
    assert any(name.startswith("autograder/rubric/fixtures/hidden/") for name in shipped)
    assert not any(name.startswith("reference/") or name.endswith("mistakes.py") for name in shipped)
    assert "numpy" in (course / "requirements.txt").read_text()


@pytest.mark.slow
def test_the_reference_scores_full_marks(bundle, tmp_path):
    results, _ = run_job(bundle, tmp_path / "grade", marked("reference"))
    assert results["gradable"] is True and results["score"] == 1.0
    assert all(t["points"] == t["max_points"] for t in results["tests"])
    assert "What protected your code's run" in results["message"]
    assert "separate user" in results["message"]  # this test runs as root, like the image


@pytest.mark.slow
def test_the_stubs_score_zero_and_are_gradable(bundle, tmp_path):
    results, _ = run_job(bundle, tmp_path / "grade", marked("assignment"))
    assert results["gradable"] is True and results["score"] == 0.0
    assert all(t["points"] == 0 for t in results["tests"])


@pytest.mark.slow
def test_a_zip_upload_grades_with_gradescopes_names_and_hides_hidden_details(bundle, tmp_path):
    results, log = run_job(bundle, tmp_path / "grade", {"submission.zip": STUDENT_ZIP.read_bytes()})
    gradescope = gradescope_results(STUDENT_ZIP, tmp_path / "gradescope")
    assert [t["name"] for t in results["tests"]] == [t["name"] for t in gradescope["tests"]]
    assert results["score"] == pytest.approx(gradescope["score"] / 100, abs=1e-4)
    assert 0 < results["score"] < 1
    # The named mistakes and diagnoses of the public cases, in the message.
    public_hints = [line.strip() for t in gradescope["tests"] if t["visibility"] == "visible"
                    for line in t["output"].splitlines()
                    if line.strip().startswith(("Looks like a known mistake", "Diagnosis:"))]
    assert public_hints and all(hint in results["message"] for hint in public_hints)
    # A hidden case's details (its checks, errors, hints) reach the job's log, never a student.
    public_lines = {line.strip() for t in gradescope["tests"] if t["visibility"] == "visible"
                    for line in t["output"].splitlines()}
    hidden_details = {line.strip() for t in gradescope["tests"] if t["visibility"] == "after_published"
                      and t["status"] == "failed" for line in t["output"].splitlines()[1:]} - public_lines
    assert hidden_details, "carol fails no hidden case: the test proves nothing"
    shown = "\n".join(student_strings(results))
    assert not [line for line in hidden_details if line in shown]
    assert all(line in log for line in hidden_details)
    hidden = [t for t in results["tests"] if t["name"] in
              {g["name"] for g in gradescope["tests"] if g["visibility"] == "after_published"}]
    assert hidden and all(t["message"] == "" for t in hidden)


def test_a_file_that_does_not_parse_is_not_gradable(bundle, tmp_path):
    uploads = marked("reference")
    uploads["cnn.py"] = b"class ThreeLayerConvNet(object:\n    pass\n"
    results, _ = run_job(bundle, tmp_path / "grade", uploads)
    assert results["gradable"] is False
    assert any("cnn.py does not parse: line 1" in e for e in results["format_errors"])


@pytest.mark.parametrize("uploads, says", [
    ({}, "Nothing was uploaded"),
    ({"notes.txt": b"hello"}, "Neither layers.py nor cnn.py was uploaded"),
    ({"submission.zip": b"PK\x03\x04 not really a zip"}, "submission.zip is not a zip file that can be read"),
], ids=["nothing", "neither-file", "unreadable-zip"])
def test_what_cannot_be_graded_says_what_to_upload(bundle, tmp_path, uploads, says):
    results, _ = run_job(bundle, tmp_path / "grade", uploads)
    assert results["gradable"] is False
    assert any(says in e and "Upload your layers.py and cnn.py" in e for e in results["format_errors"])


def test_a_zip_without_either_file_is_not_gradable(bundle, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notebooks/ConvolutionalNetworks.ipynb", "{}")
    results, _ = run_job(bundle, tmp_path / "grade", {"submission.zip": buffer.getvalue()})
    assert results["gradable"] is False
    assert any("Neither layers.py nor cnn.py is in submission.zip" in e for e in results["format_errors"])


def test_a_python_without_the_packages_gets_a_message_naming_them(bundle, tmp_path):
    """This machine's system Python (no numpy there) stands for an image that lacks them."""
    if not SYSTEM_PYTHON.exists():
        pytest.skip(f"no {SYSTEM_PYTHON} on this machine")
    lacks = subprocess.run([str(SYSTEM_PYTHON), "-c", "import numpy, threadpoolctl"],
                           capture_output=True).returncode != 0
    if not lacks:
        pytest.skip(f"{SYSTEM_PYTHON} has numpy and threadpoolctl: nothing is missing")
    results, log = run_job(bundle, tmp_path / "grade", marked("reference"), python=SYSTEM_PYTHON)
    assert results["gradable"] is False
    assert "not your fault" in results["format_errors"][0]
    missing = [name for name in ("numpy", "threadpoolctl") if subprocess.run(
        [str(SYSTEM_PYTHON), "-c", f"import {name}"], capture_output=True).returncode]
    assert all(name in results["message"] and name in log for name in missing)


@pytest.mark.slow
def test_what_a_students_code_says_reaches_students_shown_not_obeyed(bundle, tmp_path):
    """A traceback carrying a terminal escape, a bidi override and HTML: ansi2html (which
    PrairieLearn renders message and output with) would obey the escape; it must arrive
    shown as <U+001B>, and the HTML left for ansi2html to escape, not escaped twice."""
    uploads = marked("reference")
    layers = uploads["layers.py"].decode()
    uploads["layers.py"] = layers.replace(
        "def conv_forward_naive(x, w, b, conv_param):",
        "def conv_forward_naive(x, w, b, conv_param):\n"
        "    raise ValueError('\\x1b[8m\\u202e<img src=x onerror=alert(1)>')\n\n\n"
        "def _was_conv_forward_naive(x, w, b, conv_param):", 1).encode()
    results, _ = run_job(bundle, tmp_path / "grade", uploads)
    shown = "\n".join(student_strings(results))
    assert "\x1b" not in shown and "\u202e" not in shown
    failing = next(t for t in results["tests"] if t["name"].startswith("conv_forward_naive: "))
    assert "<U+001B>[8m<U+202E><img src=x onerror=alert(1)>" in failing["output"]
    assert "&lt;" not in shown
