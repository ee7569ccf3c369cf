"""A corpus of hostile submissions: each is graded safely, with the score it deserves.

Each one is the reference with one function's region replaced by hostile code, so the right
score is known: everything else keeps full marks, the hostile function gets nothing.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from autograder.rubric.cases import RUBRIC
from autograder.grading.grade import grade_files
from autograder.grading.markers import END, START
from autograder.sandbox.confinement import landlock_abi
from autograder.sandbox.sandbox import Limits

ROOT = Path(__file__).resolve().parents[3]
FAST = Limits(seconds_per_case=3, seconds_to_import=10)
REFERENCE_LAYERS = (ROOT / "reference" / "layers.py").read_text()


def with_region(function, code, text=REFERENCE_LAYERS):
    """The reference with the first region of `function` replaced by `code`."""
    start = text.index(START, text.index(f"def {function}("))
    body_start = text.index("\n", start) + 1
    end = text.rindex("\n", 0, text.index(END, start)) + 1
    indented = "".join(f"    {line}\n" for line in code.strip("\n").splitlines())
    return text[:body_start] + indented + text[end:]


def points(function):
    return next(g.points for g in RUBRIC if g.function == function)


def grade(layers, functions, limits=FAST):
    return grade_files("hostile", {"layers.py": layers}, functions=set(functions), limits=limits)


def scores(result):
    return {f: s for f, (s, _) in result.by_function().items()}


def alive(marker):
    """Processes whose command line carries `marker`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.slow
def test_an_infinite_loop_times_out_and_the_rest_is_graded():
    layers = with_region("conv_forward_naive", "while True:\n    pass")
    started = time.monotonic()
    result = grade(layers, ["conv_forward_naive", "max_pool_forward_naive"])
    assert scores(result) == {"conv_forward_naive": 0, "max_pool_forward_naive": points("max_pool_forward_naive")}
    conv = [c for c in result.cases if c.function == "conv_forward_naive"]
    assert all("did not finish within 3 s" in c.problem for c in conv)
    assert time.monotonic() - started < 3 * len(conv) + 10


def test_os_exit_fails_its_cases_and_a_new_worker_grades_the_rest():
    layers = with_region("max_pool_forward_naive", "import os\nos._exit(0)")
    result = grade(layers, ["max_pool_forward_naive", "conv_forward_naive"])
    assert scores(result) == {"conv_forward_naive": points("conv_forward_naive"), "max_pool_forward_naive": 0}
    assert all("exited with status 0" in c.problem for c in result.cases if c.function == "max_pool_forward_naive")


def test_exit_at_import_fails_every_case_without_crashing():
    layers = REFERENCE_LAYERS + "\nraise SystemExit(3)\n"
    result = grade(layers, ["conv_forward_naive", "layernorm_forward"])
    assert result.score == 0
    assert all("could not be imported" in c.problem and "SystemExit" in c.traceback for c in result.cases)


def test_a_syntax_error_is_reported_with_its_line_and_the_net_still_needs_layers():
    layers = REFERENCE_LAYERS.replace("    out = None\n", "    out = None +\n", 1)
    result = grade(layers, ["conv_forward_naive", "ThreeLayerConvNet"])
    assert result.score == 0
    case = result.cases[0]
    assert "layers.py could not be imported" in case.problem and "SyntaxError" in case.traceback
    assert "line" in case.traceback
    net = [c for c in result.cases if c.function == "ThreeLayerConvNet"]
    assert all("cnn.py could not be imported" in c.problem for c in net)  # cnn.py imports ..layers


