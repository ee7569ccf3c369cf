"""Classes of real submissions (the example ones) with notebooks answered as students do."""
import shutil
import zipfile
from pathlib import Path

import nbformat

from autograder.paths import NOTEBOOKS, ROOT

SUBMISSIONS = ROOT / "submissions"
HOSTILE = ("<img src=x onerror=\"document.title='pwned'\"> and <script>document.title='pwned'</script>"
           " and [a link](javascript:document.title='pwned') and $\\frac{a}{b} < c$")


def notebook_text(name, answers=None, edit=None):
    """A shipped notebook with answers {N: text} in its answer cells; `edit(cells)` may
    reshape the cells as a student might."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in notebook.cells:
        if cell.get("id", "").startswith("your-answer-"):
            number = int(cell.id.rsplit("-", 1)[1])
            if answers and number in answers:
                cell.source = "**Your Answer:** " + answers[number]
    if edit:
        edit(notebook.cells)
    return nbformat.writes(notebook)


def all_notebooks(answers_for):
    """{notebook name: text}; answers_for(name) gives that notebook's {N: text}."""
    return {p.name: notebook_text(p.name, answers_for(p.name)) for p in sorted(NOTEBOOKS.glob("*.ipynb"))}


def make_class(folder):
    """alice.zip: the complete example, every answer given (one hostile); bob/: the stubs,
    notebooks as shipped (every answer empty); carol.zip: code only, no notebook; dave/: a
    notebook that is not JSON, the others answered."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(SUBMISSIONS / "alice_complete.zip") as source, \
            zipfile.ZipFile(folder / "alice.zip", "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for name, text in all_notebooks(lambda name: {1: HOSTILE if name.startswith("1_") else
                                                      f"alice on {name}, **bold**", 2: "two"}).items():
            target.writestr(f"notebooks/{name}", text)
    shutil.copytree(SUBMISSIONS / "bob_stubs", folder / "bob")
    (folder / "bob" / "notebooks").mkdir(exist_ok=True)
    for name, text in all_notebooks(lambda name: None).items():
        (folder / "bob" / "notebooks" / name).write_text(text)
    shutil.copy(SUBMISSIONS / "carol_mistakes.zip", folder / "carol.zip")
    shutil.copytree(SUBMISSIONS / "bob_stubs", folder / "dave")
    for name, text in all_notebooks(lambda name: {1: f"dave {name}", 2: "dave two"}).items():
        (folder / "dave" / name).write_text(text[: len(text) // 3] if name.startswith("2_") else text)
    return folder
