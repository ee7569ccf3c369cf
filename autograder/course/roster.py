"""A class roster (`grade-all --roster FILE.csv`): who should have submitted.

Headers are read leniently, as Canvas's gradebook export (Student, ID, SIS User ID, SIS Login
ID, Section, then a "Points Possible" row), Gradescope's roster (First Name, Last Name, SID,
Email, Role) or a plain file (name, login, id, email) write them. A submission is matched to
one roster student by the strongest identifier both know: Canvas user id, then sid, email,
login, and last the name squashed to letters and digits (Canvas names its files that way:
"Smith, John" -> smithjohn). Every roster student who submitted nothing gets a row of their own.
"""
import csv
import io
import re
from dataclasses import dataclass, field

from .layouts import LayoutError

# Accepted headers, lower-cased, per identifier. "id" alone is Canvas's user id in a file
# that also has Canvas's SIS columns, and the student's id in any other file.
HEADERS = {
    "name": ("name", "student", "student name", "full name", "display name"),
    "first": ("first name", "first", "given name"),
    "last": ("last name", "last", "surname", "family name"),
    "login": ("login", "sis login id", "login id", "username", "user name", "netid", "unikey"),
    "email": ("email", "email address", "e-mail", "mail"),
    "sid": ("sid", "sis user id", "student id", "student number", "id number", "matriculation"),
    "canvas_user_id": ("canvas user id", "canvas id", "user id"),
    "role": ("role",),
}
MATCH_ORDER = ("canvas_user_id", "sid", "email", "login", "name")
NOT_STUDENTS = {"points possible", "student, test", "test student"}


class RosterError(LayoutError):
    """The roster cannot be read."""


@dataclass
class Person:
    identifiers: dict = field(default_factory=dict)  # name, login, email, sid, canvas_user_id

    @property
    def key(self):
        found = self.identifiers
        return next(found[k] for k in ("login", "sid", "canvas_user_id", "email", "name")
                    if found.get(k))


def squashed(name):
    """Letters and digits only, lower-case; "Smith, John" also as "John Smith" reads."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def name_forms(name):
    forms = {squashed(name)}
    if "," in name:
        last, first = name.split(",", 1)
        forms.add(squashed(first + last))
    return forms - {""}


def column_of(headers):
    """{identifier: column index}; raises RosterError when no identifier is there."""
    normal = [" ".join(h.replace("\ufeff", "").strip().lower().split()) for h in headers]
    columns = {}
    for identifier, names in HEADERS.items():
        for index, header in enumerate(normal):
            if header in names and identifier not in columns:
                columns[identifier] = index
    if "id" in normal:
        canvas_style = {"sis user id", "sis login id"} & set(normal)
        columns.setdefault("canvas_user_id" if canvas_style else "sid", normal.index("id"))
    if not {"name", "first", "last", "login", "email", "sid", "canvas_user_id"} & set(columns):
        raise RosterError(f"the roster's header ({', '.join(headers)}) names no student column: "
                          "give a column name, login, id or email (Canvas's and Gradescope's "
                          "exports are read as they are)")
    return columns


def delimiter_of(text):
    """The separator of a CSV file's header: ',' unless it holds more ';' or tabs (Canvas and
    Excel write ';' where the decimal mark is a comma), counted outside quotes."""
    header = re.sub(r'"[^"]*"', "", text.split("\n", 1)[0])
    return max((",", ";", "\t"), key=lambda mark: (header.count(mark), mark == ","))


def read_roster(path):
    """[Person] from a roster CSV; raises RosterError or FileNotFoundError with a reason."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            text = file.read()
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter_of(text)))
    except UnicodeDecodeError:
        raise RosterError(f"{path} is not a UTF-8 CSV file: save it as CSV UTF-8") from None
    except FileNotFoundError:
        raise FileNotFoundError(f"--roster {path}: no such file") from None
    if not rows:
        raise RosterError(f"{path} is empty: expected a header and a row per student")
    columns = column_of(rows[0])
    people = []
    for row in rows[1:]:
        values = {k: (row[i].strip() if i < len(row) else "") for k, i in columns.items()}
        if values.get("first") or values.get("last"):
            values.setdefault("name", "")
            values["name"] = values["name"] or f"{values.get('first', '')} {values.get('last', '')}".strip()
        if values.get("name", "").lower() in NOT_STUDENTS:
            continue
        if values.get("role") and values["role"].lower() != "student":
            continue
        identifiers = {k: v for k, v in values.items() if v and k not in ("first", "last", "role")}
        if identifiers:
            people.append(Person(identifiers))
    if not people:
        raise RosterError(f"{path} lists no students under its header")
    return people


def match_keys(identifiers, key=""):
    """(kind, value) pairs a row or a person can be matched by."""
    keys = set()
    for kind in ("canvas_user_id", "sid"):
        if identifiers.get(kind):
            keys.add((kind, identifiers[kind].strip().lower()))
    email = identifiers.get("email", "").strip().lower()
    if email:
        keys |= {("email", email), ("login", email.split("@")[0])}
    key = key.split("#")[0]
    if key:
        keys.add(("sid", key.lower()))  # a folder named by the student's id
    for login in (identifiers.get("login", ""), key):
        if login:
            keys.add(("login", login.lower()))
            keys |= {("name", form) for form in name_forms(login)}
    keys |= {("name", form) for form in name_forms(identifiers.get("name", ""))}
    return keys


def roster_index(people):
    index = {}
    for number, person in enumerate(people):
        for pair in match_keys(person.identifiers):
            index.setdefault(pair, set()).add(number)
    return index


def find_person(identifiers, key, index):
    """The index of the one roster person this row is, or None; the strongest kind decides."""
    mine = match_keys(identifiers, key)
    for kind in MATCH_ORDER:
        found = set().union(*(index.get(pair, set()) for pair in mine if pair[0] == kind))
        if len(found) == 1:
            return found.pop()
    return None
