"""The class picture: summary.md and summary.png, and the lists of what needs a person.

Totals are out of the rubric's total. The picture: a histogram of totals beside the mean
per function. The lists: submissions that failed to grade or held nothing to grade,
integrity findings, junk skipped, duplicates, roster students with no submission and
submissions not on the roster, the layout's warnings, and what a regrade changed. Names and
what grading noticed are escaped (escape.markdown): the page shows them, never renders them.
"""
import hashlib
import json
import shutil
from collections import Counter
from statistics import median

from ..escape.markdown import code, prose, text
from ..grading.diagnosis import diagnosis_counts, most_frequent
from ..grading.triage import GRADED, reason
from ..rubric.cases import RUBRIC
from .gradebook import NO_SUBMISSION, NOT_ON_ROSTER, RUBRIC_TOTAL
from .layouts import is_paperwork
from .report_folders import RENAMED

NOTHING_TO_GRADE = ("no layers.py found", "no cnn.py found")


def class_summary(results):
    """{function: (mean fraction of its points, Counter of students per mistake)}."""
    summary = {}
    for graded in RUBRIC:
        fractions, mistakes = [], Counter()
        for result in results:
            score, most = result.by_function().get(graded.function, (0, graded.points))
            fractions.append(score / most if most else 0.0)
            mistakes.update({m for case in result.cases if case.function == graded.function
                             for m in case.mistakes})  # once per student
        summary[graded.function] = (sum(fractions) / max(1, len(fractions)), mistakes)
    return summary


def who(row):
    """A row's student as a person reads them: the name, then the key (both escaped)."""
    name = row.identifiers.get("name", "")
    return (f"{text(name)} " if name else "") + code(row.student)


def needs_a_person(rows, found, regrade_changes=None, regrade=None):
    """{heading: [line]} of everything a person should look at, empty lists dropped."""
    graded = [r for r in rows if r.result is not None]
    problems = [f"{who(r)}: {prose(reason(r.result))}" for r in graded if r.status != GRADED]
    nothing = [f"{who(r)} ({text(r.submission)}): " + "; ".join(
                   prose(n) for n in r.result.notes if any(n.startswith(p) for p in NOTHING_TO_GRADE))
               for r in graded if r.status == GRADED
               and all(any(n.startswith(p) for n in r.result.notes) for p in NOTHING_TO_GRADE)]
    lists = {
        "Not graded, or graded with a problem (the gradebook's status)": problems,
        "Nothing to grade": nothing,
        "Integrity findings": [f"{code(r.student)}: " + "; ".join(map(prose, r.result.integrity))
                               for r in graded if r.result.integrity],
        "Duplicates (graded apart; decide which counts)": [text(d) for d in found.duplicates],
        "No submission (on the roster)": [f"{code(r.student)} {text(r.identifiers.get('name', ''))}".rstrip()
                                          for r in rows if NO_SUBMISSION in r.flags],
        "Not on the roster": [f"{code(r.student)} ({text(r.submission)})"
                              for r in rows if NOT_ON_ROSTER in r.flags],
        "Report folders renamed (two names make one folder name)": [
            f"{code(r.student)}: {prose(flag)}" for r in rows for flag in r.flags
            if flag.startswith(RENAMED)],
        "Junk skipped (not graded)": [f"{code(entry)}: {text(why)}"
                                      for entry, why in found.junk if not is_paperwork(entry)],
        "Warnings about the class folder": [prose(w) for w in found.warnings],
    }
    if regrade is not None:
        moved = sorted({c[0] for c in regrade_changes if c[1] == "total"})
        lines = [f"{len(moved)} totals changed since the previous grading (changes.md): "
                 + (", ".join(code(s) for s in moved) or "none")]
        if regrade.stale:
            lines.append("report folders of students not in this grading moved to "
                         f"`{regrade.kept_in.name}/reports/`: " + ", ".join(map(code, regrade.stale)))
        if regrade.reused:
            lines.append(f"{len(regrade.reused)} submissions unchanged since they were last graded "
                         "(same files, rubric, kit and limits): their results were reused; "
                         "`--fresh` grades them again")
        lists["Regrade"] = lines
    return {heading: items for heading, items in lists.items() if items}


def layout_lines(found):
    """Which layout claimed which entries, and what was skipped as paperwork."""
    lines = [f"Layout: **{text(found.layout)}** ({len(found.submissions)} submissions).", ""]
    if len(found.claimed) > 1:
        for layout, entries in found.claimed.items():
            shown = ", ".join(code(e) for e in entries[:12]) + (" ..." if len(entries) > 12 else "")
            lines.append(f"- {text(layout)}: {len(entries)} submission{'s' * (len(entries) != 1)} ({shown})")
        lines.append("")
    paperwork = [entry for entry, _ in found.junk if is_paperwork(entry)]
    if paperwork:
        lines += ["Skipped as paperwork or system files (nothing to do): "
                  + ", ".join(code(e) for e in paperwork) + ".", ""]
    return lines


