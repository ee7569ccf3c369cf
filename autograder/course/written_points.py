"""The written part in the gradebook: written.csv read, checked, and added to the total.

written.csv has a row per student and question (student, question, points, max, comment), as
`python -m autograder written` writes it and its page downloads it, or as a person edits it in
a spreadsheet. `grade-all --written written.csv` adds each student's points per question
(columns named by the question, `1_convolution Q1`), their sum (`written`) and the code's own
score (`code`) to the gradebook, after its other columns; `total`, `raw_total` and `max` grow
by them (a late penalty is taken from the whole), so that every export carries them.

Nothing is a silent 0: a graded student missing from written.csv, or a question without
points (blank, not a number, negative, above its maximum), is flagged on the student's row
and listed in the summary; the total then holds the points that are there. Rows of students
the class does not have and questions the rubric does not ask are listed, not dropped from
the file (the file is never rewritten here).
"""
import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..escape.csvcells import unescaped_rows, writer
from ..escape.markdown import code as md_code, text as md_text
from ..rubric.written import WRITTEN, by_key, written_total
from .late import LatePolicy

COLUMNS = ("student", "question", "points", "max", "comment")
FLAG = "written:"  # every gradebook flag of this part begins so


class WrittenError(ValueError):
    """written.csv cannot be read at all; the message says what to do."""


@dataclass
class Marks:
    """What written.csv says, checked against the rubric (not yet against the class)."""
    points: dict = field(default_factory=dict)    # {(student, question): float}
    refused: dict = field(default_factory=dict)   # {(student, question): why it does not count}
    comments: dict = field(default_factory=dict)  # {(student, question): text}
    students: set = field(default_factory=set)    # every student the file names
    problems: list = field(default_factory=list)  # rows that name no question of the rubric, ...


def write_marks(rows, path):
    """rows: (student, question, points, max, comment) tuples; every cell made safe."""
    with open(path, "w", newline="", encoding="utf-8") as file:
        out = writer(file)
        out.writerow(COLUMNS)
        out.writerows(rows)


