"""Class layouts, built as each system writes them from our example submissions and the
reference, in real folders and real zips: one folder or zip per student (with `make submit`'s
submission.zip inside folders), Canvas's bulk download, Gradescope's export; junk skipped,
duplicates kept apart, bad input never stopping the class."""
import csv
import io
import zipfile
from pathlib import Path

import pytest

from autograder.__main__ import main
from autograder.course.layouts import LayoutError, read_class, stage
from autograder.course.similarity import Starter, read_entries

ROOT = Path(__file__).resolve().parents[3]
SUBMISSIONS = ROOT / "submissions"

GRADESCOPE_METADATA = """\
submission_101:
  :submitters:
  - :name: Alice Smith
    :sid: '2001'
    :email: alice@uni.edu
  :created_at: 2026-11-20 13:56:01.412356000 -08:00
  :score: 0.0
  :status: processed
  :results:
    score: 0.0
    tests: []
  :history: []
submission_202:
  :submitters:
  - :name: Bob Jones
    :sid: '2002'
    :email: bob@uni.edu
  - :name: Carol Lee
    :sid: '2003'
    :email: carol@uni.edu
  :created_at: 2026-11-21 09:00:00.000000000 -08:00
  :score: !ruby/object:BigDecimal 18:0.0
  :status: processed
  :history:
  - :created_at: 2026-11-20 08:00:00.000000000 -08:00
    :score: 0.0
submission_303:
  :submitters:
  - :name: Dan Wu
    :sid: '2004'
    :email: dan@uni.edu
  :created_at: 2026-11-22 10:00:00.000000000 -08:00
"""


