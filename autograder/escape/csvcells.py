"""CSV cells that a spreadsheet shows as text, never runs as a formula (OWASP's rule).

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`;
so is one that begins with `'`, so that `unescape` gives back exactly what was written. Numbers
(ints, floats, and strings that are plain decimal numbers) stay numbers, so Canvas and Moodle
still read scores, ids and points.
"""
import csv
import re

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "'")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def cell(value):
    """One cell as the kit writes it."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    value = str(value)
    if value.startswith(DANGEROUS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def unescape(value):
    """A cell of a file the kit wrote, as it was before `cell`."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(DANGEROUS):
        return value[1:]
    return value


class SafeWriter:
    """csv.writer whose every cell passes through `cell`."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose every cell passes through `cell` (the header too)."""

    def __init__(self, file, fieldnames, **options):
        super().__init__(file, fieldnames, **options)
        self.writer = SafeWriter(file, **{k: v for k, v in options.items()
                                          if k not in ("restval", "extrasaction")})


def writer(file, **options):
    return SafeWriter(file, **options)


def unescaped_rows(reader):
    """Rows (lists or dicts) of a csv reader over a file the kit wrote, cells unescaped."""
    for row in reader:
        if isinstance(row, dict):
            yield {key: unescape(value) for key, value in row.items()}
        else:
            yield [unescape(value) for value in row]
