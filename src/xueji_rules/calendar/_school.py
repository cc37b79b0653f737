"""The school calendar of one region: dated school years from pack data, else the default rule.

The values (:class:`Term`, :class:`SchoolYear`) and the default rule that estimates a school year
without a dated entry are in :mod:`xueji_rules.calendar._terms`; reading them from
``kind: school_calendar`` files is :mod:`xueji_rules.calendar._files`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

from xueji_rules.calendar._files import load_calendar_files
from xueji_rules.calendar._grades import is_entry_grade, is_graduating_grade
from xueji_rules.calendar._terms import (
    LAST_SCHOOL_YEAR,
    SchoolYear,
    Term,
    check_representable,
    estimated_school_year,
)
from xueji_rules.errors import CalendarUnavailable, LoadError

__all__ = ["SchoolCalendar", "SchoolYear", "Term", "estimated_school_year"]


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

    __slots__ = ("_dated", "_since", "_terms", "default_rule", "region")

    def __init__(
        self, years: Iterable[SchoolYear] = (), *, region: str = "", default_rule: bool = True
    ) -> None:
        dated: dict[int, SchoolYear] = {}
        for sy in years:
            dated[sy.first_year] = sy
        self._dated = dated
        # term_at is asked about the same few dates over and over in a bulk run; Term is immutable
        self._terms: dict[dt.date, Term] = {}
        self._since: dict[dt.date, int] = {}  # days_since_term_start, asked as often
        self.region = region
        self.default_rule = default_rule
        for first, sy in sorted(dated.items()):
            following = dated.get(first + 1) or (
                estimated_school_year(first + 1)
                if default_rule and first < LAST_SCHOOL_YEAR
                else None
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
        check_representable(first_year)
        found = self._dated.get(first_year)
        if found is not None:
            return found
        if not self.default_rule:
            label = f"{first_year:04d}-{first_year + 1:04d}"
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
        if day.year > LAST_SCHOOL_YEAR and day < dt.date(day.year, 9, 1):
            return self.school_year(day.year - 1)  # the school year 9999-10000 cannot be dated
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
        found = self._since.get(day)
        if found is None:
            found = (day - self.term_at(day).start).days
            if len(self._since) >= _TERM_CACHE:
                self._since.clear()
            self._since[day] = found
        return found

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
