"""The graders of a class run, forked from one warm process instead of started afresh.

Each submission is graded by `python -m autograder grade --json` in a session of its own (see
grade_all.py). Started afresh, each of those imports numpy and the grader again: a third of
a grading's CPU, paid once per student. Here one process per class run, started with nothing
but the command line (no thread, no student's file, no result of grade-all's), imports them
once and then forks each grader: the same `main(["grade", ...])`, with its own stdout and
stderr pipes and, as root, its uid lease's descriptor, passed over a Unix socket.

This process reads no fixture, no reference and no student's file (`preload`), so each grader
forks its sandbox's first worker from itself, before it reads any (Sandbox.launch(fork=True)):
the worker finds Python, numpy and its modules imported. No student's code runs in this
process or in a grader; the fixtures are read by each grader, after its worker is forked.

This process reaps a grader only when asked (`exited`, then `reap`), so that the grader's
session keeps its number until grade-all has killed what is left in it (grade_all.end_grader).
Where fork or descriptor passing is missing (Windows), or this process cannot start,
`FreshGrader` starts each grader afresh as before.
"""
import gc
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
import traceback

from ..paths import ROOT
from ..sandbox import system
from ..sandbox.uids import INHERITED

START = "import sys; from autograder.course.warm_graders import serve; serve(int(sys.argv[1]))"
READY_SECONDS = 120  # a loaded machine imports numpy slowly; past this, graders start afresh
MESSAGE_BYTES = 1 << 16
# What `grade` imports when it runs: imported once, here.
PRELOAD = ("autograder.grading.grade", "autograder.grading.report", "autograder.grading.submission",
           "autograder.grading.triage", "autograder.grading.limits_check",
           "autograder.rubric.fixtures", "autograder.sandbox.sandbox")


def warm_graders():
    """A WarmGraders for this class run, or None where there can be none (said why, once)."""
    abilities = system.detect()
    if not ("fork" in abilities and "sessions" in abilities and hasattr(socket, "send_fds")):
        return None
    try:
        return WarmGraders()
    except OSError as error:
        print(f"warning: every grader starts afresh (slower): {error}", file=sys.stderr)
        return None


# What a grader reads of its environment (the kit's settings, where temporary folders go, the
# locale, numpy's threads), and nothing else: the sandbox workers the graders fork keep the
# memory this process starts with, and a staff member's tokens must not be in it.
GRADERS_READ = ("PATH", "HOME", "TMPDIR", "TEMP", "TMP", "LANG", "LANGUAGE", "TZ")
GRADERS_READ_PREFIXES = ("AUTOGRADER_", "LC_", "OPENBLAS_", "OMP_", "MKL_")


def graders_environment(environ=os.environ):
    return {name: value for name, value in environ.items()
            if name in GRADERS_READ or name.startswith(GRADERS_READ_PREFIXES)}


def start_grader(argv, lease=None, warm=None):
    """A grader for `argv` forked by `warm` (a WarmGraders); without one, or should it fail,
    one started afresh."""
    if warm is not None:
        try:
            return WarmGrader(warm, argv, lease)
        except OSError:
            pass  # the warm process is gone: the class run goes on, a little slower
    return FreshGrader(argv, lease)


class WarmGraders:
    """The class run's side of the warm process: start a grader, ask whether it ended, reap it.
    Safe to use from several threads."""

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-c", START, str(theirs.fileno())], pass_fds=(theirs.fileno(),),
            cwd=ROOT, env=graders_environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.socket, self.lock = ours, threading.Lock()
        try:
            ours.settimeout(READY_SECONDS)
            if ours.recv(MESSAGE_BYTES) != b'{"ready": true}':
                raise OSError("the warm process ended before it was ready")
            ours.settimeout(None)
        except OSError:
            self.close()
            raise

    def ask(self, request, fds=()):
        """Its reply to `request`; OSError if it is gone or could not do it."""
        with self.lock:
            socket.send_fds(self.socket, [json.dumps(request).encode()], list(fds))
            try:
                reply = json.loads(self.socket.recv(MESSAGE_BYTES) or b'{"error": "it is gone"}')
            except ValueError as error:
                raise OSError(f"the warm process's reply does not parse ({error})") from None
        if "error" in reply:
            raise OSError(f"the warm process could not {next(iter(request))} a grader: {reply['error']}")
        return reply

    def close(self):
        self.socket.close()  # it exits at once; the graders it forked go on to their end
        self.process.kill()
        self.process.wait()


