"""Where untrusted student code runs: a folder of its own and a worker process we control.

- The folder holds a copy of the provided package with the student's two files dropped in,
  and the worker's own code (worker.py, harness.py, protocol.py, ...): nothing secret.
- The worker is a fresh Python (`python -I`), or, in a grader forked by the class run's warm
  process, a fork of that grader made before it has read anything a student may not see
  (`launch(fork=True)`, `ForkedWorker`): Python and numpy are imported already; the fork keeps
  nothing of the grader's but its code (no descriptor, no environment, no `autograder` module).
- The worker runs in its own session, with limits on memory, file size (what it prints) and
  processes; each function's cases run in a fresh child of the worker, each case within a
  time limit, so that no function's side effects reach another; a worker that dies or hangs
  is replaced.
- On Linux the worker confines itself before any student code runs (confinement.py): it reads
  only its folder and Python's files, writes only its scratch folder, and has no network.
- Run as root (Gradescope, CI), the worker becomes an unprivileged user, and the reference
  and the hidden fixtures are made unreadable to others: it cannot read them or write
  where results go.
- This process is made a "child subreaper": anything the worker starts, even a daemon that
  detaches, stays our descendant, so `stop()` can kill every last one before results are
  written; the worker is PID 1 of a PID namespace where the system allows (namespaces.py),
  so that it takes everything with it even when this process is killed.
- As root, the sandbox uid is leased (uids.py): no other grader on the machine uses it at the
  same time, and every process of it is killed before it is used and after. A SIGTERM (the
  class run's timeout) unwinds through `stop()` like an error does.
Each of these that the system lacks (macOS, Windows, an old kernel) is skipped and listed in
`protections`, which every result carries: isolation is never reduced silently.
"""
import importlib.util
import json
import locale
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import protocol, system
from .limits import Limits
from .uids import Lease, NoUidFree, folder_prefix
from ..paths import ASSIGNMENT, FIXTURES, REFERENCE

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "harness.py", "protocol.py", "system.py", "confinement.py",
                "namespaces.py", "out_of_reach.py")
PR_SET_CHILD_SUBREAPER = 36
MARGIN = 5.0  # seconds the grader waits beyond the worker's own time limit on a case


# What a fresh worker's start-up adds to the environment it is given, done in a grader already:
# Python's locale coercion (PEP 538: no LANG, so C.UTF-8) and threadpoolctl's import.
STARTED_WITH = {"LC_CTYPE": "C.UTF-8", "KMP_DUPLICATE_LIB_OK": "True"}

# Imported, not run as a script, so that its compiled form is used where there is one.
START_WORKER = "import sys; sys.path.insert(0, sys.argv[1]); import worker; worker.main()"


def copy_compiled(source, folder):
    """Copy a module of ours into `folder`, with its compiled form where it has one (made by
    `make install`): the copy keeps the source's time, so Python takes it as up to date."""
    shutil.copy2(source, folder / source.name)
    compiled = Path(importlib.util.cache_from_source(source))
    if compiled.exists():
        (folder / "__pycache__").mkdir(exist_ok=True)
        shutil.copy2(compiled, folder / "__pycache__" / compiled.name)


class ForkedWorker:
    """The part of subprocess.Popen a Sandbox uses, for a worker forked from this process:
    `become(inbox, outbox)` runs in the child and never returns."""

    def __init__(self, become):
        (inbox, to_worker), (from_worker, outbox) = os.pipe(), os.pipe()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()  # or the child would write what is buffered into its pipes
        self.pid = os.fork()
        if self.pid == 0:
            try:
                become(inbox, outbox)
            finally:
                os._exit(70)  # become() exits on its own; this is a failure to become a worker
        os.close(inbox)
        os.close(outbox)
        self.stdin, self.stdout = open(to_worker, "wb", 0), open(from_worker, "rb", 0)
        self.returncode = None

    def poll(self, block=False):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        if timeout is None:
            return self.poll(block=True)
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired("worker", timeout)
            time.sleep(0.005)
        return self.returncode

    def kill(self):
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class WorkerFailed(RuntimeError):
    """The worker died, hung or talked nonsense during a case."""


class TimedOut(WorkerFailed):
    """The student's code did not finish within the time limit (an infinite loop?)."""