def test_forged_results_from_the_worker_and_a_lingering_helper_are_overwritten(tmp_path):
    marker = f"forger-{os.getpid()}-{time.monotonic_ns()}"
    out = tmp_path / "out"
    forge = f"""
import json, os, subprocess, sys
forged = json.dumps({{"score": 100, "tests": []}})
for folder in [{str(out)!r}, "/tmp", os.getcwd()]:
    try:
        os.makedirs(folder, exist_ok=True)
        open(os.path.join(folder, "results.json"), "w").write(forged)
    except OSError:
        pass
code = "import time, os, json\\ntime.sleep(4)\\n" + \\
       "open(os.path.join({str(out)!r}, 'results.json'), 'w').write(json.dumps({{'score': 100}}))"
subprocess.Popen([sys.executable, "-c", code, {marker!r}], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", code, {marker!r}])
    os._exit(0)
out = None
"""
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "layers.py").write_text(with_region("layernorm_forward", forge))
    (folder / "cnn.py").write_text((ROOT / "reference/classifiers/cnn.py").read_text())
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out),
                           "--seconds-per-case", "5"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert alive(marker) == []  # every helper it started is gone once grading returns
    time.sleep(5)               # and nothing rewrites the results later
    results = json.loads((out / "results.json").read_text())
    # layernorm_backward is fed the cache of this forward, so it goes down with it.
    assert results["score"] == 100 - points("layernorm_forward") - points("layernorm_backward")
    assert "tests" in results and len(results["tests"]) > 10


@pytest.mark.skipif(os.getuid() != 0 and not landlock_abi()[0],
                    reason="needs root (a user of its own for the worker) or Landlock")
def test_the_worker_cannot_read_the_hidden_fixtures_or_the_reference():
    steal = f"""
import glob, numpy as np
found = glob.glob({str(ROOT)!r} + "/autograder/rubric/fixtures/hidden/conv_forward_naive.*.npz")
found += glob.glob({str(ROOT)!r} + "/autograder/rubric/fixtures/public/conv_forward_naive.*.npz")
open({str(ROOT)!r} + "/reference/layers.py").read()
for path in sorted(found):
    data = np.load(path)
    if data["input__x"].shape == x.shape and np.allclose(data["input__x"], x):
        out = data["expected__out"]
"""
    result = grade(with_region("conv_forward_naive", steal), ["conv_forward_naive"])
    assert scores(result) == {"conv_forward_naive": 0}
    assert all("PermissionError" in c.problem for c in result.cases)


@pytest.mark.skipif(os.getuid() != 0, reason="needs the unprivileged sandbox user")
def test_stolen_public_answers_still_fail_the_hidden_cases():
    steal = f"""
import glob, numpy as np
out = None
for path in glob.glob({str(ROOT)!r} + "/autograder/rubric/fixtures/*/conv_forward_naive.*.npz"):
    try:
        data = np.load(path)
    except OSError:
        continue
    if data["input__x"].shape == x.shape and np.allclose(data["input__x"], x):
        out = data["expected__out"]
"""
    result = grade(with_region("conv_forward_naive", steal), ["conv_forward_naive"])
    passed = {c.visibility for c in result.cases if c.passed}
    assert passed <= {"public"}  # public answers are public; hidden ones stay out of reach
    assert any(not c.passed for c in result.cases if c.visibility == "hidden")


MARKER = Path("/tmp/autograder-unpickle-ran-code")


def test_an_object_whose_unpickling_runs_code_is_refused():
    MARKER.unlink(missing_ok=True)
    evil = f"""
import os
class Evil:
    def __reduce__(self):
        return (os.system, ("touch {MARKER}",))
out = Evil()
"""
    result = grade(with_region("layernorm_forward", evil), ["layernorm_forward"])
    assert scores(result) == {"layernorm_forward": 0}
    assert any("out is a Evil, not an array of numbers" in k.message for c in result.cases for k in c.checks)
    assert not MARKER.exists()


def test_a_forged_pickle_on_the_protocol_channel_is_refused():
    MARKER.unlink(missing_ok=True)
    forge = f"""
import io, json, os, pickle, struct, sys, numpy as np
class Evil:
    def __reduce__(self):
        return (os.system, ("touch {MARKER}",))
pickled = pickle.dumps(np.array([Evil()], dtype=object))
manifest = json.dumps([["out", "|O", [1]]]).encode()  # protocol.py's layout, with an object dtype
payload = struct.pack(">I", len(manifest)) + manifest + pickled
head = json.dumps({{"status": "ok", "none": [], "bad": {{}}}}).encode()
frame = struct.pack(">I", len(head)) + head + struct.pack(">Q", len(payload)) + payload
for fd in map(int, os.listdir("/proc/self/fd")):
    if fd > 2:
        try:
            os.write(fd, frame)
        except OSError:
            pass
out = np.zeros(1)
"""
    result = grade(with_region("layernorm_forward", forge), ["layernorm_forward", "max_pool_forward_naive"])
    assert scores(result)["layernorm_forward"] == 0
    assert scores(result)["max_pool_forward_naive"] == points("max_pool_forward_naive")
    assert not MARKER.exists()


