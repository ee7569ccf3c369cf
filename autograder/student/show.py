"""Where a student reads the self-check: colour where a person looks, plain text elsewhere.

- In Jupyter (an IPython kernel): one rich display, HTML with a green PASS, a red FAIL, the
  words on their own line and the numbers after, greyed; its text/plain is the plain text.
- On a terminal (stdout a TTY): the same text with the state words in ANSI colour, unless
  NO_COLOR is set (the no-color.org convention) or TERM is "dumb".
- Anywhere else (a pipe, a log, a test): the plain text, unchanged.

The check prints as it always did; `shown()` catches what it prints and puts it where the
student looks. The student's own text (messages, tracebacks) is made harmless on the way:
HTML-escaped for the notebook, escape sequences shown, not obeyed, on the terminal.
"""
import contextlib
import io
import os
import re
import sys

from ..escape.text import html_text, terminal

# A line's state word, as check.py lays lines out: right-aligned in 20 columns, or the last
# column of the table.
STATE = re.compile(r"^(\s*)(PASS|FAIL|NOT IMPLEMENTED YET|ADVICE|WARNING|ERROR)(\s)")
TABLE_STATE = re.compile(r"^(\S+\s+\d+ of \d+\s+)(pass|fail|not implemented yet)$")
NUMBERS = re.compile(r"^\s*(ok|x) ")  # a check's error against its tolerance, values

KINDS = {"PASS": "pass", "pass": "pass", "FAIL": "fail", "fail": "fail", "ERROR": "fail",
         "NOT IMPLEMENTED YET": "todo", "not implemented yet": "todo",
         "ADVICE": "advice", "WARNING": "advice"}
ANSI = {"pass": "\033[1;32m", "fail": "\033[1;31m", "todo": "\033[1;33m", "advice": "\033[1;35m"}
ANSI_DIM, ANSI_RESET = "\033[2m", "\033[0m"
HTML_COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "todo": "#9a6700", "advice": "#8250df"}


def split_state(line):
    """(before, state word, after) of a line that carries one, else None."""
    found = STATE.match(line) or TABLE_STATE.match(line)
    if not found:
        return None
    before, word = found.group(1), found.group(2)
    return before, word, line[len(before) + len(word):]


# -- terminal ---------------------------------------------------------------------------------

def wants_colour(stream, environ=os.environ):
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in environ and environ.get("TERM") != "dumb"


def ansi_line(line):
    line = terminal(line)
    parts = split_state(line)
    if parts:
        before, word, after = parts
        return f"{before}{ANSI[KINDS[word]]}{word}{ANSI_RESET}{after}"
    if NUMBERS.match(line):
        return f"{ANSI_DIM}{line}{ANSI_RESET}"
    return line


class ColourLines(io.TextIOBase):
    """A stream that colours each whole line written to it, and passes it on."""

    def __init__(self, target):
        self.target, self.pending = target, ""

    def writable(self):
        return True

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.target.write(ansi_line(line) + "\n")
        return len(text)

    def flush(self):
        if self.pending:
            self.target.write(ansi_line(self.pending))
            self.pending = ""
        self.target.flush()


# -- Jupyter --------------------------------------------------------------------------------

def kernel_shell():
    """The IPython shell when this runs in a Jupyter kernel (Colab's too), else None."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


BOX = ("font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; "
       "line-height: 1.45; white-space: pre-wrap; color: #1f2328")  # wrapped lines: hanging()


def hanging(indent, extra=""):
    """A line indented by `indent` columns whose wrapped lines stay under its first."""
    return f'<div style="padding-left: {indent}ch; text-indent: -{indent}ch{extra}">'


def html_line(line):
    parts = split_state(line)
    if parts:
        before, word, after = parts
        colour = HTML_COLOURS[KINDS[word]]
        badge = (f'<span style="background: {colour}; color: #ffffff; font-weight: bold; '
                 f'padding: 0 5px; border-radius: 3px">{html_text(word)}</span>')
        if TABLE_STATE.match(line):  # the table's last column
            return f"<div>{html_text(before)}{badge}</div>"
        width = len(before) + len(word)
        return (hanging(width + 2) + f'<span style="display: inline-block; width: {width}ch; '
                f'text-indent: 0; text-align: right">{badge}</span>{html_text(after)}</div>')
    indent = len(line) - len(line.lstrip(" "))
    grey = "; color: #59636e" if NUMBERS.match(line) else ""
    return (f'<div style="padding-left: {indent}ch{grey}">' + (html_text(line.lstrip(" ")) or "&nbsp;")
            + "</div>")


def as_html(text):
    return f'<div style="{BOX}">' + "".join(html_line(line) for line in text.rstrip("\n").split("\n")) + "</div>"


def display_in_notebook(text):
    from IPython.display import display
    display({"text/plain": text.rstrip("\n"), "text/html": as_html(text)}, raw=True)


# -- where it goes ----------------------------------------------------------------------------

@contextlib.contextmanager
def shown():
    """Run the body, and put what it prints where the student looks (see the module's doc)."""
    if kernel_shell() is not None:
        caught = io.StringIO()
        try:
            with contextlib.redirect_stdout(caught):
                yield
        finally:
            if caught.getvalue():
                display_in_notebook(caught.getvalue())
    elif wants_colour(sys.stdout):
        coloured = ColourLines(sys.stdout)
        try:
            with contextlib.redirect_stdout(coloured):
                yield
        finally:
            coloured.flush()
    else:
        yield
