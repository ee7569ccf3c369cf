"""A class: grading every submission in a folder, the gradebook and the summary."""
