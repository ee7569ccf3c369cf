"""Attacks on what staff open, by a student who has read the grader (issue 17), graded through
the real `grade-all` command line: payloads in folder and zip names, zip member names,
exception messages, code quoted back, Gradescope's submission_metadata.yml and Canvas logins.

Each test looks for harm as staff would meet it: the Markdown files rendered the way Jupyter
renders them (mistune with HTML kept) and searched for live elements and forged headings;
every CSV read with csv and searched for cells a spreadsheet would run; control and bidi
characters looked for in files, folder names and the terminal. The tests find the files by
walking the output folder, so they judge any version of the kit the same way.
"""
import csv
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import mistune
import pytest

from autograder.kit.bench_layouts import zipped

ROOT = Path(__file__).resolve().parents[3]
UID = "61760"  # sandbox uids of these runs' own, away from other suites grading at once
render = mistune.create_markdown(escape=False, plugins=["table"])  # as Jupyter renders

LIVE = "<img src=x onerror=alert(1)>"
FENCE_BREAK = f"\n```\n{LIVE}\n# x: 100 / 100"  # a line that closes a ``` fence, HTML, a heading
RLO = "\u202e"
FORMULAS = ['=HYPERLINK("evil.example","click")', "@SUM(1+1)", "+cmd|' -C calc'!A0", "-2+3+"]
ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def reference(rel):
    return (ROOT / "reference" / rel).read_text()


def stub(rel):
    return (ROOT / "assignment" / rel).read_text()


def stub_zip():
    return zipped({f"assignment/{rel}": stub(rel) for rel in ("layers.py", "classifiers/cnn.py")})


RAISES = f'''

def conv_forward_naive(x, w, b, conv_param):
    print({FENCE_BREAK!r})
    raise ValueError({FENCE_BREAK!r})
'''
# A backtick in a string literal, quoted back by an integrity finding.
PATCHES = f'''

def _never_called():
    np.x["`{LIVE}`"].y = 1
    setattr(np, "`{LIVE}`", 1)
'''


def folders_class(root):
    """One folder or zip per student, named to attack every file that names them."""
    klass = root / "folders"
    klass.mkdir()
    for name in [*FORMULAS, f"alice{RLO}gpj", LIVE, "evil\n# forged: 100 of 100", "=cmd"]:
        (klass / f"{name}.zip").write_bytes(stub_zip())
    for name in FORMULAS[0], FORMULAS[2]:  # the reference: these share code with mallory
        (klass / f"{name}.zip").write_bytes(zipped({rel: reference(rel) for rel in
                                                    ("layers.py", "classifiers/cnn.py")}))
    (klass / "mallory").mkdir()
    (klass / "mallory" / "layers.py").write_text(reference("layers.py") + RAISES)
    (klass / "mallory" / "classifiers").mkdir()
    (klass / "mallory" / "classifiers" / "cnn.py").write_text(stub("classifiers/cnn.py"))
    (klass / "patcher.zip").write_bytes(zipped({"layers.py": stub("layers.py") + PATCHES,
                                                "cnn.py": stub("classifiers/cnn.py")}))
    (klass / "twins.zip").write_bytes(zipped({  # a newline in a member's name, echoed in a note
        "a/layers.py": stub("layers.py"), "a/cnn.py": stub("classifiers/cnn.py"),
        f"b\n# forged: 100 / 100\n{LIVE}/layers.py": stub("layers.py")}))
    return klass


def gradescope_class(root):
    klass = root / "gradescope"
    for number in (101, 102):
        folder = klass / f"submission_{number}"
        folder.mkdir(parents=True)
        (folder / "submission.zip").write_bytes(stub_zip())
    (klass / "submission_metadata.yml").write_text(f"""\
submission_101:
  :submitters:
  - :name: {json.dumps(FORMULAS[0] + chr(10) + '# forged: 100 / 100 ' + LIVE)}
    :sid: {json.dumps(FORMULAS[3])}
    :email: {json.dumps(FORMULAS[1])}
  :created_at: 2026-11-21 09:00:00.000000000 -08:00
submission_102:
  :submitters:
  - :name: {json.dumps("Eve" + RLO + "gpj")}
    :sid: {json.dumps(FORMULAS[2])}
    :email: {json.dumps("=cmd@uni.edu")}
""")
    return klass


def canvas_class(root):
    klass = root / "canvas"
    klass.mkdir()
    for number, login in enumerate(["=cmd", "-2+3+", f"@SUM(1+1){RLO}"], 1):
        for rel in ("layers.py", "cnn.py"):
            text = stub("classifiers/cnn.py" if rel == "cnn.py" else rel)
            (klass / f"{login}_{700 + number}_{900 + number}_{rel}").write_text(text)
    return klass


