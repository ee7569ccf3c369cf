"""`make release`: the student bundle, dist/student/ and dist/student.zip.

It holds the stubs and provided code, the notebooks (without outputs), the public cases with
the self-check and `make submit` (rubric/cases.py itself derived to hold the public cases only), a README and a Makefile for students, and nothing else: no
reference, no hidden fixture, no instructor tooling.
"""
import ast
import json
import shutil
import tomllib
import zipfile
from pathlib import Path

from ..paths import ASSIGNMENT, AUTOGRADER, FIXTURES, MARKED_FILES, NOTEBOOKS, ROOT

DIST = ROOT / "dist"
HERE = Path(__file__).resolve().parent
# What the self-check and `make submit` need, and no more (paths inside autograder/).
SHIPPED_MODULES = ("__init__.py", "__main__.py", "paths.py",
                   "escape/__init__.py", "escape/text.py", "escape/markdown.py",
                   "escape/csvcells.py",
                   "rubric/__init__.py", "rubric/cases.py", "rubric/fixtures.py",
                   "rubric/properties.py", "grading/diagnosis.py",
                   "sandbox/__init__.py", "sandbox/sandbox.py", "sandbox/worker.py",
                   "sandbox/harness.py", "sandbox/protocol.py", "sandbox/limits.py",
                   "sandbox/system.py", "sandbox/confinement.py", "sandbox/uids.py",
                   "sandbox/namespaces.py", "sandbox/out_of_reach.py", "grading/limits_check.py",
                   "grading/__init__.py", "grading/submission.py", "grading/markers.py",
                   "grading/integrity.py", "grading/compare.py", "grading/results.py",
                   "grading/report.py", "grading/grade.py", "grading/answers.py", "grading/triage.py",
                   "student/__init__.py", "student/check.py", "student/submit.py", "student/live.py",
                   "student/further_checks.py", "student/readable.py", "student/show.py")
STUDENT_PACKAGES = ("numpy", "scikit-learn", "matplotlib", "tqdm", "jupyter", "ipykernel")


def student_requirements():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d.split("#")[0].strip() for d in dependencies if d.startswith(STUDENT_PACKAGES)]


PUBLIC_ONLY = ("# Derived by `make release` from the course's rubric: the public cases only. The hidden\n"
               "# cases (their inputs and shapes) stay with the course staff.\n")


def public_cases_only(source):
    """cases.py's text without its hidden cases: every `Case(title, HIDDEN, ...)` cut out where
    it stands (with its comma, and its lines when nothing else is on them), the rest as written."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans = [(starts[n.lineno - 1] + n.col_offset, starts[n.end_lineno - 1] + n.end_col_offset)
             for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Case"
             and len(n.args) > 1 and getattr(n.args[1], "id", "") == "HIDDEN"]
    text = source
    for start, end in sorted(spans, reverse=True):
        end += text[end:].startswith(",")
        line_start, line_end = text.rfind("\n", 0, start) + 1, text.find("\n", end) + 1
        if not text[line_start:start].strip() and not text[end:line_end].strip():
            start, end = line_start, line_end  # the case had its lines to itself
        text = text[:start] + text[end:]
    return PUBLIC_ONLY + text


def copy_autograder(dest):
    for rel in SHIPPED_MODULES:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(AUTOGRADER / rel, dest / rel)
    cases = dest / "rubric" / "cases.py"
    cases.write_text(public_cases_only(cases.read_text()))
    fixtures = dest / FIXTURES.relative_to(AUTOGRADER)
    public = fixtures / "public"
    shutil.copytree(FIXTURES / "public", public)
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    shipped = {path.stem for path in public.glob("*.npz")}
    (fixtures / "manifest.json").write_text(
        json.dumps({k: v for k, v in manifest.items() if k in shipped}, indent=1, sort_keys=True) + "\n")
    for rel in MARKED_FILES:  # the stubs as shipped, for `make submit` to check markers against
        (dest / "pristine" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ASSIGNMENT / rel, dest / "pristine" / rel)


def build_release(target=DIST / "student"):
    """Write the bundle folder and its zip; return the folder."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    skip = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    shutil.copytree(ASSIGNMENT, target / "assignment", ignore=skip)
    shutil.copytree(NOTEBOOKS, target / "notebooks", ignore=skip)
    copy_autograder(target / "autograder")
    for name in ("README.md", "Makefile"):
        shutil.copy(HERE / "student_files" / name, target / name)
    (target / "requirements.txt").write_text("\n".join(student_requirements()) + "\n")
    with zipfile.ZipFile(target.with_suffix(".zip"), "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                archive.write(path, Path(target.name) / path.relative_to(target))
    return target