def write_summary(rows, found, out_dir, regrade_changes=None, regrade=None, similarity=None):
    graded = [r for r in rows if r.result is not None]
    results = [r.result for r in graded]
    summary = class_summary(results)
    totals = [r.score for r in results]
    mean = sum(totals) / max(1, len(totals))
    mistakes = Counter(m for r in results for m in {m for c in r.cases for m in c.mistakes})
    lines = [f"# Class summary: {len(graded)} graded of {len(rows)} students", "",
             *layout_lines(found),
             f"Mean total: {mean:.1f} / {RUBRIC_TOTAL:g}"
             + (f" (median {median(totals):g})" if totals else ""), "",
             "| function | mean | most frequent mistakes | most frequent diagnoses |",
             "|---|---|---|---|"]
    diagnoses = diagnosis_counts(results)
    for function, (fraction, found_mistakes) in summary.items():
        common = "; ".join(f"{m} ({n})" for m, n in found_mistakes.most_common(3)) or "-"
        lines.append(f"| `{function}` | {100 * fraction:.0f}% | {common} "
                     f"| {most_frequent(diagnoses, function)} |")
    lines += ["", "## Most frequent named mistakes", ""]
    lines += [f"{i}. {m} ({n} student{'s' * (n != 1)})" for i, (m, n) in enumerate(mistakes.most_common(10), 1)] \
        or ["none named"]
    lines += ["", "![totals and mean per function](summary.png)", ""]
    if similarity is not None:
        lines += similarity_lines(*similarity)
    lines += ["## Needs a person", ""]
    lists = needs_a_person(rows, found, regrade_changes, regrade)
    for heading, items in lists.items():
        lines += [f"### {heading} ({len(items)})", "", *[f"- {item}" for item in items], ""]
    if not lists:
        lines.append("Nothing: every submission graded, no findings, nothing skipped.")
    (out_dir / "summary.md").write_text("\n".join(lines) + "\n")
    earlier = regrade.kept_in / "summary.png" if regrade is not None else None
    plot_summary(summary, totals, out_dir / "summary.png", earlier)


def similarity_lines(matches, discounted, top=10):
    """The pairs alike across functions (students alike in several functions first), what
    the discounts removed, and the link to similarity.html."""
    from .similarity import pairs_across_functions  # only when similarity was asked for
    lines = ["## Similarity", "", "A reason to look, not proof: [similarity.html](similarity.html) "
             "shows each pair side by side and what is normal for each function.", ""]
    lines += [f"- {text(line)}" for line in discounted] + [""]
    ranked = pairs_across_functions(matches)[:top]
    if not ranked:
        return lines + ["No pair shares code once the starter code is discounted.", ""]
    lines += ["| students | functions alike (0.5 or more) | mean similarity | functions |",
              "|---|---|---|---|"]
    for pair in ranked:
        alike = ", ".join(code(f, in_table=True) for f in pair.alike[:6]) + (
            " ..." if len(pair.alike) > 6 else "")
        lines.append(f"| {code(pair.student_a, in_table=True)} and "
                     f"{code(pair.student_b, in_table=True)} | {len(pair.alike)} | "
                     f"{pair.mean:.2f} | {alike or '-'} |")
    return lines + [""]


def plot_summary(summary, totals, path, earlier=None):
    """The picture of `summary` and `totals` at `path`. Where the `earlier` one drew the same
    figures (a regrade that changed nothing drawn), it is copied: drawing takes a second."""
    drawn = [[name, fraction] for name, (fraction, _) in summary.items()], sorted(totals)
    key = hashlib.sha256(json.dumps(drawn).encode()).hexdigest()
    mark = b"tEXtautograder\x00" + key.encode()  # a PNG text chunk, as savefig writes it
    if earlier is not None and earlier.is_file() and mark in earlier.read_bytes():
        shutil.copyfile(earlier, path)
        return
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, a faster import
    from matplotlib.ticker import MaxNLocator
    names = list(summary)
    # Margins fixed here, not by layout="tight": that draws the figure twice (1.7 s of 4 s).
    height = 0.4 * len(names) + 1.5
    figure = Figure(figsize=(13, height))
    figure.subplots_adjust(left=0.05, right=0.98, bottom=0.7 / height, top=1 - 0.45 / height,
                           wspace=0.45)
    spread, means = figure.subplots(1, 2, width_ratios=(2, 3))
    spread.hist(totals, bins=20, range=(0, RUBRIC_TOTAL), color="tab:blue", edgecolor="white")
    spread.set_xlim(0, RUBRIC_TOTAL)
    spread.set_xlabel(f"total (out of {RUBRIC_TOTAL:g})")
    spread.set_ylabel("students")
    spread.yaxis.set_major_locator(MaxNLocator(integer=True))  # no fractions of a student
    spread.set_title(f"Totals of {len(totals)} graded submissions")
    means.barh(names[::-1], [100 * summary[n][0] for n in names[::-1]], color="tab:blue")
    means.set_xlim(0, 100)
    means.set_xlabel("mean score (% of the function's points)")
    means.set_title("Where the class struggles")
    figure.savefig(path, dpi=100, metadata={"autograder": key})