def grade_all(klass, out, *extra):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(klass), "--out",
                           str(out), "-j", "2", "--uid", UID, *extra], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every class graded, one regraded (changes.md), exported; {what: ...} to look at."""
    root = tmp_path_factory.mktemp("attacks")
    runs = {}
    for make in (folders_class, gradescope_class, canvas_class):
        klass = make(root)
        runs[klass.name] = grade_all(klass, root / f"out-{klass.name}", "--similarity")
    klass = root / "folders"
    shutil.rmtree(klass / "mallory")  # a regrade: some leave, one joins
    (klass / f"{LIVE}.zip").unlink()
    (klass / "@new+1.zip").write_bytes(stub_zip())
    runs["regrade"] = grade_all(klass, root / "out-folders")
    for out in root.glob("out-*"):
        for target in ("long", "moodle"):
            subprocess.run([sys.executable, "-m", "autograder", "export", target, str(out),
                            "--out", str(out / f"export-{target}.csv")], cwd=ROOT, check=True,
                           capture_output=True)
    return root, runs


def files(root, pattern):
    return sorted(p for p in root.rglob(pattern) if p.is_file())


class Elements(HTMLParser):
    """Every element of a rendered page, with its attributes, and the text of its headings."""

    def __init__(self):
        super().__init__()
        self.found, self.headings, self._in_heading = [], [], None

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._in_heading = ""

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._in_heading is not None:
            self.headings.append((tag, self._in_heading))
            self._in_heading = None

    def handle_data(self, data):
        if self._in_heading is not None:
            self._in_heading += data


OURS = {"p", "h1", "h2", "h3", "ul", "ol", "li", "code", "pre", "table", "thead", "tbody", "tr",
        "th", "td", "strong", "em", "img"}


def harm_in_markdown(path):
    """What a payload made live in this Markdown file: elements we never write (or ours with
    a script attribute, an image other than the summary's chart, a link other than the one to
    similarity.html), and forged headings."""
    page = Elements()
    page.feed(render(path.read_text()))
    ours = {("img", "src", "summary.png"), ("a", "href", "similarity.html")}  # the only ones
    harm = [f"<{tag} {attrs}>" for tag, attrs in page.found
            if (tag not in OURS and tag != "a") or any(a.startswith("on") for a in attrs)
            or (tag in ("img", "a") and not any((tag, key, attrs.get(key)) in ours
                                                for key in ("src", "href")))]
    harm += [f"forged heading {text!r}" for tag, text in page.headings
             if text.startswith(("forged", "x: 100 / 100"))]  # a payload's own line
    if sum(tag == "h1" for tag, _ in page.headings) != 1:
        harm.append(f"{sum(tag == 'h1' for tag, _ in page.headings)} top headings")
    return harm


def reports_of(root, name_part):
    found = [p for p in files(root, "report.md") if name_part in p.read_text()]
    assert found, f"no report.md mentions {name_part!r}"
    return found


# ---------------------------------------------------------------- Markdown

def test_an_exception_message_cannot_close_the_report_s_fence(graded):
    root, _ = graded
    report = reports_of(root / "out-folders" / "previous", "mallory")  # graded before the regrade
    assert "ValueError" in report[0].read_text()  # the attack ran
    assert harm_in_markdown(report[0]) == []


def test_a_student_name_cannot_forge_the_report_s_heading(graded):
    root, _ = graded
    for report in files(root, "report.md"):
        assert harm_in_markdown(report) == [], report


def test_code_quoted_by_an_integrity_finding_stays_code(graded):
    root, _ = graded
    reports = [p for p in files(root / "out-folders", "report.md")
               if "patching an imported module" in p.read_text().replace("\\", "")]
    assert reports  # the finding was made
    assert harm_in_markdown(reports[0]) == []


def test_a_newline_in_a_zip_member_s_name_forges_no_line_of_a_note(graded):
    root, _ = graded
    report = [p for p in files(root / "out-folders", "report.md")
              if "several layers.py" in p.read_text().replace("\\", "")]
    assert report
    assert harm_in_markdown(report[0]) == []
    for results in files(root / "out-folders", "results.json"):
        assert "\n# forged" not in json.loads(results.read_text())["output"]


@pytest.mark.parametrize("out", ["out-folders", "out-gradescope", "out-canvas"])
def test_summary_md_shows_names_and_lists_as_text(graded, out):
    root, _ = graded
    assert harm_in_markdown(root / out / "summary.md") == []


def test_changes_md_shows_names_as_text(graded):
    root, _ = graded
    changes = root / "out-folders" / "changes.md"
    assert "mallory" in changes.read_text() and "onerror" in changes.read_text()  # who left
    assert harm_in_markdown(changes) == []


# ---------------------------------------------------------------- CSV

def formula_cells(path):
    """Cells a spreadsheet would run: beginning with = + - @ tab or CR, and not a number."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        cells = [cell for row in csv.reader(file) for cell in row]
    found = []
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            try:
                float(cell)
            except ValueError:
                found.append(cell)
    return found


