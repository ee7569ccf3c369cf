"""How the grader words a worker's failure: the limit it hit, not a guess at the student."""
import pytest

from autograder.sandbox.limits import Limits
from autograder.sandbox.sandbox import Sandbox, WorkerFailed


@pytest.mark.parametrize("header, words", [
    ({"status": "timeout"}, "did not finish within 3 s"),
    ({"status": "died", "signal": "SIGKILL"}, "killed by SIGKILL (the memory limit of 300 MB?)"),
    ({"status": "died", "signal": "SIGSEGV"}, "the memory limit of 300 MB?"),
    ({"status": "died", "reply_failed": True}, "could not send its results (the memory limit of 300 MB?)"),
    ({"status": "died", "exit": 4}, "exited with status 4 (os._exit or sys.exit?)"),
])
def test_a_child_that_died_is_explained_by_the_limit_it_hit(header, words):
    with Sandbox({}, Limits(seconds_per_case=3, memory_mb=300)) as sandbox:
        assert words in sandbox._why_the_case_failed(header)


def test_a_worker_that_cannot_load_numpy_blames_the_limit_not_the_student():
    with Sandbox({}, Limits(memory_mb=60)) as sandbox:
        with pytest.raises(WorkerFailed) as failure:
            sandbox.start()
    message = str(failure.value)
    assert "--memory-mb 60" in message and "os._exit" not in message
