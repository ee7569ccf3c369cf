"""The layout benchmark builds each class as the layout it claims to be."""
import pytest

from autograder.course.layouts import read_class
from autograder.kit.bench_layouts import LAYOUTS, add_junk

RECOGNISED = {"folders and zips": "one folder or zip per student",
              "make submit zips in folders": "one folder or zip per student",
              "Canvas bulk download": "Canvas bulk download",
              "Gradescope export": "Gradescope export"}


@pytest.mark.parametrize("label", sorted(LAYOUTS))
def test_each_benchmark_class_is_read_as_its_layout(tmp_path, label):
    LAYOUTS[label](tmp_path, 12)
    add_junk(tmp_path)
    found = read_class(tmp_path)
    assert found.layout == RECOGNISED[label]
    assert sum(len(s.students) for s in found.submissions) == 12
    assert [entry for entry, _ in found.junk] == [".DS_Store", "__MACOSX/"]
    assert not found.duplicates
