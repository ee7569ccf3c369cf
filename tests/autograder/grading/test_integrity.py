"""What a submission must not do is found by reading it, and reported, not silently scored."""
from autograder.grading.grade import grade_files
from autograder.grading.integrity import inspect


def test_the_reference_and_the_stubs_are_clean(reference_files, stub_files):
    assert inspect(reference_files) == [] and inspect(stub_files) == []


def test_an_edit_outside_the_regions_is_reported(reference_files):
    edited = reference_files["layers.py"].replace("    cache = (x, pool_param)\n", "    cache = (x, pool_param, 1)\n")
    problems = inspect({"layers.py": edited})
    assert len(problems) == 1 and "edited outside the regions" in problems[0]
    assert "cache = (x, pool_param, 1)" in problems[0]


def test_a_deleted_marker_is_reported(reference_files):
    text = reference_files["classifiers/cnn.py"]
    marker = "        # *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****\n"
    broken = text.replace(marker, "", 1)
    assert any("marker" in p for p in inspect({"classifiers/cnn.py": broken}))


def test_fast_layers_in_a_naive_function_and_banned_imports_are_flagged(reference_files):
    text = reference_files["layers.py"].replace(
        "    stride, pad = conv_param[\"stride\"], conv_param[\"pad\"]\n    N, C, H, W = x.shape\n    F, _, HH, WW = w.shape\n    H_out",
        "    from .fast_layers import conv_forward_fast\n    import torch\n"
        "    stride, pad = conv_param[\"stride\"], conv_param[\"pad\"]\n    N, C, H, W = x.shape\n    F, _, HH, WW = w.shape\n    H_out", 1)
    problems = inspect({"layers.py": text})
    assert any("conv_forward_naive uses conv_forward_fast" in p for p in problems)
    assert any("imports torch" in p for p in problems)
    result = grade_files("flagged", {"layers.py": text}, functions={"max_pool_forward_naive"})
    assert any("imports torch" in p for p in result.integrity)


def test_grading_is_deterministic(reference_files):
    layers = reference_files["layers.py"].replace("sample_var = x.var(axis=0)", "sample_var = x.var(axis=0, ddof=1)")
    first = grade_files("a", {"layers.py": layers})
    second = grade_files("a", {"layers.py": layers})
    assert [(c.name, c.score, [k.message for k in c.checks]) for c in first.cases] == \
           [(c.name, c.score, [k.message for k in c.checks]) for c in second.cases]
