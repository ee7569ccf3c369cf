"""Regrading into an --out folder that already holds a gradebook.

Nothing of the earlier grading is overwritten silently: its gradebook.csv and summary.md move
to `previous/<UTC time>/`, and so do the report folders (`reports/<key>/`) of students who are
not in this grading (kept there, not left beside the current ones as if they were current), and
report folders an older kit wrote at the out folder's root. What changed, per student and
function, goes to changes.csv and changes.md.
"""
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..escape import csvcells
from ..escape.markdown import code, text
from .gradebook import FUNCTIONS, read_gradebook
from .report_folders import REPORTS
from .written_points import total_with_written

MOVED_ASIDE = ("gradebook.csv", "summary.md", "summary.png", "changes.csv", "changes.md")


@dataclass
class Regrade:
    previous: dict                      # the earlier gradebook, {student: {column: text}}
    kept_in: Path                       # where the earlier outputs went
    stale: list = field(default_factory=list)  # report folders moved there
    reused: list = field(default_factory=list)  # submissions unchanged: cached results reused


def is_report_folder(path):
    return path.is_dir() and ((path / "results.json").exists() or (path / "report.md").exists())


def stale_report_folders(out_dir, current):
    """Report folders not among `current` (keys of reports/), and any an older kit wrote at
    out_dir's root (which no longer holds any)."""
    here = sorted(p for p in (out_dir / REPORTS).iterdir() if p.name not in current) \
        if (out_dir / REPORTS).is_dir() else []
    older = sorted(p for p in out_dir.iterdir() if p.name not in ("previous", REPORTS))
    return [folder for folder in here + older if is_report_folder(folder)]


def set_aside(out_dir, current):
    """Move the earlier grading out of the way, and the report folders whose keys are not
    among `current` (those of students with a result now); None when out_dir holds no
    gradebook."""
    out_dir = Path(out_dir)
    if not (out_dir / "gradebook.csv").is_file():
        return None
    previous = read_gradebook(out_dir / "gradebook.csv")
    stamp = time.strftime("%Y-%m-%dT%H-%M-%SZ", time.gmtime())
    kept_in, n = out_dir / "previous" / stamp, 1
    while kept_in.exists():
        n += 1
        kept_in = out_dir / "previous" / f"{stamp}-{n}"
    kept_in.mkdir(parents=True)
    for name in MOVED_ASIDE:
        if (out_dir / name).exists():
            shutil.move(out_dir / name, kept_in / name)
    regrade = Regrade(previous, kept_in)
    for folder in stale_report_folders(out_dir, set(current)):
        (kept_in / REPORTS).mkdir(exist_ok=True)
        target = kept_in / REPORTS / folder.name
        if target.exists():  # an older kit's alice/ beside reports/alice/: keep both
            target = kept_in / REPORTS / f"{folder.name}-root"
        shutil.move(folder, target)
        regrade.stale.append(target.name)
    return regrade


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None  # empty: no submission, or a column the earlier gradebook lacked


def changes(previous, rows, written=None):
    """[(student, what, before, after)] where a score moved, a student came or went; with
    the written part (written_points.py), totals hold its points as the gradebook does."""
    found = []
    now = {row.student: {what: values[what] for what in ("total", *FUNCTIONS)}
           for row, values in ((row, row.values()) for row in rows)}
    for row in rows:
        if written is not None:
            now[row.student]["total"] = total_with_written(row, written)
    for student in sorted(set(previous) | set(now), key=str.lower):
        if student not in previous:
            found.append((student, "student", "", "new in this grading"))
            continue
        if student not in now:
            found.append((student, "student", "graded before", "not in this grading"))
            continue
        for what in ("total", *FUNCTIONS):
            before, after = number(previous[student].get(what)), number(now[student][what])
            if before != after and (before is None or after is None or abs(before - after) > 1e-9):
                found.append((student, what, previous[student].get(what, ""), now[student][what]))
    return found


def write_changes(regrade, rows, out_dir, written=None):
    """changes.csv and changes.md; returns the changes."""
    found = changes(regrade.previous, rows, written)
    with open(Path(out_dir) / "changes.csv", "w", newline="") as file:
        writer = csvcells.writer(file)  # names are the students': never a formula
        writer.writerow(["student", "what", "before", "after"])
        writer.writerows(found)
    moved = {student for student, what, *_ in found if what == "total"}
    lines = ["# Changes since the previous grading", "",
             f"The previous gradebook is kept in `{regrade.kept_in.relative_to(out_dir)}/`.", "",
             f"- totals changed: {len(moved)} students",
             f"- students new in this grading: {sum(1 for c in found if c[3] == 'new in this grading')}",
             f"- students no longer in the class: {sum(1 for c in found if c[3] == 'not in this grading')}"]
    if regrade.stale:
        lines.append(f"- their report folders moved to `{regrade.kept_in.relative_to(out_dir)}/{REPORTS}/`: "
                     + ", ".join(map(code, regrade.stale)))
    lines += ["", "| student | what | before | after |", "|---|---|---|---|"]
    lines += [f"| {text(s)} | {w} | {text(b)} | {a} |"  # a name (and an old cell) is data
              for s, w, b, a in found] or ["| - | no change | | |"]
    (Path(out_dir) / "changes.md").write_text("\n".join(lines) + "\n")
    return found
