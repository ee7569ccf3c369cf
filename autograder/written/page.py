"""written.html: the class's written answers, one question at a time, scored in the browser.

One file, no server, nothing fetched: staff open it, type points and comments, and press
"Download written.csv" (made in the page from what was typed, as a Blob); "Load written.csv"
continues from an earlier file. What is typed is also kept in the browser's storage for this
page, so that closing the tab loses nothing.

Safety: every student-controlled string is in the HTML through escape.text.html_text or the
safe Markdown renderer (render.py), never through the script: the script only reads values
back out of the page and fills in form fields (`.value`, `.textContent`). A
Content-Security-Policy allows the page's own script and style only (by nonce), no image, no
connection, so even markup that slipped through could neither run nor call home. The data the
script needs are JSON in a non-executable script element, with `<`, `>` and `&` written as
\\u escapes so that no string can close it. CSV cells follow escape.csvcells' rule, whose
constants the script is given rather than a copy.
"""
import json
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

from ..escape import csvcells
from ..escape.text import html_text
from ..grading.answers import QUESTION
from ..rubric.written import WRITTEN
from .render import answer_html


def script_json(data):
    """JSON that is safe inside a <script> element: no `</script>`, no `<!--`."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def prompt_body(prompt):
    """The question's text without its `## Inline Question N` line."""
    first, _, rest = prompt.partition("\n")
    return rest.strip() if QUESTION.match(first) else prompt


def points_text(value):
    if value is None or value == "":
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def guide_html(guide):
    """The marking guide as paragraphs: a line that begins a verdict ("Full marks", "-1",
    "Accept") starts one, the others continue it."""
    paragraphs = []
    for line in guide.strip().splitlines():
        if not paragraphs or re.match(r"(Full marks|-\d|Accept)", line):
            paragraphs.append(line.strip())
        else:
            paragraphs[-1] += " " + line.strip()
    return "".join(f"<p>{html_text(p)}</p>" for p in paragraphs)


def answer_card(student, question, answer, mark):
    notes = "".join(f"<li>{html_text(n)}</li>" for n in answer.notes)
    body = answer_html(answer.text) if not answer.empty else '<p class="none">(no answer)</p>'
    return f"""
<article class="answer{' empty' if answer.empty else ''}" tabindex="-1" data-student="{html_text(student.student)}" data-question="{html_text(question.key)}">
 <header><h4>{html_text(student.student)}</h4><span class="entry">{html_text(student.entry)}</span></header>
 {f'<ul class="notes">{notes}</ul>' if notes else ''}
 <div class="text">{body}</div>
 <div class="marking">
  <label>points <input class="points" type="number" inputmode="decimal" min="0" max="{question.points:g}" step="0.5" value="{html_text(points_text(mark.get('points')))}"> / {question.points:g}</label>
  <label class="comment-label">comment <textarea class="comment" rows="2">{html_text(mark.get('comment', ''))}</textarea></label>
 </div>
</article>"""


def question_section(index, question, prompt, students, marks):
    cards, empties = [], []
    for student in students:
        answer = student.answers[question.key]
        card = answer_card(student, question, answer, marks.get((student.student, question.key), {}))
        (empties if answer.empty else cards).append(card)
    return f"""
<section class="question" id="question-{index}" data-question="{html_text(question.key)}" hidden>
 <div class="columns">
  <div class="main">
   <h2>{html_text(question.key)} <small>{html_text(question.notebook)}, Inline Question {question.number} · {question.points:g} points</small></h2>
   <div class="prompt">{answer_html(prompt_body(prompt))}</div>
   <h3>Answers ({len(cards)})</h3>
   {''.join(cards) or '<p class="none">No one answered this question.</p>'}
   <details class="empties" open>
    <summary>Empty answers ({len(empties)})</summary>
    {'<button type="button" class="zero-empties">Give 0 to every empty answer that has no points</button>' if empties else ''}
    {''.join(empties)}
   </details>
  </div>
  <aside class="guide"><h3>Marking guide</h3>{guide_html(question.guide)}
   <p class="progress"></p></aside>
 </div>
</section>"""


