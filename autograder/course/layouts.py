"""Class layouts: which system laid out a class folder, and whose submission is what.

Course staff hand grade-all what their systems give them. Each layout below is a recogniser:
a function that looks at the class folder's entries and either passes (None) or claims them,
returning its submissions, the junk it skipped and its warnings. A Gradescope export is a
folder of its own and claims the whole folder. Otherwise layouts mix: Canvas claims the
files it named, one-folder-per-student claims the folders and zips left, and each student is
graded whichever way they came; an entry is junk only when no layout claims it, and the
summary says which layout claimed what. Adding a layout (Moodle, say) is one function here,
a few lines in `claim` and one test.

- Gradescope's "export submissions": `submission_<id>/` folders and `submission_metadata.yml`
  (submitters' names, sids and emails; a group submission lists several, each gets the grade);
- Canvas's bulk download: flat files `<login>[_LATE]_<user id>_<file id>_<original name>`,
  with `-1`, `-2` appended to names a student uploaded again;
- one folder or zip per student, the files at any depth, a zip inside the folder included
  (the `submission.zip` that `make submit` produces).

Junk is skipped and listed, never graded: `__MACOSX/`, dot-files, symbolic links, the --out
folder when it sits inside the class, files that are neither Python nor zip. Two submissions
that resolve to the same student are both graded, kept apart as `alice#1` and `alice#2`, and
listed as duplicates for a person to settle: neither is dropped, neither overwrites the other.

Names and identifiers are the students' own: control and bidi characters in them are shown
(`<U+202E>`), never passed on to the gradebook, reports or the terminal.
"""
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..escape.text import safe_key, visible
from ..grading.submission import WANTED, SubmissionError, ignored, read_submission

# What a layout may know of a student, in the gradebook's order.
IDENTIFIERS = ("name", "login", "email", "sid", "canvas_user_id", "late", "submitted_at")


class LayoutError(ValueError):
    """The class folder cannot be read as a class at all."""


@dataclass
class Student:
    key: str                    # names the gradebook row and the report folder
    identifiers: dict = field(default_factory=dict)  # of IDENTIFIERS


@dataclass
class Submission:
    students: list              # of Student: several for a group submission
    entry: str                  # where it sits in the class folder, for people to find it
    path: Path = None           # a folder or zip, graded as it is...
    files: dict = None          # ...or {name as submitted: file}, staged into a folder first
    notes: list = field(default_factory=list)  # how it was found, said in its report
    flags: list = field(default_factory=list)  # what a person must settle (duplicates)

    @property
    def name(self):
        return "+".join(s.key for s in self.students)


@dataclass
class ClassFolder:
    layout: str
    submissions: list = field(default_factory=list)
    junk: list = field(default_factory=list)        # (entry, why skipped)
    warnings: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)  # a sentence each
    claimed: dict = field(default_factory=dict)     # layout -> [entry] of its submissions

    @classmethod
    def merged(cls, parts):
        """One ClassFolder of the parts that layouts claimed of one folder ("mixed: ..." when
        more than one claimed submissions)."""
        parts = [p for p in parts if p is not None]
        claimed = {p.layout: [s.entry for s in p.submissions] for p in parts if p.submissions}
        layout = (next(iter(claimed)) if len(claimed) == 1 else
                  "mixed: " + " and ".join(f"{name} ({len(e)})" for name, e in claimed.items()))
        found = cls(layout, claimed=claimed)
        for part in parts:
            found.submissions += part.submissions
            found.junk += part.junk
            found.warnings += part.warnings
        return found


# Files that come with a class folder and are no one's submission (the instructor's notes, a
# README): skipped and listed, but not as something a person must look at.
PAPERWORK = re.compile(r"(readme|notes?|grading[ _-]?notes?)([ ._-].*)?|.*\.(md|txt|rst)", re.I)


def is_paperwork(entry):
    """Whether a skipped entry (as listed in ClassFolder.junk) is only paperwork or system
    clutter, which no person needs to look at."""
    name = entry.rstrip("/")
    return bool(PAPERWORK.fullmatch(name)) or name == "__MACOSX" or name.startswith(".")


def is_python_or_zip(path):
    return path.suffix.lower() in (".py", ".zip")


