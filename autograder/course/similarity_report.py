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
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; font-size: 12px; margin: 0; }
mark { background: #ffd27a; }
.histograms { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figcaption { font-size: 12px; }
table { border-collapse: collapse; } td, th { padding: 2px 8px; text-align: left; }
"""


def shared_spans(found, shared):
    """Merged (start, end) character spans of `found`'s source covered by shared fingerprints."""
    spans = []
    for value in shared:
        for first, end in found.positions.get(value, ()):
            spans.append((found.tokens[first].start, found.tokens[end - 1].end))
    merged = []
    for start, end in sorted(spans):
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
    shared = found_a.kept & found_b.kept
    title = (f"{escape(match.student_a)} &harr; {escape(match.student_b)} &middot; "
             f"<code>{escape(match.function)}</code> &middot; {match.similarity:.2f} "
             f"({match.shared} fragments shared of {match.prints_a} and {match.prints_b})")
    return (f"<h3>{title}</h3>\n<div class=\"pair\">"
            f"<pre>{highlighted(found_a, shared)}</pre>"
            f"<pre>{highlighted(found_b, shared)}</pre></div>")


def write_html(matches, spread, entries, path, settings, top=30, warnings=()):
    """similarity.html; `entries` maps names to Entry, `settings` is shown as given."""
    shown = [m for m in matches if m.shared][:top]
    figures = []
    for function, values in spread.items():
        if values:
            ordered = sorted(values)
            median = ordered[len(ordered) // 2]
            figures.append(f"<figure>{histogram_svg(values)}<figcaption><code>"
                           f"{escape(function)}</code>: {len(values)} pairs, median "
                           f"{median:.2f}, highest {ordered[-1]:.2f}</figcaption></figure>")
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in settings.items())
    notes = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    page = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<title>Similarity across the class</title>", f"<style>{STYLE}</style></head><body>",
        "<h1>Similarity across the class, function by function</h1>",
        f'<p class="caution">{escape(CAUTION)}</p>',
        f"<table>{rows}</table>",
        f"<ul>{notes}</ul>" if notes else "",
        "<h2>What is normal for each function</h2>",
        "<p>Similarity of every pair of the class (log-scaled bar heights).</p>",
        f'<div class="histograms">{"".join(figures)}</div>',
        f"<h2>The {len(shown)} most similar pairs</h2>",
        "<p>Highlighted: fragments the two share after discounting the starter code and what "
        "most of the class writes. Comments and names are ignored by the comparison but "
        "shown as written.</p>",
        *(pair_section(match, entries) for match in shown),
        "</body></html>",
    ]
    path.write_text("\n".join(page), encoding="utf-8")
