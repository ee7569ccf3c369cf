"""The gradebook: a row per student, with the identifiers the layout and the roster give.

Columns, as Gradescope and Canvas order theirs: who (student, name, login, email, sid,
canvas_user_id), the grade (total, max, status), when (submitted_at, late, days_late,
late_penalty in percent, raw_total before it), one score per graded function (raw), where the
submission sits in the class folder, flags for a person (the status when it is not "graded",
no submission, not on the roster, duplicate) and what grading noticed (integrity findings,
how the submission was read), and the isolation. A student with no submission, or whose
submission could not be read or graded, has empty scores, never a zero they did not earn.
Cells go through escape.csvcells, so none is a formula in a spreadsheet; read_gradebook reads
them back as they were.
"""
import csv
from dataclasses import dataclass, field, replace
from typing import Optional

from ..escape import csvcells
from ..escape.text import safe_key, visible
from ..grading.report import isolation_words
from ..grading.results import SubmissionResult
from ..grading.triage import GRADED, NOT_GRADED, status
from ..rubric.cases import RUBRIC
from .late import LatePolicy
from .roster import find_person, roster_index
from .written_points import widen

FUNCTIONS = tuple(graded.function for graded in RUBRIC)
RUBRIC_TOTAL = float(round(sum(graded.points for graded in RUBRIC), 2))
WHO = ("name", "login", "email", "sid", "canvas_user_id")
COLUMNS = ("student", *WHO, "total", "max", "status", "submitted_at", "late", "days_late",
           "late_penalty", "raw_total", *FUNCTIONS, "submission", "flags", "integrity",
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
    days_late: int = 0
    late_penalty: float = 0.0       # percent of the raw total taken

    @property
    def status(self):
        return status(self.result) if self.result is not None else NO_SUBMISSION

    @property
    def scored(self):
        """Whether the row has a total at all (graded, even if badly)."""
        return self.result is not None and self.status not in NOT_GRADED

    @property
    def total(self):
        """The total after the late penalty; None when there is none to give."""
        return LatePolicy.applied(self.result.score, self.late_penalty) if self.scored else None

    def values(self):
        """{column: value} of COLUMNS; "" where there is nothing to say."""
        scored = self.scored  # once: each asks the status of every case
        scores = self.result.by_function() if scored else {}
        noticed = (self.result.integrity + self.result.notes) if self.result else []
        flags = ([self.status] if self.result is not None and self.status != GRADED else []) + self.flags
        late = self.identifiers.get("late", "") or ("late" if self.days_late else "")
        values = {"student": self.student, **{k: self.identifiers.get(k, "") for k in WHO},
                  "total": "" if self.total is None else self.total,
                  "max": self.result.max_score if self.result else RUBRIC_TOTAL,
                  "status": self.status, "submitted_at": self.identifiers.get("submitted_at", ""),
                  "late": late, "days_late": self.days_late or "",
                  "late_penalty": self.late_penalty or "",
                  "raw_total": self.result.score if scored else "",
                  "submission": self.submission, "flags": " | ".join(flags),
                  "integrity": visible(" | ".join(noticed)),
                  "isolation": isolation_words(self.result) if self.result else ""}
        values.update({f: scores.get(f, (0, 0))[0] if scored else "" for f in FUNCTIONS})
        return values

    def cells(self):
        values = self.values()
        return [values[column] for column in COLUMNS]


def rows_of(found, results, people=None, late_policy=None):
    """Rows from a ClassFolder and its results (one per submission, in order); with a roster
    (a list of roster.Person) rows are matched to it and the missing students added; with a
    LatePolicy, late rows lose its penalty."""
    rows = []
    for submission, result in zip(found.submissions, results):
        for student in submission.students:
            # a group: each submitter gets the same grade, under their own name
            mine = replace(result, student=student.key, notes=submission.notes + result.notes)
            rows.append(Row(student.key, mine, dict(student.identifiers), submission.entry,
                            list(submission.flags)))
    if people is not None:
        rows += match_roster(rows, people)
    if late_policy is not None:
        for row in rows:
            if row.result is not None:
                row.days_late, how = late_policy.days_late(row.identifiers)
                row.late_penalty = late_policy.penalty(row.days_late)
                if row.days_late:
                    row.flags.append(f"late {row.days_late} day{'s' * (row.days_late != 1)} "
                                     f"({how}): -{row.late_penalty:g}%")
    return sorted(rows, key=lambda row: row.student.lower())


def match_roster(rows, people):
    """Fill in from the roster what a row lacks, flag rows not on it; rows for the absent.

    One spelling per student: a matched row takes the roster's login (over Canvas's
    file-name form, `smithalice`) as its login and its key, as the absent students' rows do."""
    index, matched = roster_index(people), set()
    taken = {row.student.lower() for row in rows}
    for row in rows:
        number = find_person(row.identifiers, row.student, index)
        if number is None:
            row.flags.append(NOT_ON_ROSTER)
            continue
        matched.add(number)
        person = people[number].identifiers
        for kind, value in person.items():
            if not row.identifiers.get(kind) or kind == "login":
                row.identifiers[kind] = value
        if person.get("login"):
            duplicate = row.student[len(row.student.split("#")[0]):]  # keep "#2" apart
            key = safe_key(person["login"]) + duplicate
            if key.lower() not in taken:
                taken.discard(row.student.lower())
                taken.add(key.lower())
                row.student = key
                row.result = replace(row.result, student=key) if row.result else None
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
        writer = csvcells.writer(file)
        writer.writerow(columns)
        writer.writerows(lines)


def read_gradebook(path):
    """{student: {column: text}} of a gradebook written before (any earlier column set)."""
    with open(path, newline="") as file:
        return {row["student"]: row for row in csvcells.unescaped_rows(csv.DictReader(file))
                if row.get("student")}
