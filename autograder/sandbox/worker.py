"""The sandboxed worker: serves the cases it is sent, each function's in a fresh child of its own.

It runs from a copy inside its sandbox folder, beside harness.py, protocol.py, system.py,
confinement.py and the `submission` package (the provided files with the student's layers.py
and cnn.py). It is sent inputs and returns whatever the student's code returned; it never
receives an expected value.

The worker itself never runs student code. It imports numpy and the provided modules (the
grader may launch it before it has read the student's files), waits for the files, confines
itself (confinement.py), gives up root, and then forks a child per graded function:
the child imports the student's files and runs that function's cases one after another, as
calls in a notebook would, replying to each; when the next case is another function's, it is
killed, so whatever its cases changed (patched numpy, globals, provided modules, threads,
files) never reaches another function. Expected values never enter a child, so what one case
leaves can tell the next nothing it could score with. Once a first child has
imported the student's files cleanly, the worker compiles them (compiles, never runs them), so
that each child runs the import afresh without parsing it again: import side effects are fresh
too. Where there is no fork (Windows), cases run in the worker itself, and that is reported.

    python -I -c "import sys; sys.path.insert(0, sys.argv[1]); import worker; worker.main()" \
        SANDBOX SETTINGS_JSON

(imported, so that the compiled copy beside it is used.)
"""
import gc
import importlib
import importlib.util
import json
import os
import re
import select
import shutil
import signal
import struct
import sys
import time
import traceback

try:
    import resource
except ImportError:  # Windows
    resource = None

SANDBOX = os.getcwd()
REPLY_FAILED = 86  # the child's own exit code when sending its reply failed (not the student's)


def private_channels():
    """Keep the grader's pipes on fresh descriptors; student prints go to output.log."""
    inbox, outbox = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open("output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    return inbox, outbox


# socket too: where the interpreter is readable to all (Gradescope's), student code can import
# it, so the network must be closed by the namespace and Landlock, not by a missing module.
STDLIB = ("abc bisect collections contextlib copy datetime decimal encodings.idna enum fractions "
          "functools glob heapq itertools math numbers operator pprint random re socket "
          "statistics string textwrap time typing warnings").split()


STAR_NUMPY = re.compile(rb"^\s*from\s+numpy\s+import\s+\*", re.M)


def star_imports_numpy(package):
    """Whether the student's files say `from numpy import *`."""
    for rel in Precompiled.STUDENT_MODULES.values():
        try:
            with open(os.path.join(package, *rel.split("/")), "rb") as file:
                if STAR_NUMPY.search(file.read()):
                    return True
        except OSError:
            pass
    return False


def preload(fast_layers):
    """Modules student code may need, imported while the interpreter's files are readable
    (once we are another user, an interpreter installed under /root no longer is)."""
    for name in STDLIB:
        importlib.import_module(name)
    import numpy, numpy.lib.stride_tricks, numpy.linalg, numpy.random  # noqa: F401,E401
    import protocol
    # One round trip loads whatever the protocol imports lazily.
    # The provided modules are ours: import them (and what they import) now.
    import submission.gradient_check  # noqa: F401  (not layer_utils: it imports the student's layers)
    if fast_layers is not None:
        import out_of_reach
        out_of_reach.load(fast_layers)  # from memory: its file is gone (out_of_reach.py)
    protocol.parse(protocol.pack({}, {"warm": numpy.zeros(1)}), 1 << 10)
    alias_package("cs231n", "submission")
    import harness  # noqa: F401


def wait_for_files(requests):
    """Until the grader says the student's files are in place (it may have launched us before
    it read them); then what they need that preload() left out."""
    import protocol
    protocol.receive(requests, max_payload=0)
    importlib.invalidate_caches()  # the package's folders changed since preload() looked
    if star_imports_numpy(os.path.join(SANDBOX, "submission")):
        # What a star import pulls in (numpy.testing, unittest, ...): a tenth of a second,
        # spent only for the files that need it.
        exec("from numpy import *", {})


class Alias:
    """`cs231n.x` is `submission.x`: the same module object, whichever name imports it first
    (CS231n's cnn.py said `from cs231n.layers import *` until 2019)."""

    def __init__(self, alias, real):
        self.alias, self.real = alias, real

    def find_spec(self, name, path=None, target=None):
        if name == self.alias or name.startswith(self.alias + "."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(self.real + spec.name[len(self.alias):])
        self.original_spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self.original_spec  # the import system set it to the alias's


class Precompiled:
    """The student's files compiled once by the worker (compiled, never run), after a child
    imported them without error; each case's child then runs them without parsing them again."""
    STUDENT_MODULES = {"submission.layers": "layers.py", "submission.classifiers.cnn": "classifiers/cnn.py"}

    def __init__(self, package):
        self.codes = {}
        for name, rel in self.STUDENT_MODULES.items():
            path = os.path.join(package, *rel.split("/"))
            try:
                with open(path, "rb") as file:
                    self.codes[name] = (path, compile(file.read(), path, "exec", dont_inherit=True))
            except BaseException:
                pass  # each child's own import meets the error and reports it

    def find_spec(self, name, path=None, target=None):
        if name in self.codes:
            return importlib.util.spec_from_file_location(name, self.codes[name][0], loader=self)
        return None

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module):
        exec(self.codes[module.__spec__.name][1], module.__dict__)


def alias_package(alias, real):
    sys.meta_path.insert(0, Alias(alias, real))


def drop_privileges(uid):
    if uid >= 0 and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def student_traceback(error):
    """The traceback cut to the frames in the student's own files."""
    package = os.path.join(SANDBOX, "submission")
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename.startswith(package + os.sep)]
    lines = [f'  {os.path.relpath(f.filename, package)}, line {f.lineno}, in {f.name}\n'
             f"    {f.line}" for f in frames]
    if isinstance(error, SyntaxError) and error.filename:
        lines.append(f"  {os.path.basename(error.filename)}, line {error.lineno}: {(error.text or '').strip()}")
    missing = missing_module(error, frames, package)
    return "\n".join(([missing] if missing else []) + lines[-6:] + [f"{type(error).__name__}: {error}"])


