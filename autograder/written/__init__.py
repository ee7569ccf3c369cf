"""The written part, for staff: every student's answers to the notebooks' Inline Questions on
one page, scored there, into written.csv (`python -m autograder written CLASS --out DIR`)."""
