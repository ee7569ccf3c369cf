"""Reading written answers as students leave them: in place, moved, doubled, removed, broken."""
import json

import nbformat
import pytest

from autograder.grading.answers import ANSWER_MARK, PLACEHOLDER, read_answers
from autograder.paths import NOTEBOOKS


def notebook(*cells):
    """A real nbformat notebook from ("md" | "code", source) pairs, as bytes."""
    made = [nbformat.v4.new_markdown_cell(s) if kind == "md" else nbformat.v4.new_code_cell(s)
            for kind, s in cells]
    return nbformat.writes(nbformat.v4.new_notebook(cells=made)).encode()


Q1, Q2 = ("md", "## Inline Question 1\n\nWhy?"), ("md", "## Inline Question 2\n\nHow?")


def answer(text):
    return ("md", f"{ANSWER_MARK} {text}")


def test_answers_in_place():
    read = read_answers(notebook(Q1, answer("Because $x^2$."), ("code", "1"), Q2, answer("So.")))
    assert {n: a.text for n, a in read.answers.items()} == {1: "Because $x^2$.", 2: "So."}
    assert not any(a.notes for a in read.answers.values()) and not read.problems
    assert read.prompts[1].startswith("## Inline Question 1")


def test_placeholder_and_blank_are_empty_and_multiline_kept():
    read = read_answers(notebook(Q1, answer(PLACEHOLDER), Q2, ("md", f"{ANSWER_MARK}\n\nline 1\n\n- a\n- b")))
    assert read.answers[1].empty and not read.answers[1].notes
    assert read.answers[2].text == "line 1\n\n- a\n- b"


def test_source_as_a_list_of_lines_as_jupyter_saves_it():
    raw = json.loads(notebook(Q1, answer("one")))
    raw["cells"][1]["source"] = [f"{ANSWER_MARK} one\n", "two"]
    assert read_answers(json.dumps(raw)).answers[1].text == "one\ntwo"


def test_moved_answer_is_read_with_a_note():
    read = read_answers(notebook(Q1, ("code", "x = 1"), answer("moved here")))
    assert read.answers[1].text == "moved here"
    assert "not right after the question" in read.answers[1].notes[0]


def test_removed_answer_is_empty_with_a_note():
    read = read_answers(notebook(Q1, ("md", "## Next section"), Q2, answer("two")))
    assert read.answers[1].empty and "was removed" in read.answers[1].notes[0]
    assert read.answers[2].text == "two" and not read.answers[2].notes


def test_two_answers_both_read():
    read = read_answers(notebook(Q1, answer("first"), answer("second")))
    assert read.answers[1].text == "first\n\nsecond"
    assert "two answer cells" in read.answers[1].notes[0]


def test_answer_above_every_question_goes_to_the_first():
    read = read_answers(notebook(answer("early"), Q1, ("code", ""), Q2, answer("two")))
    assert read.answers[1].text == "early" and "before every question" in read.answers[1].notes[0]


def test_a_question_pasted_twice_is_said():
    read = read_answers(notebook(Q1, answer("a"), Q1, answer("b")))
    assert read.answers[1].text == "a\n\nb" and any("appears twice" in n for n in read.answers[1].notes)


def test_code_cells_are_never_answers():
    read = read_answers(notebook(Q1, ("code", f"# {ANSWER_MARK}"), ("code", ANSWER_MARK)))
    assert read.answers[1].empty and "was removed" in read.answers[1].notes[0]


@pytest.mark.parametrize("raw, said", [(b"{not json", "JSON is broken at line 1"),
                                       (b'{"cells": 3}', "no list of cells"),
                                       (b"[]", "no list of cells"),
                                       (b"\xff\xfe", "JSON is broken")])
def test_not_a_notebook(raw, said):
    read = read_answers(raw)
    assert read.answers == {} and said in read.problems[0]


def test_a_truncated_real_notebook():
    raw = (NOTEBOOKS / "1_convolution.ipynb").read_bytes()
    read = read_answers(raw[: len(raw) // 2])
    assert not read.answers and "JSON is broken" in read.problems[0]
