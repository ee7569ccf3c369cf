"""Measure the diagnoses on mistakes nobody catalogued: grade each mutant of diagnosis_mutants.py
through the real grader (sandbox and all) and sort its target's diagnoses into

    fitting  a diagnosis of the target has a pattern the mutant lists (or, listing none, it has none)
    wrong    the target has diagnoses, none of them fitting
    none     the target has no diagnosis although some pattern would fit

and say apart how many fitting ones carry a second, unlisted line as well.

    .venv/bin/python tests/autograder/grading/measure_diagnosis.py
"""
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from autograder.grading.grade import grade_files  # noqa: E402
from diagnosis_mutants import MUTANTS, apply, reference_files  # noqa: E402


def patterns_of(result, function):
    return [d["pattern"] for c in result.cases if c.function == function for d in c.diagnoses]


def fits(pattern, listed):
    """A pattern fits a listed one when equal, or when it names the listed property among
    coincident ones ("passes only when N = 1 or C = 1" fits "passes only when N = 1")."""
    for lead in ("fails when ", "passes only when "):
        if pattern.startswith(lead) and listed.startswith(lead):
            return listed[len(lead):] in pattern[len(lead):].split(" or ")
    return pattern == listed


def classify(mutant, patterns):
    """(verdict, unlisted patterns): verdict is fitting, wrong or none."""
    unlisted = sorted(p for p in set(patterns) if not any(fits(p, f) for f in mutant.fits))
    if not mutant.fits:
        return ("wrong" if patterns else "fitting"), unlisted
    if len(unlisted) < len(set(patterns)):
        return "fitting", unlisted
    return ("wrong" if patterns else "none"), unlisted


def grade(mutant, files):
    return grade_files(mutant.name, apply(files, mutant), functions=mutant.functions)


def main():
    files = reference_files()
    verdicts, extra = Counter(), 0
    for mutant in MUTANTS:
        result = grade(mutant, files)
        verdict, unlisted = classify(mutant, patterns_of(result, mutant.target))
        verdicts[verdict] += 1
        extra += verdict == "fitting" and bool(unlisted)
        got = sorted(set(patterns_of(result, mutant.target))) or ["-"]
        print(f"{verdict:8} {mutant.name:58} {'; '.join(got)}")
    print(f"\n| mutants | fitting | wrong | none | fitting, with an unlisted line too |")
    print(f"|---|---|---|---|---|")
    print(f"| {len(MUTANTS)} | {verdicts['fitting']} | {verdicts['wrong']} | {verdicts['none']} | {extra} |")


if __name__ == "__main__":
    main()