@pytest.mark.parametrize("name", ["gradebook.csv", "changes.csv", "similarity.csv",
                                  "export-long.csv", "export-moodle.csv"])
def test_no_csv_cell_is_a_formula(graded, name):
    root, _ = graded
    paths = files(root, name)
    assert paths
    for path in paths:
        assert formula_cells(path) == [], path


# ---------------------------------------------------------------- bidi and control characters

def test_no_bidi_or_control_character_reaches_a_file_or_a_folder_name(graded):
    root, _ = graded
    for out in root.glob("out-*"):
        for path in out.rglob("*"):
            assert not ACTING.search(path.name), path
            if path.suffix in (".md", ".csv", ".json", ".html"):
                text = path.read_text(encoding="utf-8-sig")
                assert RLO not in text and not ACTING.search(text.replace("\n", "")
                                                              .replace("\t", "")), path


def test_the_terminal_shows_names_and_never_obeys_them(graded):
    _, runs = graded
    for done in runs.values():
        assert not ACTING.search(done.stdout.replace("\n", "")), done.stdout
        lines = done.stdout.splitlines()
        assert not [line for line in lines if line.startswith("# forged")], done.stdout


def test_similarity_html_stays_escaped(graded):
    root, _ = graded
    page = Elements()
    page.feed((root / "out-folders" / "similarity.html").read_text())
    assert "mallory" in (root / "out-folders" / "similarity.html").read_text()
    assert not [(t, a) for t, a in page.found if t in ("img", "script")
                or any(k.startswith("on") for k in a)]


def test_results_json_is_shown_as_text(graded):
    root, _ = graded
    assert files(root / "out-folders", "results.json")
    for path in files(root / "out-folders", "results.json"):
        results = json.loads(path.read_text())
        assert results.get("output_format", "text") == "text"  # Gradescope's own default
        assert results.get("test_output_format") == "text", path
        assert RLO not in path.read_text() and RLO not in json.dumps(results, ensure_ascii=False)


# ---------------------------------------------------------------- Canvas still imports

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                 "Assignment 2: ConvNet layers (2002)", "Final Score"]


def test_an_escaped_login_sid_or_name_still_finds_its_canvas_row(graded, tmp_path):
    """`=cmd` as a Canvas login, `-2+3+` as a Gradescope sid, `@SUM(1+1)` as a submission's name:
    escaped in gradebook.csv, read back as they were, matched to the row Canvas exported."""
    root, _ = graded
    rows = [CANVAS_HEADER,
            ["    Points Possible", "", "", "", "", "100.00", "(read only)"],
            # Canvas ids that differ from the download's, so that only the login can match
            ["Cmd, Canvas", "7001", "", "=cmd", "A", "", "0.00"],
            ["Two, Three", "7002", "", "-2+3+", "A", "", "0.00"],
            ["Sid, Minus", "801", "-2+3+", "minus", "A", "", "0.00"],
            ["Sum, Name", "901", "", "@SUM(1+1)", "A", "", "0.00"]]
    export = tmp_path / "canvas-export.csv"
    with open(export, "w", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(rows)
    found = {}
    for out, canvas_id in (("out-canvas", "7001"), ("out-canvas", "7002"),
                           ("out-gradescope", "801"), ("out-folders", "901")):
        target = tmp_path / f"{out}-{canvas_id}.csv"
        subprocess.run([sys.executable, "-m", "autograder", "export", "canvas", str(root / out),
                        "--gradebook", str(export), "--out", str(target)], cwd=ROOT, check=True,
                       capture_output=True)
        with open(target, newline="") as file:
            imported = list(csv.reader(file))
        assert formula_cells(target) == []
        found[canvas_id] = {r[1]: r[5] for r in imported[2:]}[canvas_id]
        if out == "out-folders":  # Canvas's own login in the import file: still its row
            assert imported[-1][1] == "901"
    assert found == {"7001": "0", "7002": "0", "801": "0", "901": "0"}  # stubs score 0, written
