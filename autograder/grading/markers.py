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
    """A marker is missing, edited, nested or unterminated."""


@dataclass
class Marked:
    outside: list  # k + 1 lists of lines, marker lines included
    regions: list  # k lists of lines, the student's code
    indents: list  # k strings, the indentation of each START marker


def split_regions(text, name="<file>"):
    """Split a marked file into its outside chunks and its regions; raise on bad markers."""
    outside, regions, indents = [[]], [], []
    inside = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == START:
            if inside:
                raise MarkerError(f"{name}:{number}: START marker inside a region (nested); "
                                  "close the previous region with its END marker first")
            outside[-1].append(line)
            regions.append([])
            indents.append(line[: len(line) - len(line.lstrip())])
            inside = True
        elif stripped == END:
            if not inside:
                raise MarkerError(f"{name}:{number}: END marker without a START marker")
            outside.append([line])
            inside = False
        elif inside:
            regions[-1].append(line)
        else:
            outside[-1].append(line)
    if inside:
        raise MarkerError(f"{name}: the region opened at its last START marker has no END marker")
    return Marked(outside, regions, indents)


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
        return [f"markers: {error}"]
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
