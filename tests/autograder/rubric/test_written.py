"""The written rubric names exactly the Inline Questions the notebooks ask, each once."""
from autograder.grading.answers import read_answers
from autograder.paths import NOTEBOOKS
from autograder.rubric.written import WRITTEN, by_key, written_total


def asked():
    """{(notebook, N)} of every Inline Question heading in the shipped notebooks."""
    found = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = read_answers(path.read_bytes())
        assert not notebook.problems, path.name
        found |= {(path.name, number) for number in notebook.answers}
    return found


def test_every_row_has_its_heading_in_its_notebook_and_every_heading_a_row():
    table = {(q.notebook, q.number) for q in WRITTEN}
    assert len(table) == len(WRITTEN), "a question is in the table twice"
    assert table == asked()


def test_every_notebook_asks_one_to_three_questions():
    per_notebook = {}
    for notebook, _ in asked():
        per_notebook[notebook] = per_notebook.get(notebook, 0) + 1
    assert sorted(per_notebook) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert all(1 <= n <= 3 for n in per_notebook.values()), per_notebook


def test_shipped_answer_cells_are_right_after_their_questions_and_empty():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for answer in read_answers(path.read_bytes()).answers.values():
            assert answer.empty and not answer.notes and len(answer.cells) == 1, (path.name, answer)


def test_points_and_guides():
    assert all(q.points > 0 and len(q.guide) > 80 for q in WRITTEN)
    assert written_total() == sum(q.points for q in WRITTEN)
    assert len(by_key()) == len(WRITTEN)
