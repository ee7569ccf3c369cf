"""One submission: reading its files, integrity, comparison against fixtures, results and reports."""