def missing_module(error, frames, package):
    """For an import of the student's that the grader cannot satisfy: the line, and what is
    missing (the module the line names, never only one deep inside it), or None."""
    if not isinstance(error, ModuleNotFoundError) or not error.name or not frames:
        return None
    import ast
    last = frames[-1]
    line = (last.line or "").strip()
    try:
        node = ast.parse(line).body[0]
    except (SyntaxError, IndexError):
        return None
    if isinstance(node, ast.Import):
        named = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and not node.level:
        named = [node.module]
    else:
        return None  # the package's own modules: the traceback says it
    where = f"{os.path.relpath(last.filename, package)}, line {last.lineno}: `{line}`"
    for name in named:
        if name == error.name or name.startswith(error.name + "."):
            return f"{where} — the grader has no module '{error.name}'; remove the line"
    return (f"{where} — the grader's module '{named[0]}' cannot be imported here (it needs "
            f"'{error.name}', which the grader lacks); remove the line")


def import_submission(which=("layers.py", "classifiers/cnn.py")):
    """(layers module or None, net class or None, {file: error})."""
    errors, layers, net = {}, None, None
    if "layers.py" in which:
        try:
            layers = importlib.import_module("submission.layers")
        except BaseException as error:  # a SystemExit at import is the student's too
            errors["layers.py"] = student_traceback(error)
    if "classifiers/cnn.py" in which:
        try:
            net = importlib.import_module("submission.classifiers.cnn").ThreeLayerConvNet
        except BaseException as error:
            errors["classifiers/cnn.py"] = student_traceback(error)
    return layers, net, errors


