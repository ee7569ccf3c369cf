"""Everything a student controls is data: one place that makes it safe for each kind of file.

text.py: control and bidi characters shown, never obeyed (names, file names, the terminal,
HTML); markdown.py: text, code and blocks a payload cannot break out of; csvcells.py: cells a
spreadsheet never runs as a formula, and how to read our own cells back.
"""