def submit_zip(files):
    """The bytes of the submission.zip that `make submit` writes for these files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, text in files.items():
            archive.writestr(f"assignment/{rel}", text)
        archive.writestr("notebooks/ConvolutionalNetworks.ipynb", "{}")
    return buffer.getvalue()


def read_csv(path):
    with open(path, newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def grade_all(folder, out, *extra):
    assert main(["grade-all", str(folder), "--out", str(out), "-j", "2", *extra]) == 0
    return read_csv(out / "gradebook.csv")


@pytest.fixture
def stub_zip(stub_files):
    return submit_zip(stub_files)


@pytest.fixture
def reference_zip(reference_files):
    return submit_zip(reference_files)


# ---------------------------------------------------------------- one folder or zip each

@pytest.fixture
def folders_class(tmp_path, reference_zip, stub_zip):
    """Per-student folders each holding submission.zip, a zip, a plain folder, and junk."""
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "submission.zip").write_bytes(reference_zip)
    (klass / "bob" / "uploads").mkdir(parents=True)
    (klass / "bob" / "uploads" / "submission.zip").write_bytes(stub_zip)
    (klass / "bob" / "uploads" / "old.zip").write_bytes(b"PK broken")
    (klass / "carol.zip").write_bytes((SUBMISSIONS / "carol_mistakes.zip").read_bytes())
    (klass / "dan").mkdir()
    for rel in ("layers.py", "classifiers/cnn.py"):
        target = klass / "dan" / "hw2" / "assignment" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((ROOT / "reference" / rel).read_text())
    (klass / "__MACOSX" / "alice").mkdir(parents=True)
    (klass / "__MACOSX" / "alice" / "._submission.zip").write_bytes(b"\x00")
    (klass / ".DS_Store").write_bytes(b"\x00")
    (klass / "grading notes.txt").write_text("who is late")
    (klass / "layers.py").write_text("# a stray copy\n")
    return klass


def test_a_folder_per_student_grades_the_zip_inside_and_skips_the_junk(folders_class):
    (folders_class / "grades").mkdir()
    (folders_class / "grades" / "gradebook.csv").write_text("student,total\n")
    found = read_class(folders_class, folders_class / "grades")
    assert found.layout == "one folder or zip per student"
    paths = {s.students[0].key: s.path for s in found.submissions}
    assert set(paths) == {"alice", "bob", "carol", "dan"}
    assert paths["alice"] == folders_class / "alice" / "submission.zip"
    assert paths["bob"] == folders_class / "bob" / "uploads" / "submission.zip"  # not the broken one
    assert paths["dan"] == folders_class / "dan"
    junk = dict(found.junk)
    assert set(junk) == {"__MACOSX/", ".DS_Store", "grading notes.txt", "layers.py", "grades/"}
    assert junk["grades/"] == "the --out folder itself"


@pytest.mark.slow
def test_make_submit_zips_in_student_folders_score_what_they_hold(folders_class, tmp_path):
    out = folders_class / "grades"  # --out inside the class: never read as a student
    rows = grade_all(folders_class, out)
    assert set(rows) == {"alice", "bob", "carol", "dan"}
    assert float(rows["alice"]["total"]) == 100 and float(rows["dan"]["total"]) == 100
    assert float(rows["bob"]["total"]) == 0 and 0 < float(rows["carol"]["total"]) < 100
    assert "graded the zip inside the folder, submission.zip" in rows["alice"]["integrity"]
    summary = (out / "summary.md").read_text()
    assert "one folder or zip per student" in summary
    for junk in ("__MACOSX/", ".DS_Store", "grading notes.txt", "`layers.py`"):
        assert junk in summary
    assert not (out / "reports" / "__MACOSX").exists() and not (out / "reports" / "grades").exists()


def test_two_submissions_of_one_student_are_kept_apart(tmp_path, reference_zip, stub_zip):
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "submission.zip").write_bytes(stub_zip)
    (klass / "alice.zip").write_bytes(reference_zip)
    (klass / "ALICE.ZIP").write_bytes(reference_zip)
    found = read_class(klass)
    keys = {s.entry: s.students[0].key for s in found.submissions}
    assert keys == {"ALICE.ZIP": "ALICE#1", "alice/": "alice#2", "alice.zip": "alice#3"}
    assert len(found.duplicates) == 1 and all(e in found.duplicates[0] for e in keys)
    assert all(s.flags and "duplicate" in s.flags[0] for s in found.submissions)


@pytest.mark.slow
def test_duplicates_are_graded_each_into_its_own_report(tmp_path, reference_zip, stub_zip):
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "submission.zip").write_bytes(stub_zip)
    (klass / "alice.zip").write_bytes(reference_zip)
    out = tmp_path / "out"
    rows = grade_all(klass, out)
    assert {k: float(r["total"]) for k, r in rows.items()} == {"alice#1": 0, "alice#2": 100}
    assert all("duplicate" in r["flags"] for r in rows.values())
    assert (out / "reports" / "alice_1" / "report.md").exists()
    assert (out / "reports" / "alice_2" / "report.md").exists()
    assert "Duplicates" in (out / "summary.md").read_text()


def test_an_empty_class_folder_is_refused_with_a_reason(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "notes.txt").write_text("nothing here")
    with pytest.raises(LayoutError, match="no submissions"):
        read_class(tmp_path / "class")
    assert main(["grade-all", str(tmp_path / "class"), "--out", str(tmp_path / "o")]) == 2
    assert "expected one folder or .zip per student" in capsys.readouterr().err


# ---------------------------------------------------------------- Canvas

@pytest.fixture
def canvas_class(tmp_path, reference_files, stub_zip):
    """As Canvas's "Download Submissions" unzips: flat, renamed files."""
    klass = tmp_path / "submissions"
    klass.mkdir()
    (klass / "smithalice_1001_5001_layers.py").write_text(reference_files["layers.py"])
    (klass / "smithalice_1001_5002_cnn.py").write_text(reference_files["classifiers/cnn.py"])
    (klass / "jonesbob_LATE_1002_5003_submission.zip").write_bytes(stub_zip)
    # Carol uploaded layers.py twice: Canvas named the second layers-1.py; the newest counts.
    (klass / "leecarol_1003_4999_layers.py").write_text("def conv_forward_naive(): pass\n")
    (klass / "leecarol_1003_5004_layers-1.py").write_text(reference_files["layers.py"])
    (klass / "leecarol_1003_5005_notes.pdf").write_bytes(b"%PDF-1.4")
    # Two students whose names squash to the same login.
    (klass / "wudan_1004_5006_submission.zip").write_bytes(stub_zip)
    (klass / "wudan_1005_5007_submission.zip").write_bytes(stub_zip)
    (klass / "broken_1006_5008_submission.zip").write_bytes(b"this is not a zip")
    (klass / "parkeve_1007_5009_essay.pdf").write_bytes(b"%PDF-1.4")  # uploaded the wrong thing
    (klass / ".DS_Store").write_bytes(b"\x00")
    (klass / "grading notes.txt").write_text("not Canvas's")
    return klass


def test_a_canvas_download_is_read_per_student_with_its_identifiers(canvas_class, tmp_path,
                                                                   reference_files):
    found = read_class(canvas_class)
    assert found.layout == "Canvas bulk download"
    by_key = {s.students[0].key: s for s in found.submissions}
    assert set(by_key) == {"smithalice", "jonesbob", "leecarol", "wudan_1004", "wudan_1005",
                           "broken", "parkeve"}
    assert by_key["jonesbob"].students[0].identifiers == {
        "login": "jonesbob", "canvas_user_id": "1002", "late": "late"}
    assert by_key["smithalice"].students[0].identifiers["late"] == ""
    assert by_key["jonesbob"].path == canvas_class / "jonesbob_LATE_1002_5003_submission.zip"
    stage(found.submissions, tmp_path / "staged")
    carol = by_key["leecarol"].path
    assert sorted(p.name for p in carol.iterdir()) == ["layers.py"]
    assert (carol / "layers.py").read_text() == reference_files["layers.py"]
    assert sorted(p.name for p in by_key["smithalice"].path.iterdir()) == ["cnn.py", "layers.py"]
    assert dict(found.junk) == {".DS_Store": "a hidden file",
                                "grading notes.txt": "not named as Canvas names submitted files",
                                "leecarol_1003_5005_notes.pdf": "neither a Python file nor a zip",
                                "parkeve_1007_5009_essay.pdf": "neither a Python file nor a zip"}
    assert "nothing to grade" in by_key["parkeve"].notes[0]  # a row, not a vanished student


