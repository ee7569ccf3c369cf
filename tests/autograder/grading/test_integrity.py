"""Integrity judges what matters for grading, and accepts the template of every course year."""
import runpy
from pathlib import Path

import pytest

from autograder.grading.grade import grade_files
from autograder.grading.integrity import inspect

# Our reference rewritten into each course year's template (pytest imports tests by path here).
TEMPLATES = runpy.run_path(str(Path(__file__).with_name("templates.py")))["TEMPLATES"]

CONV_HEAD = '    stride, pad = conv_param["stride"], conv_param["pad"]\n'


def test_the_reference_and_the_stubs_are_clean(reference_files, stub_files):
    assert inspect(reference_files) == [] and inspect(stub_files) == []


@pytest.mark.parametrize("year", list(TEMPLATES))
def test_every_course_years_template_is_clean(reference_files, year):
    assert inspect(TEMPLATES[year](reference_files)) == []


@pytest.mark.parametrize("year", ["2019-2024 markers, filled affine/relu, dropout", "2025 on: banners only"])
def test_every_course_years_template_grades_full_marks(reference_files, year):
    result = grade_files(year, TEMPLATES[year](reference_files))
    assert (result.score, result.integrity, result.notes) == (result.max_score, [], [])


def test_an_edit_outside_the_regions_that_changes_nothing_is_not_an_alarm(reference_files):
    edited = reference_files["layers.py"].replace("    cache = (x, pool_param)\n",
                                                  "    cache = (x, pool_param)  # for the backward\n")
    assert inspect({"layers.py": edited}) == []


def line_of(text, fragment):
    return text[:text.index(fragment)].count("\n") + 1


def test_a_module_level_monkeypatch_of_a_graded_name_is_named_with_its_line(reference_files):
    text = reference_files["layers.py"] + "\nfrom .fast_layers import conv_forward_fast\n" \
        "conv_forward_naive = conv_forward_fast\n"
    problems = inspect({"layers.py": text})
    line = line_of(text, "conv_forward_naive = conv_forward_fast")
    assert any(p.startswith(f"layers.py, line {line}, at module level: module-level code rebinds "
                            "`conv_forward_naive`") for p in problems), problems
    assert not any("region" in p for p in problems)


def test_patching_numpy_or_the_net_is_flagged(reference_files):
    text = reference_files["classifiers/cnn.py"] + "\nThreeLayerConvNet.loss = lambda self, X, y=None: 0\n"
    assert any("assigns `ThreeLayerConvNet.loss`" in p for p in inspect({"classifiers/cnn.py": text}))
    layers = reference_files["layers.py"].replace(CONV_HEAD, "    np.sum = lambda *a, **k: 0\n" + CONV_HEAD, 1)
    problems = inspect({"layers.py": layers})
    assert any("in `conv_forward_naive`: assigns `np.sum`, patching an imported module" in p for p in problems)


def test_a_fast_layer_reached_through_a_helper_is_flagged(reference_files):
    text = reference_files["layers.py"].replace(
        "def conv_forward_naive(", "def _helper(*args):\n    from .fast_layers import conv_forward_fast\n"
        "    return conv_forward_fast(*args)\n\n\ndef conv_forward_naive(", 1)
    text = text.replace(CONV_HEAD, "    return _helper(x, w, b, conv_param)\n" + CONV_HEAD, 1)
    problems = inspect({"layers.py": text})
    line = line_of(text, "def conv_forward_naive(")
    assert f"layers.py, line {line}, in `conv_forward_naive`: `conv_forward_naive` uses conv_forward_fast, fast_layers; " \
           "the naive layers must be your own loops" in problems


def test_banned_imports_are_flagged_however_they_are_written(reference_files):
    for how in ("import torch", "from scipy import signal", "importlib.import_module('jax')",
                "__import__('tensorflow')"):
        text = reference_files["layers.py"].replace(CONV_HEAD, f"    {how}\n" + CONV_HEAD, 1)
        problems = inspect({"layers.py": text})
        assert any("in `conv_forward_naive`: imports" in p for p in problems), how


def test_a_graded_function_defined_twice_is_said(reference_files):
    text = reference_files["layers.py"] + "\n\ndef relu_forward(x):\n    return x, x\n\n\n" \
        "def conv_forward_naive(x, w, b, conv_param):\n    return None, None\n"
    problems = inspect({"layers.py": text})
    assert any("`conv_forward_naive` is defined 2 times" in p and "the last one is what is graded" in p
               for p in problems)


def test_a_provided_function_is_judged_by_behaviour_not_text(reference_files):
    same = reference_files["layers.py"].replace(
        "    out = x.reshape(x.shape[0], -1).dot(w) + b\n",
        "    flat = np.reshape(x, (x.shape[0], int(np.prod(x.shape[1:]))))\n    out = flat @ w + b\n")
    assert same != reference_files["layers.py"]
    result = grade_files("same", {"layers.py": same}, functions={"max_pool_forward_naive"})
    assert result.integrity == []
    changed = reference_files["layers.py"].replace("    out = np.maximum(0, x)\n", "    out = np.abs(x)\n")
    assert changed != reference_files["layers.py"]
    result = grade_files("changed", {"layers.py": changed}, functions={"max_pool_forward_naive"})
    line = line_of(changed, "def relu_forward(")
    assert len(result.integrity) == 1
    assert result.integrity[0].startswith(f"layers.py, line {line}, in `relu_forward`: this provided "
                                          "function was changed and now behaves differently (out:")


def test_grading_is_deterministic(reference_files):
    layers = reference_files["layers.py"].replace("sample_var = x.var(axis=0)", "sample_var = x.var(axis=0, ddof=1)")
    first = grade_files("a", {"layers.py": layers})
    second = grade_files("a", {"layers.py": layers})
    assert [(c.name, c.score, [k.message for k in c.checks]) for c in first.cases] == \
           [(c.name, c.score, [k.message for k in c.checks]) for c in second.cases]
