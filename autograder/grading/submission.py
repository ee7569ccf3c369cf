"""Reading a submission: a folder or a .zip holding `layers.py` and `cnn.py` at any depth.

A zip is read in memory and never extracted, so a member named `../../x` cannot land
anywhere; such members are skipped and reported. Sizes are capped against zip bombs.
"""
import zipfile
from pathlib import Path, PurePosixPath

from ..escape.text import visible

MAX_FILE_BYTES = 1 << 20
MAX_MEMBERS = 5000
WANTED = {"layers.py": "layers.py", "cnn.py": "classifiers/cnn.py"}


class SubmissionError(ValueError):
    """The submission cannot be read at all (not a folder, not a zip, corrupt)."""


def unsafe(name):
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or name.startswith("/")


def preference(path):
    """Sort key: the file in its expected place first, then the shallowest, then by name."""
    parts = PurePosixPath(path).parts
    expected = WANTED[parts[-1]]
    return (not path.endswith(expected), len(parts), path)


def choose(candidates, notes):
    """{"layers.py": (path, bytes), ...} from [(path, reader)], noting ambiguity."""
    chosen = {}
    for base, rel in WANTED.items():
        found = sorted((p for p, _ in candidates if PurePosixPath(p).name == base), key=preference)
        if not found:
            notes.append(f"no {base} found in the submission: its functions score 0")
            continue
        if len(found) > 1:
            notes.append(f"several {base} found; graded {visible(found[0])} "
                         f"(ignored: {visible(', '.join(found[1:]))})")
        chosen[rel] = found[0]
    return chosen


def ignored(path):
    parts = PurePosixPath(path).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def read_zip(path, notes):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError(f"{path} is not a readable zip file ({error})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SubmissionError(f"{path} holds {len(members)} files (more than {MAX_MEMBERS})")
        candidates = []
        for info in members:
            if unsafe(info.filename):  # before anything else: '..' also looks like a hidden name
                notes.append(f"skipped unsafe path in the zip: {info.filename!r}")
                continue
            if info.is_dir() or ignored(info.filename):
                continue
            if PurePosixPath(info.filename).name in WANTED:
                candidates.append((info.filename, info))
        chosen = choose(candidates, notes)
        lookup = dict(candidates)
        files = {}
        for rel, member in chosen.items():
            info = lookup[member]
            if info.file_size > MAX_FILE_BYTES:
                notes.append(f"{visible(member)} is {info.file_size} bytes, over the "
                             f"{MAX_FILE_BYTES} limit: not graded")
                continue
            try:
                files[rel] = archive.read(info)[:MAX_FILE_BYTES]
            except (zipfile.BadZipFile, OSError, RuntimeError) as error:
                notes.append(f"{visible(member)} could not be read from the zip ({error})")
        return files


def read_folder(path, notes):
    candidates = []
    for file in sorted(Path(path).rglob("*.py")):
        rel = file.relative_to(path).as_posix()
        if file.name in WANTED and not ignored(rel) and not file.is_symlink():
            candidates.append((rel, file))
    lookup = dict(candidates)
    files = {}
    for rel, member in choose(candidates, notes).items():
        files[rel] = lookup[member].read_bytes()[:MAX_FILE_BYTES]
    return files


def read_submission(path):
    """({"layers.py": text, "classifiers/cnn.py": text}, notes); either may be missing."""
    path, notes = Path(path), []
    if path.is_dir():
        raw = read_folder(path, notes)
    elif path.is_file():
        raw = read_zip(path, notes)
    else:
        raise SubmissionError(f"{path} is neither a folder nor a .zip file")
    files = {}
    for rel, data in raw.items():
        text = data.decode("utf-8", errors="replace")
        if "\ufffd" in text:
            notes.append(f"{rel} is not valid UTF-8: undecodable bytes were replaced")
        files[rel] = text
    return files, notes


def student_name(path):
    """The name a submission is graded under: its folder's or zip's, control characters shown."""
    name = Path(path).name
    return visible(name[:-4] if name.lower().endswith(".zip") else name)