# ---------------------------------------------------------------- Gradescope

GRADESCOPE_FOLDER = re.compile(r"submission_\d+")
GRADESCOPE_METADATA = "submission_metadata.yml"


def read_gradescope_metadata(path, warnings):
    """{folder name: record}; Gradescope's keys are Ruby symbols (`:submitters:`), read as
    strings that begin with ':'. Tags Ruby may add (`!ruby/object:...`) are read as plain
    data, never as objects; an unreadable file is a warning, not a stop."""
    import yaml

    class Plain(yaml.SafeLoader):
        pass

    def untagged(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    Plain.add_multi_constructor("!", untagged)
    try:
        data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), Loader=Plain)
    except yaml.YAMLError as error:
        warnings.append(f"{path.name} could not be read ({error.__class__.__name__}): "
                        "submissions named by their folder only")
        return {}
    if not isinstance(data, dict):
        warnings.append(f"{path.name} is not a mapping of submissions: submissions named by "
                        "their folder only")
        return {}
    return data


def gradescope_students(record, folder_name):
    """Students of one metadata record; the sid names them, else the email, else the name."""
    record = record if isinstance(record, dict) else {}
    submitted_at = visible(record.get(":created_at") or "")
    students = []
    for person in record.get(":submitters") or []:
        if not isinstance(person, dict):
            continue
        name, sid, email = (visible(person.get(k) or "") for k in (":name", ":sid", ":email"))
        key = safe_key(sid or email or name or folder_name)
        students.append(Student(key, {"name": name, "sid": sid, "email": email,
                                      "submitted_at": submitted_at}))
    return students


def gradescope(folder, entries):
    folders = [e for e in entries if e.is_dir() and GRADESCOPE_FOLDER.fullmatch(e.name)]
    metadata_file = folder / GRADESCOPE_METADATA
    if not metadata_file.is_file() and not folders:
        return None
    found = ClassFolder("Gradescope export")
    metadata = read_gradescope_metadata(metadata_file, found.warnings) \
        if metadata_file.is_file() else {}
    if not metadata_file.is_file():
        found.warnings.append(f"no {GRADESCOPE_METADATA}: submissions named by their folder only")
    for entry in entries:
        if entry in folders:
            continue
        if entry.name != GRADESCOPE_METADATA:
            found.junk.append((entry.name, "not a submission_<id> folder of a Gradescope export"))
    for sub in folders:
        students = gradescope_students(metadata.get(sub.name), sub.name)
        if not students:
            if metadata:
                found.warnings.append(f"{sub.name}/ has no submitters in {GRADESCOPE_METADATA}: "
                                      "named by its folder")
            students = [Student(safe_key(sub.name))]
        path, notes = inside_folder(sub)
        found.submissions.append(Submission(students, sub.name + "/", path=path, notes=notes))
    for missing in sorted(set(metadata) - {f.name for f in folders}):
        found.warnings.append(f"{missing} is listed in {GRADESCOPE_METADATA} but its folder "
                              "is missing")
    return found


# ---------------------------------------------------------------- Canvas

CANVAS_FILE = re.compile(r"(?P<login>.+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<file>\d+)_(?P<name>.+)")
CANVAS_RENAMED = re.compile(r"-\d+(?=\.[^.]+$|$)")  # layers-1.py: uploaded again under one name


def canvas_named(entries):
    return [e for e in entries if e.is_file() and CANVAS_FILE.fullmatch(e.name)]


def canvas(folder, entries):
    files = [e for e in entries if e.is_file()]
    matched = {e: CANVAS_FILE.fullmatch(e.name) for e in files}
    named = [e for e in files if matched[e]]
    if not named:
        return None
    found = ClassFolder("Canvas bulk download")
    for entry in entries:
        if entry not in named:
            found.junk.append((entry.name + ("/" if entry.is_dir() else ""),
                               "not named as Canvas names submitted files"))
    by_user = {}
    for entry in named:
        by_user.setdefault(matched[entry]["user"], []).append(entry)
    logins = {}
    for user, entries_of in by_user.items():
        logins.setdefault(visible(matched[entries_of[0]]["login"]), []).append(user)
    for user, entries_of in sorted(by_user.items()):
        first = matched[entries_of[0]]
        login = visible(first["login"])
        key = safe_key(login if len(logins[login]) == 1 else f"{login}_{user}")
        late = any(matched[e]["late"] for e in entries_of)
        student = Student(key, {"login": login, "canvas_user_id": user,
                                "late": "late" if late else ""})
        found.submissions.append(canvas_submission(student, entries_of, matched, found.junk))
    return found


