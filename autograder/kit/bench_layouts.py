"""How long grade-all takes on a class of 200 in each layout it recognises, and what it made.

`python -m autograder.kit.bench_layouts [SIZE]` builds the same class (copies of the example
submissions in turn, a group of two every tenth on Gradescope, a little junk in each) four
ways, as each system lays it out, grades each with -j 2 through the command line in one run,
and prints one line per layout: seconds, rows, junk skipped, warnings, duplicates. Not part
of `make bench`: it takes minutes.
"""
import csv
import io
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from ..course.layouts import read_class
from ..paths import ROOT
from .bench_grading import EXAMPLES

SOURCES = [ROOT / "submissions" / name for name in EXAMPLES]


def files_of(source):
    """{relative path: bytes} of an example submission, a folder or a zip."""
    if source.is_dir():
        return {p.relative_to(source).as_posix(): p.read_bytes()
                for p in sorted(source.rglob("*.py"))}
    with zipfile.ZipFile(source) as archive:
        return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def add_junk(folder):
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._x").write_bytes(b"\x00")
    (folder / ".DS_Store").write_bytes(b"\x00")


def write_files(folder, files):
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def folders_and_zips(folder, size):
    """The examples as they are: zips and folders, one per student."""
    for i in range(size):
        source = SOURCES[i % len(SOURCES)]
        target = folder / f"student{i:03d}{source.suffix}"
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)


def submit_zips_in_folders(folder, size):
    """A folder per student holding the submission.zip `make submit` writes."""
    for i in range(size):
        (folder / f"student{i:03d}").mkdir()
        files = {"assignment/" + name.split("assignment/")[-1]: data
                 for name, data in files_of(SOURCES[i % len(SOURCES)]).items()}
        (folder / f"student{i:03d}" / "submission.zip").write_bytes(zipped(files))


def canvas(folder, size):
    """Canvas's flat files; a student's zip stays one zip, a folder's files go loose."""
    for i in range(size):
        source, late = SOURCES[i % len(SOURCES)], "_LATE" if i % 7 == 0 else ""
        prefix = f"student{i:03d}{late}_{10000 + i}"
        if source.is_dir():
            for n, (name, data) in enumerate(files_of(source).items()):
                (folder / f"{prefix}_{50000 + 10 * i + n}_{Path(name).name}").write_bytes(data)
        else:
            shutil.copy(source, folder / f"{prefix}_{50000 + 10 * i}_submission.zip")


def gradescope(folder, size):
    """Gradescope's export: submission_<id>/ folders unpacked, and the metadata; every
    tenth submission is a group of two, so the class is `size` students."""
    export = folder / "assignment_777_export"
    export.mkdir()
    metadata, student, number = [], 0, 0
    while student < size:
        people = min(2 if number % 10 == 9 else 1, size - student)
        sub = export / f"submission_{900000 + number}"
        write_files(sub, files_of(SOURCES[number % len(SOURCES)]))
        metadata.append(f"submission_{900000 + number}:\n  :submitters:\n" + "".join(
            f"  - :name: Student {s}\n    :sid: '{20000 + s}'\n    :email: s{s}@uni.edu\n"
            for s in range(student, student + people))
            + "  :created_at: 2026-11-20 12:00:00.000000000 -08:00\n  :score: 0.0\n")
        student, number = student + people, number + 1
    (export / "submission_metadata.yml").write_text("".join(metadata))


LAYOUTS = {"folders and zips": folders_and_zips, "make submit zips in folders": submit_zips_in_folders,
           "Canvas bulk download": canvas, "Gradescope export": gradescope}


def main(size=200, jobs=2):
    print(f"grade-all on a class of {size} (copies of {', '.join(EXAMPLES)}), -j {jobs}, "
          "through the command line, one run; the machine is shared: times are indicative")
    print(f"{'layout':<30} {'seconds':>8} {'s/student':>9} {'rows':>5} {'junk':>5} "
          f"{'warnings':>8} {'dupl.':>5} {'mean':>6}  recognised as")
    with tempfile.TemporaryDirectory() as scratch:
        for label, build in LAYOUTS.items():
            folder, out = Path(scratch) / label.replace(" ", "_"), Path(scratch) / "out"
            folder.mkdir()
            build(folder, size)
            add_junk(folder)
            found = read_class(folder)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(folder), "--out",
                            str(out), "-j", str(jobs)], cwd=ROOT, check=True, capture_output=True)
            seconds = time.perf_counter() - started
            with open(out / "gradebook.csv", newline="") as file:
                rows = list(csv.DictReader(file))
            print(f"{label:<30} {seconds:8.1f} {seconds / len(rows):9.2f} {len(rows):5d} "
                  f"{len(found.junk):5d} {len(found.warnings):8d} {len(found.duplicates):5d} "
                  f"{sum(float(r['total']) for r in rows) / len(rows):6.1f}  "
                  f"{found.layout}")
            shutil.rmtree(out)
            shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:2])))