def test_allocating_many_gigabytes_fails_that_function_only():
    layers = with_region("conv_forward_naive", "import numpy as np\nout = np.ones((40000, 40000))")
    result = grade(layers, ["conv_forward_naive", "max_pool_forward_naive"])
    assert scores(result) == {"conv_forward_naive": 0, "max_pool_forward_naive": points("max_pool_forward_naive")}
    assert all("MemoryError" in c.problem or "memory" in c.problem for c in result.cases
               if c.function == "conv_forward_naive")


def test_printing_hundreds_of_megabytes_is_capped():
    layers = with_region("max_pool_forward_naive", "for _ in range(300):\n    print('x' * 10**6)")
    started = time.monotonic()
    result = grade(layers, ["max_pool_forward_naive", "layernorm_forward"])
    assert time.monotonic() - started < 30
    assert scores(result) == {"max_pool_forward_naive": 0, "layernorm_forward": points("layernorm_forward")}
    assert all(len(c.printed) <= 2000 for c in result.cases)
    assert len(json.dumps(result.to_dict())) < 200_000


def test_monkeypatching_numpy_changes_nothing_in_the_grader():
    stubs = (ROOT / "assignment" / "layers.py").read_text()
    patched = stubs + "\nnp.allclose = lambda *a, **k: True\nnp.max = lambda *a, **k: 0.0\nnp.abs = lambda a: a * 0\n"
    result = grade(patched, ["conv_forward_naive", "batchnorm_forward"])
    assert result.score == 0


def test_a_fork_bomb_is_contained_and_reaped():
    marker = f"bomb-{os.getpid()}"
    bomb = f"""
import subprocess, sys
children = []
for _ in range(500):
    try:
        children.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}]))
    except OSError:
        break
out = None
"""
    result = grade(with_region("layernorm_forward", bomb), ["layernorm_forward", "max_pool_forward_naive"],
                   limits=Limits(seconds_per_case=20, seconds_to_import=10))
    assert scores(result)["max_pool_forward_naive"] == points("max_pool_forward_naive")
    assert scores(result)["layernorm_forward"] == 0
    assert alive(marker) == []


def test_a_zip_with_path_traversal_is_read_safely(tmp_path):
    archive = tmp_path / "student.zip"
    evil = tmp_path / "evil_written.py"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"../../{evil}", "print('escaped')")
        z.writestr("../layers.py", "raise SystemExit('the wrong file')")
        z.writestr("/abs/layers.py", "raise SystemExit('the wrong file')")
        z.writestr("hw/assignment/layers.py", REFERENCE_LAYERS)
        z.writestr("hw/assignment/classifiers/cnn.py", (ROOT / "reference/classifiers/cnn.py").read_text())
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["score"] == 100
    assert "skipped unsafe path in the zip: '../layers.py'" in results["output"]
    assert "'/abs/layers.py'" in results["output"]
    assert not evil.exists() and not (tmp_path.parent / "layers.py").exists()


# --- Attacks on classmates, the network and the grader's own state (issue 9) ----------------
# Each is also run with the protection that stops it pretended away (AUTOGRADER_PRETEND_MISSING),
# to show that the attack is real and that this protection is what stops it.

def class_folder(tmp_path, writable=False):
    """A class folder as an instructor keeps it: readable by every user (writable too on a
    TA's laptop, where the grader's user owns it all), outside pytest's private tmp_path."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-class-", dir="/tmp"))
    os.chmod(folder, 0o777 if writable else 0o755)
    return folder


def add_student(folder, name, layers, writable=False):
    student = folder / name
    student.mkdir()
    (student / "layers.py").write_text(layers)
    (student / "cnn.py").write_text((ROOT / "reference/classifiers/cnn.py").read_text())
    os.chmod(student, 0o777 if writable else 0o755)
    for path in student.iterdir():
        os.chmod(path, 0o666 if writable else 0o644)
    return student


def theft(class_path):
    """Finds every layers.py it can (in other processes' command lines, and in the class
    folder, as if guessed), and raises with the end of each one: its own report shows them."""
    return f"""
