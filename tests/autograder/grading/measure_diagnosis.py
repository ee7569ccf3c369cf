"""Measure the diagnoses on mistakes nobody catalogued: grade each mutant of diagnosis_mutants.py
through the real grader (sandbox and all) and sort its target's diagnoses into

    fitting  a diagnosis of the target has a pattern the mutant lists
    wrong    the target has diagnoses, none of them fitting (or any, where none fits)
    none     the target has no diagnosis although some pattern would fit
    silent   no pattern fits the mutant, and the target has no diagnosis: right

and say apart how many fitting ones carry a second, unlisted line as well.

    .venv/bin/python tests/autograder/grading/measure_diagnosis.py
"""
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from diagnosis_mutants import MUTANTS, classify, grade, patterns_of, reference_files  # noqa: E402


def main():
    files = reference_files()
    verdicts, extra = Counter(), 0
    for mutant in MUTANTS:
        result = grade(mutant, files)
        verdict, unlisted = classify(mutant, patterns_of(result, mutant.target))
        verdicts[verdict] += 1
        extra += verdict == "fitting" and bool(unlisted)
        got = sorted(set(patterns_of(result, mutant.target))) or ["-"]
        print(f"{verdict:8} {mutant.name:58} {'; '.join(got)}"
              + (f"  [unlisted: {'; '.join(unlisted)}]" if unlisted and verdict == "fitting" else ""))
    print("\n| mutants | fitting | wrong | none | silent (nothing fits) | fitting, with an unlisted line too |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(MUTANTS)} | {verdicts['fitting']} | {verdicts['wrong']} | {verdicts['none']} | "
          f"{verdicts['silent']} | {extra} |")


if __name__ == "__main__":
    main()