class WarmGrader:
    """One grader forked by the warm process; the part of subprocess.Popen grade_one uses."""

    def __init__(self, graders, argv, lease=None):
        self.graders, self.reaped = graders, False
        (out, out_end), (err, err_end) = os.pipe(), os.pipe()
        try:
            self.pid = graders.ask({"start": argv, "uid": lease.uid if lease else None},
                                   [out_end, err_end] + ([lease.fd] if lease else []))["pid"]
        except BaseException:
            os.close(out)
            os.close(err)
            raise
        finally:
            os.close(out_end)
            os.close(err_end)
        self.outputs = (out, err)

    def communicate(self, timeout):
        """(stdout, stderr) once the grader has closed both; subprocess.TimeoutExpired after
        `timeout` seconds."""
        deadline, read = time.monotonic() + timeout, {fd: [] for fd in self.outputs}
        with selectors.DefaultSelector() as selector:
            for fd in self.outputs:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise subprocess.TimeoutExpired("grade", timeout)
                for key, _ in selector.select(left):
                    chunk = os.read(key.fd, MESSAGE_BYTES)
                    if chunk:
                        read[key.fd].append(chunk)
                    else:
                        selector.unregister(key.fd)
        return tuple(b"".join(read[fd]).decode("utf-8", "replace") for fd in self.outputs)

    def exited(self):
        try:
            return self.graders.ask({"exited": self.pid})["exited"]
        except OSError:
            return True  # the warm process is gone, and its zombies with it

    def reap(self):
        try:
            self.graders.ask({"reap": self.pid})
        except OSError:
            pass
        finally:
            self.reaped = True
            for fd in self.outputs:
                os.close(fd)


class FreshGrader:
    """A grader in a Python process of its own (where there is no warm process)."""

    def __init__(self, argv, lease=None):
        env = dict(os.environ, **(lease.environment() if lease else {}))
        self.process = subprocess.Popen([sys.executable, "-m", "autograder", *argv],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        cwd=ROOT, env=env, start_new_session=True,
                                        pass_fds=(lease.fd,) if lease else ())
        self.pid = self.process.pid

    @property
    def reaped(self):
        return self.process.returncode is not None

    def communicate(self, timeout):
        return self.process.communicate(timeout=timeout)

    def exited(self):
        """Ended, though not reaped (so its number is still its own)."""
        if not hasattr(os, "waitid"):
            return True
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True

    def reap(self):
        self.process.wait()


# --- The warm process itself ----------------------------------------------------------------

def serve(fd):
    """Import once, then fork a grader per request, until the class run closes the socket."""
    channel = socket.socket(fileno=fd)
    preload()
    gc.freeze()  # what is imported stays shared with every grader, never copied by a collection
    channel.send(b'{"ready": true}')
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, MESSAGE_BYTES, 3)
        except OSError:
            return
        if not message:
            return  # the class run is over (or gone): its graders end on their own
        try:
            reply = answer(json.loads(message), fds, channel)
        except Exception as error:
            reply = {"error": repr(error)}
        finally:
            for received in fds:
                os.close(received)
        channel.send(json.dumps(reply).encode())


def preload():
    """Import the grader, and nothing else: no fixture, no reference, no student's file is
    read here, so that a grader forked from this process may fork its sandbox's worker too
    (Sandbox.launch(fork=True)) before it reads any itself."""
    from ..__main__ import SINGLE_THREADED
    for name, value in SINGLE_THREADED.items():
        os.environ.setdefault(name, value)  # before numpy is imported, as `grade` does
    import importlib
    for name in PRELOAD:
        importlib.import_module(name)


def answer(request, fds, channel):
    if "start" in request:
        pid = os.fork()
        if pid == 0:
            become_grader(request["start"], request.get("uid"), fds, channel)
        return {"pid": pid}
    pid = request.get("exited") or request.get("reap")
    try:
        if "exited" in request:
            return {"exited": os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None}
        os.waitpid(pid, 0)
    except ChildProcessError:
        return {"exited": True}
    return {"reaped": True}


def become_grader(argv, uid, fds, channel):
    """In the forked child: what `python -m autograder grade ...` would be, in a session of
    its own, writing to the pipes it was sent. Never returns."""
    code = 1
    try:
        channel.close()
        os.setsid()
        out, err, *lease = fds
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.close(out)
        os.close(err)
        if lease:
            os.environ[INHERITED] = f"{uid}:{lease[0]}"  # uids.Lease.inherited finds it
        from ..__main__ import main
        code = main(argv, forkable=True)
    except SystemExit as exit:  # argparse, or a grader that exits on purpose
        if exit.code is not None and not isinstance(exit.code, int):
            print(exit.code, file=sys.stderr)
        code = exit.code if isinstance(exit.code, int) else 1 if exit.code is not None else 0
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(code or 0)

