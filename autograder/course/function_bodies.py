"""A graded function as a student wrote it, read as tokens that survive disguise.

Files come from every course year: with or without the START/END markers, 2- or 4-space
indents, Python 2 (`print x`, `xrange`). So a function is found by its `def`/`class` line and
its indentation, not by parsing the file (a Python 2 file does not parse), and it is read with
`tokenize`, which is lexical and reads Python 2 as well.

The tokens are normalised so that what a copier changes cheaply does not count:
- comments, blank lines, line breaks and indentation are dropped;
- docstrings (a string standing alone as a statement) are dropped, other strings become `S`;
- local names (variables, parameters, helper functions) become `V`; keywords, builtins,
  attributes (`np.pad`, `x.shape`) and keyword-argument names (`axis=`) stay, because a
  renamer cannot change them and they tell honest solutions apart;
- line breaks go, but each token remembers its statement (logical line), so that fingerprints
  can stay within one statement and survive reordering;
- every line that the starter code also has (the stub's own lines: `def` line, `out = None`,
  `return out, cache`, ...) is dropped: it is not the student's work.
Each token keeps where it stands in the source, so that a report can highlight it.
"""
import builtins
import io
import keyword
import re
import textwrap
import tokenize
from dataclasses import dataclass

CNN_FILE = "classifiers/cnn.py"
LAYERS_FILE = "layers.py"
NET_CLASS = "ThreeLayerConvNet"

KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"self", "print", "xrange"}
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass(frozen=True)
class Token:
    text: str       # normalised: `V` for a local name, `S` for a string, else as written
    start: int      # character offsets of the original token in the function's source
    end: int
    statement: int = 0  # which logical line it belongs to, counted from 0


def file_of(function):
    """Which submitted file holds a graded function."""
    return CNN_FILE if function == NET_CLASS else LAYERS_FILE


def indentation(line):
    expanded = line.expandtabs(8)  # as Python reads a tab
    return len(expanded) - len(expanded.lstrip())


def function_source(text, name):
    """The source of the last `def name` or `class name` in `text`, dedented; None if absent.

    The block ends at the first line of code indented no deeper than its header. Comment
    lines do not end it (students comment code out at column 0), and trailing comments and
    blank lines are left to whatever follows.
    """
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^[ \t]*(?:def|class)[ \t]+{re.escape(name)}\b")
    starts = [number for number, line in enumerate(lines) if name in line and header.match(line)]
    if not starts:
        return None
    first = starts[-1]
    depth = indentation(lines[first])
    last = first
    for number in range(first + 1, len(lines)):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if indentation(lines[number]) <= depth:
            break
        last = number
    return textwrap.dedent("".join(lines[first:last + 1]))


def raw_tokens(source):
    """tokenize's tokens of `source`, as far as it can read (a broken tail is left out)."""
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            found.append(token)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # an unterminated bracket or string at the end: keep what was read
    return found


def line_offsets(source):
    offsets, total = [0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        offsets.append(total)
    return offsets


def normalised_tokens(source, starter_lines=frozenset()):
    """The student's tokens of a function's source, normalised as the module says.

    `starter_lines` holds the stripped text of the stub's lines: tokens on such lines go.
    """
    starter_rows = {number for number, line in enumerate(source.splitlines(), 1)
                    if line.strip() in starter_lines}
    offsets = line_offsets(source)
    tokens = [t for t in raw_tokens(source) if t.type not in (tokenize.COMMENT, tokenize.NL)]
    kept, depth, statement = [], 0, 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.NEWLINE:
            statement += 1
        previous = tokens[index - 1] if index else None
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth = max(0, depth - 1)
        if token.type in SKIPPED or not token.string.strip():
            continue
        if token.start[0] in starter_rows:
            continue
        if token.type == tokenize.STRING:
            alone = (previous is None or previous.type in (tokenize.NEWLINE, tokenize.INDENT,
                                                           tokenize.DEDENT)) and (
                following is None or following.type in (tokenize.NEWLINE, tokenize.ENDMARKER))
            if alone:
                continue  # a docstring, or a string used as a comment
            text = "S"
        elif token.type == tokenize.NAME:
            attribute = previous is not None and previous.string == "."
            keyword_argument = depth > 0 and following is not None and following.string == "="
            keep = token.string in KEPT_NAMES or attribute or keyword_argument
            text = token.string if keep else "V"
        else:
            text = token.string
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        kept.append(Token(text, start, end, statement))
    return kept


def starter_lines(stub_source):
    """The stripped lines of a stub's function: what every student received."""
    if stub_source is None:
        return frozenset()
    return frozenset(line.strip() for line in stub_source.splitlines() if line.strip())
