"""Fixtures: regenerated from the reference they are what is committed; tampering is refused."""
import json
import shutil

import numpy as np
import pytest

from autograder.rubric.cases import RUBRIC, case_id
from autograder.rubric.fixtures import (FIXTURES, FixtureError, check_made_from_current_sources,
                                        load_fixture, write_fixtures)
from autograder.rubric.mistakes import MISTAKES


def test_regenerated_fixtures_match_the_committed_ones(tmp_path):
    write_fixtures(tmp_path)
    committed = json.loads((FIXTURES / "manifest.json").read_text())
    regenerated = json.loads((tmp_path / "manifest.json").read_text())
    assert sorted(committed) == sorted(regenerated), "run `make fixtures` and commit"
    for graded in RUBRIC:
        for case in graded.cases:
            ours = load_fixture(graded, case, tmp_path)
            theirs = load_fixture(graded, case)
            assert sorted(ours) == sorted(theirs), case_id(graded, case)
            for key in ours:
                if ours[key].dtype.kind in "fi":
                    np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-10, atol=1e-12,
                                               err_msg=f"{case_id(graded, case)}: {key}")
                else:
                    assert ours[key] == theirs[key]


def test_fixtures_are_plain_arrays_never_pickles():
    for path in FIXTURES.rglob("*.npz"):
        with np.load(path, allow_pickle=False) as data:
            assert all(data[k].dtype.kind in "fiuU" for k in data.files), path


def test_an_edited_fixture_is_refused(tmp_path):
    write_fixtures(tmp_path, visibilities=("public",))
    graded = RUBRIC[0]
    case = graded.cases[0]
    path = tmp_path / "public" / f"{case_id(graded, case)}.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["expected__out"] = arrays["expected__out"] + 1.0
    np.savez(path, **arrays)
    with pytest.raises(FixtureError, match="does not match"):
        load_fixture(graded, case, tmp_path)


def test_every_catalogued_mistake_is_listed_and_recognizable():
    listed = {name for graded in RUBRIC for name in graded.mistakes}
    assert listed == set(MISTAKES) and len(MISTAKES) >= 10
    stored = set()
    for path in FIXTURES.rglob("*.npz"):
        with np.load(path) as data:
            stored |= {str(data[k]) for k in data.files if k.startswith("message__")}
    # Each mistake differs from the reference on at least one case, so it can be named.
    assert stored == {m.message for m in MISTAKES.values()}


def test_every_function_has_cases_and_a_public_one():
    assert all(graded.cases for graded in RUBRIC)
    assert all(any(c.visibility == "public" for c in g.cases) for g in RUBRIC)


def test_making_fixtures_twice_gives_the_same_bytes(tmp_path):
    """A fresh `make fixtures` must not dirty the tree: same arrays, same zip bytes."""
    write_fixtures(tmp_path / "a")
    write_fixtures(tmp_path / "b")
    first = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert first == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    for rel in first:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_make_fixtures_on_a_fresh_clone_leaves_the_committed_files_byte_for_byte(tmp_path):
    """`make fixtures` over the committed fixtures must not dirty the tree."""
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    write_fixtures(copy)
    for path in FIXTURES.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (copy / path.relative_to(FIXTURES)).read_bytes(), \
                f"{path.name}: run `make fixtures` and commit"


def test_a_fixture_is_rewritten_when_it_changed_beyond_round_off(tmp_path):
    graded, case = RUBRIC[0], RUBRIC[0].cases[0]
    write_fixtures(tmp_path, visibilities=("public",))
    path = tmp_path / "public" / f"{case_id(graded, case)}.npz"
    arrays = load_fixture(graded, case, tmp_path)
    nudged = dict(arrays, expected__out=arrays["expected__out"] * (1 + 1e-13))
    np.savez(path, **nudged)  # round-off: kept as it is
    before = path.read_bytes()
    write_fixtures(tmp_path, visibilities=("public",))
    assert path.read_bytes() == before
    np.savez(path, **dict(arrays, expected__out=arrays["expected__out"] + 1e-3))  # a real change
    write_fixtures(tmp_path, visibilities=("public",))
    np.testing.assert_array_equal(load_fixture(graded, case, tmp_path)["expected__out"],
                                  arrays["expected__out"])


def test_fixtures_of_cases_that_no_longer_exist_are_removed(tmp_path):
    (tmp_path / "public").mkdir()
    (tmp_path / "hidden").mkdir()
    moved = tmp_path / "public" / "conv_forward_naive.a-case-moved-to-hidden.npz"
    gone = tmp_path / "hidden" / "conv_forward_naive.a-deleted-case.npz"
    for path in (moved, gone):
        np.savez(path, x=np.zeros(1))
    write_fixtures(tmp_path)
    assert not moved.exists() and not gone.exists()
    assert sorted(p.stem for p in tmp_path.rglob("*.npz")) == \
        sorted(k for k in json.loads((tmp_path / "manifest.json").read_text()) if k != "made_from")


def test_the_manifest_records_what_the_fixtures_were_made_from():
    made_from = json.loads((FIXTURES / "manifest.json").read_text())["made_from"]
    assert {"autograder/rubric/cases.py", "reference/layers.py",
            "reference/classifiers/cnn.py"} <= set(made_from)
    check_made_from_current_sources()  # the committed fixtures are current


def test_grading_refuses_when_the_rubric_changed_since_the_fixtures(reference_folder, monkeypatch, capsys):
    """Exit 2, naming `make fixtures`, instead of grading against out-of-date values."""
    from autograder import __main__ as cli
    from autograder.rubric import fixtures

    edited = dict(fixtures.source_hashes(), **{"autograder/rubric/cases.py": "as if edited"})
    monkeypatch.setattr(fixtures, "source_hashes", lambda: edited)
    assert cli.main(["grade", str(reference_folder)]) == 2
    error = capsys.readouterr().err
    assert "autograder/rubric/cases.py changed" in error and "`make fixtures`" in error
    monkeypatch.undo()
    check_made_from_current_sources()  # and with the real files, nothing changed