def as_result(outputs):
    """Plain float64 arrays for the grader, and what could not be made one."""
    import numpy as np
    arrays, none, bad = {}, [], {}
    for key, value in outputs.items():
        if value is None:
            none.append(key)
            continue
        try:
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError
            arrays[key] = array.astype(np.float64)
        except BaseException:
            bad[key] = type(value).__name__
    return arrays, none, bad


NET_KINDS = ("net_init", "net_loss")


def answer(request, inputs, layers, net):
    """(header, arrays) for one case: what the student's code returned, or what it raised."""
    import harness
    code = net if request["kind"] in NET_KINDS else layers
    inputs.update(request.get("params", {}))
    order = request.get("order", [])  # positional arguments go in the rubric's order
    inputs = {**{k: inputs[k] for k in order if k in inputs}, **inputs}
    try:
        if code is None:
            raise ImportError("the file that defines this could not be imported")
        outputs = harness.run_case(request["kind"], layers, net, request["function"],
                                   inputs, request.get("forward"))
        arrays, none, bad = as_result(outputs)
        return {"status": "ok", "none": none, "bad": bad}, arrays
    except BaseException as error:  # whatever the student's code raised
        return {"status": "error", "error": f"{type(error).__name__}: {error}"[:2000],
                "traceback": student_traceback(error)[:4000]}, None


def case_in_child(request, inputs, layers, net):
    """answer() with the student's files imported here, in the function's child (imported
    by its first case; the next ones find them in sys.modules)."""
    import out_of_reach
    which = ("classifiers/cnn.py",) if request["kind"] in NET_KINDS else ("layers.py",)
    if request["kind"] not in NET_KINDS:
        out_of_reach.refuse_for(request["function"])  # before the student's module binds them
    layers, net, _ = import_submission(which)
    header, arrays = answer(request, inputs, layers, net)
    return out_of_reach.noted(header), arrays


def imports_in_child(*_):
    return {"status": "ready", "import_errors": import_submission()[2]}, None


