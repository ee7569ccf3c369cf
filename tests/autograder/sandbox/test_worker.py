"""The worker: each case in a fresh child, and the provided package importable as `cs231n`."""
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


COUNTING = """
from . import gradient_check as provided
provided.calls = getattr(provided, "calls", 0) + 1
if provided.calls > 1:
    raise RuntimeError("a state left over from an earlier case")
"""


@pytest.mark.parametrize("pretend", ["", "fork"])
def test_state_left_by_one_case_is_gone_in_the_next(pretend, monkeypatch):
    """A function that mutates a provided module and leaves a file behind: with a fresh
    process per case, every case starts from the state just after import."""
    monkeypatch.setenv("AUTOGRADER_PRETEND_MISSING", pretend)
    start = REFERENCE_LAYERS.index("def layernorm_forward(")
    body = REFERENCE_LAYERS.index('    """', REFERENCE_LAYERS.index('"""', start) + 3) + 8
    leftover = "    import os\n    assert not os.path.exists('left.txt'), 'a file from an earlier case'\n" \
               "    open('left.txt', 'w').write('x')\n"
    counting = "".join("    " + line + "\n" for line in COUNTING.strip().splitlines())
    layers = REFERENCE_LAYERS[:body] + counting + leftover + REFERENCE_LAYERS[body:]
    result = grade_files("stateful", {"layers.py": layers}, functions={"layernorm_forward"}, limits=FAST)
    cases = len(result.cases)
    assert cases >= 2
    passed = sum(c.passed for c in result.cases)
    assert passed == (cases if not pretend else 1), [c.problem for c in result.cases]
