"""Where each student's results.json and report.md go: DIR/reports/<key>/.

The class run's own files (gradebook.csv, summary.md, ...) stay at DIR's root and no student
name ever names anything there, so a zip called `gradebook.csv.zip` cannot take the
gradebook's place. A key is the student's name made safe for a file system
(escape.text.safe_key); two names that make one key (`alice#1` and `alice_1`, or `Bob` and
`bob` on a case-insensitive disk) are told apart with `-2`, `-3`, ... and flagged for a person,
never a crash of the class.
"""
from pathlib import Path

from ..escape.text import safe_key

REPORTS = "reports"
RENAMED = "report folder renamed"  # the flag's first words


def report_keys(students):
    """{student: unique folder key}, the same for the same students in any order: the names
    are taken in sorted order, so the first name of a clash keeps the plain key."""
    keys, taken = {}, set()
    for student in sorted(set(students)):
        key, number = safe_key(student), 1
        while key.lower() in taken:
            number += 1
            key = f"{safe_key(student)[:75]}-{number}"
        taken.add(key.lower())
        keys[student] = key
    return keys


def clash_flag(student, key):
    """The flag of a student whose folder is not named plainly after them, else None."""
    if key == safe_key(student):
        return None
    return (f"{RENAMED}: another student's name also makes `{safe_key(student)}`, so this "
            f"student's report is in {REPORTS}/{key}/")


def report_folder(out_dir, key):
    return Path(out_dir) / REPORTS / key
