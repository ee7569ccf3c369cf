"""The START/END OF YOUR CODE markers: finding the regions, emptying them, comparing files.

A marked file alternates between provided text and student regions:

    outside[0], region[0], outside[1], region[1], ..., outside[k]

where each `outside` chunk includes its marker lines. Stubs are derived from the reference
by emptying every region; a submission is checked by comparing its outside chunks with the
pristine stub's.
"""
import difflib
from dataclasses import dataclass

START = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"


class MarkerError(ValueError):
    """A marker is missing, edited, nested or unterminated. `opened` is the line of the START
    marker whose region has no END (None for an END without a START), `region` its index."""

    def __init__(self, message, opened=None, region=None):
        super().__init__(message)
        self.opened, self.region = opened, region


def enclosing(lines, index):
    """The function (or Class.method) that line `index` (0-based) of `lines` is inside, or ''."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    names = []
    for line in reversed(lines[:index]):
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if stripped.startswith(("def ", "class ")) and depth < indent:
            names.append(stripped.split()[1].split("(")[0].rstrip(":"))
            indent = depth
    return ".".join(reversed(names))


def unclosed(name, lines, opened, before, region):
    """The error for the region opened at line `opened` (1-based) that has no END marker."""
    function = enclosing(lines, opened - 1) or "the region"
    until = f", and the next START (line {before}) comes first" if before else ""
    return MarkerError(f"{name}:{opened}: {function}'s region has no END marker (its START is "
                       f"line {opened}{until}): put the END marker line back {ENDS}", opened, region)


ENDS = "where your code ends"  # integrity_problems says the line instead, when the stub shows it


@dataclass
class Marked:
    outside: list  # k + 1 lists of lines, marker lines included
    regions: list  # k lists of lines, the student's code
    indents: list  # k strings, the indentation of each START marker


def split_regions(text, name="<file>"):
    """Split a marked file into its outside chunks and its regions; raise on bad markers."""
    outside, regions, indents = [[]], [], []
    inside, opened = False, None
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == START:
            if inside:  # nested, as the error is read: the region before has lost its END
                raise unclosed(name, lines, opened, number, len(regions) - 1)
            outside[-1].append(line)
            regions.append([])
            indents.append(line[: len(line) - len(line.lstrip())])
            inside, opened = True, number
        elif stripped == END:
            if not inside:
                function = enclosing(lines, number - 1) or "this region"
                raise MarkerError(f"{name}:{number}: END marker without a START marker, in "
                                  f"{function}: put its START marker line back where {function}'s "
                                  "code begins")
            outside.append([line])
            inside = False
        elif inside:
            regions[-1].append(line)
        else:
            outside[-1].append(line)
    if inside:
        raise unclosed(name, lines, opened, None, len(regions) - 1)
    return Marked(outside, regions, indents)


def where_end_goes(submitted, pristine_chunk, opened):
    """The line (1-based) of `submitted` where the missing END marker goes: just before the
    provided lines that follow the END in the stub (`pristine_chunk`, END first), found after
    line `opened`; None if they cannot be found."""
    follow = [l.strip() for l in pristine_chunk[1:] if l.strip()][:3]
    lines = [l.strip() for l in submitted.splitlines()]
    for index in range(opened, len(lines)):
        rest = [l for l in lines[index:] if l][:len(follow)]
        if follow and lines[index] == follow[0] and rest == follow:
            return index + 1
    return None


def derive_stub(text, name="<file>"):
    """The stub of a marked reference file: every region emptied to a lone `pass`."""
    marked = split_regions(text, name)
    if not marked.regions:
        raise MarkerError(f"{name}: no START/END OF YOUR CODE markers found")
    lines = list(marked.outside[0])
    for indent, chunk in zip(marked.indents, marked.outside[1:]):
        lines += ["\n", f"{indent}pass\n", "\n"] + chunk
    return "".join(lines)


def integrity_problems(submitted, pristine, name):
    """What a submission changed outside its regions, as readable lines (empty if nothing).

    `pristine` is the stub the student received. Markers must all be there, unedited, and
    every line outside the regions must be as shipped.
    """
    expected = split_regions(pristine, name)
    try:
        got = split_regions(submitted, name)
    except MarkerError as error:
        if error.region is None or error.region + 1 >= len(expected.outside):
            return [f"markers: {error}"]
        line = where_end_goes(submitted, expected.outside[error.region + 1], error.opened)
        if line is None:
            return [f"markers: {error}"]
        provided = submitted.splitlines()[line - 1].strip()
        provided = provided if len(provided) <= 40 else provided[:37] + "..."
        return [f"markers: {str(error).replace(ENDS, f'at line {line}, just before `{provided}`')}"]
    problems = []
    if len(got.regions) != len(expected.regions):
        problems.append(
            f"markers: {name} has {len(got.regions)} START/END regions, the stub has "
            f"{len(expected.regions)}: a marker line was deleted or edited; restore it from "
            "the original file")
        return problems
    for index, (ours, theirs) in enumerate(zip(expected.outside, got.outside)):
        if [l.rstrip() for l in ours] != [l.rstrip() for l in theirs]:
            diff = difflib.unified_diff(ours, theirs, "stub", "submission", n=0, lineterm="")
            changed = [d.rstrip("\n") for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---")]
            problems.append(
                f"edited outside the regions: {name}, between region {index} and {index + 1}: "
                + "; ".join(changed[:6]) + (" ..." if len(changed) > 6 else ""))
    return problems
