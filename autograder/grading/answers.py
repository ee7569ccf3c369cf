"""Written answers in a notebook, read the way CS231n lays them out.

A question is a markdown cell that begins `## Inline Question N`; its answer is the markdown
cell after it that begins `**Your Answer:**`. Students do not always keep that shape, and no
answer is lost when they do not:

- an answer cell moved away from its question (a code cell slipped in between, dragged
  further down) belongs to the nearest question above it, and is read with a note;
- an answer cell before every question belongs to the first question;
- two answer cells for one question are both read, joined, with a note;
- a question with no answer cell reads as empty, with a note (the cell was removed);
- a file that is not notebook JSON gives no answers and one note saying so.

The notes are for staff and for `make submit`; the text is what the student wrote, unchanged.
"""
import json
import re
from dataclasses import dataclass, field

QUESTION = re.compile(r"\A\s*##\s*Inline Question\s+(\d+)\b")
ANSWER_MARK = "**Your Answer:**"
PLACEHOLDER = "*Fill this in.*"  # what the shipped answer cell holds after the mark


@dataclass
class Answer:
    number: int                 # the N of `## Inline Question N`
    text: str = ""              # the answer as written, the mark and the placeholder taken off
    cells: list = field(default_factory=list)   # indexes of the answer cells read
    notes: list = field(default_factory=list)   # what was odd about it, for staff

    @property
    def empty(self):
        return not self.text.strip()


@dataclass
class Notebook:
    answers: dict = field(default_factory=dict)  # {N: Answer}, in question order
    prompts: dict = field(default_factory=dict)  # {N: the question cell's text}
    problems: list = field(default_factory=list)  # what stops the notebook being read at all


def cell_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def answer_text(source):
    """The student's words: the answer cell without its mark and untouched placeholder."""
    text = source.strip()[len(ANSWER_MARK):].strip()
    return "" if text == PLACEHOLDER else text


def is_answer(cell):
    return cell.get("cell_type") == "markdown" and cell_text(cell).lstrip().startswith(ANSWER_MARK)


def question_number(cell):
    if cell.get("cell_type") != "markdown":
        return None
    found = QUESTION.match(cell_text(cell))
    return int(found[1]) if found else None


def cells_of(raw):
    """The notebook's cells (a list of dicts), or raise ValueError saying what is wrong."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"not a notebook: its JSON is broken at line {error.lineno}, "
                         f"column {error.colno} ({error.msg})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise ValueError("not a notebook: the JSON has no list of cells")
    return cells


def read_answers(raw):
    """A Notebook from a notebook file's bytes or text."""
    notebook = Notebook()
    try:
        cells = cells_of(raw)
    except ValueError as error:
        notebook.problems.append(str(error))
        return notebook
    owner, orphans, headings = None, [], {}
    for index, cell in enumerate(cells):
        number = question_number(cell)
        if number is not None:
            if number in notebook.answers:
                notebook.answers[number].notes.append(
                    f"Inline Question {number} appears twice (cells {headings[number]} and "
                    f"{index}): the answers after either are read")
            else:
                headings[number] = index
                notebook.answers[number] = Answer(number)
                notebook.prompts[number] = cell_text(cell)
            owner = (number, index)
        elif is_answer(cell):
            if owner is None:
                orphans.append(index)
                continue
            take(notebook.answers[owner[0]], index, cell_text(cell), right_after=index == owner[1] + 1)
    if orphans:
        if not notebook.answers:
            notebook.problems.append(f"answer cells (cells {', '.join(map(str, orphans))}) but no "
                                     "`## Inline Question` heading: the questions were removed")
        else:
            first = next(iter(notebook.answers.values()))
            for index in orphans:
                first.notes.append(f"an answer cell (cell {index}) stands before every question: "
                                   f"read as the answer to Inline Question {first.number}")
                take(first, index, cell_text(cells[index]), right_after=True)
    for answer in notebook.answers.values():
        if not answer.cells:
            answer.notes.append(f"no `{ANSWER_MARK}` cell after Inline Question {answer.number}: "
                                "the answer cell was removed (or its first line changed)")
    return notebook


def take(answer, index, source, right_after):
    if answer.cells:
        answer.notes.append(f"two answer cells for Inline Question {answer.number} (cells "
                            f"{answer.cells[0]} and {index}): both read, one after the other")
    elif not right_after:
        answer.notes.append(f"the answer cell of Inline Question {answer.number} is not right "
                            f"after the question (cell {index}): moved, read where it is")
    answer.cells.append(index)
    words = answer_text(source)
    answer.text = "\n\n".join(part for part in (answer.text, words) if part)