class Children:
    """Runs each function's cases in a fresh child of its own; the worker only relays its
    bounded replies.

    A function's child is forked ahead (the spare), once everything of the function before it
    is dead, and waits for its first case. It serves the function's cases until a case of
    another function comes, or until one times out or dies; then it and whatever it left are
    killed. Reaping them waits until a reply is on its way. The scratch folder is emptied
    after every case."""

    def __init__(self, channels, scratch, max_bytes, watch=None):
        """`watch`: where the scratch folder is no bounded tmpfs, a check that says (in words)
        when a case has written too much there; the case is then ended."""
        self.channels, self.scratch, self.max_bytes = channels, scratch, max_bytes
        self.watch, self.overflow = watch, None
        self.spare = None  # (pid, request fd, reply fd) of a child waiting for its first case
        self.live = None  # (function, pid, request fd, reply fd) of the child serving a function
        self.unreaped = []  # pids of children killed but not yet reaped

    def _fork(self, work):
        """(pid, reply fd) of a child that runs `work(writing)` and exits, or None."""
        reading, writing = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # as root, processes a case left in a session of their own still count
            os.close(reading)
            os.close(writing)
            return None
        if pid == 0:  # the child: nothing of the worker's channels, a process group of its own
            os.close(reading)
            for fd in self.channels:
                os.close(fd)
            if self.spare:
                os.close(self.spare[1])
            os.setpgid(0, 0)
            os.chdir(self.scratch)
            try:
                work(writing)
                code = 0
            except BaseException:
                code = REPLY_FAILED
            flush_streams()
            os._exit(code)
        os.close(writing)
        return pid, reading

    def fork_spare(self):
        """Fork the next function's child now, unless a function's child is alive."""
        if self.spare is not None or self.live is not None:
            return
        inbox, outbox = os.pipe()

        def serve_function(writing):
            import protocol
            os.close(outbox)
            requests = protocol.Channel(inbox)
            while True:
                try:
                    frame = protocol.receive_frame(requests, max_payload=1 << 30)
                except protocol.ProtocolError:
                    return  # the worker closed the channel: no more cases
                request, inputs = protocol.parse(frame, 1 << 30)
                header, arrays = case_in_child(request, inputs, None, None)
                flush_streams()  # what it printed goes to the log before its reply
                protocol.send(writing, header, arrays)

        forked = self._fork(serve_function)
        os.close(inbox)
        if forked is None:
            os.close(outbox)
            return
        self.spare = (forked[0], outbox, forked[1])

    def run_case(self, frame, seconds):
        """The reply to the request `frame` (bytes) of its function's child, as run() returns
        it: the live one if it serves that function, else the spare."""
        import protocol
        function = function_of(frame)
        if self.live is not None and self.live[0] != function:
            self.end_live()
        if self.live is None:
            self.fork_spare()
            if self.spare is None:
                return PROCESS_LIMIT, b""
            self.live, self.spare = (function, *self.spare), None
        _, pid, outbox, reading = self.live
        try:
            protocol.send_bytes(outbox, frame)
        except OSError:
            pass  # it died already: the read below says how
        header, data = self._collect(pid, reading, seconds, keep=True)
        if header is not None:  # it timed out or died, and is gone with what it left
            os.close(outbox)
            self.live = None
        return header, data

    def _drop(self, pid, reading):
        os.close(reading)
        self._end(pid)

    def end_live(self):
        """Kill the child serving a function, and whatever its cases left."""
        if self.live is not None:
            _, pid, outbox, reading = self.live
            self.live = None
            os.close(outbox)
            self._drop(pid, reading)
            self.unreaped.append(pid)
            self.finish(wait=False)

    def run(self, work, seconds, *args):
        """The reply of a fresh child that runs `work(*args)`, as bytes of one frame, or a
        header saying how it failed."""
        import protocol
        forked = self._fork(lambda writing: protocol.send(writing, *work(*args)))
        if forked is None:
            return PROCESS_LIMIT, b""
        return self._collect(*forked, seconds)

    def _collect(self, pid, reading, seconds, keep=False):
        """(None, frame) of a whole reply, else (a header saying how it failed, b""). The child
        is then killed, unless `keep` and it replied: it waits for its next request."""
        self.overflow = None
        try:
            data, timed_out = self._read(reading, time.monotonic() + seconds)
        except BaseException:
            self._drop(pid, reading)
            raise
        if data and keep:
            self.overflow = self.watch and self.watch(self.scratch)
            if not self.overflow:
                return None, data  # it waits for its function's next case
        self._drop(pid, reading)
        if self.watch and not self.overflow:  # it may have written it all between two looks
            self.overflow = self.watch(self.scratch)
        if self.overflow:
            return {"status": "died", "detail": self.overflow}, b""
        if data:  # a whole frame came back: whatever happened after it does not matter
            self.unreaped.append(pid)
            return None, data
        status = self._reap(pid)
        self.finish()
        if timed_out:
            return {"status": "timeout"}, b""
        return {"status": "died", **status}, b""

    def finish(self, wait=True):
        """Reap what the last case left and empty the scratch folder. Killed, none of it runs
        again: with `wait=False` a child the kernel is still tearing down is reaped at a later
        call instead of waited for."""
        self.unreaped = [pid for pid in self.unreaped if self._reap(pid, wait) is None]
        self._reap_orphans()
        self._clean_scratch()

    def _read(self, fd, deadline):
        """(one whole frame or b"", timed out?). Stops at the frame's end: a process the case
        left running may hold the pipe open, and need not make us wait."""
        import protocol
        data = bytearray()
        while True:
            length = protocol.frame_length(data)
            if length is not None and len(data) >= length:
                return (bytes(data) if len(data) == length else b""), False
            left = deadline - time.monotonic()
            if left <= 0:
                return b"", True
            if not select.select([fd], [], [], left if self.watch is None else min(left, 0.05))[0]:
                self.overflow = self.watch and self.watch(self.scratch)
                if self.overflow:
                    return b"", False
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk or len(data) + len(chunk) > self.max_bytes:
                return b"", False  # died before a whole reply, or one the grader would refuse
            data += chunk

    def _end(self, pid):
        """Kill the child and whatever it started in its group (a case leaves nothing behind);
        as PID 1 of a namespace of our own, whatever left the group too (never the spare: it
        is forked only once this case is over)."""
        kills = [lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)]
        if os.getpid() == 1:  # kill(-1) reaches only our namespace, never the grader's processes
            kills.append(lambda: os.kill(-1, signal.SIGKILL))
        for kill in kills:
            try:
                kill()
            except OSError:
                pass

    @staticmethod
    def _reap_orphans():
        """As PID 1, orphans come to us: their zombies would count against the process limit."""
        while os.getpid() == 1:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break

    def _reap(self, pid, wait=True):
        """How the child ended: {"signal": name} | {"exit": code} | {"reply_failed": True};
        None if `wait` is False and it has not ended yet; {} if it was reaped already."""
        try:
            done, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped among the orphans
            return {}
        if not done:
            return None
        if os.WIFSIGNALED(status):
            return {"signal": signal.Signals(os.WTERMSIG(status)).name}
        code = os.WEXITSTATUS(status)
        if code == REPLY_FAILED:
            return {"reply_failed": True}
        return {"exit": code}

    def _clean_scratch(self):
        for entry in os.scandir(self.scratch):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass


def flush_streams():
    """Whatever the student's code printed, into output.log (its streams may be broken)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def function_of(frame):
    """The function a request frame (from the grader) is a case of."""
    (head_size,) = struct.unpack(">I", frame[:4])
    return json.loads(frame[4:4 + head_size]).get("function")


PROCESS_LIMIT = {"status": "died", "detail": "could not be started: the process limit is "
                                             "reached (by processes your code left running?)"}


def serve(requests, outbox, children, layers, net, seconds):
    import protocol
    while True:
        if children is not None:
            children.fork_spare()  # while the grader judges the last reply
        try:
            if children is None:
                request, inputs = protocol.receive(requests, max_payload=1 << 30)
            else:
                frame = protocol.receive_frame(requests, max_payload=1 << 30)
        except protocol.ProtocolError as error:
            if "closed" not in str(error):
                print(f"worker: bad request: {error}", file=sys.__stderr__)
            return  # the grader is done with us
        if children is None:
            protocol.send(outbox, *answer(request, inputs, layers, net))
            continue
        header, data = children.run_case(frame, seconds)
        if header is None:
            protocol.send_bytes(outbox, data)
        else:
            protocol.send(outbox, header)
        children.finish(wait=False)  # before the next case: nothing of this one runs on


def main():
    settings = json.loads(sys.argv[2])
    abilities = set(settings["abilities"])
    if hasattr(signal, "SIGXFSZ"):
        # Past the output cap a write fails with an error the student's code sees, instead of
        # the signal that would kill us.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.path.insert(0, SANDBOX)
    inbox, outbox = private_channels()
    import confinement
    import out_of_reach
    scratch = os.path.join(SANDBOX, "scratch")
    fast_layers = out_of_reach.take(os.path.join(SANDBOX, "submission"))
    # No student code yet, and no file of theirs read: Python's and numpy's start-up happens
    # while the grader reads the submission.
    or_broken(outbox, preload, fast_layers)
    # Its text must not outlive the module made from it: student code can walk up to this
    # frame (sys._getframe) and exec what it finds here, unrefused.
    has_fast_layers, fast_layers = fast_layers is not None, None
    import protocol
    requests = protocol.Channel(inbox)
    try:
        or_broken(outbox, wait_for_files, requests, passing=protocol.ProtocolError)
    except protocol.ProtocolError:
        os._exit(0)  # the grader is gone, or gave up before the files came
    # Before any student code runs, with one thread: confine ourselves.
    policy = confinement.policy_for(SANDBOX, scratch)
    protections = confinement.confine(policy, abilities, settings["pretended"], settings["uid"])
    drop_privileges(settings["uid"])
    os.chdir(scratch)
    protections.update(limits_in_force())
    fresh = "fork" in abilities
    no_fork = "pretended away" if "fork" in settings["pretended"] else "no fork on this system"
    protections["fresh state"] = (fresh, "a fresh process per function: nothing one function's "
                                  "cases change reaches another's" if fresh else
                                  f"no fresh process per function ({no_fork}): one function's "
                                  "side effects can reach the next")
    protections["fast layers out of reach"] = (
        fresh and has_fast_layers,
        "a naive layer's cases cannot call the provided fast layers (refused, and reported)"
        if fresh and has_fast_layers else
        f"a naive layer may call the provided fast layers ({no_fork if not fresh else 'no fast_layers.py'})")
    layers = net = children = None
    if fresh:
        # Everything imported so far is the worker's for good: frozen, the collector in a
        # child never walks (and so never copies) those pages; forks get much cheaper.
        gc.freeze()
        import namespaces
        watch = None if protections["scratch limit"][0] else namespaces.scratch_watch(policy)
        children = Children((inbox, outbox), scratch, settings["results_bytes"], watch)
        header, data = children.run(imports_in_child, settings["seconds_to_import"])
        children.finish()
        if header is None:
            try:
                header, _ = protocol.parse(data, settings["results_bytes"])
            except protocol.ProtocolError:  # the student's import wrote into the reply
                header = {"status": "died"}
        errors = header.get("import_errors") if header.get("status") == "ready" else None
        if not isinstance(errors, dict):
            why = describe_death(header, settings["seconds_to_import"])
            errors = {"layers.py": why, "classifiers/cnn.py": why}
        elif not errors:
            sys.meta_path.insert(0, Precompiled(os.path.join(SANDBOX, "submission")))
            gc.freeze()
    else:
        layers, net, errors = import_submission()
    protocol.send(outbox, {"status": "ready", "import_errors": errors,
                           "protections": {k: list(v) for k, v in protections.items()}})
    serve(requests, outbox, children, layers, net, settings["seconds_per_case"])


def limits_in_force():
    """The memory limit and output cap as this process has them (the grader only asked)."""
    if resource is None:
        return {"memory limit": (False, "no memory limit on this system (no `resource`)"),
                "output cap": (False, "no cap on printed output on this system (no `resource`)")}
    memory = resource.getrlimit(resource.RLIMIT_AS)[0]
    output = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    unlimited = resource.RLIM_INFINITY
    if memory == unlimited:
        memory_words = "no memory limit on this system"
    elif sys.platform == "darwin":
        memory_words, memory = "no memory limit: macOS does not enforce RLIMIT_AS", unlimited
    else:
        memory_words = f"{memory >> 20} MB"
    return {"memory limit": (memory != unlimited, memory_words),
            "output cap": (output != unlimited, f"{output >> 10} KB printed" if output != unlimited
                           else "no cap on printed output on this system")}


def or_broken(outbox, step, *args, passing=()):
    """step(*args); if it fails (but with one of `passing`), the grader is told, and we exit:
    these are the grader's own modules, and a limit too low for them is not the student's
    doing."""
    try:
        return step(*args)
    except passing:
        raise
    except BaseException as error:
        say_broken(outbox, f"{type(error).__name__}: {error}")
        os._exit(3)


def say_broken(outbox, error):
    """A frame built by hand (protocol.py needs numpy, which may be what failed)."""
    head = json.dumps({"status": "broken", "error": error[:2000]}).encode()
    os.write(outbox, struct.pack(">I", len(head)) + head + struct.pack(">Q", 0))


def describe_death(header, seconds):
    """In words, for an import that did not come back (the grader names limits for cases)."""
    if header.get("status") == "timeout":
        return f"importing your files did not finish within {seconds:g} s"
    if "exit" in header:
        return f"the process importing your files exited with status {header['exit']} (os._exit or sys.exit?)"
    if "signal" in header:
        return f"the process importing your files was killed by {header['signal']}"
    return "the process importing your files could not reply"


if __name__ == "__main__":
    main()
