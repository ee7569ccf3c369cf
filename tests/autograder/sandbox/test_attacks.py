"""Issue 17's round: attacks by a student who has read the grader's code.

Each test looks for the harm itself (a process alive after grade-all returned, a secret that
reached a classmate, marks for a fast layer, bytes past a limit) and runs again with the
protection that stops it pretended away (AUTOGRADER_PRETEND_MISSING), to show that the attack
is real and that this protection is what stops it. The whole module runs as root here and as
`nobody` by its last test.
"""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.course.grade_all import grade_all
from autograder.grading.grade import grade_files
from autograder.sandbox import namespaces
from autograder.sandbox.limits import Limits
from autograder.sandbox.uids import Lease
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the corpus's helpers (import mode importlib)
from test_hostile import (  # noqa: E402
    FAST, REFERENCE_LAYERS, ROOT, add_student, grade, points, pytest_as_nobody, scores, with_region)

ROOT_USER = os.getuid() == 0
REFERENCE_CNN = (ROOT / "reference/classifiers/cnn.py").read_text()


def named(name):
    """Pids of the processes an attack of this test started (they took `name` as their own)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                found.append(int(pid))
        except OSError:
            pass
    return found


def kill_ours(name):
    for _ in range(100):  # they fork while we kill them
        pids = named(name)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


def a_name():
    return f"ag{os.getpid() % 10000}{time.monotonic_ns() % 100000}"[:15]


def a_class(*students):
    folder = Path(tempfile.mkdtemp(prefix="autograder-class-", dir="/tmp"))
    os.chmod(folder, 0o755)
    for name, layers in students:
        add_student(folder, name, layers)
    return folder


# --- Nothing survives a submission's grading ----------------------------------------------

def daemons(name, count):
    """At import: `count` helpers that leave their session (as a daemon does), take `name`,
    and take every process slot that comes free (forked, not started: the sandbox may not
    exec anything but Python)."""
    return f"""
