"""The gradebook: a row per student, with the identifiers the layout and the roster give.

Columns: student, total, one per graded function, max, then the identifiers (name, login,
email, sid, canvas_user_id, late, submitted_at), where the submission sits in the class
folder, flags for a person (no submission, not on the roster, duplicate) and what grading
noticed (integrity findings, how the submission was read). A student with no submission has
empty scores, never a zero they did not earn.
"""
import csv
from dataclasses import dataclass, field, replace
from typing import Optional

from ..grading.report import isolation_words
from ..grading.results import SubmissionResult
from ..rubric.cases import RUBRIC
from .layouts import IDENTIFIERS
from .roster import find_person, roster_index
from .written_points import widen

FUNCTIONS = tuple(graded.function for graded in RUBRIC)
RUBRIC_TOTAL = float(round(sum(graded.points for graded in RUBRIC), 2))
COLUMNS = ("student", "total", *FUNCTIONS, "max", *IDENTIFIERS, "submission", "flags", "integrity",
           "isolation")
NO_SUBMISSION = "no submission"
NOT_ON_ROSTER = "not on the roster"


@dataclass
class Row:
    student: str
    result: Optional[SubmissionResult]      # None: nothing was submitted
    identifiers: dict = field(default_factory=dict)
    submission: str = ""                    # where it sits in the class folder
    flags: list = field(default_factory=list)

    def cells(self):
        scores = self.result.by_function() if self.result else {}
        total = self.result.score if self.result else ""
        most = self.result.max_score if self.result else RUBRIC_TOTAL
        per_function = [scores.get(f, (0, 0))[0] if self.result else "" for f in FUNCTIONS]
        noticed = (self.result.integrity + self.result.notes) if self.result else []
        return [self.student, total, *per_function, most,
                *[self.identifiers.get(k, "") for k in IDENTIFIERS], self.submission,
                " | ".join(self.flags), " | ".join(noticed),
                isolation_words(self.result) if self.result else ""]


def rows_of(found, results, people=None):
    """Rows from a ClassFolder and its results (one per submission, in order); with a roster
    (a list of roster.Person) rows are matched to it and the missing students added."""
    rows = []
    for submission, result in zip(found.submissions, results):
        for student in submission.students:
            # a group: each submitter gets the same grade, under their own name
            mine = replace(result, student=student.key, notes=submission.notes + result.notes)
            rows.append(Row(student.key, mine, dict(student.identifiers), submission.entry,
                            list(submission.flags)))
    if people is not None:
        rows += match_roster(rows, people)
    return sorted(rows, key=lambda row: row.student.lower())


def match_roster(rows, people):
    """Fill in from the roster what a row lacks, flag rows not on it; rows for the absent."""
    index, matched = roster_index(people), set()
    for row in rows:
        number = find_person(row.identifiers, row.student, index)
        if number is None:
            row.flags.append(NOT_ON_ROSTER)
            continue
        matched.add(number)
        for kind, value in people[number].identifiers.items():
            if not row.identifiers.get(kind):
                row.identifiers[kind] = value
    taken = {row.student.lower() for row in rows}
    absent = []
    for number, person in enumerate(people):
        if number in matched:
            continue
        key = person.key
        if key.lower() in taken:  # a roster login equal to an unmatched submission's name
            key = f"{key}#roster"
        taken.add(key.lower())
        absent.append(Row(key, None, dict(person.identifiers), "", [NO_SUBMISSION]))
    return absent


def write_gradebook(rows, path, written=None):
    columns, lines = COLUMNS, [row.cells() for row in rows]
    if written is not None:  # the written part's columns, after all others (written_points.py)
        columns, lines = widen(columns, rows, lines, written)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerows(lines)


def read_gradebook(path):
    """{student: {column: text}} of a gradebook written before (any earlier column set)."""
    with open(path, newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file) if row.get("student")}
