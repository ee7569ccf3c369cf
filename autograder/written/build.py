"""`python -m autograder written CLASS --out DIR`: DIR/written.html and DIR/written.csv.

written.csv has a row per student and question, points and comments empty the first time.
Made again into the same DIR (more submissions, a regrade), it keeps the points and comments
of the written.csv already there, and its rows that match no answer now (a student gone from
the class folder) stay at the end of the file: nothing typed is lost.
"""
from pathlib import Path

from ..course.written_points import COLUMNS, read_rows, write_marks
from ..escape.text import terminal
from ..grading.answers import read_answers
from ..paths import NOTEBOOKS
from ..rubric.written import WRITTEN
from .collect import collect
from .page import write_page


def prompts(folder=NOTEBOOKS):
    """{question key: the question cell's text}, from the notebooks as shipped."""
    read, found = {}, {}
    for q in WRITTEN:
        path = Path(folder) / q.notebook
        if q.notebook not in read:
            read[q.notebook] = read_answers(path.read_bytes()) if path.is_file() else None
        notebook = read[q.notebook]
        found[q.key] = notebook.prompts.get(q.number, "") if notebook else ""
    return found


def earlier_marks(path):
    """{(student, question): {"points", "comment", "row"}} of an earlier written.csv, if any."""
    if not path.is_file():
        return {}
    marks = {}
    for row in read_rows(path):
        key = ((row.get("student") or "").strip(), (row.get("question") or "").strip())
        marks.setdefault(key, {"points": (row.get("points") or "").strip(),
                               "comment": row.get("comment") or "",
                               "row": {c: row.get(c) or "" for c in COLUMNS}})
    return marks


def build_written(folder, out_dir, class_name=None):
    """Write both files; return (students, {question key: answers that are not empty})."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layout, students = collect(folder, out_dir)
    csv_path = out_dir / "written.csv"
    marks = earlier_marks(csv_path)
    here = {(s.student, q.key) for s in students for q in WRITTEN}
    extra = [m["row"] for key, m in marks.items() if key not in here and any(m["row"].values())]
    rows = [(s.student, q.key, marks.get((s.student, q.key), {}).get("points", ""), q.points,
             marks.get((s.student, q.key), {}).get("comment", ""))
            for s in students for q in WRITTEN]
    write_marks(rows + [tuple(r[c] for c in COLUMNS) for r in extra], csv_path)
    write_page(out_dir / "written.html", layout, students, prompts(), marks, extra,
               class_name or Path(folder).resolve().name)
    answered = {q.key: sum(not s.answers[q.key].empty for s in students) for q in WRITTEN}
    return students, answered


def note_lines(students):
    """One line per student whose notebooks need a look (also shown on the page): missing
    notebooks named together, every other note as it is."""
    lines = []
    for student in students:
        missing = sorted({q.notebook for q in WRITTEN
                          if any(n.endswith("is not in the submission") for n in student.answers[q.key].notes)})
        others = list(dict.fromkeys(student.notes + [n for a in student.answers.values() for n in a.notes
                                                     if not n.endswith("is not in the submission")]))
        said = ([f"no {', '.join(missing)}"] if missing else []) + others
        if said:
            lines.append(terminal(f"{student.student}: " + "; ".join(said)))
    return lines