import ctypes as _ctypes, os as _os, time as _time
for _ in range({count}):
    try:
        _pid = _os.fork()
    except OSError:
        break
    if _pid == 0:
        _os.setsid()
        _ctypes.CDLL(None).prctl(15, {name.encode()!r}, 0, 0, 0)
        for _ in range(3000):  # squat: take every process slot of the uid that comes free
            _time.sleep(0.1)
            try:
                if _os.fork() == 0:
                    continue
            except OSError:
                pass
        _os._exit(0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("pretend", ["", "namespaces,prctl,uids"])
def test_what_a_timed_out_submission_started_dies_and_the_next_student_is_graded(tmp_path, pretend,
                                                                                 monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    marker = a_name()
    slow = with_region("conv_forward_naive", "while True:\n    pass")  # every case times out
    folder = a_class(("a_attacker", daemons(marker, 70) + slow), ("b_victim", REFERENCE_LAYERS))
    # Without the protections grade-all leases no uid, and the survivors squat every slot of
    # theirs for minutes: the test leases one itself, so that no other grader on the machine (a
    # pytest-xdist worker) runs as it meanwhile, and the lease's release kills them all.
    lease = Lease.take(62000) if pretend and ROOT_USER else None
    try:
        rows = grade_all(folder, tmp_path / "out", jobs=1, timeout=45,  # an honest one: < 20 s
                         limit_args=["--seconds-per-case", "2"],
                         base_uid=lease.uid if lease else 61000)
        left = named(marker)
        victim = next(row for row in rows if row.student == "b_victim")
        if not pretend:
            assert left == []
            assert victim.result.score == 100
        else:  # the attack is real: helpers outlive grade-all (and, as root, take the uid's slots)
            assert left, "no helper outlived grading even without the protections"
            if ROOT_USER:
                assert victim.result.score < 100
    finally:
        if lease:
            lease.release()
        kill_ours(marker)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_ctrl_c_on_grade_all_leaves_nothing_of_any_submission(tmp_path):
    marker = a_name()
    folder = a_class(("attacker", daemons(marker, 5) + with_region("conv_forward_naive",
                                                                    "while True:\n    pass")))
    try:
        run = subprocess.Popen([sys.executable, "-m", "autograder", "grade-all", str(folder), "--out",
                                str(tmp_path / "out"), "-j", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180  # a loaded machine starts Python slowly
        while not named(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert named(marker), "the attack never started"
        run.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        run.wait(timeout=30)
        time.sleep(0.5)
        assert named(marker) == []
    finally:
        kill_ours(marker)
        shutil.rmtree(folder, ignore_errors=True)


# --- The fast layers are out of reach of a naive case --------------------------------------

PKG = 'pkg = __name__.rsplit(".", 1)[0]\n'
REACHES = {
    "a string-built import_module and getattr":
        'import importlib\n' + PKG + 'f = getattr(importlib.import_module(pkg + ".fa" + "st_layers"), '
        '"conv_forward_" + "fa" + "st")',
    "sys.modules":
        'import sys\nf = next(m for k, m in list(sys.modules.items()) if k.endswith("st_layers"))'
        '.conv_forward_fast',
    "__import__":
        PKG + 'f = getattr(__import__(pkg + ".fast_" + "layers", fromlist=["x"]), "conv_forward_fast")',
    "exec of a built string":
        PKG + 'g = {}\nexec("from " + pkg + ".fast_layers import conv_forward_" + "fast as f", g)\nf = g["f"]',
    "importlib.util from the file":
        'import importlib.util, os\npath = os.path.join(os.path.dirname(__file__), "fast_layers.py")\n'
        'spec = importlib.util.spec_from_file_location("mine", path)\n'
        'mod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\nf = mod.conv_forward_fast',
    "the kit's own copy":
        f'g = {{}}\nexec(open({str(ROOT / "assignment/fast_layers.py")!r}).read(), g)\nf = g["conv_forward_fast"]',
    "the fast layers' text, found up the worker's frames":
        'import sys\nframe, text = sys._getframe(), None\n'
        'while frame is not None and text is None:\n'
        '    for v in list(frame.f_locals.values()):\n'
        '        if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], bytes) and b"conv_forward_fast" in v[1]:\n'
        '            text = v[1]\n'
        '    frame = frame.f_back\n'
        'g = {"__name__": "mine"}\nexec(compile(text, "mine", "exec"), g)\nf = g["conv_forward_fast"]',
    "an unrefused function found among the collector's objects":
        'import gc\nf = next(o for o in gc.get_objects() if getattr(o, "__name__", "") == "conv_forward_fast"'
        ' and getattr(o, "__code__", None) is not None and o.__code__.co_name == "conv_forward_fast")',
    "an im2col helper class found through object.__subclasses__()":
        'import numpy as np\ngeo = next(c for c in object.__subclasses__() if c.__name__ == "_Geometry")\n'
        'def f(x, w, b, conv_param):\n'
        '    g = geo(x.shape, w.shape, conv_param)\n'
        '    cols = g.columns(x)\n'
        '    raise RuntimeError("got columns")\n',
}


@pytest.mark.parametrize("how", REACHES)
def test_a_naive_layer_cannot_reach_the_fast_layers(how):
    code = REACHES[how] + "\nout, _ = f(x, w, b, conv_param)"
    files = {"layers.py": with_region("conv_forward_naive", code), "classifiers/cnn.py": REFERENCE_CNN}
    result = grade_files("hostile", files, functions={"conv_forward_naive", "ThreeLayerConvNet"},
                         limits=FAST)
    assert scores(result)["conv_forward_naive"] == 0  # no marks for the provided layer's work
    assert scores(result)["ThreeLayerConvNet"] == points("ThreeLayerConvNet")  # the net uses them
    if how in ("a string-built import_module and getattr", "sys.modules", "__import__",
               "exec of a built string", "an im2col helper class found through object.__subclasses__()"):
        assert any("in `conv_forward_naive`: called the provided" in f for f in result.integrity), \
            result.integrity


def test_without_a_fresh_process_per_case_the_string_built_import_forges_the_marks(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", "fork")
    code = REACHES["a string-built import_module and getattr"] + "\nout, _ = f(x, w, b, conv_param)"
    result = grade(with_region("conv_forward_naive", code), ["conv_forward_naive"])
    assert scores(result)["conv_forward_naive"] == points("conv_forward_naive")  # forged
    assert result.isolation["fast layers out of reach"][0] is False  # and said so


# --- Classmates cannot talk; limits count everything ---------------------------------------

IPC = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
class Message(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_long), ("text", ctypes.c_char * 64)]
KEY, CREATE, NOWAIT = {key}, 0o1000, 0o4000
"""
SEND = IPC + """
queue = libc.msgget(KEY, CREATE | 0o666)
libc.msgsnd(queue, ctypes.byref(Message(1, {secret!r})), 64, NOWAIT)
segment = libc.shmget(KEY, 4096, CREATE | 0o666)
if segment >= 0:
    ctypes.memmove(libc.shmat(segment, None, 0), {secret!r}, len({secret!r}))
out = None
"""
HEAR = IPC + """
heard = b""
queue = libc.msgget(KEY, 0o666)
message = Message()
if queue >= 0 and libc.msgrcv(queue, ctypes.byref(message), 64, 0, NOWAIT) > 0:
    heard += message.text
segment = libc.shmget(KEY, 4096, 0o666)
if segment >= 0:
    heard += ctypes.string_at(libc.shmat(segment, None, 0), 32)
raise RuntimeError("HEARD " + repr(heard))
"""


def left_behind(key):
    """Remove (and say) the SysV objects with `key` that outlived grading."""
    libc = ctypes.CDLL(None, use_errno=True)
    found = []
    for get, control, name in ((libc.msgget, libc.msgctl, "message queue"),
                               (libc.shmget, libc.shmctl, "shared memory")):
        ident = get(key, 0) if name == "message queue" else get(key, 0, 0)
        if ident >= 0:
            found.append(name)
            control(ident, 0, None)  # IPC_RMID
    return found


# An IPC namespace stops it; without one (a container), seccomp refuses SysV IPC altogether.
@pytest.mark.parametrize("pretend", ["", "namespaces", "namespaces,seccomp"])
def test_classmates_cannot_pass_a_secret_through_sysv_ipc(pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    key, secret = 0x5EC000 + os.getpid() % 4096, f"secret-{time.monotonic_ns()}".encode()
    left_behind(key)
    try:
        grade(with_region("layernorm_forward", SEND.format(key=key, secret=secret)), ["layernorm_forward"])
        hearer = grade(with_region("layernorm_forward", HEAR.format(key=key)), ["layernorm_forward"])
        heard = any(secret.decode() in c.problem for c in hearer.cases)
        assert heard == (pretend == "namespaces,seccomp")
    finally:
        assert (left_behind(key) != []) == (pretend == "namespaces,seccomp")  # nothing outlives grading


MEMFDS = """
import os, resource
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held, chunk = 0, b"x" * (256 << 10)
try:
    while held < {target}:
        fd = os.memfd_create("hold")
        os.write(fd, chunk)
        held += len(chunk)
except OSError as error:
    print("stopped:", error)
print("HELD", held)
out = None
"""


@pytest.mark.parametrize("pretend", ["", "seccomp"])
def test_memfds_cannot_hold_memory_past_the_limit(pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    limits = Limits(seconds_per_case=20, seconds_to_import=10, memory_mb=1024)
    target = (limits.memory_mb + 128) << 20
    result = grade(with_region("layernorm_forward", MEMFDS.format(target=target)), ["layernorm_forward"],
                   limits=limits)
    held = max(int(c.printed.split("HELD ")[1].split()[0]) for c in result.cases if "HELD" in c.printed)
    assert (held > limits.memory_mb << 20) == bool(pretend), held


FLOOD = """
import os
written = files = 0
try:
    while written < (256 << 20):
        with open(f"f{files}", "wb") as file:
            file.write(b"x" * (256 << 10))
        files += 1
        written += 256 << 10
        if files % 4 == 0:
            print("WROTE", written, files)
except OSError as error:
    print("stopped:", error)
print("WROTE", written, files)
out = None
"""


# Pretending the mount namespace away shows the attack is real (it writes past the limit) and
# that the watchdog, the fallback, then ends it: within what 0.05 s of writing adds.
@pytest.mark.parametrize("pretend", ["", "namespaces"])
def test_many_small_files_cannot_fill_the_disk(pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    result = grade(with_region("layernorm_forward", FLOOD), ["layernorm_forward"],
                   limits=Limits(seconds_per_case=20, seconds_to_import=10))
    written = max(int(line.split()[1]) for c in result.cases for line in c.printed.splitlines()
                  if line.startswith("WROTE"))
    ended = all("wrote more than 64 MB or 1000 files in its scratch folder" in c.problem
                for c in result.cases)
    if not pretend:  # the tmpfs refuses the byte past 64 MB
        assert written <= 64 << 20 and not ended, written
    else:
        assert written >= 63 << 20 and ended, written  # it reached the limit (printing lags)
        assert written < 256 << 20  # ended before the attack was done


FORKS = """
import os, time
started = []
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    started.append(pid)
print("FORKED", len(started))
out = None
"""


# As root the limit is RLIMIT_NPROC on the sandbox's uid (set with `resource`); as an ordinary
# user it is the same limit counted inside a user namespace (which any namespace brings).
@pytest.mark.parametrize("pretend", ["", "resource" if ROOT_USER else "namespaces,netns"])
def test_a_process_limit_holds_whoever_runs_the_grader(pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    result = grade(with_region("layernorm_forward", FORKS), ["layernorm_forward"],
                   limits=Limits(seconds_per_case=20, seconds_to_import=10))
    forked = max(int(c.printed.split("FORKED ")[1].split()[0]) for c in result.cases if "FORKED" in c.printed)
    assert (forked > 64) == bool(pretend), forked


# --- Imports behave as outside (issue 18, item 4) -------------------------------------------

HIDDEN_PYTHON = ROOT_USER and namespaces.blocking_folder(sys.base_prefix) is not None


@pytest.mark.parametrize("pretend", ["", "namespaces"])
def test_a_stray_editor_import_of_a_module_the_grader_has_imports_in_the_sandbox(pretend, monkeypatch):
    if pretend and not HIDDEN_PYTHON:
        pytest.skip("the grader's Python is readable by every user here: nothing to show")
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    result = grade("from pyparsing import col\n" + REFERENCE_LAYERS, ["conv_forward_naive"])
    full = scores(result)["conv_forward_naive"] == points("conv_forward_naive")
    assert full == (not pretend), [c.traceback for c in result.cases][:1]


def test_a_module_the_grader_lacks_is_named_with_the_student_s_line():
    result = grade("from pyparsingx import col\n" + REFERENCE_LAYERS, ["conv_forward_naive"])
    assert all(c.traceback.startswith("layers.py, line 1: `from pyparsingx import col` — the grader "
                                      "has no module 'pyparsingx'; remove the line") for c in result.cases)


# --- And all of it when the grader is an ordinary user --------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(not ROOT_USER, reason="needs root to become `nobody` (and already is unprivileged)")
def test_the_attacks_hold_when_the_grader_is_an_ordinary_user():
    pytest_as_nobody("tests/autograder/sandbox/test_attacks.py")
