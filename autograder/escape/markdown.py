"""Markdown that a student's text cannot turn into markup.

- `text`: every ASCII punctuation mark backslash-escaped (CommonMark allows it for all of
  them), so no emphasis, link, heading, table pipe or raw HTML tag can form; newlines shown.
- `code`: an inline code span whose backtick fence is longer than any run inside it.
- `block`: a fenced block whose fence is longer than any run of backticks in the payload, so no
  line of it can close the block; inside a fence nothing is markup.
- `prose`: a sentence of ours that quotes names or code in backticks (a note, an integrity
  finding): its code spans stay code spans (re-fenced by `code`), the rest is `text`, so a
  backtick in what it quotes can end nothing early.
"""
import re

from .text import visible

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation, as CommonMark defines it
_TICKS = re.compile(r"`+")


def text(value):
    """Inline text (a name, a note): shown as written, never rendered as markup."""
    return _PUNCTUATION.sub(r"\\\1", visible(value))


def _fence(value, least):
    return "`" * max(least, 1 + max((len(run) for run in _TICKS.findall(value)), default=0))


def code(value, in_table=False):
    """Inline code. In a GFM table cell a `|` must be escaped even inside code."""
    value = visible(value)
    if in_table:
        value = value.replace("|", "\\|")
    fence = _fence(value, 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def block(value, info=""):
    """A fenced code block holding `value` verbatim (control characters shown, newlines kept)."""
    value = visible(value, keep="\n\t")
    fence = _fence(value, 3)
    return f"{fence}{info}\n{value}\n{fence}"


def prose(value):
    """Text in which backtick-quoted parts are code spans (CommonMark's rule: a run of n
    backticks closes at the next run of exactly n) and all else is `text`. Whatever the
    split, every piece comes out escaped, so the split decides only how it looks."""
    value, pieces, start, at = str(value), [], 0, 0
    while True:
        opening = _TICKS.search(value, at)
        if opening is None:
            break
        closing = re.compile(f"(?<!`){opening.group()}(?!`)").search(value, opening.end())
        if closing is None:  # an unmatched run is plain text, escaped below
            at = opening.end()
            continue
        inner = value[opening.end():closing.start()]
        if len(inner) > 1 and inner[0] == inner[-1] == " " and inner.strip(" "):
            inner = inner[1:-1]  # the padding `code` adds around a backtick
        pieces += [text(value[start:opening.start()]), code(inner)]
        start = at = closing.end()
    pieces.append(text(value[start:]))
    return "".join(pieces)