def number(text):
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def read_rows(path):
    """written.csv's rows as dicts of text, cells unescaped; WrittenError if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise WrittenError(f"no file {path}: make it with `python -m autograder written CLASS "
                           f"--out DIR` and its page's Download written.csv button")
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = [c for c in ("student", "question", "points") if c not in (reader.fieldnames or [])]
            if missing:
                raise WrittenError(f"{path} is not a written.csv: it has no {', '.join(missing)} "
                                   f"column (its columns: {', '.join(reader.fieldnames or []) or 'none'}; "
                                   f"expected {', '.join(COLUMNS)})")
            return list(unescaped_rows(reader))
    except (UnicodeDecodeError, csv.Error) as error:
        raise WrittenError(f"{path} cannot be read as CSV ({error}): save it as CSV, UTF-8") from None


def read_marks(path, questions=WRITTEN):
    rows = read_rows(path)
    known, marks = by_key(questions), Marks()
    for line, row in enumerate(rows, 2):
        student, question = (row.get("student") or "").strip(), (row.get("question") or "").strip()
        text = (row.get("points") or "").strip()
        if not student:
            if any((v or "").strip() for v in row.values()):
                marks.problems.append(f"written.csv line {line}: no student, not counted")
            continue
        marks.students.add(student)
        if question not in known:
            marks.problems.append(f"written.csv line {line}: question {question!r} is not in the "
                                  f"rubric (its questions: {', '.join(known)}), not counted")
            continue
        place, most = (student, question), known[question].points
        if (row.get("comment") or "").strip():
            marks.comments[place] = row["comment"].strip()
        if place in marks.points or place in marks.refused:
            marks.problems.append(f"written.csv line {line}: {student}, {question} a second "
                                  "time, not counted (the first row counts)")
            continue
        if not text:
            continue  # a question without points: flagged for that student later
        value = number(text)
        if value is None:
            marks.refused[place] = f"points {text!r} are not a number"
        elif value < 0:
            marks.refused[place] = f"{text} points are below 0"
        elif value > most + 1e-9:
            marks.refused[place] = f"{text} points are above its maximum {most:g}"
        else:
            marks.points[place] = value
    return marks


@dataclass
class WrittenPart:
    """The written points of the graded students, and what needs a person."""
    scores: dict = field(default_factory=dict)   # {student: {question: float}}
    flags: dict = field(default_factory=dict)    # {student: [flag]}
    warnings: list = field(default_factory=list)  # about the file as a whole
    questions: tuple = WRITTEN

    def written(self, student):
        return round(sum(self.scores.get(student, {}).values()), 2)


def apply_marks(rows, marks, questions=WRITTEN):
    """The WrittenPart of gradebook rows (rows without a result have no written part), their
    flags appended to the rows themselves."""
    part = WrittenPart(questions=questions, warnings=list(marks.problems))
    graded = {row.student for row in rows if row.result is not None}
    for row in rows:
        if row.result is None:
            continue
        mine, flags = {}, []
        if row.student not in marks.students:
            flags.append(f"{FLAG} not in written.csv (no written points)")
        for q in questions:
            place = (row.student, q.key)
            if place in marks.points:
                mine[q.key] = marks.points[place]
            elif place in marks.refused:
                flags.append(f"{FLAG} {q.key}: {marks.refused[place]}, not counted")
            elif row.student in marks.students:
                flags.append(f"{FLAG} {q.key} has no points")
        part.scores[row.student], part.flags[row.student] = mine, flags
        row.flags.extend(flags)
    for student in sorted(marks.students - graded):
        part.warnings.append(f"written.csv names {student!r}, who is not a graded student of "
                             "this class: their written points are not counted")
    return part


def total_with_written(row, part):
    """The row's total with its written points, a late penalty taken from both; "" when the
    code could not be graded (never a total made of the written part alone)."""
    if row.result is None or row.total is None:
        return ""
    return LatePolicy.applied(row.result.score + part.written(row.student), row.late_penalty)


def widen(columns, rows, lines, part):
    """The gradebook's columns and lines with the written part: total, raw_total and max
    grown, and `code`, `written` and a column per question added after the others."""
    columns = list(columns)
    at = {name: columns.index(name) for name in ("total", "raw_total", "max")}
    keys = [q.key for q in part.questions]
    widened = []
    for row, cells in zip(rows, lines):
        cells = list(cells)
        if row.result is None:
            widened.append(cells + [""] * (2 + len(keys)))
            continue
        cells[at["total"]] = total_with_written(row, part)
        if row.total is not None:
            cells[at["raw_total"]] = round(row.result.score + part.written(row.student), 2)
        cells[at["max"]] = round(cells[at["max"]] + written_total(part.questions), 2)
        scores = part.scores.get(row.student, {})
        code = row.result.score if row.total is not None else ""
        widened.append(cells + [code, part.written(row.student), *[scores.get(k, "") for k in keys]])
    return columns + ["code", "written", *keys], widened


def summary_lines(rows, part):
    """summary.md's section on the written part: the class's mean per question, and what
    needs a person."""
    graded = [row for row in rows if row.result is not None]
    lines = ["## Written answers", "",
             f"Totals above are the code's alone; the gradebook's `total` adds the written "
             f"points (out of {written_total(part.questions):g}).", "",
             "| question | mean | max | students with points |", "|---|---|---|---|"]
    for q in part.questions:
        given = [part.scores[r.student][q.key] for r in graded if q.key in part.scores.get(r.student, {})]
        mean = f"{sum(given) / len(given):.2f}" if given else "-"
        lines.append(f"| {q.key} | {mean} | {q.points:g} | {len(given)} of {len(graded)} |")
    flagged = [f"{md_code(r.student)}: " + md_text("; ".join(part.flags[r.student]))
               for r in graded if part.flags.get(r.student)]
    if flagged or part.warnings:
        lines += ["", f"### Written points missing or refused ({len(flagged) + len(part.warnings)})", ""]
        lines += [f"- {line}" for line in flagged + [md_text(w) for w in part.warnings]]
    return lines + [""]