def canvas_submission(student, entries, matched, junk):
    """One student's Canvas files: the Python ones staged under their own names (the newest
    upload of each name), else the zip. Other files are junk, but a student who uploaded
    only those still gets a submission (with nothing to grade) rather than vanishing."""
    newest = {}
    for entry in sorted(entries, key=lambda e: int(matched[e]["file"])):
        if is_python_or_zip(entry):
            newest[CANVAS_RENAMED.sub("", matched[entry]["name"])] = entry  # later ids win
        else:
            junk.append((entry.name, "neither a Python file nor a zip"))
    python = {name: e for name, e in newest.items() if name.lower().endswith(".py")}
    zips = [e for name, e in newest.items() if name.lower().endswith(".zip")]
    entry = visible(", ".join(sorted(e.name for e in entries)))
    if zips and not python:
        notes = [f"several zips uploaded; graded the newest, {visible(zips[-1].name)}"] if len(zips) > 1 else []
        return Submission([student], entry, path=zips[-1], notes=notes)
    notes = []
    if zips:
        notes.append("also uploaded " + visible(", ".join(z.name for z in zips))
                     + ": not read, the Python files were graded")
    if not newest:
        notes.append("uploaded no Python file and no zip: nothing to grade")
    return Submission([student], entry, files=python, notes=notes)


# ---------------------------------------------------------------- one folder or zip each

