"""Comparing outputs: shapes that differ only by size-1 axes count, with a note, unless strict."""
import numpy as np

from autograder.grading.compare import compare_array, recognize_mistakes, shape_aligned


def test_size_one_axes_are_accepted_with_a_visible_note():
    expected = np.arange(1.0, 7.0)
    check = compare_array("dgamma", expected.reshape(1, 6), expected, 1e-7)
    assert check.passed
    assert "note: dgamma has shape (1, 6) where (6,) is documented" in check.message


def test_group_norms_two_documented_shapes_are_the_same_array():
    expected = np.arange(1.0, 5.0).reshape(1, 4, 1, 1)
    assert compare_array("dgamma", expected.ravel(), expected, 1e-7).passed


def test_a_strict_rubric_fails_them_and_says_why():
    expected = np.arange(1.0, 7.0)
    check = compare_array("dgamma", expected.reshape(1, 6), expected, 1e-7, strict_shapes=True)
    assert not check.passed and "this course asks for exact shapes" in check.message


def test_other_shapes_still_fail_and_values_still_count():
    expected = np.arange(1.0, 7.0)
    assert shape_aligned("out", expected.reshape(2, 3), expected)[0] is None
    assert not compare_array("dgamma", expected.reshape(6, 1)[::-1], expected, 1e-7).passed


def test_a_mistake_is_recognized_whatever_its_size_one_axes():
    expected = {"dbeta": np.arange(1.0, 7.0)}
    mistakes = {"a known mistake": {"dbeta": np.arange(2.0, 8.0)}}
    got = {"dbeta": np.arange(2.0, 8.0).reshape(1, 6)}
    checks = [compare_array("dbeta", got["dbeta"], expected["dbeta"], 1e-7)]
    assert recognize_mistakes(checks, got, mistakes, 1e-7) == ["a known mistake"]


def test_what_flows_into_the_next_layer_keeps_its_shape():
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    for key in ("out", "dx", "scores"):
        check = compare_array(key, expected.reshape(1, 1, 2, 3), expected, 1e-7)
        assert not check.passed and "goes into the next layer" in check.message
