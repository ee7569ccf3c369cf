"""Similarity across a class: who shares code with whom, graded function by graded function.

How (the winnowing of Schleimer, Wilkerson and Aiken, SIGMOD 2003, as MOSS does it):
1. each graded function of each submission is read as normalised tokens (function_bodies.py:
   names renamed away, comments, blank lines, docstrings and the stub's own lines gone);
2. every run of K tokens within a statement is hashed, and winnowing keeps the smallest hash
   of every WINDOW consecutive ones: a shared run of K + WINDOW - 1 tokens is certain to be
   seen; runs do not cross statements, so a reordered statement matches wherever it is;
3. what everybody writes is discounted: fingerprints of the stub itself, and fingerprints
   found in more than `cap` of the class (as MOSS's -m and Dolos's -M);
4. a pair's similarity for a function is the Jaccard index of its two fingerprint sets,
   |A & B| / |A | B|, in 0..1; 0 when nothing is left of either.
5. the cap discounts *fragments* (idioms, the lines a hint gives away), never a whole function
   shared: a pair whose function is identical or nearly so once the stub is discounted
   (Jaccard at least WHOLE, of at least MIN_WHOLE fingerprints each) is scored without the
   cap. Otherwise a solution copied by a third of a class would vanish for being common.
   What each discount removed (pairs alike before it, not after) is counted and said.

Why not copydetect (MIT; 0.5.0 of March 2024 is its latest release, by one author): it
was tried, function by function, on a class of real CS231n solutions with disguised copies
(see the closing note of issue 12). It reads code as characters after Pygments has turned
every name into `V`, attributes and keyword arguments included, so `np.sum(x, axis=0)` and
`x.max(axis=1)` look alike and honest numpy code converges; its fingerprints run across
statements, so a reordered statement breaks them; it has boilerplate removal but no
frequency cap. There, disguised copies ranked 1st to 10th with up to 3 honest pairs above
them; here, each ranked first, tied only with two real solutions that are identical. The
algorithm is about fifty lines, on tokens, per function.

It reports, it never accuses: similar code is a reason to look, not proof.
"""
import zlib
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from ..escape import csvcells
from ..grading.submission import SubmissionError
from ..paths import ASSIGNMENT
from ..rubric.cases import RUBRIC
from .function_bodies import (file_of, function_source, normalised_tokens, starter_lines)
from .layouts import class_files

K = 6             # tokens per fingerprinted run: about one short statement
WINDOW = 4        # winnowing window: a shared run of K + WINDOW - 1 = 9 tokens is always seen
MIN_STATEMENT = 3  # tokens: shorter statements are not fingerprinted
DEFAULT_CAP = 0.3  # fragments in more than this share of the class are what everybody writes
MIN_COMMON = 2    # ...and in more than this many students: a copied pair is never "common"
WHOLE = 0.9       # Jaccard, stub discounted: the whole function is shared, not a fragment
MIN_WHOLE = 8     # fingerprints: fewer is a function too short to tell a copy from the idiom
NOTABLE = 0.5     # a pair this alike in a function is worth a look (the page's "alike")
FUNCTIONS = tuple(graded.function for graded in RUBRIC)


def stable_hash(texts):
    """crc32 of a run of token texts: the same in every process, unlike hash()."""
    return zlib.crc32("\x1f".join(texts).encode())


def statements(tokens):
    """(start, end) token indices of each statement, in order."""
    runs, start = [], 0
    for index in range(1, len(tokens) + 1):
        if index == len(tokens) or tokens[index].statement != tokens[index - 1].statement:
            runs.append((start, index))
            start = index
    return runs


def winnow(hashes, window=WINDOW):
    """Indices of the rightmost smallest hash of every `window` consecutive hashes.

    A sequence shorter than one window keeps its smallest hash.
    """
    chosen = []
    for start in range(max(1, len(hashes) - window + 1)):
        span = hashes[start:start + window]
        if not span:
            break
        smallest = min(span)
        position = start + max(i for i, value in enumerate(span) if value == smallest)
        if not chosen or chosen[-1] != position:
            chosen.append(position)
    return chosen


def fingerprints(tokens, k=K, window=WINDOW):
    """{hash: [(start, end) token spans]}: winnowed runs of k tokens within each statement.

    Runs stay inside a statement so that swapping two independent statements changes
    nothing; a statement shorter than k is one run, and one shorter than MIN_STATEMENT
    (`else:`, `return dx`) is not the student's signature and is left out.
    """
    found = {}
    texts = [token.text for token in tokens]
    for start, end in statements(tokens):
        if end - start < MIN_STATEMENT:
            continue
        spans = [(i, i + k) for i in range(start, end - k + 1)] or [(start, end)]
        hashes = [stable_hash(texts[a:b]) for a, b in spans]
        for index in winnow(hashes, window):
            found.setdefault(hashes[index], []).append(spans[index])
    return found


