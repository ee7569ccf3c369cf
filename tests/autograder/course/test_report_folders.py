"""Report folders live in reports/<key>/: no student name can take a class file's place, and
two names that make one key are told apart and flagged, never a crash."""
import csv

import pytest

from autograder.__main__ import main
from autograder.course.report_folders import RENAMED, clash_flag, report_keys
from autograder.escape.text import safe_key

from .test_layouts import submit_zip


def test_keys_are_safe_names_and_unique_even_on_a_case_insensitive_disk():
    students = ["alice#1", "alice_1", "Bob", "bob", "gradebook.csv", "../etc", "x\u202eexe", ".."]
    keys = report_keys(students)
    assert set(keys) == set(students)
    assert len({k.lower() for k in keys.values()}) == len(students)  # unique, whatever the case
    for student, key in keys.items():
        assert key == safe_key(key) and "/" not in key and not key.startswith(".")
        assert "\u202e" not in key
    assert keys["gradebook.csv"] == "gradebook.csv"  # allowed: it lives under reports/


def test_a_clash_keeps_the_first_name_plain_and_flags_the_others():
    keys = report_keys(["alice_1", "alice#1"])
    assert keys == report_keys(["alice#1", "alice_1"])  # the same in any order
    plain = [s for s, k in keys.items() if k == "alice_1"]
    renamed = [s for s, k in keys.items() if k != "alice_1"]
    assert len(plain) == 1 and len(renamed) == 1
    assert clash_flag(plain[0], keys[plain[0]]) is None
    flag = clash_flag(renamed[0], keys[renamed[0]])
    assert flag.startswith(RENAMED) and f"reports/{keys[renamed[0]]}/" in flag


@pytest.mark.slow
def test_names_of_class_files_and_clashing_keys_grade_and_are_flagged(tmp_path, reference_files,
                                                                      stub_files):
    """Before: `gradebook.csv.zip` became the folder out/gradebook.csv and grade-all died with
    IsADirectoryError, leaving no gradebook for anyone."""
    klass, out = tmp_path / "class", tmp_path / "out"
    klass.mkdir()
    (klass / "gradebook.csv.zip").write_bytes(submit_zip(reference_files))
    (klass / "summary.md.zip").write_bytes(submit_zip(stub_files))
    (klass / "alice.zip").write_bytes(submit_zip(stub_files))
    (klass / "alice").mkdir()
    (klass / "alice" / "submission.zip").write_bytes(submit_zip(stub_files))
    (klass / "alice_1.zip").write_bytes(submit_zip(stub_files))  # its key is alice#1's too
    assert main(["grade-all", str(klass), "--out", str(out), "-j", "2"]) == 0
    with open(out / "gradebook.csv", newline="") as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    assert set(rows) == {"gradebook.csv", "summary.md", "alice#1", "alice#2", "alice_1"}
    assert float(rows["gradebook.csv"]["total"]) == 100
    assert (out / "summary.md").is_file() and (out / "reports" / "summary.md" / "report.md").is_file()
    assert RENAMED in rows["alice_1"]["flags"] and RENAMED not in rows["alice#1"]["flags"]
    for key in ("gradebook.csv", "alice_1", "alice_1-2", "alice_2"):
        assert (out / "reports" / key / "results.json").is_file()
