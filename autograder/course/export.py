"""Exports: a class's gradebook.csv as the files other systems import.

Each export is a pure function from the gradebook's rows (and, for Canvas, the rows Canvas
exported) to the rows the other system reads; reading and writing CSV stay at the edges.

- `canvas`: Canvas's own gradebook export, cut down to what its importer needs (the student
  columns Student, ID, SIS User ID, SIS Login ID, Integration ID, Section; the "Points
  Possible" row) plus the one assignment column, filled in. Canvas's importer skips its
  read-only computed columns (Current/Final/Unposted Score, Grade, Points; Override ...)
  and any assignment whose column is unchanged, so nothing is lost by dropping them; and
  leaving other assignments out means an import can never put back a grade someone changed
  in Canvas after the export was made. The file keeps the export's delimiter (Canvas may
  write ';') and its byte-order mark, if it had one.
- `long`: one row per student (student, id, email, score, max, late, status, raw_score,
  late_penalty), for anything else.

Scores are the gradebook's totals, after any late penalty grade-all applied (`--deadline`,
`--late-penalty`); the long export keeps the raw score and the penalty beside them.
- `moodle`: what Moodle's "Import grades: CSV file" maps: identifier columns (Email address,
  ID number, Username) and one grade column.

A student without a grade is never given one silently: no submission stays blank (Canvas:
the cell is left as exported) unless --missing-as-zero; a submission the grader failed on
is never turned into a zero, it is left out and listed for a human.
"""
import codecs
import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

from ..escape import csvcells
from ..grading.triage import NOT_GRADED
from ..rubric.cases import RUBRIC
from ..rubric.written import WRITTEN
from .written_points import FLAG as WRITTEN_FLAG


class ExportError(ValueError):
    """The inputs cannot be exported as asked; the message says what to do instead."""


GRADEBOOK = "gradebook.csv"
GRADED, NO_SUBMISSION, FAILED = "graded", "no submission", "grading failed"
# gradebook.csv's columns an export reads, under the names a class layout may give them.
ALIASES = {
    "canvas_id": ("canvas_user_id", "canvas_id"),
    "sis_id": ("sis_user_id", "sid", "student_id"),
    "login": ("login", "canvas_login", "sis_login_id"),
    "email": ("email",),
    "late": ("late",),
    "max": ("max", "max_score"),
}
# Where the gradebook flags a row for a person ("no submission | duplicate"), and where it
# notes what grading met ("grading failed: ..."); entries are joined by " | ".
FLAG_COLUMNS = ("flags", "status")
NOTE_COLUMNS = ("integrity", "notes")


@dataclass(frozen=True)
class Grade:
    """One gradebook row, as exports need it."""
    student: str
    score: Optional[float]       # None: nothing to give (no submission, grading failed)
    max_score: float
    status: str = GRADED         # graded | no submission | grading failed
    canvas_id: str = ""
    sis_id: str = ""
    login: str = ""
    email: str = ""
    late: str = ""               # yes | no | "" (the layout does not say)
    raw_score: Optional[float] = None  # before a late penalty
    late_penalty: Optional[float] = None  # percent taken for lateness
    written: tuple = ()          # ((column, text), ...): code, written, per question (--written)
    unmarked: tuple = ()         # the gradebook's flags about missing written points

    @property
    def best_id(self):
        return self.sis_id or self.canvas_id or self.login


# --- numbers, as LMS files write them -----------------------------------------------------

def parse_number(text):
    """A float from "85", "85.5", "85,5" or "1.234,5" (Canvas's semicolon exports), else None."""
    text = (text or "").strip()
    if not re.fullmatch(r"-?[0-9.,]+", text):
        return None
    *whole, decimals = re.split(r"[.,]", text)
    try:
        return float(f"{''.join(whole)}.{decimals}" if whole else decimals)
    except ValueError:
        return None


