"""The written part of `make submit`: the notebooks as a person reads them, and a word on answers
still empty.

- `readable_copies`: one HTML file of every notebook in order, as saved (outputs and all), made
  with nbconvert; and a PDF of it where this machine can make one: with xelatex (nbconvert's
  own PDF), else with a Chromium or Chrome found on the PATH printing the HTML headless (what
  nbconvert's webpdf would drive). Where neither is there, one line says so and what to
  install; the HTML is enough to submit.
- `empty_answers_line`: one line naming the Inline Questions whose `**Your Answer:**` cell is
  still empty, removed, or not readable.

Neither ever stops the zip from being made: a notebook that is not readable is packed as it
is and said.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..grading.answers import read_answers

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PDF_SECONDS = 120


def empty_answers_line(notebooks):
    """One line about the written answers that still need work, or None when all are given."""
    missing = []
    for path in notebooks:
        read = read_answers(Path(path).read_bytes())
        if read.problems:
            missing.append(f"{Path(path).name} (not readable: {read.problems[0]})")
        missing += [f"{Path(path).name} Inline Question {n}" for n, a in read.answers.items() if a.empty]
    if not missing:
        return None
    return (f"written answers still empty: {', '.join(missing)}; write them in the notebook's "
            "**Your Answer:** cells, save, and run make submit again")


def merged_notebook(notebooks, said):
    """One notebook of all of them in order (cell ids made unique), leaving out the unreadable."""
    import nbformat
    merged = None
    for number, path in enumerate(notebooks):
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # not JSON, not a notebook: packed anyway, not rendered
            said.append(f"warning: {Path(path).name} is not a readable notebook ({error.__class__.__name__}): "
                        "packed as it is, left out of the HTML")
            continue
        for cell in notebook.cells:
            cell["id"] = f"n{number}-{cell.get('id', '')}"[:64]
        if merged is None:
            merged = notebook
        else:
            merged.cells += notebook.cells
    return merged


def browser():
    return next((found for found in map(shutil.which, BROWSERS) if found), None)


def pdf_with_browser(html, executable):
    """The HTML printed to PDF by a headless Chromium (bytes), or None."""
    with tempfile.TemporaryDirectory(prefix="submit-pdf-") as scratch:
        page, pdf = Path(scratch) / "notebooks.html", Path(scratch) / "notebooks.pdf"
        page.write_text(html, encoding="utf-8")
        command = [executable, "--headless", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--no-pdf-header-footer",
                   f"--user-data-dir={scratch}/profile", f"--print-to-pdf={pdf}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            subprocess.run(command, capture_output=True, timeout=PDF_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return pdf.read_bytes() if pdf.is_file() and pdf.read_bytes().startswith(b"%PDF") else None


def readable_copies(notebooks, said):
    """{"html": text, "pdf": bytes} of the notebooks (what could be made); `said` gets a line
    for what could not."""
    try:
        from nbconvert import HTMLExporter, PDFExporter
    except ImportError:
        said.append("no HTML or PDF of the notebooks: nbconvert is missing "
                    "(pip install -r requirements.txt); the notebooks are packed")
        return {}
    merged = merged_notebook(notebooks, said)
    if merged is None:
        return {}
    made = {"html": HTMLExporter().from_notebook_node(merged)[0]}
    if shutil.which("xelatex"):
        try:
            made["pdf"] = PDFExporter().from_notebook_node(merged)[0]
        except Exception as error:  # a LaTeX failure: try the browser, else say so
            said.append(f"xelatex could not make the PDF ({error.__class__.__name__})")
    if "pdf" not in made and browser():
        pdf = pdf_with_browser(made["html"], browser())
        if pdf:
            made["pdf"] = pdf
    if "pdf" not in made:
        said.append("no PDF: this machine has neither xelatex (TeX Live) nor Chromium/Chrome; "
                    "the HTML is packed (print it to PDF from a browser if a PDF is asked for)")
    return made
