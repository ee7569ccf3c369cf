"""The example submissions are rebuilt by `make examples`, never by hand, and stay in step."""
import zipfile

import pytest

from autograder.kit import examples
from autograder.kit.examples import (CAROL_EDITS, ExampleError, SUBMISSIONS, stale_examples,
                                     with_mistakes)
from autograder.paths import ASSIGNMENT, REFERENCE
from autograder.rubric.mistakes import MISTAKES


def test_the_committed_examples_are_what_make_examples_builds():
    assert stale_examples() == [], "run `make examples` and commit submissions/"


def test_alice_is_the_reference_and_bob_the_stubs():
    with zipfile.ZipFile(SUBMISSIONS / "alice_complete.zip") as archive:
        assert archive.read("hw2/assignment/layers.py").decode() == (REFERENCE / "layers.py").read_text()
    assert (SUBMISSIONS / "bob_stubs/classifiers/cnn.py").read_text() == \
        (ASSIGNMENT / "classifiers/cnn.py").read_text()


def test_every_mistake_spliced_into_carol_is_in_the_catalog():
    assert {name for *_, name in CAROL_EDITS} <= set(MISTAKES)


def test_an_edit_that_no_longer_finds_its_line_says_what_to_update():
    edits = (("layers.py", "a line the reference does not have", "x", "bn_unbiased_variance"),)
    with pytest.raises(ExampleError, match="CAROL_EDITS in autograder/kit/examples.py"):
        with_mistakes({"layers.py": "import numpy as np\n"}, edits)


def test_rebuilding_writes_only_what_changed(tmp_path, monkeypatch):
    monkeypatch.setattr(examples, "SUBMISSIONS", tmp_path)
    assert sorted(examples.write_examples()) == sorted(examples.example_submissions())
    assert examples.write_examples() == []
