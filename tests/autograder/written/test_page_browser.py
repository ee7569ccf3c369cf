"""written.html in a real browser: Playwright driving the system's chromium (apt), headless.

Skips where Playwright or chromium is missing (`make test` installs both where it can).
"""
import csv
import os
import shutil
import sys
from pathlib import Path

import pytest

from autograder.course.written_points import read_marks
from autograder.rubric.written import WRITTEN
from autograder.written.build import build_written

sys.path.insert(0, str(Path(__file__).parent))
from classes import make_class  # noqa: E402

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip("no chromium (apt-get install chromium)", allow_module_level=True)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
FIRST, SECOND = WRITTEN[0].key, WRITTEN[1].key

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("written")
    build_written(make_class(root / "class"), root / "out")
    return root / "out" / "written.html"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, page_file):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(page_file.as_uri())
    yield page
    context.close()


def current(page):
    return page.evaluate("() => { const c = document.querySelector('article.answer.current');"
                         " return c && [c.dataset.student, c.dataset.question]; }")


def download(page, to):
    with page.expect_download() as event:
        page.click("#download")
    event.value.save_as(to)
    return to


def test_scores_typed_in_come_out_in_the_downloaded_csv(page, tmp_path):
    assert current(page) == ["alice", FIRST]          # the first answer of the first question
    page.keyboard.press("Enter")                       # its points box
    page.keyboard.type("1.5")
    page.keyboard.press("Tab")
    page.keyboard.type("=HYPERLINK(\"http://x\") counts, nicely")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert current(page) == ["dave", FIRST]
    page.keyboard.press("Enter")
    page.keyboard.type("2")
    page.keyboard.press("Escape")
    page.keyboard.press("n")                           # the next question
    assert current(page) == ["alice", SECOND]
    page.keyboard.press("Enter")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")                       # Enter in a points box: the next answer's box
    page.keyboard.type("1")
    saved = download(page, tmp_path / "written.csv")
    marks = read_marks(saved)
    assert marks.points == {("alice", FIRST): 1.5, ("dave", FIRST): 2.0,
                            ("alice", SECOND): 0.5, ("dave", SECOND): 1.0}
    assert marks.comments == {("alice", FIRST): "=HYPERLINK(\"http://x\") counts, nicely"}
    with open(saved, newline="") as file:
        raw = list(csv.reader(file))
    assert raw[0] == ["student", "question", "points", "max", "comment"]
    assert len(raw) == 1 + 4 * len(WRITTEN)           # every student and question, scored or not
    assert ["alice", FIRST, "1.5", "2", "'=HYPERLINK(\"http://x\") counts, nicely"] in raw
    assert not page.errors


def test_a_hostile_answer_stays_inert(page):
    text = page.locator(f'article[data-student="alice"][data-question="{FIRST}"] .text')
    shown = text.inner_text()
    assert "<script>document.title='pwned'</script>" in shown and "<img src=x onerror" in shown
    assert text.locator("img, script").count() == 0
    assert page.title().startswith("Written answers") and not page.dialogs
    page.click(f'article[data-student="alice"][data-question="{FIRST}"] .text a')  # the javascript: link
    page.wait_for_timeout(200)
    assert page.title().startswith("Written answers") and not page.errors
    assert r"$\frac{a}{b} < c$" in text.locator("code.math").inner_text()


def test_empty_answers_are_grouped_and_can_be_given_zero(page, tmp_path):
    group = page.locator("section.question:not([hidden]) details.empties")
    assert sorted(group.locator("article").evaluate_all("cs => cs.map(c => c.dataset.student)")) == ["bob", "carol"]
    group.locator("button.zero-empties").click()
    marks = read_marks(download(page, tmp_path / "w.csv"))
    assert marks.points == {("bob", FIRST): 0.0, ("carol", FIRST): 0.0}


def test_arrows_and_p_move_back(page):
    page.keyboard.press("ArrowDown")
    assert current(page) == ["dave", FIRST]
    page.keyboard.press("ArrowUp")
    assert current(page) == ["alice", FIRST]
    page.keyboard.press("n")
    page.keyboard.press("n")
    page.keyboard.press("p")
    assert current(page)[1] == SECOND


def test_points_above_the_maximum_are_marked_and_flagged_later(page, tmp_path):
    page.keyboard.press("Enter")
    page.keyboard.type("7")
    assert "bad" in page.locator("article.answer.current .points").get_attribute("class")
    marks = read_marks(download(page, tmp_path / "w.csv"))
    assert "above its maximum" in marks.refused[("alice", FIRST)]
    assert "out of range" in page.locator("#status").inner_text()


def test_an_earlier_csv_is_loaded_to_continue_and_unknown_rows_are_kept(page, tmp_path):
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("student,question,points,max,comment\n"
                       f"dave,{SECOND},1.5,2,'=kept as text\n"
                       f"zed,{FIRST},2,2,not in this class\n")
    page.set_input_files("#load", str(earlier))
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('loaded')")
    assert "1 rows name an answer not on this page" in page.locator("#status").inner_text()
    assert page.locator(f'article[data-student="dave"][data-question="{SECOND}"] .comment').input_value() == "=kept as text"
    marks = read_marks(download(page, tmp_path / "again.csv"))
    assert marks.points == {("dave", SECOND): 1.5, ("zed", FIRST): 2.0}


def test_what_is_typed_survives_a_reload(page):
    page.keyboard.press("Enter")
    page.keyboard.type("1")
    page.reload()
    assert page.locator(f'article[data-student="alice"][data-question="{FIRST}"] .points').input_value() == "1"
    assert "restored 1 marks" in page.locator("#status").inner_text()


def test_screenshot(page, tmp_path):
    page.keyboard.press("Enter")
    page.keyboard.type("1.5")
    path = tmp_path / "written.png"
    page.screenshot(path=path, full_page=False)
    assert path.stat().st_size > 20000