def number(value):
    """85 -> "85", 85.5 -> "85.5", 85.256 -> "85.26": Canvas shows two decimals at most."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def truthy(text):
    text = (text or "").strip().lower()
    if not text:
        return ""
    return "no" if text in ("0", "false", "no", "n", "on time") else "yes"


# --- the gradebook --------------------------------------------------------------------------

def gradebook_path(grades):
    """GRADES is a grade-all output folder or its gradebook.csv."""
    path = Path(grades)
    if path.is_dir():
        path = path / GRADEBOOK
    if not path.is_file():
        raise ExportError(f"no {GRADEBOOK} at {path}: pass the folder that "
                          f"`python -m autograder grade-all ... --out FOLDER` wrote")
    return path


def rubric_total():
    return sum(graded.points for graded in RUBRIC)


def entries(row, columns):
    return [e.strip().lower() for name in columns for e in (row.get(name) or "").split("|")]


def status_of(row):
    """Whole entries only: the notes quote paths from the submission, which the student names.
    A submission that could not be read or graded is FAILED (left for a person), before the
    empty total that it shares with a student who submitted nothing."""
    if (row.get("status") or "").strip() in NOT_GRADED or any(
            e.startswith(FAILED) for e in entries(row, NOTE_COLUMNS)):
        return FAILED
    if NO_SUBMISSION in entries(row, FLAG_COLUMNS) or parse_number(row.get("total")) is None:
        return NO_SUBMISSION
    return GRADED


def grade_from_row(row):
    """A Grade from one gradebook.csv row ({column: text})."""
    def first(kind):
        return next(((row.get(name) or "").strip() for name in ALIASES[kind] if row.get(name)), "")
    status = status_of(row)
    most = parse_number(first("max"))
    return Grade(student=(row.get("student") or "").strip(),
                 score=parse_number(row.get("total")) if status == GRADED else None,
                 max_score=rubric_total() if most is None else most, status=status,
                 canvas_id=first("canvas_id"), sis_id=first("sis_id"), login=first("login"),
                 email=first("email"), late=truthy(first("late")),
                 raw_score=parse_number(row.get("raw_total")) if status == GRADED else None,
                 late_penalty=parse_number(row.get("late_penalty")), **written_parts(row))


# --- the written part (grade-all --written): its columns, and its flags for a person --------

WRITTEN_COLUMNS = ("code", "written", *(q.key for q in WRITTEN))


def written_parts(row):
    flags = [e.strip() for e in (row.get("flags") or "").split("|")
             if e.strip().startswith(WRITTEN_FLAG)]
    return {"written": tuple((c, (row.get(c) or "").strip()) for c in WRITTEN_COLUMNS if c in row),
            "unmarked": tuple(flags)}


def written_warnings(grades):
    """The exported total holds the written points that are there: say whose are not."""
    return [f"{g.student}: the total lacks written points ({'; '.join(g.unmarked)})"
            for g in grades if g.unmarked and g.score is not None]


def read_gradebook(grades):
    path = gradebook_path(grades)
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        if not reader.fieldnames or not {"student", "total"} <= set(reader.fieldnames):
            raise ExportError(f"{path} is not a grade-all gradebook: it has no student and "
                              f"total columns (it has {', '.join(reader.fieldnames or [])})")
        return [grade_from_row(row) for row in csvcells.unescaped_rows(reader)]  # ours: escaped


# --- CSV files as other systems write them ----------------------------------------------------

@dataclass
class Sheet:
    """A CSV file's rows, and how to write it back the way its system wrote it."""
    rows: list
    delimiter: str = ","
    bom: bool = False


def sniff_delimiter(text):
    """',' or ';', the way Canvas's importer decides: the separator that splits the first
    lines into the same number of fields, and into more of them."""
    lines = text.splitlines()[:3]
    counts = {}
    for separator in ",;":
        sizes = {len(next(csv.reader([line], delimiter=separator), [])) for line in lines}
        counts[separator] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def read_sheet(path):
    raw = Path(path).read_bytes()
    bom = raw.startswith(codecs.BOM_UTF8)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # re-saved by Excel on Windows
    delimiter = sniff_delimiter(text)
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]
    return Sheet(rows, delimiter, bom)


