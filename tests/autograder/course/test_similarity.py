"""Similarity across a class: disguised copies rank above honest pairs, starter code and what
everybody writes count for nothing, the page escapes student code.

The class is built from our reference: disguises a copier would apply to a file, and honest
solutions written differently.

The disguises work on a whole file: renamed local names (by token, so strings and attributes
stay), comments rewritten, and adjacent independent assignments swapped. The honest
solutions are ours, written independently of the reference for the similarity tests.
"""
import csv
import io
import keyword
import random
import re
import shutil
import textwrap
import tokenize

import pytest

from autograder.__main__ import main
from autograder.course.function_bodies import Token, function_source, normalised_tokens
from autograder.course.similarity import (FUNCTIONS, K, WINDOW, Starter, fingerprints,
                                          read_entries, run_similarity, similarities)

RENAMES = {
    "x_pad": "padded", "H_out": "out_h", "W_out": "out_w", "window": "patch", "hs": "top",
    "ws": "left", "n": "img", "f": "k", "i": "row", "j": "col", "stride": "step",
    "pad": "margin", "mean": "mu", "std": "sigma", "x_hat": "normed", "N": "batch",
    "C": "chans", "H": "height", "W": "width", "F": "nfilt", "HH": "fh", "WW": "fw",
    "ph": "pool_h", "pw": "pool_w", "dx_pad": "grad_padded", "dx_hat": "grad_normed",
    "var": "variance", "x_flat": "flat", "out_flat": "flat_out", "eps": "epsilon",
    "dout_flat": "flat_grad", "dx_flat": "flat_dx", "r": "u", "s": "v",
}


def rename(text, renames=RENAMES):
    """Rename NAME tokens (not attributes, not keywords, not inside strings)."""
    lines = text.splitlines(keepends=True)
    edits, previous = [], None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if (token.type == tokenize.NAME and token.string in renames
                and not keyword.iskeyword(token.string)
                and not (previous is not None and previous.string == ".")):
            edits.append((token.start, token.end, renames[token.string]))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token
    for (row, col), (_, end_col), new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end_col:]
    return "".join(lines)


def rewrite_comments(text):
    """Every comment but the markers replaced by another; blank lines doubled."""
    def other(match):
        if "YOUR CODE" in match.group(0) or "####" in match.group(0):
            return match.group(0)
        return "# (my own note) " + match.group(1)[::-1]
    text = re.sub(r"#\s?(.*)$", other, text, flags=re.MULTILINE)
    return text.replace("\n\n", "\n\n\n")


ASSIGNMENT = re.compile(r"^(\s*)([\w, \[\]\"']+?)\s*=(?!=)(.*)$")


def names(text):
    return set(re.findall(r"(?<![.\w])[A-Za-z_]\w*", text))


def swap_independent(text):
    """Swap adjacent one-line assignments at one indentation that do not use each other."""
    lines = text.splitlines(keepends=True)
    index = 0
    while index + 1 < len(lines):
        first, second = ASSIGNMENT.match(lines[index]), ASSIGNMENT.match(lines[index + 1])
        if (first and second and first.group(1) == second.group(1)
                and not lines[index].rstrip().endswith(("(", ",", "\\", ":", "["))
                and not lines[index + 1].rstrip().endswith(("(", ",", "\\", ":", "["))
                and not names(first.group(2)) & names(lines[index + 1])
                and not names(second.group(2)) & names(lines[index])):
            lines[index], lines[index + 1] = lines[index + 1], lines[index]
            index += 2
        else:
            index += 1
    return "".join(lines)


def disguise(text):
    return swap_independent(rewrite_comments(rename(text)))


def replace_function(text, name, new_source):
    """`text` with the function `name` (at column 0) replaced by `new_source`."""
    match = re.search(rf"^def {name}\(.*?(?=^def |^class |\Z)", text, flags=re.S | re.M)
    return text[:match.start()] + new_source.strip("\n") + "\n\n\n" + text[match.end():]


