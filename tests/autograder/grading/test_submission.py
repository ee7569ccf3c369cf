"""Zips are read by what they hold, not by what they claim (issue 17): a member that inflates
past what its header says never is whole in memory, and a directory of absurd size is refused
before it is parsed. Harm is measured: the grader's peak memory, the time spent parsing."""
import io
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from autograder.grading.submission import (MAX_FILE_BYTES, MAX_MEMBERS, SubmissionError,
                                           read_submission)

ROOT = Path(__file__).resolve().parents[3]


def stored_entry(name, data, offset, method=0, crc=None, claimed=None, compressed=None):
    """(local header + data, central directory entry) of one member, written by hand so that
    its header can say what it likes."""
    name = name.encode()
    crc = zlib.crc32(data) if crc is None else crc
    size = len(data) if claimed is None else claimed
    stored = compressed if compressed is not None else data
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc,
                        len(stored), size, len(name), 0) + name + stored
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc,
                          len(stored), size, len(name), 0, 0, 0, 0, 0, offset) + name
    return local, central


def end_record(count, directory_size, directory_offset):
    return struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, directory_size,
                       directory_offset, 0)


def lying_zip(path, claimed=20 * 1024, real=1 << 30):
    """layers.py, said to be `claimed` bytes (with their CRC), whose data inflates to `real`."""
    squeeze, zeros, parts = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(1 << 20), []
    for _ in range(real >> 20):
        parts.append(squeeze.compress(zeros))
    parts.append(squeeze.flush())
    compressed = b"".join(parts)
    local, central = stored_entry("layers.py", b"", 0, method=8, crc=zlib.crc32(bytes(claimed)),
                                  claimed=claimed, compressed=compressed)
    path.write_bytes(local + central + end_record(1, len(central), len(local)))
    return path


def many_members_zip(path, members=300_000, count_said=None):
    """`members` empty files, the end record saying `count_said` of them (the truth if None)."""
    locals_, centrals, offset = bytearray(), bytearray(), 0
    for number in range(members):
        local, central = stored_entry(f"f/{number:06d}.txt", b"", offset)
        locals_ += local
        centrals += central
        offset += len(local)
    said = min(members, 0xFFFF) if count_said is None else count_said
    path.write_bytes(bytes(locals_) + bytes(centrals) + end_record(said, len(centrals), len(locals_)))
    return path


def peak_rss_mb(command):
    """(exit status, peak resident memory in MB of the command and everything it waited for),
    measured in a fresh process whose only children are the command's."""
    probe = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], "
             "capture_output=True); print(done.returncode, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, *command], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    status, kilobytes = done.stdout.split()
    return int(status), int(kilobytes) / 1024


@pytest.mark.slow
def test_a_member_that_inflates_past_its_header_never_is_whole_in_memory(tmp_path):
    """Before: zipfile inflated the 1 GB in one call, then cut it to the 20 KB claimed: the
    unsandboxed grader held over 1 GB."""
    archive = lying_zip(tmp_path / "student.zip")
    status, peak = peak_rss_mb([sys.executable, "-m", "autograder", "grade", str(archive),
                                "--out", str(tmp_path / "out"), "--uid", "61770"])
    assert status == 0  # graded (its layers.py is NUL bytes: it cannot be imported)
    assert peak < 400, f"the grader reached {peak:.0f} MB"


def test_a_member_is_read_in_chunks_up_to_the_limit(tmp_path):
    archive = lying_zip(tmp_path / "student.zip", claimed=100, real=64 << 20)
    files, notes = read_submission(archive)
    assert files["layers.py"] == "\0" * 100  # what the header promised, never more
    honest = tmp_path / "honest.zip"
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("layers.py", "#" * (MAX_FILE_BYTES + 1))
    files, notes = read_submission(honest)
    assert "layers.py" not in files and any("more than" in n for n in notes)


def test_members_compressed_without_a_bound_are_not_inflated(tmp_path):
    archive = tmp_path / "bz.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_BZIP2) as z:
        z.writestr("layers.py", "x = 1\n")
    files, notes = read_submission(archive)
    assert "layers.py" not in files and any("zip it again" in n for n in notes)


def parse_seconds(archive):
    started = time.perf_counter()
    with zipfile.ZipFile(archive) as whole:
        whole.infolist()
    return time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.parametrize("count_said", [None, 3], ids=["honest count", "count that lies"])
def test_a_zip_of_300k_members_is_refused_before_its_directory_is_parsed(tmp_path, count_said):
    """Before: refused, but only once zipfile had parsed all 300,000 entries."""
    archive = many_members_zip(tmp_path / "many.zip", count_said=count_said)
    started = time.perf_counter()
    with pytest.raises(SubmissionError, match=str(MAX_MEMBERS)):
        read_submission(archive)
    refused = time.perf_counter() - started
    assert refused < parse_seconds(archive) / 10, f"refused in {refused:.3f} s"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2 and str(MAX_MEMBERS) in done.stderr


def test_an_ordinary_zip_still_reads(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("hw/assignment/layers.py", "x = 1\n" * 1000)
        z.writestr("hw/assignment/classifiers/cnn.py", "y = 2\n")
        z.writestr("notes/" + "a" * 200 + ".txt", "")
    (tmp_path / "s.zip").write_bytes(buffer.getvalue())
    files, notes = read_submission(tmp_path / "s.zip")
    assert files == {"layers.py": "x = 1\n" * 1000, "classifiers/cnn.py": "y = 2\n"} and not notes