def write_page(path, layout, students, prompts, marks, extra_rows, class_name):
    """Write written.html. marks: {(student, question): {"points": ..., "comment": ...}};
    extra_rows: rows of an earlier written.csv that match no answer here, kept for the CSV."""
    nonce = secrets.token_urlsafe(16)
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    data = {"columns": ["student", "question", "points", "max", "comment"],
            "questions": [{"key": q.key, "max": q.points} for q in WRITTEN],
            "extra": extra_rows, "page": f"{class_name}|{made}",
            "dangerous": list(csvcells.DANGEROUS), "number": csvcells._NUMBER.pattern}
    nav = "".join(f'<li><button type="button" data-index="{i}">{html_text(q.key)} <span class="count"></span></button></li>'
                  for i, q in enumerate(WRITTEN))
    sections = "".join(question_section(i, q, prompts.get(q.key, ""), students, marks)
                       for i, q in enumerate(WRITTEN))
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'none'; base-uri 'none'; form-action 'none'">
<title>Written answers: {html_text(class_name)}</title>
<style nonce="{nonce}">{STYLE}</style></head>
<body>
<header class="top">
 <h1>Written answers <small>{html_text(class_name)} · {len(students)} students · {html_text(layout)} · made {made}</small></h1>
 <div class="tools">
  <button type="button" id="download">Download written.csv</button>
  <label class="load">Load written.csv <input type="file" id="load" accept=".csv,text/csv"></label>
  <span id="status" role="status"></span>
 </div>
 <p class="keys">Keys: <kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> next/previous answer ·
  <kbd>n</kbd>/<kbd>p</kbd> next/previous question · <kbd>Enter</kbd> points box (Enter again: next answer) ·
  <kbd>Esc</kbd> leave a box. Then Download written.csv and pass it to
  <code>grade-all --written written.csv</code>.</p>
</header>
<nav><ol>{nav}</ol></nav>
<main>{sections}</main>
<script type="application/json" id="data">{script_json(data)}</script>
<script nonce="{nonce}">{SCRIPT}</script>
</body></html>
"""
    Path(path).write_text(html, encoding="utf-8")


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #f5f5f7; }
header.top { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ccc; padding: .4em 1em; z-index: 2; }
h1 { font-size: 1.2em; margin: .2em 0; } h1 small, h2 small { font-weight: normal; color: #666; font-size: .8em; }
.tools { display: flex; gap: 1em; align-items: center; } .keys { margin: .3em 0; color: #555; font-size: .85em; }
kbd { border: 1px solid #bbb; border-radius: 3px; padding: 0 .3em; background: #fafafa; }
nav { position: fixed; left: 0; top: 7.5em; width: 13em; bottom: 0; overflow: auto; }
nav ol { list-style: none; padding: 0 .5em; } nav button { width: 100%; text-align: left; margin: .1em 0; padding: .3em; border: 1px solid #ccc; background: #fff; border-radius: 4px; cursor: pointer; }
nav button.current { background: #0a5bd3; color: #fff; } nav .count { float: right; font-size: .85em; }
main { margin-left: 14em; padding: .5em 1em; }
.columns { display: flex; gap: 1em; align-items: flex-start; } .main { flex: 3; min-width: 0; }
aside.guide { flex: 2; position: sticky; top: 8em; background: #fffbe6; border: 1px solid #e5d88a; border-radius: 6px; padding: .5em 1em; }
.prompt { background: #eef3fb; border-left: 4px solid #0a5bd3; padding: .2em 1em; }
article.answer { background: #fff; border: 1px solid #ccc; border-radius: 6px; margin: .8em 0; padding: .4em 1em; }
article.answer:focus, article.answer.current { outline: 3px solid #0a5bd3; }
article.answer header { display: flex; gap: 1em; align-items: baseline; } article.answer h4 { margin: .2em 0; }
.entry { color: #777; font-size: .85em; } .notes { color: #a03a00; font-size: .9em; }
.text { overflow-wrap: anywhere; } .text pre { white-space: pre-wrap; background: #f3f3f3; padding: .4em; }
code.math, pre.math { background: #f0ecff; color: #3b2a87; }
.image, .url { color: #777; font-size: .85em; }
.marking { display: flex; gap: 1em; align-items: flex-start; border-top: 1px dashed #ddd; padding-top: .4em; }
.points { width: 5em; font-size: 1.1em; } .points.bad { background: #ffd9d9; border-color: #c00; }
.comment-label { flex: 1; display: flex; gap: .5em; } .comment { flex: 1; font: inherit; }
.none { color: #888; font-style: italic; } details.empties summary { font-weight: bold; cursor: pointer; margin: 1em 0 .5em; }
#status { color: #0a5bd3; } #status.warn { color: #a03a00; }
"""