@pytest.mark.slow
def test_a_canvas_class_grades_and_keeps_the_broken_one(canvas_class, tmp_path):
    rows = grade_all(canvas_class, tmp_path / "out")
    assert float(rows["smithalice"]["total"]) == 100
    assert rows["smithalice"]["canvas_user_id"] == "1001"
    assert rows["jonesbob"]["late"] == "late" and float(rows["jonesbob"]["total"]) == 0
    assert float(rows["broken"]["total"]) == 0
    assert "not a readable zip" in rows["broken"]["integrity"]
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "Canvas bulk download" in summary and "`broken`" in summary and "`parkeve`" in summary


# ---------------------------------------------------------------- Gradescope

@pytest.fixture
def gradescope_class(tmp_path, reference_files, stub_files):
    """As Gradescope's "Export Submissions" zip unpacks: one folder around everything."""
    export = tmp_path / "download" / "assignment_4242_export"
    for number, files in (("101", reference_files), ("202", stub_files), ("404", stub_files)):
        for rel, text in files.items():
            target = export / f"submission_{number}" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    (export / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)
    with zipfile.ZipFile(tmp_path / "download.zip", "w") as archive:  # the real thing, unpacked
        for path in sorted(export.rglob("*")):
            archive.write(path, path.relative_to(tmp_path / "download").as_posix())
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(tmp_path / "download.zip") as archive:
        archive.extractall(unpacked)
    return unpacked


def test_a_gradescope_export_gives_every_group_member_a_row(gradescope_class):
    found = read_class(gradescope_class)
    assert found.layout == "Gradescope export"
    assert "read the Gradescope export inside assignment_4242_export/" in found.warnings
    by_entry = {s.entry: s for s in found.submissions}
    group = by_entry["submission_202/"].students
    assert [s.key for s in group] == ["2002", "2003"]
    assert group[1].identifiers["email"] == "carol@uni.edu"
    assert group[0].identifiers["submitted_at"].startswith("2026-11-21")
    assert [s.key for s in by_entry["submission_404/"].students] == ["submission_404"]
    assert any("submission_404/" in w and "no submitters" in w for w in found.warnings)
    assert any("submission_303 is listed" in w for w in found.warnings)


def test_unreadable_gradescope_metadata_is_a_warning_not_a_stop(gradescope_class):
    export = gradescope_class / "assignment_4242_export"
    (export / "submission_metadata.yml").write_text(":submitters: [unclosed\n  - {\n")
    found = read_class(export)
    assert found.layout == "Gradescope export"
    assert {s.students[0].key for s in found.submissions} == \
        {"submission_101", "submission_202", "submission_404"}
    assert any("could not be read" in w for w in found.warnings)


@pytest.mark.slow
def test_a_gradescope_class_grades_each_submitter(gradescope_class, tmp_path):
    out = tmp_path / "out"
    rows = grade_all(gradescope_class, out)
    assert set(rows) == {"2001", "2002", "2003", "submission_404"}
    assert float(rows["2001"]["total"]) == 100 and rows["2001"]["name"] == "Alice Smith"
    assert rows["2002"]["total"] == rows["2003"]["total"] == "0.0"
    assert rows["2003"]["submission"] == "submission_202/"
    assert (out / "reports" / "2003" / "results.json").exists()


# ---------------------------------------------------------------- similarity reads layouts too

def test_similarity_reads_a_canvas_class_by_student(canvas_class):
    warnings = []
    entries = read_entries(canvas_class, Starter(), warnings=warnings)
    names = {e.name for e in entries}
    assert {"smithalice", "leecarol", "jonesbob"} <= names
    assert any("broken" in w for w in warnings)


def test_class_files_give_each_submission_its_files_or_its_error(canvas_class, reference_files):
    from autograder.course.layouts import class_files
    from autograder.grading.submission import SubmissionError
    read = dict(class_files(canvas_class))
    assert read["smithalice"] == reference_files
    assert isinstance(read["broken"], SubmissionError)
    assert read["parkeve"] == {}