# Honest solutions, written for these tests the way a different student would, each with the
# stub's first and last lines so that the starter code is what it is in every submission.
HONEST_A = {
    "conv_forward_naive": '''
def conv_forward_naive(x, w, b, conv_param):
    out = None
    s = conv_param.get("stride", 1)
    p = conv_param.get("pad", 0)
    num, _, rows, cols = x.shape
    nf, _, kh, kw = w.shape
    oh = (rows + 2 * p - kh) // s + 1
    ow = (cols + 2 * p - kw) // s + 1
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], mode="constant")
    flat_w = w.reshape(nf, -1)
    out = np.empty((num, nf, oh, ow))
    for r in range(oh):
        for c in range(ow):
            block = xp[:, :, r * s:r * s + kh, c * s:c * s + kw].reshape(num, -1)
            out[:, :, r, c] = block @ flat_w.T + b
    cache = (x, w, b, conv_param)
    return out, cache
''',
    "max_pool_forward_naive": '''
def max_pool_forward_naive(x, pool_param):
    out = None
    size_h = pool_param['pool_height']
    size_w = pool_param['pool_width']
    step = pool_param['stride']
    rows = 1 + (x.shape[2] - size_h) // step
    cols = 1 + (x.shape[3] - size_w) // step
    out = np.full(x.shape[:2] + (rows, cols), -np.inf)
    for a in range(rows):
        for c in range(cols):
            region = x[..., a * step:a * step + size_h, c * step:c * step + size_w]
            out[..., a, c] = region.max(axis=(-2, -1))
    cache = (x, pool_param)
    return out, cache
''',
    "layernorm_forward": '''
def layernorm_forward(x, gamma, beta, ln_param):
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    centred = (x.T - x.T.mean(axis=0)).T
    inv = 1.0 / np.sqrt(np.mean(centred ** 2, axis=1) + eps)
    xn = centred * inv[:, None]
    out = xn * gamma + beta
    cache = (xn, gamma, 1.0 / inv[:, None])
    return out, cache
''',
}

HONEST_B = {
    "conv_forward_naive": '''
def conv_forward_naive(x, w, b, conv_param):
    out = None
    pad = conv_param['pad']
    stride = conv_param['stride']
    padded = np.pad(x, ((0,), (0,), (pad,), (pad,)), 'constant', constant_values=0)
    H_new = int(1 + (x.shape[2] + 2 * pad - w.shape[2]) / stride)
    W_new = int(1 + (x.shape[3] + 2 * pad - w.shape[3]) / stride)
    out = np.zeros((x.shape[0], w.shape[0], H_new, W_new))
    for idx in range(x.shape[0]):
        for filt in range(w.shape[0]):
            for y0 in range(H_new):
                for x0 in range(W_new):
                    piece = padded[idx][:, y0 * stride:y0 * stride + w.shape[2],
                                        x0 * stride:x0 * stride + w.shape[3]]
                    out[idx][filt][y0][x0] = (piece * w[filt]).sum() + b[filt]
    cache = (x, w, b, conv_param)
    return out, cache
''',
    "max_pool_forward_naive": '''
def max_pool_forward_naive(x, pool_param):
    out = None
    N, C, H, W = x.shape
    hp, wp, st = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    Ho, Wo = (H - hp) // st + 1, (W - wp) // st + 1
    out = np.zeros((N, C, Ho, Wo))
    for nn in range(N):
        for yy in range(Ho):
            for xx in range(Wo):
                y1, x1 = yy * st, xx * st
                out[nn, :, yy, xx] = np.amax(x[nn, :, y1:y1 + hp, x1:x1 + wp], axis=(1, 2))
    cache = (x, pool_param)
    return out, cache
''',
    "layernorm_forward": '''
def layernorm_forward(x, gamma, beta, ln_param):
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    mu = np.mean(x, axis=1).reshape(-1, 1)
    var = np.var(x, axis=1).reshape(-1, 1)
    sd = (var + eps) ** 0.5
    z = (x - mu) / sd
    out = gamma * z + beta
    cache = (z, gamma, sd)
    return out, cache
''',
}


def honest(text, solutions):
    for name, source in solutions.items():
        text = replace_function(text, name, source)
    return text


# -- the tests -------------------------------------------------------------------------------

def write_submission(folder, files):
    (folder / "classifiers").mkdir(parents=True)
    for rel, text in files.items():
        (folder / rel).write_text(text)
    return folder


