"""The worker: each function's cases in a fresh child, and the provided package importable as `cs231n`."""
from pathlib import Path

import pytest

from autograder.grading.grade import grade_files
from autograder.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parents[3]
REFERENCE_LAYERS = (ROOT / "reference" / "layers.py").read_text()
REFERENCE_CNN = (ROOT / "reference" / "classifiers" / "cnn.py").read_text()
FAST = Limits(seconds_per_case=5, seconds_to_import=10)


def pre_2019(cnn):
    """cnn.py as CS231n wrote it until 2019: absolute imports of the course package."""
    for module in ("layers", "fast_layers", "layer_utils"):
        cnn = cnn.replace(f"from ..{module} import *", f"from cs231n.{module} import *")
    assert "from .." not in cnn
    return cnn


def test_a_pre_2019_cnn_importing_cs231n_grades_like_the_relative_one():
    # One module object per file, whichever name imported it: what the student patches
    # through one name, the other sees.
    identity = """
import sys
import cs231n.layers, cs231n.layer_utils, cs231n.classifiers.cnn
for name in ("layers", "layer_utils", "fast_layers", "classifiers.cnn"):
    assert sys.modules["cs231n." + name] is sys.modules["submission." + name], name
assert cs231n.layers.__spec__.name == "submission.layers"
"""
    files = {"layers.py": REFERENCE_LAYERS, "classifiers/cnn.py": pre_2019(REFERENCE_CNN) + identity}
    result = grade_files("pre-2019", files, functions={"ThreeLayerConvNet"}, limits=FAST)
    assert [c.problem for c in result.cases if not c.passed] == []
    assert result.score == result.max_score == 8


def test_layers_importing_the_package_by_its_course_name_also_grade():
    layers = REFERENCE_LAYERS.replace("import numpy as np\n", "import numpy as np\nfrom cs231n.fast_layers import *\n", 1)
    result = grade_files("by name", {"layers.py": layers}, functions={"conv_forward_naive"}, limits=FAST)
    assert result.score == result.max_score > 0


def test_layers_with_a_star_import_of_numpy_grade():
    """`from numpy import *` imports stdlib modules an unprivileged worker may not read later."""
    layers = "from numpy import *\n" + REFERENCE_LAYERS
    result = grade_files("numpy star", {"layers.py": layers}, functions={"max_pool_forward_naive"},
                         limits=FAST)
    assert [c.problem for c in result.cases if not c.passed] == []
    assert result.score == result.max_score > 0


LEFTOVERS = """
import os
from . import gradient_check as provided
others = getattr(provided, "marked_by", set()) - {{"{function}"}}
if others:
    raise RuntimeError(f"a state left over by {{sorted(others)}}")
provided.marked_by = getattr(provided, "marked_by", set()) | {{"{function}"}}
assert not os.listdir("."), "a file from an earlier case"
open("left.txt", "w").write("x")
"""


def leaving_state(text, function):
    """`text` with `function` marking a provided module and leaving a file behind, and failing
    when it finds another function's mark or any file of an earlier case."""
    start = text.index(f"def {function}(")
    body = text.index('    """', text.index('"""', start) + 3) + 8
    lines = "".join("    " + line + "\n" for line in LEFTOVERS.format(function=function).strip().splitlines())
    return text[:body] + lines + text[body:]


@pytest.mark.parametrize("pretend", ["", "fork"])
def test_state_left_by_one_function_is_gone_in_the_next(pretend, monkeypatch):
    """With a fresh process per function, a function's cases never meet what another
    function's changed, and the scratch folder is empty at every case's start."""
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    functions = ("layernorm_forward", "max_pool_forward_naive")
    layers = REFERENCE_LAYERS
    for function in functions:
        layers = leaving_state(layers, function)
    result = grade_files("stateful", {"layers.py": layers}, functions=set(functions), limits=FAST)
    cases = len(result.cases)
    assert {c.function for c in result.cases} == set(functions) and cases > len(functions)
    passed = sum(c.passed for c in result.cases)
    assert passed == (cases if not pretend else 1), [c.problem for c in result.cases]


HANGS_ON_SECOND_CALL = """
from . import gradient_check as provided
provided.calls = getattr(provided, "calls", 0) + 1
while provided.calls == 2:
    pass
"""


def test_a_case_that_hangs_ends_its_process_and_the_function_s_next_case_gets_a_fresh_one():
    """A function's cases share a process (its second call hangs, so the first two shared
    one); a hang ends that process after the time limit, and the next case starts afresh: in
    a new process the count starts again, so every second case hangs."""
    layers = REFERENCE_LAYERS
    start = layers.index("def max_pool_forward_naive(")
    body = layers.index('    """', layers.index('"""', start) + 3) + 8
    lines = "".join("    " + line + "\n" for line in HANGS_ON_SECOND_CALL.strip().splitlines())
    layers = layers[:body] + lines + layers[body:]
    result = grade_files("hangs once", {"layers.py": layers}, functions={"max_pool_forward_naive"},
                         limits=Limits(seconds_per_case=2, seconds_to_import=10))
    problems = [c.problem for c in result.cases]
    assert len(problems) >= 3, problems
    for number, problem in enumerate(problems):
        assert ("did not finish within 2 s" in problem) if number % 2 else problem == "", problems
