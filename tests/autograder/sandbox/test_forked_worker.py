"""A worker forked from a clean grader (Sandbox.launch(fork=True)) is what a fresh one is, as
the student's code sees it: the same descriptors, environment and module path, and no module
of the grader's; the class run's warm process, which such graders come from, reads no secret."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import ASSIGNMENT, FIXTURES, REFERENCE, ROOT

# Appended to the student's layers.py: what its import sees, printed to the sandbox's log.
PROBE = '''
import json as _json, os as _os, sys as _sys
_folder = _os.path.dirname(_os.getcwd())
_open = []
for _fd in range(256):
    try:
        _os.fstat(_fd)
        _open.append(_fd)
    except OSError:
        pass
print("PROBE" + _json.dumps({
    "modules": sorted(n for n in _sys.modules if n.split(".")[0] in ("autograder", "reference", "assignment")),
    "descriptors": _open,
    "environment": {k: v.replace(_folder, "FOLDER") for k, v in _os.environ.items()},
    "path": [p.replace(_folder, "FOLDER") for p in _sys.path],
    "bytecode": _sys.dont_write_bytecode,
}))
'''

# The class run's warm process, then a grader of it: import the grader, then a sandbox whose
# first worker is forked (or not) and, once that one is stopped, its replacement.
GRADER = '''
import json, sys
from autograder.course.warm_graders import preload
preload()
from autograder.sandbox.sandbox import Sandbox
files, seen = json.loads(sys.stdin.read()), {}
for fork in (True, False):
    with Sandbox() as sandbox:
        sandbox.launch(fork=fork)
        sandbox.submit(files)
        sandbox.start()
        probes = [line for line in sandbox.output(limit=1 << 20).splitlines() if line.startswith("PROBE")]
        seen[str(fork)] = {"probe": json.loads(probes[0][len("PROBE"):]),
                           "clean start": sandbox.protections["clean start"],
                           "first": type(sandbox.process).__name__}
        sandbox.stop()
        sandbox.start()
        seen[str(fork)]["replacement"] = type(sandbox.process).__name__
print(json.dumps(seen))
'''


@pytest.mark.skipif(sys.platform != "linux", reason="fork and sessions: Linux")
def test_a_forked_worker_looks_to_student_code_as_a_fresh_one_does(reference_files):
    files = dict(reference_files, **{"layers.py": reference_files["layers.py"] + PROBE})
    done = subprocess.run([sys.executable, "-c", GRADER], input=json.dumps(files), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    forked, fresh = seen["True"], seen["False"]
    assert (forked["first"], fresh["first"]) == ("ForkedWorker", "Popen")
    assert forked["clean start"][0] and "forked" in forked["clean start"][1]
    assert fresh["clean start"] == [True, "a fresh Python"]
    assert forked["replacement"] == fresh["replacement"] == "Popen"  # read fixtures? never forked
    assert forked["probe"]["modules"] == [] == fresh["probe"]["modules"]
    assert forked["probe"] == fresh["probe"]


def test_the_warm_process_reads_no_fixture_reference_or_assignment_file():
    script = ("import json, sys\n"
              "opened = []\n"
              "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
              "from autograder.course.warm_graders import preload\n"
              "preload()\n"
              "print(json.dumps({'opened': opened, 'modules': sorted(sys.modules)}))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout)
    assert any(path.endswith(".py") or ".pyc" in path for path in seen["opened"])  # it did look
    secret = [path for path in seen["opened"]
              if any(Path(path).is_relative_to(folder) for folder in (FIXTURES, REFERENCE, ASSIGNMENT))]
    assert secret == []
    assert [m for m in seen["modules"] if m.split(".")[0] in ("reference", "assignment")] == []


# A grader as the warm process makes one: the order of its forks and of its reads of secrets.
ORDER = '''
import json, sys
from pathlib import Path
from autograder.course.warm_graders import preload
from autograder.paths import FIXTURES, REFERENCE
preload()
events, me = [], __import__("os").getpid
def hook(event, args, pid=me()):
    if me() != pid:
        return  # in the forked worker
    if event == "os.fork":
        events.append("fork")
    elif event == "open" and isinstance(args[0], str) and any(
            Path(args[0]).is_relative_to(folder) for folder in (FIXTURES, REFERENCE)):
        events.append("secret")
sys.addaudithook(hook)
from autograder.__main__ import main
code = main(["grade", sys.argv[1], "--json", "--out", sys.argv[2]], forkable=True)
print(json.dumps({"code": code, "events": events}))
'''


@pytest.mark.skipif(sys.platform != "linux", reason="fork and sessions: Linux")
def test_a_grader_forks_its_worker_before_it_reads_any_fixture_and_never_after(tmp_path):
    done = subprocess.run([sys.executable, "-c", ORDER, str(ROOT / "submissions" / "alice_complete.zip"),
                           str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    result = json.loads(done.stdout.strip().splitlines()[-2])
    assert seen["code"] == 0 and all(case["score"] == case["max_score"] for case in result["cases"]), done.stderr
    assert "forked" in result["isolation"]["clean start"][1]
    events = seen["events"]
    assert events[0] == "fork" and events.count("fork") == 1 and "secret" in events
