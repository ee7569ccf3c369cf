"""A late policy: a deadline, a penalty in percent of the score per day late, and a cap.

Days late are whole days, rounded up (the usual policy: a minute late is a day late), counted
from the deadline to the time the layout gives (Gradescope's `created_at`). Canvas's bulk
download says only *that* a file is late (`_LATE_` in its name), not when it came: such a
submission counts as one day late (the least a late one can be), and the gradebook says that
the days were not known. The penalty never exceeds the cap, and the raw score is kept beside
the penalized one.
"""
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta


class LatePolicyError(ValueError):
    """A deadline or a penalty that cannot be used; the message says how to write it."""


def parse_time(text, what="time"):
    """A timezone-aware datetime from ISO 8601 ("2026-11-20T23:59-08:00", "2026-11-20 23:59")
    or Gradescope's form ("2026-11-20 13:56:01.412356000 -08:00"). Without a zone, the
    machine's own zone is meant."""
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", text.strip())   # nanoseconds: Python reads micro
    cleaned = re.sub(r"\s+([+-]\d\d:?\d\d|Z)$", r"\1", cleaned)  # "... -08:00" -> "...-08:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise LatePolicyError(f"{what} {text!r} is not a date and time: write it as "
                              "2026-11-20T23:59 or 2026-11-20T23:59-08:00") from None
    return moment if moment.tzinfo else moment.astimezone()


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime = None       # None: only Canvas's late flag says who is late
    percent_per_day: float = 0.0
    cap: float = 100.0              # percent: the most a penalty takes

    def __post_init__(self):
        if self.percent_per_day < 0 or not 0 <= self.cap <= 100:
            raise LatePolicyError("--late-penalty must be 0 or more and --late-cap in 0..100 "
                                  f"(got {self.percent_per_day:g} and {self.cap:g})")

    def days_late(self, identifiers):
        """(whole days late, how they were known) for a row's identifiers."""
        submitted = identifiers.get("submitted_at", "")
        if self.deadline is not None and submitted:
            try:
                moment = parse_time(submitted, "submitted_at")
            except LatePolicyError:
                return 0, f"submitted_at {submitted!r} unreadable: not counted late"
            late = moment - self.deadline
            return (math.ceil(late / timedelta(days=1)) if late > timedelta(0) else 0), "from submitted_at"
        if identifiers.get("late"):
            return 1, "late by Canvas's flag, time not known: counted as 1 day"
        return 0, ""

    def penalty(self, days):
        """Percent of the score taken for `days` late."""
        return min(self.cap, self.percent_per_day * days)

    @staticmethod
    def applied(score, penalty):
        return round(score * (1 - penalty / 100), 2)