@pytest.fixture
def klass(tmp_path, reference_files, stub_files):
    """A class: the reference, a disguised copy, two honest students, one who handed the stub."""
    layers = reference_files["layers.py"]
    cnn = reference_files["classifiers/cnn.py"]
    members = {
        "original": {"layers.py": layers, "classifiers/cnn.py": cnn},
        "copier": {"layers.py": disguise(layers), "classifiers/cnn.py": disguise(cnn)},
        "honest_a": {"layers.py": honest(layers, HONEST_A), "classifiers/cnn.py": cnn},
        "honest_b": {"layers.py": honest(layers, HONEST_B), "classifiers/cnn.py": cnn},
        "starter": stub_files,
    }
    for name, files in members.items():
        write_submission(tmp_path / "class" / name, files)
    return tmp_path / "class"


def by_pair(matches):
    return {(m.student_a, m.student_b, m.function): m.similarity for m in matches} | {
        (m.student_b, m.student_a, m.function): m.similarity for m in matches}


def test_the_disguises_really_change_the_text(reference_files):
    layers = reference_files["layers.py"]
    copy = disguise(layers)
    assert copy != layers
    original_lines = set(layers.splitlines())
    conv = function_source(copy, "conv_forward_naive")
    changed = [line for line in conv.splitlines() if line.strip() and
               "    " + line not in original_lines]
    assert len(changed) >= 8  # renamed, re-commented and reordered lines
    assert swap_independent("a = 1\nb = 2\nc = a\n") == "b = 2\na = 1\nc = a\n"
    assert swap_independent("a = 1\nb = a\n") == "a = 1\nb = a\n"  # dependent: kept


def test_disguised_copies_rank_above_honest_pairs(klass):
    matches, spread = similarities(read_entries(klass, Starter()), cap=1.0)
    score = by_pair(matches)
    for function in HONEST_A:
        copied = score[("original", "copier", function)]
        honest_pairs = [score.get((a, b, function), 0.0) for a, b in [
            ("original", "honest_a"), ("original", "honest_b"), ("honest_a", "honest_b"),
            ("copier", "honest_a"), ("copier", "honest_b")]]
        assert copied > 0.5, (function, copied)
        assert copied > 2 * max(honest_pairs), (function, copied, honest_pairs)


def test_starter_code_alone_scores_nothing(klass):
    matches, spread = similarities(read_entries(klass, Starter()), cap=1.0)
    involving_starter = [m for m in matches if "starter" in (m.student_a, m.student_b)]
    assert involving_starter  # compared, function by function ...
    assert all(m.similarity == 0 and m.shared == 0 for m in involving_starter)  # ... and nothing


def test_a_function_shared_whole_is_listed_whatever_the_cap(tmp_path, reference_files):
    folder = tmp_path / "class"
    for index in range(5):  # five copies of one file in a class of six: "common", yet copies
        files = {rel: disguise(text) if index % 2 else text for rel, text in reference_files.items()}
        write_submission(folder / f"same{index}", files)
    layers = honest(reference_files["layers.py"], HONEST_A)
    write_submission(folder / "apart", {**reference_files, "layers.py": layers})
    matches, _ = similarities(read_entries(folder, Starter()), cap=0.3)
    score = by_pair(matches)
    for function in FUNCTIONS:
        assert score[("same0", "same1", function)] >= 0.9, function
    whole = {m.function for m in matches if m.whole and "apart" not in (m.student_a, m.student_b)}
    assert whole == set(FUNCTIONS)
    assert score[("same0", "apart", "conv_forward_naive")] < 0.5


def with_statement(source, function, statement):
    """`source` (a file) with `statement` added as the first line of `function`'s body."""
    body = function_source(source, function)
    first, rest = body.split("\n", 1)
    return replace_function(source, function, f"{first}\n    {statement}\n{rest}")


def test_the_cap_discounts_a_fragment_everybody_writes(tmp_path, reference_files):
    idiom = 'assert x.ndim == 4, "x must be (N, C, H, W), as the docstring says"'
    layers = reference_files["layers.py"]
    for name, text in (("original", layers), ("honest_a", honest(layers, HONEST_A)),
                       ("honest_b", honest(layers, HONEST_B))):
        files = {**reference_files, "layers.py": with_statement(text, "conv_forward_naive", idiom)}
        write_submission(tmp_path / "class" / name, files)
    entries = read_entries(tmp_path / "class", Starter())
    capped, _ = similarities(entries, cap=0.3)
    uncapped, _ = similarities(read_entries(tmp_path / "class", Starter()), cap=1.0)
    pair = ("honest_a", "honest_b", "conv_forward_naive")
    assert by_pair(capped)[pair] < by_pair(uncapped)[pair] < 0.5
    idiom_prints = set(fingerprints(normalised_tokens(f"def f(x):\n    {idiom}\n")))
    for entry in entries:  # the idiom is in all three: gone from what is compared
        found = entry.prints["conv_forward_naive"]
        assert idiom_prints & set(found.own) and not idiom_prints & found.kept


