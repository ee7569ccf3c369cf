"""Reading a submission: a folder or a .zip holding `layers.py` and `cnn.py` at any depth.

A zip is read in memory and never extracted, so a member named `../../x` cannot land
anywhere; such members are skipped and reported. A zip is read by what it holds, not by what
it claims: the end-of-central-directory record's member count and directory size are checked
before the directory is parsed (so 300,000 members are refused at once), and a member is
inflated in bounded chunks that stop at MAX_FILE_BYTES whatever its header says (zipfile's
one-call read inflates a lying member whole before cutting it). Only stored and deflated
members are read: bzip2 and LZMA inflate without a bound in zipfile.
"""
import struct
import zipfile
from pathlib import Path, PurePosixPath

from ..escape.text import visible

MAX_FILE_BYTES = 1 << 20
MAX_MEMBERS = 5000
MAX_DIRECTORY_BYTES = 400 * MAX_MEMBERS  # a member's entry is 46 bytes and its name
CHUNK = 1 << 16
READABLE = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
END_RECORD, END_RECORD_64, LOCATOR_64 = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
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


def directory_claims(path):
    """(members, directory bytes) as the end-of-central-directory record says (ZIP64's when it
    has one), found as zipfile finds it: the last record in the file's final 64 KB; None when
    there is no record (zipfile then refuses the file)."""
    with open(path, "rb") as file:
        size = file.seek(0, 2)
        start = max(0, size - 22 - 0xFFFF)
        file.seek(start)
        tail = file.read()
        at = tail.rfind(END_RECORD)
        if at < 0 or len(tail) - at < 22:
            return None
        members, directory = struct.unpack("<10xHI", tail[at:at + 16])  # total, size
        locator = tail[at - 20:at] if at >= 20 else b""
        if locator.startswith(LOCATOR_64):
            (offset,) = struct.unpack("<Q", locator[8:16])
            file.seek(offset)
            record = file.read(56)
            if record.startswith(END_RECORD_64) and len(record) == 56:
                members, directory = struct.unpack("<QQ", record[32:48])
    return members, directory


def open_zip(path):
    """zipfile.ZipFile(path), once the end record says its directory is of a sane size."""
    try:
        claims = directory_claims(path)
        if claims is not None and (claims[0] > MAX_MEMBERS or claims[1] > MAX_DIRECTORY_BYTES):
            raise SubmissionError(f"{visible(path)} says it holds {claims[0]} files in a "
                                  f"{claims[1]}-byte directory (at most {MAX_MEMBERS} files): "
                                  "not read; zip only the assignment's files")
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, struct.error) as error:
        raise SubmissionError(f"{visible(path)} is not a readable zip file ({error})") from None


def read_member(archive, info, limit=MAX_FILE_BYTES):
    """A member's bytes, inflated CHUNK at a time; None when it holds more than `limit`."""
    data = bytearray()
    with archive.open(info) as member:
        while len(data) <= limit:
            chunk = member.read(min(CHUNK, limit + 1 - len(data)))
            if not chunk:
                return bytes(data)
            data += chunk
    return None


def read_zip(path, notes):
    with open_zip(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise SubmissionError(f"{visible(path)} holds {len(members)} files (more than {MAX_MEMBERS})")
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
            too_big = f"{visible(member)} holds more than {MAX_FILE_BYTES} bytes: not graded"
            if info.file_size > MAX_FILE_BYTES:
                notes.append(too_big)
                continue
            if info.compress_type not in READABLE:
                notes.append(f"{visible(member)} is compressed in a way the grader does not read "
                             f"(method {info.compress_type}): zip it again with the usual "
                             "(deflate) compression")
                continue
            try:
                data = read_member(archive, info)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError) as error:
                notes.append(f"{visible(member)} could not be read from the zip ({error})")
                continue
            if data is None:  # more than its header said: it never is all in memory
                notes.append(too_big)
            else:
                files[rel] = data
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
