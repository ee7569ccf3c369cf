"""`make release`: the student bundle, dist/student/ and dist/student.zip.

It holds the stubs and provided code, the notebooks (without outputs), the public cases with
the self-check and `make submit`, a README and a Makefile for students, and nothing else: no
reference, no hidden fixture, no instructor tooling.
"""
import json
import shutil
import tomllib
import zipfile
from pathlib import Path

from .paths import ASSIGNMENT, MARKED_FILES, NOTEBOOKS, ROOT

DIST = ROOT / "dist"
HERE = Path(__file__).resolve().parent
# What the self-check and `make submit` need, and no more.
SHIPPED_MODULES = ("__init__", "__main__", "cases", "check", "compare", "fixtures", "grade",
                   "harness", "integrity", "limits", "markers", "paths", "protocol", "report",
                   "results", "sandbox", "submission", "submit", "worker")
STUDENT_PACKAGES = ("numpy", "scikit-learn", "matplotlib", "tqdm", "jupyter", "ipykernel")


def student_requirements():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d.split("#")[0].strip() for d in dependencies if d.startswith(STUDENT_PACKAGES)]


def copy_autograder(dest):
    dest.mkdir(parents=True)
    for name in SHIPPED_MODULES:
        shutil.copy(HERE / f"{name}.py", dest / f"{name}.py")
    public = dest / "fixtures" / "public"
    shutil.copytree(HERE / "fixtures" / "public", public)
    manifest = json.loads((HERE / "fixtures" / "manifest.json").read_text())
    shipped = {path.stem for path in public.glob("*.npz")}
    (dest / "fixtures" / "manifest.json").write_text(
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
