"""The escaping room holds against payloads, checked the way staff see them: Markdown rendered
as Jupyter renders it (mistune, HTML kept), CSV read back, names shown."""
import csv
import io

import mistune
import pytest

from autograder.escape import csvcells, markdown
from autograder.escape.text import html_text, safe_key, terminal, visible

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "```\n<script>alert(1)</script>\n# forged: 100 / 100",
    "````\n</pre><b>live</b>",
    "[click](javascript:alert(1))",
    "**bold** _em_ # heading | pipe |",
    "a`b``c```d",
    "&lt;b&gt;entity",
    "line\n# 100 / 100\n<b>x</b>",
]
render = mistune.create_markdown(escape=False, plugins=["table"])  # HTML kept, as Jupyter


def live_html(rendered):
    """Elements a payload would make live: any tag we did not write ourselves."""
    return [tag for tag in ("<img", "<script", "<b>", "<a ", "<h1", "<strong", "<em") if tag in rendered]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_never_renders_as_markup(payload):
    rendered = render("before " + markdown.text(payload) + " after")
    assert not live_html(rendered), rendered
    assert rendered.count("<p>") == 1  # no forged heading or paragraph


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_block_cannot_be_closed_by_its_payload(payload):
    rendered = render(markdown.block(payload) + "\n\n# after\n")
    assert not live_html(rendered.split("</pre>")[0]), rendered
    assert rendered.count("<pre>") == 1 and rendered.count("<h1>") == 1  # only our own heading
    assert rendered.index("</pre>") < rendered.index("<h1>")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_code_spans_hold_in_a_table(payload):
    table = "| function | score |\n|---|---|\n| " + markdown.code(payload, in_table=True) + " | 1 |\n"
    rendered = render(table)
    assert not live_html(rendered), rendered
    assert rendered.count("<td>") == 2


def test_the_checks_can_fail():
    """Unescaped, the same payloads do render live: the tests above look for real harm."""
    assert live_html(render("x " + PAYLOADS[0]))
    assert render("```\n" + PAYLOADS[1] + "\n```\n").count("<h1>") == 1


def test_bidi_and_controls_are_shown():
    assert visible("alice\u202egpj.py") == "alice<U+202E>gpj.py"
    assert terminal("\x1b[2Jok\n") == "<U+001B>[2Jok\n"
    assert visible("José") == "José"
    assert "<" not in html_text("<b>\u202e</b>").replace("&lt;", "")


@pytest.mark.parametrize("name, key", [
    ("gradebook.csv", "gradebook.csv"), ("../../etc", "etc"), ("..", "student"), ("", "student"),
    (".hidden", "hidden"), ("a/b\\c", "a_b_c"), ("José García", "José_García"),
    ("x\u202eexe", "x_U+202E_exe"), ("=HYPERLINK(1)", "HYPERLINK_1"),
])
def test_safe_keys(name, key):
    assert safe_key(name) == key


FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)", "+cmd|' -C calc'!A0", "-2+3+",
            "\t=1", "\r=1", "'=1", "'"]


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cells_cannot_be_formulas_and_round_trip(value):
    buffer = io.StringIO()
    csvcells.writer(buffer).writerow([value, 3, 2.5, "-1.5", "alice"])
    row = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert row[0].startswith("'") and row[1:] == ["3", "2.5", "-1.5", "alice"]
    assert list(csvcells.unescaped_rows([row]))[0][0] == value


def test_dict_writer_escapes_header_and_cells():
    buffer = io.StringIO()
    writer = csvcells.SafeDictWriter(buffer, ["student", "=total"])
    writer.writeheader()
    writer.writerow({"student": "@me", "=total": 10})
    assert buffer.getvalue().splitlines() == ["student,'=total", "'@me,10"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_prose_keeps_code_spans_and_escapes_the_rest(payload):
    sentence = f"layers.py, line 3, in `f`: assigns {markdown.code(payload)}, then {payload}"
    rendered = render("- " + markdown.prose(sentence) + "\n")
    assert not live_html(rendered), rendered
    assert rendered.count("<li>") == 1 and "<h1" not in rendered
    assert "<code>f</code>" in rendered


def test_prose_shows_a_quoted_name_as_code():
    assert render(markdown.prose("`alice` is missing")) == "<p><code>alice</code> is missing</p>\n"