SCRIPT = r"""
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const MAX = Object.fromEntries(DATA.questions.map(q => [q.key, q.max]));
const NUMBER = new RegExp("^(?:" + DATA.number + ")$");
const STORE = "written-page:" + DATA.page;
const sections = [...document.querySelectorAll("section.question")];
const navButtons = [...document.querySelectorAll("nav button")];
let current = 0, extra = DATA.extra.slice();

function status(text, warn) {
  const s = document.getElementById("status");
  s.textContent = text; s.className = warn ? "warn" : "";
}
function cards(section) { return [...(section || sections[current]).querySelectorAll("article.answer")]; }
function allCards() { return [...document.querySelectorAll("article.answer")]; }

function showQuestion(index) {
  current = Math.max(0, Math.min(sections.length - 1, index));
  sections.forEach((s, i) => { s.hidden = i !== current; });
  navButtons.forEach((b, i) => b.classList.toggle("current", i === current));
  const first = cards()[0];
  if (first) focusCard(first); else window.scrollTo(0, 0);
}
function focusCard(card) {
  document.querySelectorAll("article.answer.current").forEach(c => c.classList.remove("current"));
  card.classList.add("current");
  card.focus({preventScroll: true});
  card.scrollIntoView({block: "center"});
}
function moveCard(step) {
  const list = cards(), at = list.indexOf(document.querySelector("article.answer.current"));
  const next = list[Math.max(0, Math.min(list.length - 1, at + step))];
  if (next) focusCard(next);
}

function check(input) {
  const card = input.closest("article.answer"), text = input.value.trim();
  const value = Number(text), most = MAX[card.dataset.question];
  const bad = text !== "" && !(isFinite(value) && value >= 0 && value <= most);
  input.classList.toggle("bad", bad);
  input.title = bad ? "between 0 and " + most + ": grade-all will refuse this" : "";
  return !bad;
}
function counts() {
  sections.forEach((section, i) => {
    const list = cards(section), done = list.filter(c => c.querySelector(".points").value.trim() !== "").length;
    navButtons[i].querySelector(".count").textContent = done + "/" + list.length;
    section.querySelector(".progress").textContent = done + " of " + list.length + " answers have points";
  });
}
function save() {
  const state = {};
  allCards().forEach(c => {
    const p = c.querySelector(".points").value, m = c.querySelector(".comment").value;
    if (p !== "" || m !== "") state[c.dataset.student + "\n" + c.dataset.question] = [p, m];
  });
  try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: the CSV is the record */ }
  counts();
}
function restore() {
  let state = null;
  try { state = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { state = null; }
  if (!state) return;
  let n = 0;
  allCards().forEach(c => {
    const kept = state[c.dataset.student + "\n" + c.dataset.question];
    if (kept) { c.querySelector(".points").value = kept[0]; c.querySelector(".comment").value = kept[1]; n++; }
  });
  if (n) status("restored " + n + " marks typed earlier in this browser (download to keep them)");
}

// CSV cells as escape/csvcells.py writes them: a formula-like cell gets a leading ', numbers stay numbers.
function safeCell(value) {
  value = String(value);
  if (DATA.dangerous.some(d => value.startsWith(d)) && !NUMBER.test(value)) value = "'" + value;
  return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
}
function unescapeCell(value) {
  return value.startsWith("'") && DATA.dangerous.some(d => value.slice(1).startsWith(d)) ? value.slice(1) : value;
}
function csvText() {
  const lines = [DATA.columns];
  allCards().forEach(c => lines.push([c.dataset.student, c.dataset.question, c.querySelector(".points").value.trim(),
                                      MAX[c.dataset.question], c.querySelector(".comment").value]));
  extra.forEach(row => lines.push(DATA.columns.map(k => row[k] === undefined ? "" : row[k])));
  return lines.map(row => row.map(safeCell).join(",")).join("\r\n") + "\r\n";
}
function download() {
  const url = URL.createObjectURL(new Blob([csvText()], {type: "text/csv"}));
  const a = document.createElement("a");
  a.href = url; a.download = "written.csv"; document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  const bad = allCards().filter(c => !check(c.querySelector(".points"))).length;
  status("written.csv downloaded" + (bad ? " (" + bad + " points out of range: grade-all will flag them)" : ""), bad > 0);
}

function parseCsv(text) {
  const rows = []; let row = [], cell = "", quoted = false;
  text = text.replace(/^\ufeff/, "");
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { row.push(cell); cell = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell); rows.push(row); row = []; cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  return rows.filter(r => r.some(c => c !== ""));
}
function load(text) {
  const rows = parseCsv(text);
  const header = (rows.shift() || []).map(h => h.trim());
  if (!["student", "question", "points"].every(k => header.includes(k))) {
    status("not a written.csv: it needs the columns student, question, points", true); return;
  }
  const byKey = new Map(allCards().map(c => [c.dataset.student + "\n" + c.dataset.question, c]));
  let filled = 0; const unknown = [];
  rows.forEach(cells => {
    const row = Object.fromEntries(header.map((k, i) => [k, unescapeCell(cells[i] || "")]));
    const card = byKey.get(row.student + "\n" + row.question);
    if (!card) { unknown.push(row); return; }
    card.querySelector(".points").value = row.points || "";
    card.querySelector(".comment").value = row.comment || "";
    check(card.querySelector(".points")); filled++;
  });
  const seen = new Set(extra.map(r => r.student + "\n" + r.question));
  extra = extra.concat(unknown.filter(r => !seen.has(r.student + "\n" + r.question)));
  save();
  status("loaded " + filled + " rows" + (unknown.length ? "; " + unknown.length +
         " rows name an answer not on this page (kept, and written back in the download)" : ""), unknown.length > 0);
}

document.getElementById("download").addEventListener("click", download);
document.getElementById("load").addEventListener("change", event => {
  const file = event.target.files[0];
  if (file) file.text().then(load);
});
navButtons.forEach((b, i) => b.addEventListener("click", () => showQuestion(i)));
document.querySelectorAll("button.zero-empties").forEach(b => b.addEventListener("click", () => {
  b.closest("details").querySelectorAll("article.answer .points").forEach(p => { if (p.value.trim() === "") p.value = "0"; });
  save();
}));
document.addEventListener("input", event => {
  if (event.target.classList.contains("points")) check(event.target);
  save();
});
document.addEventListener("focusin", event => {
  const card = event.target.closest && event.target.closest("article.answer");
  if (card && !card.classList.contains("current")) {
    document.querySelectorAll("article.answer.current").forEach(c => c.classList.remove("current"));
    card.classList.add("current");
  }
});
document.addEventListener("keydown", event => {
  const typing = event.target.matches("input, textarea");
  if (typing) {
    if (event.key === "Escape") { event.target.closest("article.answer").focus(); }
    else if (event.key === "Enter" && event.target.classList.contains("points")) {
      event.preventDefault(); moveCard(1);
      document.querySelector("article.answer.current .points").focus();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {j: () => moveCard(1), ArrowDown: () => moveCard(1), k: () => moveCard(-1), ArrowUp: () => moveCard(-1),
                   n: () => showQuestion(current + 1), p: () => showQuestion(current - 1),
                   Enter: () => { const c = document.querySelector("article.answer.current"); if (c) c.querySelector(".points").focus(); }};
  if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
});
restore();
allCards().forEach(c => check(c.querySelector(".points")));
counts();
showQuestion(0);
"""
