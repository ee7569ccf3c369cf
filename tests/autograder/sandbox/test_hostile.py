"""A corpus of hostile submissions: each is graded safely, with the score it deserves.

Each one is the reference with one function's region replaced by hostile code, so the right
score is known: everything else keeps full marks, the hostile function gets nothing.
"""
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.rubric.cases import RUBRIC
from autograder.grading.grade import grade_files
from autograder.grading.markers import END, START
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


@pytest.mark.skipif(os.getuid() != 0, reason="only a root grader can run the worker as another user")
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
buffer = io.BytesIO()
np.save(buffer, np.array([Evil()], dtype=object), allow_pickle=True)
import zipfile
payload = io.BytesIO()
with zipfile.ZipFile(payload, "w") as z:
    z.writestr("out.npy", buffer.getvalue())
head = json.dumps({{"status": "ok", "none": [], "bad": {{}}}}).encode()
frame = struct.pack(">I", len(head)) + head + struct.pack(">Q", len(payload.getvalue())) + payload.getvalue()
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
