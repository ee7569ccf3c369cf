"""Characters that act instead of showing (control, bidi, zero-width) made visible as `<U+202E>`.

A name like "alice\u202egpj.py" reads backwards in a terminal or a spreadsheet; a newline in a
zip member's name starts a forged line in a report. Shown, they are harmless and still tell
staff what the student sent.
"""
import html
import re
import unicodedata

# Bidi embeddings, overrides and isolates, marks; zero-width and other format characters (Cf);
# C0 and C1 controls (Cc); line and paragraph separators (Zl, Zp).
_ACTING = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
_KEY_CHARS = re.compile(r"[^\w.@+-]+")
KEY_MAX = 80


def _shown(char):
    return f"<U+{ord(char):04X}>"


def visible(text, keep=""):
    """`text` with every acting character replaced by `<U+XXXX>`, except those in `keep`."""
    text = str(text)
    if text.isprintable() or keep and _without(text, keep).isprintable():  # the common case, fast
        return text
    return "".join(char if char in keep or unicodedata.category(char) not in _ACTING
                   else _shown(char) for char in text)


def _without(text, chars):
    for char in chars:
        text = text.replace(char, "")
    return text


def terminal(text):
    """For a terminal: newlines and tabs kept, escape sequences and bidi shown, not obeyed."""
    return visible(text, keep="\n\t")


def html_text(text, keep_newlines=True):
    """For HTML: escaped (quotes too, so it is safe inside an attribute) and made visible."""
    return html.escape(visible(text, keep="\n\t" if keep_newlines else ""), quote=True)


def safe_key(name, fallback="student"):
    """A file or folder name made from a student-controlled name: letters, digits and ._@+-.

    Never empty, never hidden (no leading dot), never `.` or `..`, at most KEY_MAX characters.
    Two different names may give one key: callers that need unique keys check for that.
    """
    key = _KEY_CHARS.sub("_", unicodedata.normalize("NFC", visible(name)))
    key = key.lstrip("._").rstrip("_")[:KEY_MAX]
    return key or fallback