def holds_wanted(zip_path):
    try:
        with zipfile.ZipFile(zip_path) as archive:
            return any(Path(n).name in WANTED and not ignored(n) for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def inside_folder(folder):
    """What to grade in a student's folder, with notes: the folder itself when it holds a
    layers.py or cnn.py at any depth, else the zip in it (e.g. `make submit`'s)."""
    def readable(path):  # neither hidden nor a symbolic link
        return not ignored(path.relative_to(folder).as_posix()) and not path.is_symlink()

    if any(p.name in WANTED and readable(p) for p in folder.rglob("*.py")):
        return folder, []
    zips = sorted((p for p in folder.rglob("*") if p.suffix.lower() == ".zip" and readable(p)
                   and p.is_file()), key=lambda p: p.relative_to(folder).as_posix())
    if not zips:
        return folder, []  # graded as it is: the grader says what is missing
    useful = [z for z in zips if holds_wanted(z)] or zips
    chosen = max(useful, key=lambda z: z.stat().st_mtime)
    notes = [f"graded the zip inside the folder, {visible(chosen.relative_to(folder).as_posix())}"]
    if len(zips) > 1:
        others = [z.relative_to(folder).as_posix() for z in zips if z != chosen]
        notes.append(f"several zips in the folder; the newest with the files was graded, "
                     f"not {visible(', '.join(others))}")
    return chosen, notes


PER_STUDENT = "one folder or zip per student"


def per_student(folder, entries):
    found = ClassFolder(PER_STUDENT)
    for entry in entries:
        if entry.is_dir():
            path, notes = inside_folder(entry)
            # named as the folder or zip is: a name this file system already holds
            found.submissions.append(Submission([Student(visible(entry.name))],
                                                visible(entry.name) + "/", path=path, notes=notes))
        elif entry.suffix.lower() == ".zip":
            found.submissions.append(Submission([Student(visible(entry.stem))], visible(entry.name),
                                                path=entry))
        elif entry.suffix.lower() == ".py":
            found.junk.append((entry.name, "a loose Python file, in no student's folder or zip"))
        else:
            found.junk.append((entry.name, "neither a folder nor a zip"))
    return found if found.submissions else None


LAYOUTS = (gradescope, canvas, per_student)  # the catch-all comes last


# ---------------------------------------------------------------- reading a class

def junk_reason(entry, out_dir):
    if entry.name == "__MACOSX":
        return "macOS archive metadata"
    if entry.name.startswith("."):
        return "a hidden file"
    if entry.is_symlink():
        return "a symbolic link (not followed)"
    if out_dir is not None and entry.resolve() == out_dir:
        return "the --out folder itself"
    return None


def claim(folder, out_dir, layouts):
    entries, junk = [], []
    for entry in sorted(folder.iterdir()):
        why = junk_reason(entry, out_dir)
        if why:
            junk.append((entry.name + ("/" if entry.is_dir() else ""), why))
        else:
            entries.append(entry)
    found = gradescope(folder, entries) if gradescope in layouts else None
    if found is None:  # Canvas's files, and the folders and zips of the rest, side by side
        named = canvas_named(entries) if canvas in layouts else []
        rest = [e for e in entries if e not in named]
        parts = [canvas(folder, named)]
        students = per_student(folder, rest) if per_student in layouts and rest else None
        if students is None and parts[0] is not None:
            parts[0].junk += [(e.name + ("/" if e.is_dir() else ""),
                               "not named as Canvas names submitted files") for e in rest]
        parts.append(students)
        if all(part is None for part in parts):
            return None
        found = ClassFolder.merged(parts)
    else:
        found.claimed = {found.layout: [s.entry for s in found.submissions]}
    found.junk[:0] = junk
    return found


def keep_duplicates_apart(found):
    """Rename every submission of a student who submitted more than one (alice.zip and
    alice/) to alice#1, alice#2, ... in entry order, and list them for a person to settle."""
    seen = {}
    for submission in found.submissions:
        for student in submission.students:
            seen.setdefault(student.key.lower(), []).append((submission, student))
    for key, holders in seen.items():
        if len(holders) < 2:
            continue
        parts = []
        for number, (submission, student) in enumerate(holders, 1):
            student.key = f"{student.key}#{number}"
            parts.append(f"{submission.entry} as {student.key}")
            submission.flags.append(f"duplicate: {len(holders)} submissions resolve to {key}; "
                                    "graded apart, a person decides which counts")
        found.duplicates.append(f"{key}: " + "; ".join(parts))


def read_class(folder, out_dir=None):
    """The ClassFolder of `folder`, in the first layout that claims it.

    A class downloaded as one folder around the export (assignment_123_export/) is read
    inside it, when a specific layout claims what is inside.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of submissions"
                                 + (": unzip it first" if folder.suffix.lower() == ".zip" else ""))
    out_dir = Path(out_dir).resolve() if out_dir is not None else None
    found = claim(folder, out_dir, LAYOUTS)
    only = found.submissions[0].path if found is not None and len(found.submissions) == 1 else None
    if only is not None and only.is_dir() and found.layout == PER_STUDENT:
        inner = claim(only, out_dir, LAYOUTS[:-1])
        if inner is not None:
            inner.warnings.append(f"read the {inner.layout} inside {only.name}/")
            inner.junk[:0] = found.junk
            found = inner
    if found is None:
        raise LayoutError(f"no submissions in {folder}: expected one folder or .zip per student, "
                          "a Canvas bulk download, or a Gradescope export")
    keep_duplicates_apart(found)
    return found


def stage(submissions, scratch):
    """Give every submission of loose files (Canvas's) a folder of its own under `scratch`,
    the files under the names they were submitted with, so that it grades like any other."""
    for number, submission in enumerate(submissions):
        if submission.files is None:
            continue
        target = Path(scratch) / f"{number:05d}"
        target.mkdir(parents=True)
        for name, source in submission.files.items():
            shutil.copyfile(source, target / name)
        submission.path = target


def class_files(folder, out_dir=None):
    """(name, files) for every submission of a class in any layout, files as
    `read_submission` gives them, or (name, SubmissionError) for one that cannot be read:
    for readers that only read (similarity), never run, the students' code."""
    found = read_class(folder, out_dir)
    with tempfile.TemporaryDirectory(prefix="class-") as scratch:
        stage(found.submissions, scratch)  # Canvas's loose files live while the loop runs
        for submission in found.submissions:
            try:
                yield submission.name, read_submission(submission.path)[0]
            except SubmissionError as error:
                yield submission.name, error