def test_a_copied_pair_is_never_common_in_a_small_class(tmp_path, reference_files):
    folder = tmp_path / "class"
    write_submission(folder / "one", reference_files)
    write_submission(folder / "two", reference_files)
    matches, _ = similarities(read_entries(folder, Starter()), cap=0.3)
    assert by_pair(matches)[("one", "two", "conv_forward_naive")] == 1.0


def test_winnowing_sees_every_long_enough_shared_run():
    rng = random.Random(0)
    for _ in range(50):
        a = [Token(str(rng.randrange(30)), 0, 0) for _ in range(80)]
        b = [Token(str(rng.randrange(30)), 0, 0) for _ in range(60)]
        start = rng.randrange(40)
        shared = a[start:start + K + WINDOW - 1]
        b[10:10] = shared
        assert set(fingerprints(a)) & set(fingerprints(b))


def test_a_function_is_found_whatever_the_template_year():
    python2 = textwrap.dedent('''\
        def max_pool_forward_naive(x, pool_param):
          """Docstring."""
          out = None
        # a line commented out at column 0 stays inside
          for i in xrange(3):
            print i
          return out, cache

        # a separator before the next function
        def other():
          pass
        ''')
    source = function_source(python2, "max_pool_forward_naive")
    assert source.splitlines()[0].startswith("def max_pool_forward_naive")
    assert "return out, cache" in source and "other" not in source
    texts = [t.text for t in normalised_tokens(source)]
    assert texts[:3] == ["def", "V", "("]  # names go, keywords stay
    assert "xrange" in texts and "print" in texts and "Docstring" not in " ".join(texts)
    assert function_source(python2, "conv_forward_naive") is None


def test_reordering_independent_statements_changes_nothing():
    source = "def f(x):\n    a = np.sum(x, axis=0)\n    b = x.reshape(-1, 4) * 2\n    return a, b\n"
    swapped = "def f(x):\n    b = x.reshape(-1, 4) * 2\n    a = np.sum(x, axis=0)\n    return a, b\n"
    assert (set(fingerprints(normalised_tokens(source)))
            == set(fingerprints(normalised_tokens(swapped))))


def test_names_go_but_the_api_stays():
    texts = [t.text for t in normalised_tokens("y = np.sum(x * w, axis=0)  # note\n")]
    assert texts == ["V", "=", "V", ".", "sum", "(", "V", "*", "V", ",", "axis", "=", "0", ")"]


