"""Results are data: what each check found, each case scored, each submission totalled."""
from dataclasses import asdict, dataclass, field
from typing import Optional


@dataclass
class Check:
    """One output compared with the reference."""
    output: str                 # "out", "dx", "running_mean", "W1", ...
    passed: bool
    message: str                # what was found, in words: error vs tolerance, shapes, where
    error: Optional[float] = None
    tolerance: Optional[float] = None


@dataclass
class CaseResult:
    function: str
    title: str
    visibility: str             # public | hidden
    max_score: float
    score: float = 0.0
    checks: list = field(default_factory=list)     # of Check
    problem: str = ""           # why the case could not be checked (exception, time-out, None)
    mistakes: list = field(default_factory=list)   # catalogued mistakes the output matches
    advice: list = field(default_factory=list)     # e.g. the numerical self-check's verdict
    diagnoses: list = field(default_factory=list)  # {"pattern", "text"}: the error's shape read
    traceback: str = ""
    printed: str = ""

    @property
    def name(self):
        return f"{self.function}: {self.title}"

    @property
    def passed(self):
        return self.score >= self.max_score - 1e-9


@dataclass
class SubmissionResult:
    student: str
    cases: list = field(default_factory=list)      # of CaseResult
    integrity: list = field(default_factory=list)  # edits outside the regions, banned calls
    notes: list = field(default_factory=list)      # how the submission was read
    execution_time: float = 0.0
    isolation: dict = field(default_factory=dict)  # protection -> [in force?, in words]
    failure: str = ""           # "could not read" | "grader failed": no grade (triage.py)

    @property
    def score(self):
        return round(sum(c.score for c in self.cases), 2)

    @property
    def max_score(self):
        return round(sum(c.max_score for c in self.cases), 2)

    def by_function(self):
        """{function: (score, max score)} in rubric order."""
        totals = {}
        for case in self.cases:
            score, most = totals.get(case.function, (0.0, 0.0))
            totals[case.function] = (score + case.score, most + case.max_score)
        return {k: (round(s, 2), round(m, 2)) for k, (s, m) in totals.items()}

    def reduced_isolation(self):
        """What did not protect this run, in words (empty when every protection was in force)."""
        return [words for in_force, words in self.isolation.values() if not in_force]

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        cases = [CaseResult(**dict(c, checks=[Check(**k) for k in c["checks"]])) for c in data["cases"]]
        return cls(**dict(data, cases=cases))
