"""The roster: Canvas's and Gradescope's exports read as they are, submissions matched by the
strongest identifier, a row for everyone who submitted nothing, strangers flagged."""
import pytest

from autograder.__main__ import main
from autograder.course.gradebook import NO_SUBMISSION, NOT_ON_ROSTER, rows_of
from autograder.course.layouts import ClassFolder, Student, Submission
from autograder.course.roster import RosterError, read_roster
from autograder.grading.results import SubmissionResult

# Canvas's gradebook export: a points-possible row, the test student, read-only columns.
CANVAS_ROSTER = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Layers (12345),Current Score
    Points Possible,,,,,100.00,(read only)
"Smith, Alice",1001,S001,asmith,Section 1,,
"Jones, Bob",1002,S002,bjones,Section 1,,
"Lee, Carol",1003,S003,clee,Section 2,,
"Student, Test",9999,,,Section 1,,
"""

GRADESCOPE_ROSTER = """First Name,Last Name,SID,Email,Role,Sections
Alice,Smith,2001,alice@uni.edu,Student,
Bob,Jones,2002,bob@uni.edu,Student,
Tina,Ta,,tina@uni.edu,TA,
Eve,Park,2005,eve@uni.edu,Student,
"""


def write(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def class_of(*students, layout="test"):
    """A ClassFolder of one submission per Student, graded to 10 points each."""
    found = ClassFolder(layout)
    found.submissions = [Submission([s], f"{s.key}/") for s in students]
    return found, [SubmissionResult(s.key) for s in students]


def test_a_canvas_gradebook_export_is_read_as_a_roster(tmp_path):
    people = read_roster(write(tmp_path, CANVAS_ROSTER))
    assert [p.identifiers for p in people] == [
        {"name": "Smith, Alice", "canvas_user_id": "1001", "sid": "S001", "login": "asmith"},
        {"name": "Jones, Bob", "canvas_user_id": "1002", "sid": "S002", "login": "bjones"},
        {"name": "Lee, Carol", "canvas_user_id": "1003", "sid": "S003", "login": "clee"}]


def test_canvas_submissions_match_by_user_id_and_the_absent_get_a_row(tmp_path):
    people = read_roster(write(tmp_path, CANVAS_ROSTER))
    found, results = class_of(Student("smithalice", {"canvas_user_id": "1001", "login": "smithalice"}),
                              Student("leecarol", {"canvas_user_id": "1003", "login": "leecarol"}),
                              Student("stranger", {"canvas_user_id": "4242"}))
    rows = {r.student: r for r in rows_of(found, results, people)}
    # one spelling per student: the roster's login, as the absent Bob's row has it
    assert set(rows) == {"asmith", "clee", "stranger", "bjones"}
    assert rows["asmith"].identifiers["sid"] == "S001"
    assert rows["asmith"].identifiers["name"] == "Smith, Alice"
    assert rows["asmith"].identifiers["login"] == "asmith" == rows["asmith"].result.student
    assert rows["stranger"].flags == [NOT_ON_ROSTER]
    absent = rows["bjones"]
    assert absent.result is None and absent.flags == [NO_SUBMISSION]
    assert absent.values()["total"] == "" and absent.identifiers["canvas_user_id"] == "1002"
    assert absent.values()["status"] == NO_SUBMISSION


def test_folder_names_match_logins_emails_and_squashed_names(tmp_path):
    people = read_roster(write(tmp_path, GRADESCOPE_ROSTER))
    assert len(people) == 3  # the TA is not a student
    found, results = class_of(Student("alicesmith"), Student("bob"), Student("2005"))
    rows = {r.student: r for r in rows_of(found, results, people)}
    assert rows["alicesmith"].identifiers["sid"] == "2001"  # by name
    assert rows["bob"].identifiers["email"] == "bob@uni.edu"  # by the email's login part
    assert rows["2005"].identifiers["name"] == "Eve Park"  # a folder named by sid
    assert not any(NO_SUBMISSION in r.flags or NOT_ON_ROSTER in r.flags for r in rows.values())


def test_a_group_submission_marks_every_member_present(tmp_path):
    people = read_roster(write(tmp_path, GRADESCOPE_ROSTER))
    found = ClassFolder("Gradescope export")
    found.submissions = [Submission([Student("2001", {"sid": "2001"}), Student("2002", {"sid": "2002"})],
                                    "submission_1/")]
    rows = {r.student: r for r in rows_of(found, [SubmissionResult("2001")], people)}
    assert set(rows) == {"2001", "2002", "2005"}
    assert rows["2005"].flags == [NO_SUBMISSION]


@pytest.mark.parametrize("text, reason", [
    ("", "is empty"),
    ("colour,size\nred,3\n", "names no student column"),
    ("name,email\n", "lists no students"),
])
def test_a_bad_roster_is_refused_with_a_reason(tmp_path, text, reason):
    with pytest.raises(RosterError, match=reason):
        read_roster(write(tmp_path, text))


def test_grade_all_stops_on_a_bad_roster_before_grading(tmp_path, capsys):
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    code = main(["grade-all", str(klass), "--out", str(tmp_path / "out"),
                 "--roster", str(write(tmp_path, "colour\nred\n"))])
    assert code == 2 and "names no student column" in capsys.readouterr().err
    code = main(["grade-all", str(klass), "--out", str(tmp_path / "out"),
                 "--roster", str(tmp_path / "missing.csv")])
    assert code == 2 and "--roster" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_semicolon_separated_roster_is_read_as_such(tmp_path):
    """Canvas (and Excel) write ';' where the decimal mark is a comma."""
    text = CANVAS_ROSTER.replace(",", ";").replace('"Smith; Alice"', '"Smith, Alice"') \
        .replace('"Jones; Bob"', '"Jones, Bob"').replace('"Lee; Carol"', '"Lee, Carol"') \
        .replace('"Student; Test"', '"Student, Test"')
    people = read_roster(write(tmp_path, text))
    assert people == read_roster(write(tmp_path, CANVAS_ROSTER, "comma.csv"))
