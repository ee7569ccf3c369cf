"""The student bundle: everything a student needs, and not one line of the solution."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.grading.markers import split_regions
from autograder.paths import ASSIGNMENT, MARKED_FILES, REFERENCE
from autograder.kit.release import build_release

ROOT = Path(__file__).resolve().parents[3]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_release(tmp_path_factory.mktemp("dist") / "student")


def solution_lines():
    """Every line inside a region of the reference, but those the provided code has anyway."""
    inside, outside = set(), set()
    for rel in MARKED_FILES:
        marked = split_regions((REFERENCE / rel).read_text())
        inside |= {line.strip() for region in marked.regions for line in region}
        outside |= {line.strip() for chunk in marked.outside for line in chunk}
    for path in ASSIGNMENT.rglob("*.py"):
        outside |= {line.strip() for line in path.read_text().splitlines()}
    return {line for line in inside - outside if line and not line.startswith("#")}


def as_text(name, data):
    """A file's lines as a reader sees them (a notebook's cells, not its JSON)."""
    text = data.decode(errors="replace")
    if name.endswith(".ipynb"):
        return "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    return text


def bundle_texts(bundle):
    for path in bundle.rglob("*"):
        if path.is_file() and path.suffix != ".npz":
            yield path, as_text(path.name, path.read_bytes())
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        for name in archive.namelist():
            if not name.endswith(".npz"):
                yield Path(name), as_text(name, archive.read(name))


def test_the_bundle_holds_what_students_need_and_nothing_secret(bundle):
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert {"README.md", "Makefile", "requirements.txt", "assignment/layers.py",
            "assignment/classifiers/cnn.py", "notebooks/1_convolution.ipynb",
            "autograder/student/check.py", "autograder/rubric/fixtures/manifest.json"} <= names
    assert not [n for n in names if n.startswith("reference") or "/hidden/" in n or n.endswith("mistakes.py")]
    public = [n for n in names if n.startswith("autograder/rubric/fixtures/public/")]
    assert public and all("hidden" not in n for n in public)
    manifest = json.loads((bundle / "autograder/rubric/fixtures/manifest.json").read_text())
    assert sorted(manifest) == sorted(Path(n).stem for n in public)
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        assert not [n for n in archive.namelist() if "reference" in n or "/hidden/" in n]


def test_the_bundles_rubric_holds_the_public_cases_only_and_the_same_ones(bundle):
    import importlib.util
    from autograder.rubric.cases import HIDDEN, PUBLIC, RUBRIC
    path = bundle / "autograder/rubric/cases.py"
    spec = importlib.util.spec_from_file_location("bundle_cases", path)
    shipped = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shipped)
    from dataclasses import asdict
    assert [(g.function, g.points, [asdict(c) for c in g.cases]) for g in shipped.RUBRIC] == [
        (g.function, g.points, [asdict(c) for c in g.cases if c.visibility == PUBLIC]) for g in RUBRIC]
    assert all(not g.cases for g in shipped.PROVIDED)
    text = path.read_text()
    hidden = [c.title for g in RUBRIC for c in g.cases if c.visibility == HIDDEN]
    assert hidden and not [t for t in hidden if f'"{t}"' in text]


def test_no_line_of_the_solution_is_anywhere_in_the_bundle(bundle):
    secret = solution_lines()
    assert len(secret) > 50  # the check has something to look for
    for path, text in bundle_texts(bundle):
        leaked = secret & {line.strip() for line in text.splitlines()}
        assert not leaked, f"{path} holds solution lines: {sorted(leaked)[:5]}"


def test_self_check_runs_in_the_unpacked_bundle_alone(bundle, tmp_path):
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        archive.extractall(tmp_path)
    done = subprocess.run([sys.executable, "-m", "autograder", "check"], cwd=tmp_path / "student",
                          env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.split() and line.split()[0] in
            {"conv_forward_naive", "ThreeLayerConvNet", "spatial_groupnorm_backward"}]
    assert len(rows) == 3 and all(row.endswith("not implemented yet") for row in rows)
    helped = subprocess.run([sys.executable, "-m", "autograder", "--help"], cwd=tmp_path / "student",
                            env=ENV, capture_output=True, text=True).stdout
    verbs = [line.split()[0] for line in helped.split("VERB\n", 1)[1].split("\n\n")[0].splitlines()]
    assert verbs == ["check", "submit"] and "room" not in helped, helped


def test_submit_packs_what_the_grader_takes_and_refuses_broken_markers(bundle, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(bundle, student)
    done = subprocess.run([sys.executable, "-m", "autograder", "submit"], cwd=student, env=ENV,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(student / "submission.zip") as archive:
        assert {"assignment/layers.py", "assignment/classifiers/cnn.py",
                "notebooks/5_spatial_groupnorm.ipynb"} <= set(archive.namelist())
    graded = subprocess.run([sys.executable, "-m", "autograder", "grade", str(student / "submission.zip"),
                             "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True)
    assert graded.returncode == 0 and "0 / 100" in graded.stdout

    layers = student / "assignment" / "layers.py"
    layers.write_text(layers.read_text().replace(
        "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****", "# END", 1))
    (student / "submission.zip").unlink()
    done = subprocess.run([sys.executable, "-m", "autograder", "submit"], cwd=student, env=ENV,
                          capture_output=True, text=True)
    assert done.returncode == 1 and "assignment/layers.py" in done.stdout
    assert "marker" in done.stdout and not (student / "submission.zip").exists()


def test_a_deleted_end_marker_is_named_by_function_and_line_by_submit_and_check(bundle, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(bundle, student)
    layers = student / "assignment" / "layers.py"
    text = layers.read_text()
    end = text.index("# *****END OF YOUR CODE", text.index("def conv_backward_naive("))
    line_start = text.rindex("\n", 0, end) + 1
    layers.write_text(text[:line_start] + text[text.index("\n", end) + 1:])
    said = []
    for verb in (["submit"], ["check", "conv_forward_naive"]):
        done = subprocess.run([sys.executable, "-m", "autograder", *verb], cwd=student, env=ENV,
                              capture_output=True, text=True)
        said.append(next(line for line in done.stdout.splitlines() if "no END marker" in line))
    assert all("conv_backward_naive's region has no END marker" in line for line in said), said
    assert all("put the END marker line back at line" in line for line in said), said
    assert not (student / "submission.zip").exists()


@pytest.mark.slow
def test_the_bundle_sets_itself_up_on_a_fresh_machine(bundle, tmp_path):
    """`make check` in the unpacked bundle creates its own .venv and checks (real installs)."""
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        archive.extractall(tmp_path)
    env = {k: v for k, v in ENV.items() if not k.startswith(("VIRTUAL_ENV", "MAKE"))}
    done = subprocess.run(["make", "check"], cwd=tmp_path / "student", env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "student/.venv/bin/python").exists()
    assert done.stdout.count("not implemented yet") >= 14


def test_in_the_bundle_instructor_verbs_answer_in_one_line(bundle, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(bundle, student)
    for verb in (["bench"], ["fixtures"], ["notebooks"], ["grade", "."], ["grade-all", ".", "--out", "x"],
                 ["written", ".", "--out", "x"]):
        done = subprocess.run([sys.executable, "-m", "autograder", *verb], cwd=student, env=ENV,
                              capture_output=True, text=True)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, (verb, done.stderr)
        assert done.stderr.startswith("error: ") and "make fixtures" not in done.stderr, (verb, done.stderr)


def test_a_damaged_public_case_never_asks_a_student_to_make_fixtures(bundle, tmp_path):
    student = tmp_path / "student"
    shutil.copytree(bundle, student)
    fixture = next((student / "autograder/rubric/fixtures/public").glob("conv_forward_naive.*.npz"))
    fixture.unlink()
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "conv_forward_naive"], cwd=student,
                          env=ENV, capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "download the student bundle again" in done.stderr and "make fixtures`" not in done.stderr


def test_make_notebook_lets_jupyter_run_as_root_only_when_the_student_is_root(bundle):
    done = subprocess.run(["make", "-n", "notebook"], cwd=bundle, env=ENV, capture_output=True, text=True)
    launch = [line for line in done.stdout.splitlines() if "jupyter notebook" in line]
    assert len(launch) == 1 and launch[0].endswith("notebooks/")
    assert ("--allow-root" in launch[0]) == (os.getuid() == 0)


def test_the_marking_guides_are_not_in_the_bundle(bundle):
    """The written rubric's guides are for staff: no file of the bundle holds one of their lines."""
    from autograder.rubric.written import WRITTEN
    guide_lines = {line.strip() for q in WRITTEN for line in q.guide.splitlines() if len(line.strip()) > 20}
    assert len(guide_lines) > 20
    assert not (bundle / "autograder" / "rubric" / "written.py").exists()
    for path, text in bundle_texts(bundle):
        leaked = guide_lines & {line.strip() for line in text.splitlines()}
        assert not leaked, f"{path} holds marking guide lines: {sorted(leaked)[:3]}"