def test_the_command_writes_a_ranked_csv_and_a_page(klass, tmp_path):
    out = tmp_path / "out"
    assert main(["similarity", str(klass), "--out", str(out)]) == 0
    with open(out / "similarity.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert {"student_a", "student_b", "function", "similarity"} <= set(rows[0])
    values = [float(r["similarity"]) for r in rows]
    assert values == sorted(values, reverse=True) and all(0 <= v <= 1 for v in values)
    assert {rows[0]["student_a"], rows[0]["student_b"]} == {"original", "copier"}
    page = (out / "similarity.html").read_text()
    assert "a reason to look, not proof" in page
    normal = page[page.index("What is normal"):page.index("Pairs across functions")]
    assert all(f"<code>{function}</code>" in normal for function in FUNCTIONS)
    assert normal.count("<svg") >= len(HONEST_A) and "<mark>" in page
    overview = page[page.index('<table class="overview">'):]
    first_row = overview[overview.index("<tr><td>"):overview.index("</tr>", overview.index("<tr><td>"))]
    assert "original" in first_row and "copier" in first_row  # alike across functions, first


def test_against_folders_name_their_entries(klass, tmp_path, reference_files):
    previous = tmp_path / "last_year"
    write_submission(previous / "old_student", {**reference_files,
                                                "layers.py": disguise(reference_files["layers.py"])})
    matches, _, _ = run_similarity(klass, tmp_path / "out", against=[previous])
    names = {m.student_b for m in matches} | {m.student_a for m in matches}
    assert "last_year/old_student" in names
    top = [m for m in matches if "last_year/old_student" in (m.student_a, m.student_b)]
    assert top[0].similarity > 0.5


def test_student_code_is_escaped_in_the_page(tmp_path, reference_files):
    hostile = reference_files["layers.py"].replace(
        "    out = None\n", '    out = None  # </pre><script>alert("x")</script>\n', 1)
    folder = tmp_path / "class"
    write_submission(folder / "one<b>", {**reference_files, "layers.py": hostile})
    write_submission(folder / "two", {**reference_files, "layers.py": hostile})
    run_similarity(folder, tmp_path / "out")
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "<script>" not in page and "one<b>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;" in page and "one&lt;b&gt;" in page


def test_an_unreadable_submission_is_left_out_not_fatal(tmp_path, reference_files):
    folder = tmp_path / "class"
    write_submission(folder / "fine", reference_files)
    (folder / "broken.zip").write_bytes(b"not a zip")
    matches, warnings, _ = run_similarity(folder, tmp_path / "out")
    assert any("broken" in w for w in warnings)
    assert (tmp_path / "out" / "similarity.csv").exists()


def test_two_submissions_of_one_name_stay_apart(tmp_path, reference_files):
    folder = write_submission(tmp_path / "class" / "alice", reference_files).parent
    write_submission(tmp_path / "zipped", reference_files)
    shutil.make_archive(str(folder / "alice"), "zip", tmp_path / "zipped")
    assert sorted(e.name for e in read_entries(folder, Starter())) == ["alice#1", "alice#2"]


def test_a_bad_cap_is_refused_with_a_reason(klass, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["similarity", str(klass), "--out", str(tmp_path), "--cap", "3"])
    assert "not a share in (0, 1]" in capsys.readouterr().err


@pytest.mark.slow
def test_grade_all_runs_the_comparison_with_the_grading(tmp_path, reference_files):
    folder = tmp_path / "class"
    write_submission(folder / "original", reference_files)
    write_submission(folder / "copier", {rel: disguise(text)
                                         for rel, text in reference_files.items()})
    out = tmp_path / "grades"
    assert main(["grade-all", str(folder), "--out", str(out), "-j", "2", "--similarity"]) == 0
    assert (out / "gradebook.csv").exists()
    with open(out / "similarity.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(FUNCTIONS) and all(float(r["similarity"]) == 1.0 for r in rows)


def test_grade_all_stops_before_grading_when_an_against_folder_is_missing(tmp_path, capsys,
                                                                         reference_files):
    write_submission(tmp_path / "class" / "one", reference_files)
    code = main(["grade-all", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                 "--against", str(tmp_path / "nowhere")])
    assert code == 2 and "--against" in capsys.readouterr().err
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_the_out_folder_inside_the_class_is_no_student(tmp_path, reference_files):
    folder = write_submission(tmp_path / "class" / "alice", reference_files).parent
    write_submission(folder / "report", reference_files)  # what looks like a submission
    assert len(read_entries(folder, Starter())) == 2
    assert [e.name for e in read_entries(folder, Starter(), out_dir=folder / "report")] == ["alice"]


def test_three_of_nine_sharing_one_file_are_listed_and_the_page_says_what_was_discounted(
        tmp_path, reference_files, stub_files):
    """Issue 18's class: three byte-identical files in nine, beyond --cap 0.3 of the class."""
    folder = tmp_path / "class"
    for index in range(9):
        write_submission(folder / f"s{index}", reference_files if index < 3 else stub_files)
    matches, _, discounted = run_similarity(folder, tmp_path / "out")
    copied = [m for m in matches if {m.student_a, m.student_b} <= {"s0", "s1", "s2"}]
    assert len(copied) == 3 * len(FUNCTIONS) and all(m.similarity == 1.0 and m.whole for m in copied)
    assert discounted[0].startswith(f"{len(copied)} (pair, function) share the whole function")
    page = (tmp_path / "out" / "similarity.html").read_text()
    assert "What the discounts removed" in page and "discounted by the cap" in page
    assert "highest 1.00" in page  # the histograms no longer read "highest 0.00"