@dataclass
class FunctionPrint:
    """One function of one submission: its source, its tokens, and its winnowed fingerprints."""
    source: str
    tokens: list
    positions: dict                       # hash -> [(start, end)] token spans of its runs
    own: frozenset = field(default=frozenset())   # after the stub's fingerprints
    kept: frozenset = field(default=frozenset())  # after the stub and the frequency cap

    @classmethod
    def of(cls, source, starter):
        tokens = normalised_tokens(source, starter)
        return cls(source, tokens, fingerprints(tokens))


@dataclass
class Entry:
    name: str
    prints: dict  # function -> FunctionPrint (functions the submission lacks are absent)


@dataclass(frozen=True)
class Match:
    student_a: str
    student_b: str
    function: str
    similarity: float
    shared: int       # fingerprints in common, after the discounts
    prints_a: int
    prints_b: int
    whole: bool = False  # the whole function shared: scored without the cap
    before_cap: float = 0.0   # the similarity with the stub discounted only
    before_stub: float = 0.0  # ... with nothing discounted

    def compared(self, a, b):
        """The fingerprints of the two FunctionPrints that this similarity counts."""
        return (a.own, b.own) if self.whole else (a.kept, b.kept)


class Starter:
    """The stub students received: its lines, and the fingerprints of its functions."""

    def __init__(self, root=ASSIGNMENT):
        self.lines, self.hashes = {}, {}
        for function in FUNCTIONS:
            path = Path(root) / file_of(function)
            source = function_source(path.read_text(), function) if path.exists() else None
            self.lines[function] = starter_lines(source)
            whole = normalised_tokens(source) if source else []
            self.hashes[function] = frozenset(fingerprints(whole))


def read_entry(name, files, starter):
    """An Entry for one submission's files ({"layers.py": text, ...})."""
    prints = {}
    for function in FUNCTIONS:
        text = files.get(file_of(function))
        source = function_source(text, function) if text else None
        if source is not None:
            prints[function] = FunctionPrint.of(source, starter.lines[function])
    return Entry(name, prints)


def read_entries(folder, starter, prefix="", warnings=None, out_dir=None):
    """Every submission in a class folder as an Entry; unreadable ones are noted and left out.
    The class is read as grade-all reads it (any layout of layouts.py), so names match the
    gradebook's, and two submissions of one student stay apart (`alice#1`, `alice#2`)."""
    entries = []
    for student, files in class_files(folder, out_dir):  # the out folder is no student
        name = prefix + student
        if isinstance(files, SubmissionError):
            if warnings is not None:
                warnings.append(f"{name}: left out of the comparison ({files})")
        else:
            entries.append(read_entry(name, files, starter))
    return entries


def common_fingerprints(entries, function, cap):
    """Fingerprints of `function` found in more than `cap` of the class (and > MIN_COMMON)."""
    counts = {}
    having = [e for e in entries if function in e.prints]
    for entry in having:
        for value in entry.prints[function].positions:
            counts[value] = counts.get(value, 0) + 1
    limit = max(cap * len(having), MIN_COMMON)
    return frozenset(value for value, count in counts.items() if count > limit)


def apply_discounts(entries, others, starter, cap):
    """Set `kept` on every FunctionPrint: minus the stub's fingerprints and the common ones.

    The share is counted in the class only; the --against entries lose the same fragments.
    """
    for function in FUNCTIONS:
        common = common_fingerprints(entries, function, cap)
        for entry in [*entries, *others]:
            if function in entry.prints:
                found = entry.prints[function]
                found.own = frozenset(found.positions) - starter.hashes[function]
                found.kept = found.own - common


def jaccard(one, other):
    union = len(one | other)
    return len(one & other) / union if union else 0.0


def compare(a, b, function):
    """The Match of two entries on one function, or None when one of them lacks it. A
    function shared whole (WHOLE, MIN_WHOLE) is scored with the stub discounted only."""
    if function not in a.prints or function not in b.prints:
        return None
    found_a, found_b = a.prints[function], b.prints[function]
    before_cap = jaccard(found_a.own, found_b.own)
    whole = before_cap >= WHOLE and min(len(found_a.own), len(found_b.own)) >= MIN_WHOLE
    set_a, set_b = (found_a.own, found_b.own) if whole else (found_a.kept, found_b.kept)
    return Match(a.name, b.name, function, jaccard(set_a, set_b), len(set_a & set_b),
                 len(set_a), len(set_b), whole, before_cap,
                 jaccard(frozenset(found_a.positions), frozenset(found_b.positions)))


