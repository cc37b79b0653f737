"""School years and terms (学年、学期) from pack data per province, with an estimating default.

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
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from xueji_rules.calendar._grades import is_entry_grade, is_graduating_grade
from xueji_rules.errors import CalendarUnavailable, LoadError

__all__ = ["SchoolCalendar", "SchoolYear", "Term", "estimated_school_year"]

_LABEL = re.compile(r"^(\d{4})-(\d{4})$")
DEFAULT_RULE_SOURCE = "default rule (docs/time.md): estimated, not a published school calendar"


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
    """The default rule's school year starting in ``first_year`` (every date ``estimated``)."""
    label = f"{first_year}-{first_year + 1}"
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


class SchoolCalendar:
    """The school years of one region: dated entries, else the default rule.

    A date belongs to the school year whose start is the latest on or before it, so a summer
    vacation belongs to the school year that is ending. "The term of a date" in
    :meth:`term_start`, :meth:`term_end`, :meth:`term_number` and :meth:`days_since_term_start`
    is the term in session, or during a vacation the term the vacation leads into; that makes
    :meth:`days_since_term_start` negative before an opening. :meth:`term_of` is strict and
    returns ``None`` in vacations.

    With ``default_rule=False`` a school year without a dated entry raises
    :class:`~xueji_rules.errors.CalendarUnavailable`. Later entries for the same school year
    replace earlier ones (a city layer over a province). Instances are immutable.
    """

    __slots__ = ("_dated", "_terms", "default_rule", "region")

    def __init__(
        self, years: Iterable[SchoolYear] = (), *, region: str = "", default_rule: bool = True
    ) -> None:
        dated: dict[int, SchoolYear] = {}
        for sy in years:
            dated[sy.first_year] = sy
        self._dated = dated
        # term_at is asked about the same few dates over and over in a bulk run; Term is immutable
        self._terms: dict[dt.date, Term] = {}
        self.region = region
        self.default_rule = default_rule
        for first, sy in sorted(dated.items()):
            following = dated.get(first + 1) or (
                estimated_school_year(first + 1) if default_rule else None
            )
            if following is not None and sy.terms[-1].end >= following.start:
                raise LoadError(
                    f"school year {sy.year} ends on {sy.terms[-1].end.isoformat()}, not before "
                    f"{following.year} starts on {following.start.isoformat()}"
                )

    @classmethod
    def from_files(
        cls,
        paths: Iterable[str | os.PathLike[str]],
        *,
        region: str = "",
        default_rule: bool = True,
    ) -> SchoolCalendar:
        """A calendar from the school years in ``kind: school_calendar`` files."""
        from xueji_rules.calendar._files import load_calendar_files

        data = load_calendar_files(paths)
        return cls(data.school_years, region=region, default_rule=default_rule)

    def __repr__(self) -> str:
        dated = ", ".join(sy.year for _, sy in sorted(self._dated.items()))
        return f"SchoolCalendar(region={self.region!r}, dated=[{dated}], default_rule={self.default_rule})"

    def dated_years(self) -> tuple[SchoolYear, ...]:
        """The dated entries, in order."""
        return tuple(sy for _, sy in sorted(self._dated.items()))

    def school_year(self, first_year: int) -> SchoolYear:
        """The school year starting in ``first_year``: its dated entry or the default rule's."""
        found = self._dated.get(first_year)
        if found is not None:
            return found
        if not self.default_rule:
            label = f"{first_year}-{first_year + 1}"
            where = f" for {self.region}" if self.region else ""
            raise CalendarUnavailable(
                first_year,
                f"no school calendar for {label}{where}: add a school_years entry to a "
                "'kind: school_calendar' file of the pack (see docs/time.md)",
            )
        return estimated_school_year(first_year)

    # -- school years ------------------------------------------------------------------------

    def school_year_containing(self, day: dt.date) -> SchoolYear:
        """The school year ``day`` belongs to (from its start to the day before the next)."""
        sy = self.school_year(day.year)
        return sy if day >= sy.start else self.school_year(day.year - 1)

    def school_year_of(self, day: dt.date) -> str:
        """The label ("2025-2026") of the school year ``day`` belongs to."""
        return self.school_year_containing(day).year

    def school_year_start(self, day: dt.date) -> dt.date:
        """The start of the school year ``day`` belongs to."""
        return self.school_year_containing(day).start

    def school_year_end(self, day: dt.date) -> dt.date:
        """The last day of the school year ``day`` belongs to: the day before the next starts."""
        sy = self.school_year_containing(day)
        return self.school_year(sy.first_year + 1).start - dt.timedelta(days=1)

    # -- terms -------------------------------------------------------------------------------

    def term_at(self, day: dt.date) -> Term:
        """The term in session on ``day``, or during a vacation the next term to open."""
        found = self._terms.get(day)
        if found is None:
            found = self._term_at(day)
            if len(self._terms) >= _TERM_CACHE:
                self._terms.clear()
            self._terms[day] = found
        return found

    def _term_at(self, day: dt.date) -> Term:
        sy = self.school_year_containing(day)
        for term in sy.terms:
            if day <= term.end:
                return term
        return self.school_year(sy.first_year + 1).terms[0]

    def term_of(self, day: dt.date) -> Term | None:
        """The term in session on ``day``; ``None`` during a vacation."""
        term = self.term_at(day)
        return term if term.contains(day) else None

    def in_term(self, day: dt.date) -> bool:
        """Whether a term is in session on ``day``."""
        return self.term_at(day).start <= day

    def term_start(self, day: dt.date) -> dt.date:
        """The opening day (开学日) of the term of ``day`` (in session, or next after a vacation)."""
        return self.term_at(day).start

    def term_end(self, day: dt.date) -> dt.date:
        """The last day of the term of ``day`` (in session, or next after a vacation)."""
        return self.term_at(day).end

    def term_number(self, day: dt.date) -> int:
        """1 (autumn) or 2 (spring): the term of ``day`` (in session, or next after a vacation)."""
        return self.term_at(day).number

    def days_since_term_start(self, day: dt.date) -> int:
        """Calendar days from the opening day of the term of ``day`` to ``day``.

        The opening day itself is 0, so "within the first 15 days of the term" reads
        ``0 <= days_since_term_start(d) < 15``. During a vacation the value is negative: the
        number of days until the next opening, negated.
        """
        return (day - self.term_at(day).start).days

    # -- grades ------------------------------------------------------------------------------

    def is_first_term_of_entry_grade(
        self, stage: str, grade: int, day: dt.date, school_system: str = "6-3"
    ) -> bool:
        """Whether a ``grade`` pupil of ``stage`` is in the first term of the stage's entry grade
        (起始年级第一学期) on ``day``."""
        return is_entry_grade(stage, grade, school_system) and self.term_number(day) == 1

    def is_last_term_of_graduating_grade(
        self, stage: str, grade: int, day: dt.date, school_system: str = "6-3"
    ) -> bool:
        """Whether a ``grade`` pupil of ``stage`` is in the second term of the stage's graduating
        grade (毕业年级第二学期) on ``day``."""
        return is_graduating_grade(stage, grade, school_system) and self.term_number(day) == 2


_TERM_CACHE = 4096  # dates; a school year has 366
