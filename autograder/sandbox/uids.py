"""Sandbox users leased one grader at a time, and emptied before and after each use.

- Two graders on one machine (two `grade-all` runs, pytest-xdist workers, two TAs) would both
  run student code as uid 61000: one could then read or kill the other's student, and each
  one's reaper would kill the other's worker. A uid is therefore *leased*: an exclusive
  flock on `<uid>.lock` in a root-owned folder; the kernel drops it when its holder dies.
- A submission's helpers may outlive its grader (a `setsid` daemon, where no PID namespace
  holds them). Whoever holds a lease kills every process of that uid when taking it and when
  giving it back (`reap`), so the next submission never meets a predecessor's processes. Only
  a lease holder ever reaps: a uid another grader uses is never touched.
- The reaper becomes the uid itself and calls kill(-1, SIGKILL), which the kernel applies to
  every process that uid may signal, in one pass that a fork bomb cannot outrun, until none
  is left; then /proc is read to be sure that nothing but zombies remains.
- Its sandbox folders go too (`remove_folders`): a grader killed before it could remove its
  own leaves nothing behind once its lease is released.
Root only (only root switches users); as an ordinary user there is no uid to lease.
"""
import fcntl
import os
import shutil
import signal
import stat
import tempfile
import time
from pathlib import Path

LEASE_FOLDERS = (Path("/run/autograder-uids"), Path("/tmp/autograder-uids-root"))
SPAN = 256  # uids tried from the first one asked for
INHERITED = "AUTOGRADER_UID_LEASE"  # "uid:fd" of a lease a parent grader holds for us


class NoUidFree(RuntimeError):
    """Every uid of the span is leased by another grader, or holds processes that would not die."""


def lease_folder():
    """A folder only root may write, made if need be; never one that someone else made."""
    for folder in LEASE_FOLDERS:
        try:
            folder.mkdir(mode=0o755, exist_ok=True)
            info = folder.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o022:
            return folder
    raise NoUidFree(f"no safe folder for uid leases ({', '.join(map(str, LEASE_FOLDERS))} "
                    "are missing, not root's, or writable by others)")


class Lease:
    """An exclusive hold on one sandbox uid, for as long as this object (or a child given its
    descriptor) lives."""

    def __init__(self, uid, fd, owned=True):
        self.uid, self.fd, self.owned = uid, fd, owned

    @classmethod
    def take(cls, first_uid, span=SPAN):
        """The first uid from `first_uid` that no other grader holds, emptied of processes."""
        folder = lease_folder()
        for uid in range(first_uid, first_uid + span):
            fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue  # another grader's
            lease = cls(uid, fd)
            if reap(uid):
                return lease
            lease.release(reaped=True)  # something of it would not die: never hand it on
        raise NoUidFree(f"uids {first_uid}..{first_uid + span - 1} are all in use by other graders")

    @classmethod
    def inherited(cls, uid, environ=os.environ):
        """The lease a parent grader took for `uid` and passed down, or None."""
        held = environ.get(INHERITED, "")
        try:
            held_uid, fd = map(int, held.split(":"))
            info, lock = os.fstat(fd), (lease_folder() / f"{held_uid}.lock").stat()
        except (ValueError, OSError, NoUidFree):
            return None
        if held_uid != uid or (info.st_dev, info.st_ino) != (lock.st_dev, lock.st_ino):
            return None
        return cls(uid, fd, owned=False)  # the parent reaps and releases it

    def environment(self):
        """What a child grader is given to use this lease ({name: value}; pass_fds=[self.fd])."""
        return {INHERITED: f"{self.uid}:{self.fd}"}

    def release(self, reaped=False):
        if self.fd is None:
            return
        if not reaped:
            reap(self.uid)  # an inherited lease is held as much as the parent's: ours to empty
            remove_folders(self.uid)
        if self.owned:
            os.close(self.fd)  # closing the last descriptor drops the flock
        self.fd = None


def folder_prefix(uid):
    """How the sandbox folders of `uid` begin (in the temporary folder), so that a grader
    killed before it could remove its folder has it removed by the next holder of the uid."""
    return f"autograder-sandbox-{uid}-"


def remove_folders(uid):
    """Remove what graders of `uid` left in the temporary folder (root's folders only)."""
    top = Path(tempfile.gettempdir())
    for folder in top.glob(folder_prefix(uid) + "*"):
        try:
            info = folder.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            shutil.rmtree(folder, ignore_errors=True)


def reap(uid, seconds=5.0):
    """Kill every process of `uid` (which the caller holds the lease of); True once none lives."""
    deadline = time.monotonic() + seconds
    while True:
        found = living(uid)
        if found == []:  # mostly: then no helper is forked at all
            return True
        _kill_all_as(uid)
        if found is None:  # no /proc to look in (macOS): kill(-1) until nobody is left is all
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _kill_all_as(uid):
    """kill(-1, SIGKILL) as `uid`, repeated until it finds nobody, in a child that is that uid."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            for _ in range(1000):
                os.kill(-1, signal.SIGKILL)  # never the caller itself
        except BaseException:
            pass  # ProcessLookupError: nobody left to signal
        os._exit(0)
    os.waitpid(pid, 0)


def living(uid):
    """Pids of `uid` that are not zombies (read from /proc; None where there is none)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in filter(str.isdigit, entries):
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uids = fields.get("Uid", "").split()
        if str(uid) in uids and not fields.get("State", "").strip().startswith(("Z", "X")):
            found.append(int(entry))
    return found