def write_sheet(sheet, path):
    with open(path, "w", newline="", encoding="utf-8-sig" if sheet.bom else "utf-8") as file:
        # No cell a spreadsheet runs as a formula (numbers stay numbers: Canvas reads them).
        csvcells.writer(file, delimiter=sheet.delimiter, lineterminator="\n").writerows(sheet.rows)


def write_rows(rows, path):
    write_sheet(Sheet(rows), path)


# --- Canvas ---------------------------------------------------------------------------------

# The student columns Canvas's importer reads, in the order its export writes them.
CANVAS_STUDENT = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID",
                  "Integration ID", "Root Account", "Section")
# Canvas's computed totals (also "Unposted ...", per assignment group, per grading period):
# its importer drops every column whose name contains one of these.
CANVAS_COMPUTED = re.compile(r"(Current|Final|Override) (Score|Points|Grade|Status)")
CANVAS_ASSIGNMENT = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)$")
# Words in an assignment's title that name this kit's assignment.
KIT_TITLE = re.compile(r"\bconv|\bcnn\b", re.IGNORECASE)


@dataclass
class CanvasExport:
    header: list
    points: list            # the "Points Possible" row ([] when the export has none)
    hidden: list            # the "Manual Posting" row ([] when none)
    students: list          # the student rows
    sheet: Sheet

    def column(self, name):
        return self.header.index(name) if name in self.header else None

    def cell(self, row, index):
        return row[index].strip() if index is not None and index < len(row) else ""


def parse_canvas(sheet, source="the Canvas export"):
    if not sheet.rows:
        raise ExportError(f"{source} is empty")
    header = [h.strip() for h in sheet.rows[0]]
    if header[0] not in ("Student", "LastName") or "ID" not in header or "Section" not in header:
        raise ExportError(f"{source} is not a Canvas gradebook export (its columns begin "
                          f"{', '.join(header[:5])}): in Canvas, open Grades, then Export > "
                          f"Export Entire Gradebook, and pass that file")
    export = CanvasExport(header, [], [], [], sheet)
    for row in sheet.rows[1:]:
        row = row + [""] * (len(header) - len(row))
        if row[0].strip() == "Points Possible":
            export.points = row
        elif any(c.strip() for c in row) and all(
                re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.IGNORECASE) for c in row):
            export.hidden = row
        else:
            export.students.append(row)
    return export


def assignment_columns(export):
    """{index: header} of the gradable assignment columns."""
    found = {}
    after_students = export.header.index("Section") + 1
    for index, name in enumerate(export.header[after_students:], after_students):
        points = export.cell(export.points, index)
        if CANVAS_COMPUTED.search(name) or "read only" in points.lower():
            continue
        if CANVAS_ASSIGNMENT.match(name) or parse_number(points) is not None:
            found[index] = name
    return found


def pick_column(export, wanted=None):
    """The index of the assignment column to fill: --column by name, title or id; else the
    only assignment column, or the only one whose title names this kit."""
    columns = assignment_columns(export)
    listing = "; ".join(f'"{name}"' for name in columns.values()) or "none"
    if wanted:
        def title_and_id(name):
            match = CANVAS_ASSIGNMENT.match(name)
            return (match["title"], match["id"]) if match else (name, "")
        hits = [i for i, name in columns.items()
                if wanted.strip() in (name, title_and_id(name)[1])
                or wanted.strip().lower() == title_and_id(name)[0].lower()]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise ExportError(f"--column {wanted!r} names several columns; pass the one you "
                              f"mean by its id: {'; '.join(columns[i] for i in hits)}")
        raise ExportError(f"no assignment column {wanted!r} in the Canvas export; its "
                          f"assignment columns are: {listing}")
    if len(columns) == 1:
        return next(iter(columns))
    named = [i for i, name in columns.items() if KIT_TITLE.search(name)]
    if len(named) == 1:
        return named[0]
    if not columns:
        raise ExportError("the Canvas export has no assignment column: create the assignment "
                          "in Canvas (published, with its points), export the gradebook again")
    raise ExportError(f"which assignment? pass --column NAME (a title or an id); the Canvas "
                      f"export's assignment columns are: {listing}")


