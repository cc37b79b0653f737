"""School years and terms (学年、学期) as values, and the default rule that estimates them.

A dated entry comes from a pack's ``calendars/*.yaml`` (``kind: school_calendar``). For a school
year without one, the default rule below estimates the dates and marks them ``estimated``:

* the school year ``Y-(Y+1)`` starts on 1 September of ``Y``;
* term 1 opens on 1 September (the following Monday when that is a Saturday or Sunday) and
  ends on the last Friday on or before 20 January of ``Y+1``;
* term 2 opens on the first Monday on or after 1 March of ``Y+1`` and ends on the last Friday
  on or before 10 July of ``Y+1``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from xueji_rules.errors import CalendarUnavailable, LoadError

__all__ = [
    "DEFAULT_RULE_SOURCE",
    "LAST_SCHOOL_YEAR",
    "SchoolYear",
    "Term",
    "check_representable",
    "estimated_school_year",
]

_LABEL = re.compile(r"^(\d{4})-(\d{4})$")
DEFAULT_RULE_SOURCE = "default rule (docs/time.md): estimated, not a published school calendar"
# Dates run from 0001-01-01 to 9999-12-31 (Python's date); a school year runs into the next
# calendar year, so the last one that fits is 9998-9999.
FIRST_SCHOOL_YEAR = dt.MINYEAR
LAST_SCHOOL_YEAR = dt.MAXYEAR - 1


def check_representable(first_year: int) -> None:
    """Raise :class:`CalendarUnavailable` for a school year with dates past 0001-01-01..9999-12-31."""
    if not FIRST_SCHOOL_YEAR <= first_year <= LAST_SCHOOL_YEAR:
        raise CalendarUnavailable(
            first_year,
            f"the school year {first_year:04d}-{first_year + 1:04d} has dates outside the range the "
            "calendar can count (0001-01-01 to 9999-12-31)",
        )


@dataclass(frozen=True, slots=True)
class Term:
    """One term (学期): ``number`` 1 (autumn) or 2 (spring) of ``school_year`` ("2025-2026"),
    from its opening day ``start`` to its last day ``end``, both included. ``estimated`` marks
    dates from the default rule or from a source that says they are an estimate."""

    school_year: str
    number: int
    start: dt.date
    end: dt.date
    estimated: bool = False

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the term (vacations do not)."""
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class SchoolYear:
    """A school year (学年) such as "2025-2026": its start date and its two terms."""

    year: str
    start: dt.date
    terms: tuple[Term, ...]
    estimated: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        problems = _check_school_year(self)
        if problems:
            raise LoadError(f"school year {self.year}: " + "; ".join(problems))

    @property
    def first_year(self) -> int:
        """The calendar year the school year starts in (2025 for "2025-2026")."""
        return int(self.year[:4])


def _check_school_year(sy: SchoolYear) -> list[str]:
    match = _LABEL.match(sy.year)
    if not match or int(match[2]) != int(match[1]) + 1:
        return [f"the label must read like '2025-2026', not {sy.year!r}"]
    first = int(match[1])
    problems: list[str] = []
    if sy.start.year != first or sy.start.month not in (8, 9):
        problems.append(f"start {sy.start.isoformat()} is not in August or September {first}")
    if tuple(t.number for t in sy.terms) != (1, 2):
        problems.append("needs exactly term 1 and term 2, in that order")
        return problems
    one, two = sy.terms
    for term in sy.terms:
        if term.school_year != sy.year:
            problems.append(f"term {term.number} belongs to {term.school_year!r}")
        if term.end < term.start:
            problems.append(f"term {term.number} ends before it starts")
    if one.start < sy.start:
        problems.append("term 1 opens before the school year starts")
    if two.start <= one.end:
        problems.append("term 2 opens before term 1 ends")
    if two.end >= dt.date(first + 1, 9, 1):
        problems.append(f"term 2 runs past 31 August {first + 1}")
    return problems


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def estimated_school_year(first_year: int) -> SchoolYear:
    """The default rule's school year starting in ``first_year`` (every date ``estimated``).

    Raises :class:`~xueji_rules.errors.CalendarUnavailable` for a school year whose dates cannot
    be represented (before 0001-0002 or after 9998-9999).
    """
    check_representable(first_year)
    label = f"{first_year:04d}-{first_year + 1:04d}"
    start = dt.date(first_year, 9, 1)
    opening = start if start.weekday() < 5 else _weekday_on_or_after(start, 0)
    terms = (
        Term(label, 1, opening, _weekday_on_or_before(dt.date(first_year + 1, 1, 20), 4), True),
        Term(
            label,
            2,
            _weekday_on_or_after(dt.date(first_year + 1, 3, 1), 0),
            _weekday_on_or_before(dt.date(first_year + 1, 7, 10), 4),
            True,
        ),
    )
    return SchoolYear(label, start, terms, True, DEFAULT_RULE_SOURCE)