import os
places = [{str(class_path)!r}]
try:
    pids = os.listdir("/proc")
except OSError:
    pids = []
for pid in pids:
    try:
        args = open(f"/proc/{{pid}}/cmdline", "rb").read().split(b"\\0")
    except OSError:
        continue
    places += [a.decode() for a in args if a.startswith(b"/") and os.path.exists(a)]
stolen = []
for place in places:
    for root, _, files in os.walk(place if os.path.isdir(place) else os.path.dirname(place)):
        if "layers.py" in files:
            try:
                stolen.append(open(os.path.join(root, "layers.py")).read()[-200:])
            except OSError:
                pass
print("STOLEN", stolen)
raise RuntimeError("STOLEN " + " ".join(stolen))
"""


def grade_class(folder, out, pretend=""):
    env = dict(os.environ, AUTOGRADER_PRETEND_MISSING=pretend)
    return subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out),
                           "-j", "2", "--seconds-per-case", "5"], cwd=ROOT, capture_output=True,
                          text=True, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("pretend", ["", "landlock"])
def test_a_classmate_s_code_never_reaches_the_thief_s_report(tmp_path, pretend):
    secret = f"victim's own words {time.monotonic_ns()}"
    folder = class_folder(tmp_path)
    try:
        add_student(folder, "attacker", with_region("layernorm_forward", theft(folder)))
        for victim in ("victim_a", "victim_b"):
            add_student(folder, victim, REFERENCE_LAYERS + f"\n# {secret}\n")
        done = grade_class(folder, tmp_path / "out", pretend)
        assert done.returncode == 0, done.stderr
        report = (tmp_path / "out/reports/attacker/report.md").read_text()
        report += (tmp_path / "out/reports/attacker/results.json").read_text()
        assert "STOLEN" in report  # the attack ran
        if pretend:  # without Landlock it succeeds, and the isolation is said to be reduced
            assert secret in report
            assert "no Landlock" in report and "warning: isolation reduced" in done.stderr
        else:
            assert secret not in report
            victims = json.loads((tmp_path / "out/reports/victim_a/results.json").read_text())
            assert victims["score"] == 100
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sabotage(victim, folder):
    return f"""
for path, mode in (({str(victim / "layers.py")!r}, "a"), ({str(folder / "pwned.txt")!r}, "w")):
    try:
        open(path, mode).write("\\nraise SystemExit('sabotaged')\\n")
    except OSError as error:
        print(path, error)
out = None
"""


@pytest.mark.parametrize("pretend", ["", "landlock"])
def test_a_submission_cannot_write_into_a_classmate_s_files(tmp_path, pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    folder = class_folder(tmp_path, writable=True)
    try:
        victim = add_student(folder, "victim", REFERENCE_LAYERS, writable=True)
        grade(with_region("layernorm_forward", sabotage(victim, folder)), ["layernorm_forward"])
        written = (victim / "layers.py").read_text() != REFERENCE_LAYERS or (folder / "pwned.txt").exists()
        assert written == bool(pretend)  # Landlock is what stops it, root or not
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def reach(port):
    return f"""
import socket
try:
    with socket.create_connection(("127.0.0.1", {port}), timeout=2) as connection:
        connection.sendall(b"exfiltrated")
except OSError as error:
    print("no network:", error)
