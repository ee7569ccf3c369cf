"""A student's answer (Markdown) as HTML that cannot act: what they wrote, shown.

mistune with escape=True: raw HTML in the answer is shown as text, never parsed (`<script>`,
`<img onerror=...>` stay letters); its own link filter turns `javascript:` and `data:` links
into dead ones. Two things more here: an image is shown as its address, never loaded (the page
works offline and tells no server who read it), and math, which no renderer here can typeset
offline (MathJax is a download away), is shown as its TeX source in a code style, `$...$`
kept, which every reader of TeX reads; a Markdown renderer that fails shows the text escaped.
"""
import mistune

from ..escape.text import html_text, visible


def _inline_math(renderer, text):
    return f'<code class="math">${html_text(text)}$</code>'


def _block_math(renderer, text):
    return f'<pre class="math"><code>$$\n{html_text(text)}\n$$</code></pre>\n'


class Renderer(mistune.HTMLRenderer):
    def image(self, text, url, title=None):
        return f'<span class="image">[image: {text or ""} {html_text(url)}]</span>'

    def link(self, text, url, title=None):
        # a link works, opens apart from the page, and says where it goes
        return (f'<a href="{self.safe_url(url)}" rel="noopener noreferrer" target="_blank">'
                f'{text}</a> <span class="url">({html_text(url)})</span>')


def markdown():
    md = mistune.create_markdown(escape=True, renderer=Renderer(escape=True),
                                 plugins=["math", "strikethrough", "table"])
    md.renderer.register("inline_math", _inline_math)
    md.renderer.register("block_math", _block_math)
    return md


_MARKDOWN = markdown()


def answer_html(text):
    """HTML of one answer; control characters shown as <U+...>."""
    text = visible(text, keep="\n\t")
    try:
        return _MARKDOWN(text)
    except Exception:  # a parser bug must not lose the answer: show it as it is
        return f"<pre>{html_text(text)}</pre>"
