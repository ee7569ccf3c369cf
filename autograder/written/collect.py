"""Every student's written answers, read from the class as grade-all reads it.

The class is read by course/layouts.py, so students have the same keys as in the gradebook.
In each submission (a folder, a zip, a zip inside a folder, Canvas's loose files) the
notebooks are found by their shipped names at any depth, `notebooks/<name>` first; a zip is
read in memory, never extracted, with grading's rules for unsafe and hidden members. Nothing
is run: a notebook is JSON, read as data.
"""
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..course.layouts import CANVAS_FILE, CANVAS_RENAMED, read_class
from ..grading.answers import Answer, read_answers
from ..grading.submission import MAX_MEMBERS, ignored, unsafe
from ..rubric.written import WRITTEN

NOTEBOOK_MAX_BYTES = 20 << 20  # a notebook saved with its figures is a few MB


@dataclass
class StudentAnswers:
    student: str
    entry: str                                     # where it sits in the class folder
    answers: dict = field(default_factory=dict)    # {question key: Answer}
    notes: list = field(default_factory=list)      # about the submission as a whole


def preference(name, wanted):
    parts = PurePosixPath(name).parts
    return (not name.endswith(f"notebooks/{wanted}"), len(parts), name)


def choose(found, notes):
    """{wanted notebook: bytes} from {path in the submission: reader}, noting ambiguity."""
    chosen = {}
    for wanted in sorted({q.notebook for q in WRITTEN}):
        names = sorted((n for n in found if PurePosixPath(n).name == wanted),
                       key=lambda n: preference(n, wanted))
        if len(names) > 1:
            notes.append(f"several {wanted}: read {names[0]} (not {', '.join(names[1:])})")
        if names:
            chosen[wanted] = found[names[0]]
    return chosen


def from_zip(path, notes):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        notes.append(f"{Path(path).name} is not a readable zip ({error}): no notebook read")
        return {}
    with archive:
        members = archive.infolist()[:MAX_MEMBERS]
        found = {m.filename: m for m in members if m.filename.endswith(".ipynb")
                 and not unsafe(m.filename) and not ignored(m.filename) and not m.is_dir()}
        chosen = {}
        for wanted, info in choose(found, notes).items():
            if info.file_size > NOTEBOOK_MAX_BYTES:
                notes.append(f"{info.filename} is {info.file_size} bytes, over "
                             f"{NOTEBOOK_MAX_BYTES} bytes: not read")
                continue
            try:
                chosen[wanted] = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as error:
                notes.append(f"{info.filename} could not be read from the zip ({error})")
        return chosen


def from_folder(folder, notes):
    found = {}
    for path in sorted(folder.rglob("*.ipynb")):
        rel = path.relative_to(folder).as_posix()
        if not ignored(rel) and not path.is_symlink() and path.is_file():
            found[rel] = path
    if not found:  # a folder holding the zip of `make submit`
        zips = sorted(p for p in folder.rglob("*.zip") if not ignored(p.relative_to(folder).as_posix())
                      and p.is_file() and not p.is_symlink())
        return from_zip(max(zips, key=lambda z: z.stat().st_mtime), notes) if zips else {}
    return {name: read_capped(path, notes) for name, path in choose(found, notes).items()}


def read_capped(path, notes):
    if path.stat().st_size > NOTEBOOK_MAX_BYTES:
        notes.append(f"{path.name} is over {NOTEBOOK_MAX_BYTES} bytes: not read")
        return b"{}"
    return path.read_bytes()


def from_canvas(folder, user):
    """Canvas keeps only Python files and zips in a submission; its notebooks are the loose
    files of the same user id (the newest upload of each name)."""
    newest = {}
    for path in sorted(folder.iterdir()):
        match = CANVAS_FILE.fullmatch(path.name)
        if match and match["user"] == user and path.suffix == ".ipynb" and path.is_file():
            newest.setdefault(CANVAS_RENAMED.sub("", match["name"]), []).append((int(match["file"]), path))
    return {name: max(paths)[1] for name, paths in newest.items()}


def notebooks_of(submission, folder, notes):
    if submission.path is not None and submission.path.is_file():
        return from_zip(submission.path, notes)
    if submission.path is not None and submission.path.is_dir():
        return from_folder(submission.path, notes)
    user = next((s.identifiers.get("canvas_user_id") for s in submission.students
                 if s.identifiers.get("canvas_user_id")), None)
    found = from_canvas(folder, user) if user else {}
    return {name: read_capped(path, notes) for name, path in found.items()}


def answers_of(notebooks, notes):
    """{question key: Answer} for every question of the rubric, none left out."""
    read = {name: read_answers(raw) for name, raw in notebooks.items()}
    answers = {}
    for q in WRITTEN:
        notebook = read.get(q.notebook)
        if notebook is None:
            answers[q.key] = Answer(q.number, notes=[f"{q.notebook} is not in the submission"])
        elif notebook.problems:
            answers[q.key] = Answer(q.number, notes=[f"{q.notebook}: {p}" for p in notebook.problems])
        elif q.number not in notebook.answers:
            answers[q.key] = Answer(q.number, notes=[
                f"{q.notebook} has no `## Inline Question {q.number}` heading (removed or "
                "changed): its answer cannot be told apart"])
        else:
            answers[q.key] = notebook.answers[q.number]
    asked = {(q.notebook, q.number) for q in WRITTEN}
    for name, notebook in read.items():
        extra = sorted(n for n in notebook.answers if (name, n) not in asked)
        if extra:
            notes.append(f"{name} has Inline Question {', '.join(map(str, extra))}, which the "
                         "rubric does not ask: not shown")
    return answers


def collect(folder, out_dir=None):
    """(layout, [StudentAnswers]) for the class in `folder`, one per gradebook key."""
    folder = Path(folder)
    found = read_class(folder, out_dir)
    everyone = []
    for submission in found.submissions:
        notes = []
        notebooks = notebooks_of(submission, folder, notes)
        answers = answers_of(notebooks, notes)
        for student in submission.students:  # a group: each member gets the group's answers
            everyone.append(StudentAnswers(student.key, submission.entry, answers, list(notes)))
    return found.layout, sorted(everyone, key=lambda s: s.student.lower())