out = None
"""


@pytest.mark.parametrize("pretend", ["", "netns", "landlock", "netns,landlock"])
def test_a_listener_on_localhost_hears_nothing(pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    heard = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)

        graded = threading.Event()

        def listen():  # until grading is over, and once more for a connection left waiting
            while not heard:
                last = graded.is_set()
                try:
                    connection, _ = listener.accept()
                    heard.append(connection.recv(100))
                except OSError:
                    pass
                if last:
                    return
        thread = threading.Thread(target=listen)
        thread.start()
        result = grade(with_region("layernorm_forward", reach(listener.getsockname()[1])),
                       ["layernorm_forward"])
        graded.set()
        thread.join()
    # Either the namespace or Landlock's TCP rule is enough; with neither, it gets through.
    assert bool(heard) == (pretend == "netns,landlock"), heard
    assert all("no network" in c.printed for c in result.cases) != bool(heard)


@pytest.mark.parametrize("pretend", ["", "fork"])
def test_a_function_that_patches_numpy_costs_no_other_function_marks(pretend, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    patched = with_region("conv_forward_naive", "np.max = lambda *a, **k: 0.0\nout = None")
    pooling = ["max_pool_forward_naive", "max_pool_backward_naive"]
    result = grade(patched, ["conv_forward_naive", *pooling])
    assert scores(result)["conv_forward_naive"] == 0
    untouched = all(scores(result)[f] == points(f) for f in pooling)
    assert untouched == (not pretend)  # a fresh process per function is what keeps them whole
    assert result.isolation["fresh state"][0] == (not pretend)


# --- The same corpus, graded by an unprivileged user (a TA's laptop) -------------------------
# CI runs as root; `nobody` cannot read the project's Python (under /root), so it gets a
# virtual environment of the system's /usr/bin/python3, built once and kept under /tmp.
NOBODY = 65534
NOBODY_VENV = Path("/tmp/autograder-nobody-venv")
NOBODY_PACKAGES = ("numpy", "pytest", "tqdm", "matplotlib", "threadpoolctl")


def nobody_python():
    """The venv's python, built if need be; skips the test, saying why, when it cannot be.
    Under a lock: tests running in parallel (pytest -n) would build it over each other."""
    import fcntl
    with open(f"{NOBODY_VENV}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _nobody_python()


def ran_or_skip(step):
    done = subprocess.run(step, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"could not build the venv for `nobody` ({' '.join(step[:4])}): "
                    f"{(done.stderr.strip().splitlines() or ['no message'])[-1]}")


def _nobody_python():
    python = NOBODY_VENV / "bin" / "python"
    probe = [str(python), "-c", "import " + ", ".join(NOBODY_PACKAGES)]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    if not Path("/usr/bin/python3").exists():
        pytest.skip("no /usr/bin/python3 to build a venv that `nobody` can read")
    import tomllib
    wanted = [d.split("#")[0].strip() for d in
              tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
              if d.startswith(NOBODY_PACKAGES)]
    shutil.rmtree(NOBODY_VENV, ignore_errors=True)
    ran_or_skip(["/usr/bin/python3", "-m", "venv", str(NOBODY_VENV)])
    # uv installs them in seconds, where pip took a minute; pip where uv cannot.
    with_uv = [[str(python), "-m", "pip", "install", "-q", "uv"],
               [str(python), "-m", "uv", "pip", "install", "-q", "--compile-bytecode", "--python", str(python), *wanted]]
    if not all(subprocess.run(step, capture_output=True).returncode == 0 for step in with_uv):
        ran_or_skip([str(python), "-m", "pip", "install", "-q", *wanted])
    os.chmod(NOBODY_VENV, 0o755)
    return python


@pytest.mark.slow
@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become `nobody` (and already is unprivileged)")
def test_the_corpus_holds_when_the_grader_is_an_ordinary_user():
    pytest_as_nobody("tests/autograder/sandbox/test_hostile.py")


def pytest_as_nobody(test_file):
    """Run `test_file` of a copy of the kit as `nobody`; every test passes or is skipped."""
    python = nobody_python()
    copy = Path(tempfile.mkdtemp(prefix="autograder-as-nobody-", dir="/tmp"))
    try:
        shutil.copytree(ROOT, copy / "kit", symlinks=True, ignore=shutil.ignore_patterns(
            ".git", ".venv", "dist", "grades", "__pycache__", ".pytest_cache"))
        for path in [copy, *copy.rglob("*")]:
            os.lchown(path, NOBODY, NOBODY)
        done = subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             str(python), "-m", "pytest", test_file, "-q", "-x",
             "-p", "no:cacheprovider", "-k", "not ordinary_user"],
            cwd=copy / "kit", capture_output=True, text=True, timeout=1200,
            env={"PATH": "/usr/bin:/bin", "HOME": str(copy), "LANG": "C.UTF-8"})
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        assert " passed" in summary and "failed" not in summary
    finally:
        shutil.rmtree(copy, ignore_errors=True)
