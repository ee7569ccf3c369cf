"""The documented path to change the rubric: edit cases.py, then `make fixtures release
gradescope` (and `make examples`); walked here on a copy of the fixtures."""
import dataclasses
import re
from pathlib import Path

from autograder.grading.grade import grade_files
from autograder.rubric import cases as rubric
from autograder.rubric.cases import HIDDEN, RUBRIC, case_id, total_points
from autograder.rubric.fixtures import check_made_from_current_sources, write_fixtures

ROOT = Path(__file__).resolve().parents[3]


def test_the_readme_documents_the_path_and_every_step_is_a_make_target():
    readme = (ROOT / "README.md").read_text()
    assert "## Changing the rubric" in readme and "make fixtures release gradescope" in readme
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    assert {"fixtures", "release", "gradescope", "examples"} <= targets


def test_a_changed_rubric_grades_out_of_its_own_total_with_its_own_cases(tmp_path, monkeypatch,
                                                                         reference_files):
    pool = next(g for g in RUBRIC if g.function == "max_pool_forward_naive")
    moved = pool.cases[1]  # a public case an instructor decides to hide
    edited = dataclasses.replace(pool, points=20, cases=tuple(
        dataclasses.replace(c, visibility=HIDDEN) if c is moved else c for c in pool.cases))
    changed = tuple(edited if g is pool else g for g in RUBRIC)
    monkeypatch.setattr(rubric, "RUBRIC", changed)
    monkeypatch.setattr("autograder.rubric.fixtures.RUBRIC", changed)

    write_fixtures(tmp_path)
    assert not (tmp_path / "public" / f"{case_id(pool, moved)}.npz").exists()  # out of the release
    assert (tmp_path / "hidden" / f"{case_id(pool, moved)}.npz").exists()
    result = grade_files("reference", reference_files, functions={"max_pool_forward_naive"},
                         fixtures_dir=tmp_path)
    assert result.score == result.max_score == 20
    assert total_points(changed) == total_points(RUBRIC) + 13
    check_made_from_current_sources(tmp_path)  # the manifest says what it was made from
