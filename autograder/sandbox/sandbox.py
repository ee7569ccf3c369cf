"""Where untrusted student code runs: a folder of its own and a worker process we control.

- The folder holds a copy of the provided package with the student's two files dropped in,
  and the worker's own code (worker.py, harness.py, protocol.py): nothing secret.
- The worker runs in its own session, with limits on memory, file size (what it prints) and
  processes; each case has a time limit, and a worker that dies or hangs is replaced.
- Run as root (Gradescope, CI), the worker becomes an unprivileged user, and the reference
  and the hidden fixtures are made unreadable to others: it cannot read them or write
  where results go.
- This process is made a "child subreaper": anything the worker starts, even a daemon that
  detaches, stays our descendant, so `stop()` can kill every last one before results are
  written.
"""
import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import protocol
from .limits import Limits
from ..paths import ASSIGNMENT, FIXTURES, REFERENCE

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "harness.py", "protocol.py")
PR_SET_CHILD_SUBREAPER = 36


class WorkerFailed(RuntimeError):
    """The worker died, hung or talked nonsense during a case."""


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children():
    """Pids whose parent is this process (read from /proc)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry))
    return found


def kill_descendants(deadline_seconds=10.0):
    """SIGKILL every descendant until none is left (orphans come back to us as subreaper)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        pids = children()
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    return not children()


def protect_secrets():
    """As root: nobody else may read the reference or the hidden fixtures."""
    if os.getuid() == 0:
        for secret in (REFERENCE, FIXTURES / "hidden"):
            if secret.exists():
                os.chmod(secret, 0o700)


class Sandbox:
    """The student's package in a folder of its own, served by a replaceable worker."""

    def __init__(self, files, limits=Limits()):
        """`files`: {"layers.py": text, "classifiers/cnn.py": text}; a missing one stays the stub."""
        self.limits = limits
        self.uid = limits.uid if os.getuid() == 0 else -1
        self.folder = Path(tempfile.mkdtemp(prefix="autograder-sandbox-"))
        package = self.folder / "submission"
        shutil.copytree(ASSIGNMENT, package, ignore=shutil.ignore_patterns("__pycache__"))
        for rel, text in files.items():
            (package / rel).write_text(text)
        for name in WORKER_FILES:
            shutil.copy(HERE / name, self.folder / name)
        if self.uid >= 0:
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, self.uid, self.uid)
        self.process = None
        self.import_errors = {}

    def __enter__(self):
        become_subreaper()
        protect_secrets()
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _limit_resources(self):  # runs in the child, before exec
        memory = self.limits.memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        output = self.limits.output_kb << 10
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.uid >= 0:  # counts the sandbox user's processes only: a fork bomb stops here
            resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))

    def start(self):
        """Start a worker; return the import errors it reports ({file: message})."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.folder), "PYTHONDONTWRITEBYTECODE": "1",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-I", "worker.py", str(self.folder), str(self.uid)],
            cwd=self.folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
            preexec_fn=self._limit_resources)
        header, _ = self._receive(self.limits.seconds_to_import, "while importing your files")
        self.import_errors = header.get("import_errors") or {}
        if not isinstance(self.import_errors, dict):
            self.import_errors = {}
        return self.import_errors

    def run(self, request, arrays):
        """Send one case; return (header, arrays). Raises WorkerFailed, after replacing it."""
        if self.process is None:
            self.start()
        try:
            protocol.send(self.process.stdin.fileno(), request, arrays)
        except OSError:
            pass  # it died already: the receive below says how
        return self._receive(self.limits.seconds_per_case, "during this case")

    def _receive(self, timeout, when):
        try:
            return protocol.receive(self.process.stdout.fileno(), self.limits.results_mb << 20, timeout)
        except protocol.ProtocolError as error:
            reason = self._why_it_failed(error, timeout)
            self.stop()
            raise WorkerFailed(f"{reason} {when}") from None

    def _why_it_failed(self, error, timeout):
        if str(error) == "timed out":
            return f"your code did not finish within {timeout:g} s (an infinite loop?)"
        try:  # a closed channel means it is exiting: give it a moment to finish
            code = self.process.wait(timeout=2 if "closed" in str(error) else 0)
        except subprocess.TimeoutExpired:
            return f"the worker sent a malformed reply ({error})"
        if code < 0:
            name = signal.Signals(-code).name
            hint = " (memory limit?)" if name in ("SIGKILL", "SIGSEGV") else ""
            return f"the process running your code was killed by {name}{hint}"
        return f"the process running your code exited with status {code} (os._exit or sys.exit?)"

    def log_size(self):
        try:
            return (self.folder / "output.log").stat().st_size
        except OSError:
            return 0

    def output(self, start=0, limit=2000):
        """What the student's code printed from byte `start` on, cut to `limit` characters."""
        try:
            with open(self.folder / "output.log", "rb") as log:
                log.seek(start)
                return log.read(limit).decode("utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self):
        """Kill the worker and everything it started; wait until they are all gone."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.kill()
            self.process.wait()
            self.process = None
        kill_descendants()
