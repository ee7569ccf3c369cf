"""Writing a graded submission: Gradescope's results.json and a Markdown report for humans.

What a student controls (their name, messages, tracebacks, printed output, names in notes, code
quoted in findings) is data in both: results.json is plain text with control characters shown,
report.md escapes it (escape/), so no payload closes a block or forges a line.
"""
import json
from pathlib import Path

from ..escape import markdown
from ..escape.text import terminal, visible
from .triage import NOT_GRADED, error_of, exception_part, fix_first, repeated_errors, status

# Hidden cases count from the start, and students see their details once grades are published.
VISIBILITY = {"public": "visible", "hidden": "after_published"}


def case_feedback(case, said_once=None):
    """Everything a student needs about one case, as plain text. An error in `said_once`
    ({error: its number at the top of the report}) is named, not repeated."""
    lines = [f"{'PASS' if case.passed else 'FAIL'}  {case.name}  ({case.score:g}/{case.max_score:g})"]
    number = (said_once or {}).get(error_of(case))
    if number is None:
        lines += [f"  {case.problem}"] if case.problem else []
        lines += ["  " + line for line in case.traceback.splitlines()]
    else:  # where it happened stays; what it says is at the top
        error, trace = error_of(case), case.traceback.rstrip()
        if case.problem and error not in case.problem:
            lines.append(f"  {case.problem}")
        frames = trace[:len(trace) - len(exception_part(trace))] if exception_part(trace) else ""
        lines += ["  " + line for line in frames.rstrip().splitlines()]
        lines.append(f"  error {number} of \"Read this first\" (the same in several cases)")
    for check in case.checks:
        lines.append(f"  [{'ok' if check.passed else 'x'}] {check.message}")
    for mistake in case.mistakes:
        lines.append(f"  Looks like a known mistake: {mistake}.")
    for diagnosis in case.diagnoses:  # a line of its own that begins with the word (DESIGN.md)
        text = diagnosis["text"]
        lines.append(f"Diagnosis: {text}" + ("" if text.endswith(("?", ".")) else "."))
    for advice in case.advice:
        lines.append(f"  Note: {advice}.")
    if case.printed:
        lines.append(f"  Your code printed: {case.printed[:300]!r}")
    return "\n".join(lines)


def isolation_words(result):
    """One line: "full" or "reduced: what was missing" (what protected this run, never silent);
    for a submission never graded, that the sandbox never started and why."""
    if status(result) in NOT_GRADED:
        why = next((n.split(": ", 1)[-1] for n in result.notes if n.startswith("grading failed")),
                   status(result))
        return f"not graded: the sandbox never started because {why}"
    if not result.isolation:
        return "unknown: the sandbox did not start"
    reduced = result.reduced_isolation()
    return "reduced: " + "; ".join(reduced) if reduced else "full"


def submission_summary(result):
    """A few lines of plain text; a newline inside a name or a note is shown, never obeyed."""
    lines = [f"{visible(result.student)}: {total_words(result)}"]
    lines += [f"Note: {visible(note)}" for note in result.notes]
    lines += [f"Integrity: {visible(problem)}" for problem in result.integrity]
    if isolation_words(result) != "full":
        lines.append(visible(f"Isolation {isolation_words(result)}"))
    return "\n".join(lines)


def gradescope_results(result):
    """The results.json dict, in Gradescope's schema."""
    return {
        "score": result.score,
        "execution_time": result.execution_time,
        "output": submission_summary(result),
        # Shown as plain text, never rendered as Markdown or HTML, whatever a student wrote.
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "stdout_visibility": "hidden",
        "extra_data": {"isolation": result.isolation},
        "tests": [{
            "name": case.name,
            "score": round(case.score, 4),
            "max_score": round(case.max_score, 4),
            "status": "passed" if case.passed else "failed",
            "output": terminal(case_feedback(case)),
            "visibility": VISIBILITY[case.visibility],
        } for case in result.cases],
    }


def total_words(result):
    """"71.5 / 100", or "not graded (could not read)": never a 0 that nothing earned."""
    state = status(result)
    if state in NOT_GRADED:
        return f"not graded ({state})"
    return f"{result.score:g} / {result.max_score:g}"


def markdown_report(result):
    lines = [f"# {markdown.text(result.student)}: {total_words(result)}", ""]
    isolation = isolation_words(result)
    first, repeated = fix_first(result), repeated_errors(result)
    said_once = {error: number for number, (error, _) in enumerate(repeated, 1)}
    if first or repeated or result.notes or result.integrity or isolation != "full":
        lines += ["## Read this first", ""]
        if first:
            lines.append(f"- **Fix first:** {markdown.prose(first)}")
        lines += [f"- {markdown.prose(note)}" for note in result.notes]
        lines += [f"- **integrity:** {markdown.prose(problem)}" for problem in result.integrity]
        if isolation != "full":
            lines.append(f"- **isolation {markdown.prose(isolation)}**")
        lines.append("")
        for number, (error, count) in enumerate(repeated, 1):
            lines += [f"Error {number}, the same in {count} cases (said here once, not in each "
                      "case):", "", markdown.block(error), ""]
    lines += ["| function | score |", "|---|---|"]
    lines += [f"| {markdown.code(name, in_table=True)} | {score:g} / {most:g} |"
              for name, (score, most) in result.by_function().items()]
    lines += ["", "## Cases", ""]
    for group in alike_in_a_row(result.cases, said_once):
        lines += [markdown.block("\n".join(group)), ""]  # no line of a payload can close it
    lines.append(f"Graded in {result.execution_time:.1f} s. What protected this run: "
                 + "; ".join(f"{name}: {words}" for name, (on, words) in result.isolation.items() if on)
                 + ".")
    return "\n".join(lines) + "\n"


def alike_in_a_row(cases, said_once):
    """The cases' feedback, cases in a row that failed with the same words in one block: their
    headers, then those words once ([[line]] per block)."""
    blocks, previous = [], None
    for case in cases:
        head, *body = case_feedback(case, said_once).split("\n")
        if body and not case.passed and body == previous:
            blocks[-1].insert(len(blocks[-1]) - len(body), head)
        else:
            blocks.append([head, *body])
        previous = body if not case.passed else None
    return blocks


def write_outputs(result, out_dir):
    """results.json and report.md in out_dir; returns the folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(gradescope_results(result), indent=1) + "\n")
    (out_dir / "report.md").write_text(markdown_report(result))
    return out_dir


def function_table(result):
    """Lines of a plain-text table: each function's score and the cases it failed."""
    failing = {}
    for case in result.cases:
        if not case.passed:
            hidden = " (hidden)" if case.visibility == "hidden" else ""
            failing.setdefault(case.function, []).append(case.title + hidden)
    width = max([len("function"), *map(len, result.by_function())])
    lines = [f"{'function':<{width}}  {'score':>9}  failing cases"]
    for name, (score, most) in result.by_function().items():
        lines.append(f"{name:<{width}}  {f'{score:g}/{most:g}':>9}  "
                     + ("; ".join(failing.get(name, [])) or "-"))
    return lines
