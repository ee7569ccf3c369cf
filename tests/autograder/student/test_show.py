"""Colour where a person looks: a rich display in Jupyter, ANSI on a terminal, plain text in a
pipe, a log, a test (and with NO_COLOR)."""
import io
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.kit.notebooks import SETUP_CELL, execute, kit_copy
from autograder.student.show import ANSI_RESET, ColourLines, ansi_line, as_html, wants_colour

ROOT = Path(__file__).resolve().parents[3]
LINES = ("                PASS  max_pool_forward_naive: 2x2 pool, stride 2\n"
         "                FAIL  conv_forward_naive: stride 1, pad 1\n"
         "                      Diagnosis: out is <b>wrong</b>\n"
         "                      x  out: relative error 3.2e-01 > tolerance 1e-07\n"
         "conv_forward_naive                 0 of 2     fail\n")


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color():
    assert wants_colour(Tty(), {}) and not wants_colour(io.StringIO(), {})
    assert not wants_colour(Tty(), {"NO_COLOR": ""}) and not wants_colour(Tty(), {"TERM": "dumb"})


def test_on_a_terminal_the_state_words_are_coloured_and_the_text_is_otherwise_the_same():
    out = Tty()
    stream = ColourLines(out)
    stream.write(LINES)
    stream.flush()
    coloured = out.getvalue()
    assert "\033[1;32mPASS" + ANSI_RESET in coloured and "\033[1;31mFAIL" + ANSI_RESET in coloured
    assert "\033[1;31mfail" + ANSI_RESET in coloured  # the table's last column
    plain = coloured.replace(ANSI_RESET, "")
    for code in ("\033[1;32m", "\033[1;31m", "\033[2m"):
        plain = plain.replace(code, "")
    assert plain == LINES
    assert ansi_line("x\033[2J") == "x<U+001B>[2J"  # the student's escape sequences are shown, not obeyed


def test_in_html_the_student_text_is_escaped_and_pass_is_green():
    page = as_html(LINES)
    assert "&lt;b&gt;wrong&lt;/b&gt;" in page and "<b>" not in page
    assert 'background: #1a7f37; color: #ffffff; font-weight: bold; padding: 0 5px; border-radius: 3px">PASS' in page
    assert 'background: #cf222e' in page


CHECK = [sys.executable, "-m", "autograder", "check", "max_pool_forward_naive"]
STUB = "NOT IMPLEMENTED YET  max_pool_forward_naive"  # the repository's assignment/ is the stubs


def on_a_terminal(environ):
    """What `check` writes to a real terminal (a pseudo-terminal), colour codes and all."""
    import pty
    leader, follower = pty.openpty()
    done = subprocess.run(CHECK, cwd=ROOT, stdout=follower, stderr=subprocess.DEVNULL, env=environ)
    os.close(follower)
    said = b""
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the terminal has nothing more
            break
        if not chunk:
            break
        said += chunk
    os.close(leader)
    assert done.returncode == 0
    return said.decode()


def test_in_a_pipe_check_prints_plain_text():
    done = subprocess.run(CHECK, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, TERM="xterm"))
    assert done.returncode == 0 and STUB in done.stdout and "\033[" not in done.stdout


def test_on_a_terminal_check_is_in_colour_unless_no_color_is_set():
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[1;33mNOT IMPLEMENTED YET\033[0m  max_pool_forward_naive" in on_a_terminal(dict(environ, TERM="xterm"))
    plain = on_a_terminal(dict(environ, TERM="xterm", NO_COLOR="1"))
    assert STUB in plain and "\033[" not in plain


@pytest.mark.slow
def test_in_jupyter_check_is_one_rich_display_whose_text_is_the_plain_one(tmp_path):
    """A real kernel runs check() as a notebook cell does: HTML for the eye, text/plain for the rest."""
    kit = kit_copy(tmp_path / "kit", solved=True)
    cells = [SETUP_CELL, 'check("max_pool_forward_naive")']
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = kit / "notebooks" / "shown.ipynb"
    nbformat.write(notebook, path)
    outputs = execute(path).cells[1].outputs
    display, = [o for o in outputs if o.output_type == "display_data"]
    assert not [o for o in outputs if o.output_type == "stream" and "PASS" in o.text]
    text, page = display.data["text/plain"], display.data["text/html"]
    assert "PASS  max_pool_forward_naive: 2x2 pool, stride 2" in text and "\033[" not in text
    assert 'background: #1a7f37; color: #ffffff; font-weight: bold; padding: 0 5px; border-radius: 3px">PASS' in page
    (tmp_path / "shown.html").write_text(page)
