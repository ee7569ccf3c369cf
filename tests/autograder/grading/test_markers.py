import pytest

from autograder.grading.markers import END, START, MarkerError, derive_stub, integrity_problems, split_regions

MARKED = f"""def f(x):
    out = None
    {START}

    out = 2 * x

    {END}
    return out
"""


def test_derive_stub_empties_the_region_to_pass():
    stub = derive_stub(MARKED)
    assert "2 * x" not in stub and f"    {START}\n\n    pass\n\n    {END}" in stub
    assert stub.splitlines()[0] == "def f(x):" and stub.endswith("    return out\n")


@pytest.mark.parametrize("text,message", [
    (f"{START}\n{START}\n{END}\n", "no END marker .* the next START .line 2. comes first"),
    (f"{START}\nx = 1\n", "no END"),
    (f"{END}\n", "without a START"),
])
def test_bad_markers_raise(text, message):
    with pytest.raises(MarkerError, match=message):
        split_regions(text)


def test_integrity_accepts_any_code_inside_the_regions():
    submitted = MARKED.replace("out = 2 * x", "import os\n    out = x + x")
    assert integrity_problems(submitted, derive_stub(MARKED), "f.py") == []


def test_integrity_reports_a_deleted_marker_and_an_edit_outside():
    stub = derive_stub(MARKED)
    deleted = MARKED.replace(f"    {END}\n", "")
    assert "marker" in integrity_problems(deleted, stub, "f.py")[0]
    edited = MARKED.replace("return out", "return 2 * x")
    problems = integrity_problems(edited, stub, "f.py")
    assert len(problems) == 1 and "return 2 * x" in problems[0]


def test_a_deleted_end_marker_names_its_function_and_the_line_where_it_goes():
    stub = derive_stub(MARKED + MARKED.replace("def f(", "def g("))
    first_end = stub.index(f"    {END}\n")
    broken = stub[:first_end] + stub[first_end + len(f"    {END}\n"):]
    problem, = integrity_problems(broken, stub, "f.py")
    line = broken.splitlines().index("    return out") + 1
    assert problem.startswith("markers: f.py:3: f's region has no END marker")
    assert f"put the END marker line back at line {line}, just before `return out`" in problem


def test_a_deleted_start_marker_names_its_function():
    with pytest.raises(MarkerError, match="in f: put its START marker line back"):
        split_regions(MARKED.replace(f"    {START}\n", ""))
