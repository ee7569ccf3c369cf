"""The self-check's worker on systems that lack what Linux gives (issue 10): macOS has no
prctl and no /proc, Windows no `resource`, fork, process groups or select on pipes. Those
systems are simulated here by pretending abilities away, on a real worker."""
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.grading.grade import grade_files
from autograder.rubric.cases import PUBLIC
from autograder.sandbox import namespaces, protocol, system
from autograder.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = {rel: (ROOT / "reference" / rel).read_text() for rel in ("layers.py", "classifiers/cnn.py")}
PLATFORMS = {  # what each lacks, as the worker sees it
    "Linux": "",
    "macOS": "prctl,proc,landlock,netns,namespaces,seccomp",
    "Windows": "resource,prctl,proc,sessions,select,fork,landlock,netns,namespaces,seccomp",
    "Colab in gVisor": "landlock,netns,namespaces",
}
NO_NAMESPACES = {"PID namespace", "classmates' IPC", "scratch limit"}


def test_pretending_accepts_known_abilities_only(monkeypatch):
    monkeypatch.setenv(system.PRETEND_MISSING, "fork, landlock")
    assert system.pretended() == {"fork", "landlock"}
    assert "fork" not in system.detect() and "landlock" not in system.detect()
    monkeypatch.setenv(system.PRETEND_MISSING, "forks")
    with pytest.raises(ValueError, match="unknown forks; expected some of resource"):
        system.pretended()


def test_a_missing_resource_module_and_a_libc_without_prctl_are_detected(monkeypatch):
    monkeypatch.setitem(sys.modules, "resource", None)  # import resource -> ImportError
    monkeypatch.setattr(system.sys, "platform", "darwin")
    found = system.detect(pretend=())
    assert "resource" not in found and "prctl" not in found and "landlock" not in found


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_self_check_runs_and_keeps_its_time_limit(platform, monkeypatch):
    monkeypatch.setenv(system.PRETEND_MISSING, PLATFORMS[platform])
    limits = Limits(seconds_per_case=2, seconds_to_import=10)
    result = grade_files("student", REFERENCE, visibilities=(PUBLIC,), limits=limits,
                         functions={"conv_forward_naive", "ThreeLayerConvNet"})
    assert result.score == result.max_score > 0, [c.problem for c in result.cases if not c.passed]
    looping = dict(REFERENCE, **{"layers.py": REFERENCE["layers.py"].replace(
        "def conv_forward_naive(x, w, b, conv_param):", "def conv_forward_naive(x, w, b, conv_param):\n    while True: pass", 1)})
    started = time.monotonic()
    result = grade_files("student", looping, visibilities=(PUBLIC,), limits=limits,
                         functions={"conv_forward_naive"})
    assert all("did not finish within 2 s" in c.problem for c in result.cases)
    assert time.monotonic() - started < 2 * len(result.cases) + 25
    missing = {name for name, (on, _) in result.isolation.items() if not on}
    expected = {"Linux": set(),  # gVisor's seccomp refuses SysV IPC where no namespace isolates it
                "Colab in gVisor": {"landlock", "network", *NO_NAMESPACES - {"classmates' IPC"}},
                "macOS": {"landlock", "network", "every process stopped", *NO_NAMESPACES,
                          "memory counted"},
                "Windows": {"landlock", "network", "every process stopped", "memory limit",
                            "output cap", "fresh state", *NO_NAMESPACES, "memory counted",
                            "fast layers out of reach"}}[platform]
    if os.getuid() != 0:
        expected |= {"separate user"}
        if platform != "Linux":  # RLIMIT_NPROC counts the sandbox alone only in a user namespace
            expected |= {"process limit"}
    elif platform != "Linux" and namespaces.blocking_folder(sys.base_prefix):
        expected |= {"grader's Python readable"}  # pyenv under /root, and no mount namespace
    if platform == "Windows":  # no `resource`: no limit on processes either
        expected |= {"process limit"}
    assert missing == expected


def test_the_student_is_told_plainly_which_limits_their_system_lacks():
    env = dict(os.environ, AUTOGRADER_PRETEND_MISSING=PLATFORMS["Windows"])
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "layernorm_forward"],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "Note: on this computer the self-check runs with no memory limit on this system" in done.stdout
    assert "no fresh process per function" in done.stdout
    assert "Landlock" not in done.stdout  # isolation from classmates is the instructor's concern
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "layernorm_forward"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "Note: on this computer" not in done.stdout


@pytest.mark.parametrize("pollable", [True, False])
def test_a_channel_times_out_and_reads_whole_frames_with_or_without_select(pollable):
    reading, writing = os.pipe()
    channel = protocol.Channel(reading, pollable=pollable)
    with pytest.raises(protocol.ProtocolError, match="timed out"):
        protocol.receive(channel, 1 << 20, timeout=0.2)
    frame = protocol.pack({"status": "ok"}, {"out": __import__("numpy").arange(3.0)})
    writer = threading.Thread(target=lambda: [os.write(writing, frame[i:i + 7]) for i in range(0, len(frame), 7)])
    writer.start()
    header, arrays = protocol.receive(channel, 1 << 20, timeout=5)
    writer.join()
    assert header == {"status": "ok"} and arrays["out"].tolist() == [0.0, 1.0, 2.0]
    os.close(writing)
    with pytest.raises(protocol.ProtocolError, match="closed"):
        protocol.receive(channel, 1 << 20, timeout=5)
    os.close(reading)
