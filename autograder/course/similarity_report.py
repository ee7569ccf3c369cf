"""similarity.html: the most similar pairs side by side, shared fragments highlighted, and what
is normal for each function.

Student code is untrusted: every piece of it, and every name, goes through html.escape; the
page has no script, and the histograms are inline SVG drawn from numbers only.
"""
from html import escape

CAUTION = ("Similar code is a reason to look, not proof. Honest solutions of the same function "
           "often look alike, especially short ones; check the histogram of the function to "
           "see what is normal for it, and talk with the students before drawing conclusions.")

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
.caution { background: #fff6d5; border-left: 4px solid #e0b000; padding: .6em 1em; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; margin-bottom: 2em; }
pre { background: #f6f6f6; padding: .5em; font-size: 12px; margin: 0;
      white-space: pre-wrap; overflow-wrap: anywhere; }
.who { font-weight: bold; margin: 0 0 .2em; }
mark { background: #ffd27a; }
.histograms { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: 12px; }
table { border-collapse: collapse; } td, th { padding: 2px 8px; text-align: left; }
.overview td, .overview th { border-bottom: 1px solid #ddd; font-size: 13px; }
"""


def shared_spans(found, shared):
    """Merged (start, end) character spans of `found`'s source: every statement that holds a
    shared fingerprint, whole, so that a reader sees which statements match."""
    bounds = {}
    for token in found.tokens:
        start, end = bounds.get(token.statement, (token.start, token.end))
        bounds[token.statement] = (min(start, token.start), max(end, token.end))
    spans = sorted({bounds[found.tokens[first].statement]
                    for value in shared for first, _ in found.positions.get(value, ())})
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlighted(found, shared):
    """The function's source as escaped HTML, shared fragments inside <mark>."""
    pieces, at = [], 0
    for start, end in shared_spans(found, shared):
        pieces += [escape(found.source[at:start]), "<mark>", escape(found.source[start:end]),
                   "</mark>"]
        at = end
    pieces.append(escape(found.source[at:]))
    return "".join(pieces)


def histogram_svg(values, bins=20, width=260, height=90):
    """An inline SVG histogram of similarities in 0..1; bar heights on a log scale."""
    from math import log1p
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int(value * bins))] += 1
    top = log1p(max(counts)) or 1.0
    bar = width / bins
    rects = []
    for index, count in enumerate(counts):
        tall = (height - 14) * log1p(count) / top
        rects.append(f'<rect x="{index * bar:.1f}" y="{height - 14 - tall:.1f}" '
                     f'width="{bar - 1:.1f}" height="{tall:.1f}" fill="#4c72b0">'
                     f'<title>{index / bins:.2f}-{(index + 1) / bins:.2f}: {count} pairs</title>'
                     '</rect>')
    axis = (f'<text x="0" y="{height - 2}" font-size="10">0</text>'
            f'<text x="{width - 8}" y="{height - 2}" font-size="10">1</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'role="img">{"".join(rects)}{axis}</svg>')


def pair_section(match, entries):
    a, b = entries[match.student_a], entries[match.student_b]
    found_a, found_b = a.prints[match.function], b.prints[match.function]
    mine, theirs = match.compared(found_a, found_b)
    shared = mine & theirs
    title = (f"{escape(match.student_a)} &harr; {escape(match.student_b)} &middot; "
             f"<code>{escape(match.function)}</code> &middot; {match.similarity:.2f} "
             f"({match.shared} fragments shared of {match.prints_a} and {match.prints_b}"
             + ("; the whole function, so the cap does not apply" if match.whole else "") + ")")
    sides = "".join(f'<div><p class="who">{escape(name)}</p><pre>{highlighted(found, shared)}'
                    f"</pre></div>" for name, found in ((match.student_a, found_a),
                                                        (match.student_b, found_b)))
    return f'<h3>{title}</h3>\n<div class="pair">{sides}</div>'


def overview_rows(pairs):
    """similarity.PairAcross, ranked, as table rows."""
    return "".join(f"<tr><td>{escape(p.student_a)}</td><td>{escape(p.student_b)}</td>"
                   f"<td>{p.mean:.2f}</td><td>{p.compared}</td><td>{len(p.alike)}: "
                   f"{escape(', '.join(p.alike) or 'none')}</td></tr>" for p in pairs)


def write_html(matches, spread, entries, path, settings, top=30, warnings=(), pairs=(),
               discounted=()):
    """similarity.html; `entries` maps names to Entry, `settings` is shown as given, `pairs`
    the PairAcross to list, `discounted` lines that say what the discounts removed."""
    shown = [m for m in matches if m.shared][:top]
    figures, empty = [], []
    for function, values in spread.items():
        if not values:
            empty.append(function)
            continue
        ordered = sorted(values)
        figures.append(f"<figure>{histogram_svg(values)}<figcaption><code>{escape(function)}"
                       f"</code>: {len(values)} pairs, median {ordered[len(ordered) // 2]:.2f}, "
                       f"highest {ordered[-1]:.2f}</figcaption></figure>")
    if empty:
        figures.append("<p>No code left to compare once the discounts are made: "
                       + ", ".join(f"<code>{escape(f)}</code>" for f in empty) + ".</p>")
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in settings.items())
    notes = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    page = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>Similarity across the class</title>", f"<style>{STYLE}</style></head><body>",
        "<h1>Similarity across the class, function by function</h1>",
        f'<p class="caution">{escape(CAUTION)}</p>',
        f"<table>{rows}</table>",
        "<h2>What the discounts removed</h2>",
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in discounted) + "</ul>",
        f"<ul>{notes}</ul>" if notes else "",
        "<h2>What is normal for each function</h2>",
        "<p>Similarity of every pair of the class that has code left once the starter code and "
        "what most of the class writes are discounted (log-scaled bar heights).</p>",
        f'<div class="histograms">{"".join(figures)}</div>',
        "<h2>Pairs across functions</h2>",
        "<p>Pairs alike (0.5 or more) in more functions first, then by mean similarity over "
        "the functions both students wrote (leaving out those with nothing left after the "
        "discounts); a pair alike in many functions says more than one alike in one short "
        "function.</p>",
        '<table class="overview"><tr><th>student</th><th>student</th><th>mean</th>'
        f"<th>functions compared</th><th>alike (0.5 or more)</th></tr>{overview_rows(pairs)}"
        "</table>",
        f"<h2>The {len(shown)} most similar functions, side by side</h2>",
        "<p>Highlighted: fragments the two share after discounting the starter code and what "
        "most of the class writes. Comments and names are ignored by the comparison but "
        "shown as written.</p>",
        *(pair_section(match, entries) for match in shown),
        "</body></html>",
    ]
    path.write_text("\n".join(page), encoding="utf-8")