def canvas_keys(export, row):
    """The keys a Canvas student row can be found by."""
    canvas_id = export.cell(row, export.column("ID"))
    sis_id = export.cell(row, export.column("SIS User ID"))
    login = export.cell(row, export.column("SIS Login ID")).lower()
    keys = [("canvas_id", canvas_id), ("sis_id", sis_id), ("login", login)]
    return [(kind, value) for kind, value in keys if value]


def grade_keys(grade):
    """The keys to look a gradebook row up by, surest first: the layout's Canvas user id,
    then the SIS id, then the login (which may be the email), then the name the layout gave
    the submission (a folder named by login or id)."""
    student = grade.student.strip()
    return [("canvas_id", grade.canvas_id), ("sis_id", grade.sis_id),
            ("login", grade.login.lower()), ("login", grade.email.lower()),
            ("login", student.lower()), ("sis_id", student), ("canvas_id", student)]


def match_students(export, grades):
    """({Canvas row index: [grades]}, [grades found nowhere in Canvas])."""
    index = {}
    for position, row in enumerate(export.students):
        for key in canvas_keys(export, row):
            index.setdefault(key, position)
    matched, unmatched = {}, []
    for grade in grades:
        position = next((index[k] for k in grade_keys(grade) if k[1] and k in index), None)
        if position is None:
            unmatched.append(grade)
        else:
            matched.setdefault(position, []).append(grade)
    return matched, unmatched


@dataclass
class Outcome:
    """What an export did, for the person who runs it."""
    written: int = 0         # grades written
    zeros: int = 0           # students given 0 by --missing-as-zero
    untouched: int = 0       # students whose cell was left as it was
    warnings: list = field(default_factory=list)

    def summary(self, path):
        return (f"{path}: {self.written} grades written, {self.zeros} zeros for missing work, "
                f"{self.untouched} left as they were")


def scaled(grade, points, scale):
    if points is None or abs(points - grade.max_score) < 1e-9:
        return grade.score
    if not scale:
        raise ExportError(f"the Canvas assignment is worth {number(points)} points but the "
                          f"grades are out of {number(grade.max_score)}: pass --scale to "
                          f"convert them (e.g. {number(grade.max_score * 0.85)} -> "
                          f"{number(points * 0.85)}), or change the assignment's points in Canvas")
    return grade.score * points / grade.max_score


def canvas_cell(current, grades, points, missing_as_zero, scale, outcome, who):
    """The new text of one student's cell."""
    if current.upper() in ("N/A", "EX"):
        if any(g.score is not None for g in grades):
            why = "excused" if current.upper() == "EX" else "not assigned this assignment"
            outcome.warnings.append(f"{who} is {why} in Canvas: left as {current}")
        outcome.untouched += 1
        return current
    if len(grades) > 1:
        outcome.warnings.append(f"{who} matches several submissions "
                                f"({', '.join(g.student for g in grades)}): left as it was, "
                                f"for a human to decide")
        outcome.untouched += 1
        return current
    grade = grades[0] if grades else None
    if grade is not None and grade.score is not None:
        outcome.written += 1
        return number(scaled(grade, points, scale))
    if grade is not None and grade.status == FAILED:
        outcome.warnings.append(f"{who}: grading failed for {grade.student}, so no grade is "
                                f"written (regrade it, or enter it by hand)")
    elif missing_as_zero:
        outcome.zeros += 1
        return "0"
    outcome.untouched += 1
    return current