def similarities(entries, others=(), starter=None, cap=DEFAULT_CAP):
    """Every pair of the class, and every student against every `others` entry, per function.

    Returns (matches ranked by similarity, most similar first; {function: [similarity of
    every pair of the class that has code left after the discounts]}) -- the second is what
    is normal for that function.
    """
    starter = starter or Starter()
    apply_discounts(entries, others, starter, cap)
    matches, spread = [], {function: [] for function in FUNCTIONS}
    for pairs, within_class in ((combinations(entries, 2), True),
                                (((a, b) for a in entries for b in others), False)):
        for a, b in pairs:
            for function in FUNCTIONS:
                match = compare(a, b, function)
                if match is not None:
                    matches.append(match)
                    if within_class and (match.prints_a or match.prints_b):
                        spread[function].append(match.similarity)
    matches.sort(key=lambda m: (-m.similarity, -m.shared, m.function, m.student_a, m.student_b))
    return matches, spread


@dataclass
class Discounted:
    """How many (pair, function) were alike (NOTABLE) before a discount and not after it."""
    by_stub: int = 0
    by_cap: int = 0
    whole: int = 0     # shared whole, so kept whatever the cap

    @classmethod
    def of(cls, matches):
        counts = cls()
        for match in matches:
            counts.by_stub += match.before_stub >= NOTABLE > match.before_cap
            counts.by_cap += match.before_cap >= NOTABLE > match.similarity
            counts.whole += match.whole
        return counts

    def lines(self, cap):
        return [f"{self.whole} (pair, function) share the whole function (identical or nearly, "
                "the stub aside): listed whatever the cap",
                f"{self.by_cap} (pair, function) alike only through fragments found in more than "
                f"{cap:.0%} of the class: discounted by the cap",
                f"{self.by_stub} (pair, function) alike only through the starter code: discounted"]


@dataclass
class PairAcross:
    """Two students over every function both wrote: the functions alike, the mean."""
    student_a: str
    student_b: str
    alike: list       # functions at NOTABLE or more, most similar first
    mean: float       # over the functions with code left after the discounts
    compared: int


def pairs_across_functions(matches):
    """PairAcross of every pair that shares anything: alike in more functions first, then by
    mean similarity."""
    pairs = {}
    for match in matches:
        if match.prints_a or match.prints_b:  # a function with nothing left says nothing
            pairs.setdefault((match.student_a, match.student_b), []).append(match)
    ranked = []
    for (a, b), found in pairs.items():
        mean = sum(m.similarity for m in found) / len(found)
        if mean:
            alike = [m.function for m in sorted(found, key=lambda m: -m.similarity)
                     if m.similarity >= NOTABLE]
            ranked.append(PairAcross(a, b, alike, mean, len(found)))
    ranked.sort(key=lambda p: (-len(p.alike), -p.mean, p.student_a, p.student_b))
    return ranked


CSV_COLUMNS = ("student_a", "student_b", "function", "similarity", "shared", "prints_a",
               "prints_b", "whole_function")


def write_csv(matches, path):
    """similarity.csv: one row per pair and function that share anything, most similar first."""
    with open(path, "w", newline="") as file:
        writer = csvcells.writer(file)  # names are the students': never a formula
        writer.writerow(CSV_COLUMNS)
        for match in matches:
            if match.shared:
                writer.writerow([match.student_a, match.student_b, match.function,
                                 f"{match.similarity:.3f}", match.shared, match.prints_a,
                                 match.prints_b, "yes" if match.whole else ""])


def run_similarity(folder, out_dir, against=(), cap=DEFAULT_CAP, top=30):
    """Compare a class (and it against each `against` folder); write the CSV and the page.

    An `against` entry is named FOLDER/entry. Returns (matches, warnings, lines that say
    what the discounts removed).
    """
    from .similarity_report import write_html  # the page imports nothing from here
    if not 0 < cap <= 1:
        raise ValueError(f"the frequency cap is a share of the class in (0, 1], not {cap}")
    starter, warnings = Starter(), []
    entries = read_entries(folder, starter, warnings=warnings, out_dir=out_dir)
    others = []
    for other in against:
        others += read_entries(other, starter, prefix=f"{Path(other).name}/", warnings=warnings)
    matches, spread = similarities(entries, others, starter, cap)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(matches, out_dir / "similarity.csv")
    settings = {"class": f"{folder} ({len(entries)} submissions)",
                "compared against": ", ".join(f"{a}" for a in against) or "nothing else",
                "fingerprint": f"runs of {K} normalised tokens, winnowing window {WINDOW}",
                "frequency cap": f"fragments in more than {cap:.0%} of the class are ignored, "
                                 "never a whole function shared"}
    discounted = Discounted.of(matches).lines(cap)
    by_name = {entry.name: entry for entry in [*entries, *others]}
    write_html(matches, spread, by_name, out_dir / "similarity.html", settings, top, warnings,
               pairs_across_functions(matches)[:top], discounted)
    return matches, warnings, discounted