def become_subreaper(abilities):
    if "prctl" in abilities:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


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
    """As root: nobody else may read the reference, the hidden fixtures, or the kit's own
    fast layers (a naive layer must not exec them; the sandbox copies them as root)."""
    if os.name == "posix" and os.getuid() == 0:
        for secret, mode in ((REFERENCE, 0o700), (FIXTURES / "hidden", 0o700),
                             (ASSIGNMENT / "fast_layers.py", 0o600)):
            if secret.exists():
                os.chmod(secret, mode)


def is_pythons(path):
    """Whether `path` (of sys.path) is the interpreter's own, as `python -I` has only those."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return bool(path) and any(os.path.commonpath([path, prefix]) == prefix for prefix in prefixes
                              if os.path.isabs(path))


class Terminated(SystemExit):
    """SIGTERM: the class run's timeout or a stop; unwinds through Sandbox.__exit__."""


def _terminated(signum, frame):
    raise Terminated(128 + signum)


def is_root():
    return os.name == "posix" and os.getuid() == 0


class Sandbox:
    """The student's package in a folder of its own, served by a replaceable worker."""

    def __init__(self, files=None, limits=Limits(), abilities=None):
        """`files`: {"layers.py": text, "classifiers/cnn.py": text}; a missing one stays the stub.
        None: they come later (submit()), and a worker launched meanwhile waits for them.
        `abilities`: what this system offers (system.detect(), the default)."""
        self.limits = limits
        self.abilities = system.detect() if abilities is None else set(abilities)
        self.lease, self.lease_words = self._lease(limits.uid, self.abilities) if is_root() \
            else (None, "")
        self.uid = self.lease.uid if self.lease else (limits.uid if is_root() else -1)
        self.reached = {}  # naive function -> provided fast functions its cases called
        self.folder = Path(tempfile.mkdtemp(
            prefix=folder_prefix(self.uid) if self.lease else "autograder-sandbox-"))
        shutil.copytree(ASSIGNMENT, self.folder / "submission",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for name in WORKER_FILES:
            copy_compiled(HERE / name, self.folder)
        (self.folder / "scratch").mkdir()
        if self.uid >= 0:
            # The sandbox user may enter the folder and write its scratch folder only: the
            # student's package stays as it was copied, whatever a case does.
            os.chown(self.folder, 0, self.uid)
            os.chmod(self.folder, 0o750)
            os.chown(self.folder / "scratch", self.uid, self.uid)
        self.process = None
        self.forked = False  # whether the worker was forked from this process (launch())
        self.replies = None
        self.import_errors = {}
        self.protections = {}
        self.submitted = False
        if files is not None:
            self.submit(files)

    def submit(self, files):
        """Put the student's files in place; a worker launched before them goes on (it has
        started Python and numpy meanwhile: the grader's own start-up hides its start-up)."""
        for rel, text in files.items():
            (self.folder / "submission" / rel).write_text(text)
        self.submitted = True
        self._go()

    def _go(self):
        if self.process is not None and self.submitted:
            try:
                protocol.send(self.process.stdin.fileno(), {"files": "in place"})
            except OSError:
                pass  # it died already: start() says how

    @staticmethod
    def _lease(first_uid, abilities):
        """(the lease of a uid no other grader uses, words), or (None, why not)."""
        if "uids" not in abilities:
            return None, (f"no uid lease (pretended away): another grader may use uid {first_uid} "
                          "too, and what a submission leaves running is not killed by uid")
        lease = Lease.inherited(first_uid)
        if lease:
            return lease, f"uid {lease.uid} leased by the class run"
        try:
            lease = Lease.take(first_uid)
        except (NoUidFree, OSError) as error:
            return None, f"no uid lease ({error}): another grader may use uid {first_uid} too"
        return lease, f"uid {lease.uid} leased: no other grader uses it; emptied before and after"

    def __enter__(self):
        become_subreaper(self.abilities)
        protect_secrets()
        self._previous_term = None
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
            self._previous_term = signal.signal(signal.SIGTERM, _terminated)
        return self

    def __exit__(self, *exc):
        try:
            self.stop()
        finally:
            if self.lease:
                self.lease.release()  # kills whatever of the uid lives
            shutil.rmtree(self.folder, ignore_errors=True)
            if self._previous_term is not None:
                signal.signal(signal.SIGTERM, self._previous_term)

    def _limit_resources(self):  # runs in the child, before exec
        import resource
        memory = self.limits.memory_mb << 20
        for kind, value in ((resource.RLIMIT_AS, memory),
                            (resource.RLIMIT_FSIZE, self.limits.output_kb << 10),
                            (resource.RLIMIT_CORE, 0)):
            try:
                resource.setrlimit(kind, (value, value))
            except (ValueError, OSError):
                pass  # macOS may refuse RLIMIT_AS: the worker reports the limits it really got
        if self.uid >= 0:  # counts the sandbox user's processes only: a fork bomb stops here
            resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))

    def launch(self, fork=False):
        """Start a worker's process, without waiting for it (start() waits). `fork`: this
        process has read nothing a student may not see (no fixture, no reference, no other
        student's file: the class run's warm process forked it, and no grading has begun), so
        the worker may be forked from it, its imports done, instead of started afresh."""
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.folder / "scratch"),
               "PYTHONDONTWRITEBYTECODE": "1",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        if os.name == "nt":  # Windows needs these to start Python at all
            env.update({k: os.environ[k] for k in ("SYSTEMROOT", "TEMP", "TMP") if k in os.environ})
        settings = {"uid": self.uid, "abilities": sorted(self.abilities),
                    "pretended": sorted(system.pretended()),
                    "seconds_per_case": self.limits.seconds_per_case,
                    "seconds_to_import": self.limits.seconds_to_import,
                    "results_bytes": self.limits.results_mb << 20}
        posix = "sessions" in self.abilities
        self.forked = fork and posix and "fork" in self.abilities and threading.active_count() == 1
        if self.forked:  # (fork copies only the calling thread: never with others running)
            self.process = ForkedWorker(lambda inbox, outbox: self._become_worker(
                inbox, outbox, env, settings))
            self.replies = protocol.Channel(self.process.stdout.fileno(), "select" in self.abilities)
            self._go()
            return
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", START_WORKER, str(self.folder), json.dumps(settings)],
            cwd=self.folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, close_fds=True, start_new_session=posix,
            preexec_fn=self._limit_resources if posix and "resource" in self.abilities else None,
            creationflags=0 if os.name == "posix" else subprocess.CREATE_NEW_PROCESS_GROUP)
        self.replies = protocol.Channel(self.process.stdout.fileno(), "select" in self.abilities)
        self._go()

    def _become_worker(self, inbox, outbox, env, settings):  # in the forked child
        """What `python -I -c START_WORKER FOLDER SETTINGS` would be, made from this process:
        the same session, limits, descriptors, folder, environment and module path."""
        code = 71
        try:
            os.setsid()
            if "resource" in self.abilities:
                self._limit_resources()
            null = os.open(os.devnull, os.O_RDWR)
            for fd, target in ((inbox, 0), (outbox, 1), (null, 2)):
                os.dup2(fd, target)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the grader's pipes, its lease, ...
            for signum in (signal.SIGTERM, signal.SIGCHLD, signal.SIGALRM):
                signal.signal(signum, signal.SIG_DFL)  # what exec leaves: the grader's are ours
            os.chdir(self.folder)
            os.environ.clear()
            os.environ.update(env, **STARTED_WITH)
            try:
                locale.setlocale(locale.LC_CTYPE, STARTED_WITH["LC_CTYPE"])
            except locale.Error:
                pass  # a system without that locale: Python's own coercion would have failed too
            sys.dont_write_bytecode = False  # as `python -I` has it: it ignores PYTHON* variables
            sys.argv = ["-c", str(self.folder), json.dumps(settings)]
            sys.path[:] = [str(self.folder)] + [p for p in sys.path if is_pythons(p)]
            for name in [name for name in sys.modules if name.partition(".")[0] == "autograder"]:
                del sys.modules[name]  # `import autograder` fails, as in a fresh Python
            importlib.invalidate_caches()
            import worker
            worker.main()
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        finally:
            os._exit(code)

    def start(self):
        """Start a worker (unless launch() did) and wait until it is ready; return the import
        errors it reports ({file: message})."""
        assert self.submitted, "submit() the student's files first"
        if self.process is None:
            self.launch()
        # The worker imports the student's files in a child of its own, within this limit.
        header, _ = self._receive(self.limits.seconds_to_import + self._margin(), "while starting",
                                  starting=True)
        self.import_errors = header.get("import_errors") or {}
        if not isinstance(self.import_errors, dict):
            self.import_errors = {}
        worker_side = header.get("protections") if isinstance(header.get("protections"), dict) else {}
        self.protections.clear()  # in place: a result may hold this very dict
        self.protections.update(self.grader_side_protections())
        self.protections.update({k: list(v) for k, v in worker_side.items()})
        return self.import_errors

    def grader_side_protections(self):
        """{protection: [in force?, in words]} for what this process arranges itself (the worker
        reports the rest: confinement, fresh state, and the memory and output limits it got)."""
        dropped = self.uid >= 0
        reaped = "prctl" in self.abilities and "proc" in self.abilities
        protections = {
            "separate user": [dropped, f"runs as uid {self.uid}, not as the grader" if dropped
                              else "runs as the grader's own user (not started as root)"],
            "time limit": [True, f"{self.limits.seconds_per_case:g} s per case"],
            "every process stopped": [reaped, "everything it starts is killed before results "
                                      "are written" if reaped else
                                      "processes it starts in a new session may outlive grading"],
            "process limit": [False, "no process limit (the worker did not say)"],
            "clean start": [True, "forked from its grader before the grader read any fixture, "
                            "the reference or the submission: nothing of the grader's kept but "
                            "its code" if self.forked else "a fresh Python"],
        }
        if dropped:
            protections["uid lease"] = [self.lease is not None, self.lease_words]
        return protections

    def run(self, request, arrays):
        """Send one case; return (header, arrays). Raises WorkerFailed, after replacing it."""
        if self.process is None:
            self.start()
        try:
            protocol.send(self.process.stdin.fileno(), request, arrays)
        except OSError:
            pass  # it died already: the receive below says how
        header, got = self._receive(self.limits.seconds_per_case + self._margin(), "during this case")
        if header.get("status") in ("timeout", "died"):
            failure = TimedOut if header["status"] == "timeout" else WorkerFailed
            raise failure(f"{self._why_the_case_failed(header)} during this case")
        reached = header.get("reached_provided")
        if isinstance(reached, list) and request.get("function"):
            self.reached.setdefault(request["function"], set()).update(map(str, reached))
        return header, got

    def _margin(self):
        """With children of its own the worker keeps the time limit, and we wait a little longer
        in case the worker itself hangs; without, ours is the time limit."""
        return MARGIN if "fork" in self.abilities else 0.0

    def _receive(self, timeout, when, starting=False):
        try:
            header, got = protocol.receive(self.replies, self.limits.results_mb << 20, timeout)
        except protocol.ProtocolError as error:
            reason = self._why_it_failed(error, timeout)
            self.stop()
            if starting and "fork" in self.abilities:  # the student's imports run in a child
                reason = (f"the grader could not start its worker ({reason}); if you set limits, "
                          f"they may be too low for Python and numpy themselves "
                          f"(--memory-mb {self.limits.memory_mb}, "
                          f"--seconds-to-import {self.limits.seconds_to_import:g})")
            failure = TimedOut if str(error) == "timed out" and not starting else WorkerFailed
            raise failure(f"{reason} {when}") from None
        if header.get("status") == "broken":
            self.stop()
            raise WorkerFailed(
                f"the grader's worker could not load Python's and numpy's own modules "
                f"({header.get('error')}): a limit is too low for the grader itself "
                f"(--memory-mb {self.limits.memory_mb}?) {when}")
        return header, got

    def _why_the_case_failed(self, header):
        """The worker's account of a child that timed out or died, with the limit it hit."""
        memory = f"the memory limit of {self.limits.memory_mb} MB?"
        if header["status"] == "timeout":
            return f"your code did not finish within {self.limits.seconds_per_case:g} s (an infinite loop?)"
        if "signal" in header:
            name = str(header["signal"])
            hint = f" ({memory})" if name in ("SIGKILL", "SIGSEGV", "SIGBUS", "SIGABRT") else ""
            return f"the process running your code was killed by {name}{hint}"
        if "exit" in header:
            return f"the process running your code exited with status {header['exit']} (os._exit or sys.exit?)"
        if header.get("reply_failed"):
            return f"the process running your code could not send its results ({memory})"
        return f"the process running your code {header.get('detail', 'died')}"

    def _why_it_failed(self, error, timeout):
        if str(error) == "timed out":
            return f"your code did not finish within {timeout - self._margin():g} s (an infinite loop?)"
        try:  # a closed channel means it is exiting: give it a moment to finish
            code = self.process.wait(timeout=2 if "closed" in str(error) else 0)
        except subprocess.TimeoutExpired:
            return f"the worker sent a malformed reply ({error})"
        if code < 0:
            name = signal.Signals(-code).name
            hint = f" (the memory limit of {self.limits.memory_mb} MB?)" \
                if name in ("SIGKILL", "SIGSEGV", "SIGBUS", "SIGABRT") else ""
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
            if "sessions" in self.abilities:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.process.kill()
            self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
            self.process = None
        if "proc" in self.abilities:
            kill_descendants()