def canvas_import(export, grades, column=None, missing_as_zero=False, scale=False):
    """(the rows Canvas imports, Outcome) from Canvas's export and the class's grades."""
    target = pick_column(export, column)
    keep = [i for i, name in enumerate(export.header) if name in CANVAS_STUDENT] + [target]
    points = parse_number(export.cell(export.points, target))
    matched, unmatched = match_students(export, grades)
    outcome = Outcome()
    rows = [[export.header[i] for i in keep]]
    rows += [[row[i] for i in keep] for row in (export.hidden, export.points) if row]
    for position, row in enumerate(export.students):
        who = f"{row[0].strip()} (Canvas ID {export.cell(row, export.column('ID'))})"
        cell = canvas_cell(export.cell(row, target), matched.get(position, []), points,
                           missing_as_zero, scale, outcome, who)
        rows.append([row[i] for i in keep[:-1]] + [cell])
    for grade in unmatched:
        if grade.status != NO_SUBMISSION:
            outcome.warnings.append(f"{grade.student} ({grade.best_id or 'no id'}) is not in "
                                    f"the Canvas export: not exported")
    return rows, outcome


def export_canvas(grades, canvas_export, out, column=None, missing_as_zero=False, scale=False):
    grades = read_gradebook(grades)
    if not Path(canvas_export).is_file():
        raise ExportError(f"no file {canvas_export}: in Canvas, open Grades, then Export > "
                          f"Export Entire Gradebook, and pass the CSV it downloads")
    sheet = read_sheet(canvas_export)
    export = parse_canvas(sheet, str(canvas_export))
    rows, outcome = canvas_import(export, grades, column, missing_as_zero, scale)
    outcome.warnings += written_warnings(grades)
    write_sheet(replace(sheet, rows=rows), out)
    return outcome


# --- long and Moodle --------------------------------------------------------------------------

LONG_COLUMNS = ("student", "id", "email", "score", "max", "late", "status", "raw_score",
                "late_penalty")


def given(grade, missing_as_zero):
    """The score to write, or None; a failed grading never becomes a zero."""
    if grade.score is not None:
        return grade.score
    return 0.0 if missing_as_zero and grade.status == NO_SUBMISSION else None


def long_rows(grades, missing_as_zero=False):
    """With the written part, its columns (code, written, one per question) come last."""
    parts = next((dict(g.written) for g in grades if g.written), {})
    rows = [list(LONG_COLUMNS) + list(parts)]
    for grade in grades:
        score = given(grade, missing_as_zero)
        rows.append([grade.student, grade.best_id, grade.email,
                     "" if score is None else number(score), number(grade.max_score),
                     grade.late, grade.status,
                     "" if grade.raw_score is None else number(grade.raw_score),
                     "" if grade.late_penalty is None else number(grade.late_penalty),
                     *[dict(grade.written).get(c, "") for c in parts]])
    return rows


MOODLE_IDENTIFIERS = ("Email address", "ID number", "Username")


def moodle_rows(grades, column="Grade", missing_as_zero=False):
    """Rows for Moodle's CSV grade import; (rows, Outcome). Students without a grade are
    left out: Moodle then keeps whatever they have."""
    rows, outcome = [[*MOODLE_IDENTIFIERS, column]], Outcome()
    for grade in grades:
        score = given(grade, missing_as_zero)
        if score is None:
            if grade.status == FAILED:
                outcome.warnings.append(f"{grade.student}: grading failed, not exported")
            outcome.untouched += 1
            continue
        rows.append([grade.email, grade.sis_id, grade.login or grade.student, number(score)])
        if grade.score is None:
            outcome.zeros += 1
        else:
            outcome.written += 1
    return rows, outcome


def export_long(grades, out, missing_as_zero=False):
    grades = read_gradebook(grades)
    write_rows(long_rows(grades, missing_as_zero), out)
    return Outcome(warnings=written_warnings(grades), written=sum(g.score is not None for g in grades),
                   zeros=sum(g.score is None and given(g, missing_as_zero) is not None
                             for g in grades),
                   untouched=sum(given(g, missing_as_zero) is None for g in grades))


def export_moodle(grades, out, column="Grade", missing_as_zero=False):
    grades = read_gradebook(grades)
    rows, outcome = moodle_rows(grades, column, missing_as_zero)
    outcome.warnings += written_warnings(grades)
    write_rows(rows, out)
    return outcome
