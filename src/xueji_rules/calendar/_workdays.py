"""The working-day calendar: statutory holidays and 调休 from ``chinese-calendar`` plus supplied
years, precomputed per year so that counting is a couple of binary searches."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass

from xueji_rules.calendar._conventions import Conventions
from xueji_rules.calendar._holidays import HolidayYear
from xueji_rules.calendar._package import package_range, package_year
from xueji_rules.errors import CalendarUnavailable

__all__ = ["WorkdayCalendar"]

_DEFAULT = Conventions()


@dataclass(frozen=True, slots=True)
class _YearTable:
    """One year, precomputed: working days as sorted ordinals and a per-day flag."""

    data: HolidayYear
    first: int
    ordinals: tuple[int, ...]
    flags: bytes

    @classmethod
    def build(cls, data: HolidayYear) -> _YearTable:
        days = data.workdays()
        first = dt.date(data.year, 1, 1).toordinal()
        length = dt.date(data.year, 12, 31).toordinal() - first + 1
        flags = bytearray(length)
        ordinals = tuple(d.toordinal() for d in days)
        for n in ordinals:
            flags[n - first] = 1
        return cls(data, first, ordinals, bytes(flags))


@functools.cache
def _package_table(year: int) -> _YearTable | None:
    data = package_year(year)
    return None if data is None else _YearTable.build(data)


class WorkdayCalendar:
    """Working days in mainland China, year by year, from named sources.

    A working day is a Monday to Friday that is not a statutory holiday, or a Saturday or Sunday
    the State Council declared a make-up working day (调休上班日). Data comes from the
    ``chinese-calendar`` package and from supplied :class:`HolidayYear` values (a pack's
    ``calendars/holidays-YYYY.yaml``); a supplied year replaces the package's data for that year,
    and a later supplied year replaces an earlier one. A date in a year no source covers raises
    :class:`~xueji_rules.errors.CalendarUnavailable`; there is no Monday–Friday fallback.

    Instances are immutable and safe to share between threads.
    """

    __slots__ = ("_supplied", "_use_package")

    def __init__(self, supplied: Iterable[HolidayYear] = (), *, use_package: bool = True) -> None:
        tables: dict[int, _YearTable] = {}
        for year in supplied:
            tables[year.year] = _YearTable.build(year)
        self._supplied = tables
        self._use_package = use_package

    @classmethod
    def from_sources(
        cls,
        supplied: Iterable[HolidayYear] = (),
        files: Iterable[str | os.PathLike[str]] = (),
        *,
        use_package: bool = True,
    ) -> WorkdayCalendar:
        """A calendar from supplied years, then holiday files (later sources win per year)."""
        from xueji_rules.calendar._files import load_holiday_file

        years = list(supplied)
        years.extend(load_holiday_file(f) for f in files)
        return cls(years, use_package=use_package)

    def __repr__(self) -> str:
        years = self.covered_years()
        span = f"{years[0]}..{years[-1]}" if years else "none"
        return f"WorkdayCalendar(years={span}, supplied={sorted(self._supplied)})"

    # -- coverage ----------------------------------------------------------------------------

    def covered_years(self) -> tuple[int, ...]:
        """Every year some source covers, in order."""
        years = set(self._supplied)
        if self._use_package:
            covered = package_range()
            if covered is not None:
                years.update(range(covered[0], covered[1] + 1))
        return tuple(sorted(years))

    def covers(self, year: int) -> bool:
        """Whether working days of ``year`` can be computed."""
        return year in self._supplied or (self._use_package and _package_table(year) is not None)

    def holiday_year(self, year: int) -> HolidayYear:
        """The schedule used for ``year``; raises :class:`CalendarUnavailable` if none."""
        return self._table(year).data

    def source_of(self, year: int) -> str:
        """Where the data for ``year`` comes from (a notice, a file, a package release)."""
        return self._table(year).data.source

    @staticmethod
    def conflicts_with_package(holiday_year: HolidayYear) -> list[str]:
        """Where supplied data contradicts ``chinese-calendar`` for a year both cover.

        Empty when they agree or the package does not cover the year. Meant for pack lint: a
        contradiction is either a correction the package has not caught up with or a typo.
        """
        ours = package_year(holiday_year.year)
        if ours is None:
            return []
        return ours.differences(holiday_year)

    def _table(self, year: int) -> _YearTable:
        table = self._supplied.get(year)
        if table is None and self._use_package:
            table = _package_table(year)
        if table is None:
            raise CalendarUnavailable(year)
        return table

    # -- single days -------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (调休上班日 included)."""
        table = self._table(day.year)
        return table.flags[day.toordinal() - table.first] == 1

    def is_rest_day(self, day: dt.date) -> bool:
        """Whether ``day`` is not a working day: a weekend day or a statutory holiday."""
        return not self.is_workday(day)

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a day off in the State Council's holiday schedule (not an ordinary
        weekend)."""
        return day in self._table(day.year).data.holidays

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.add_workdays(day, 1)

    def workday_on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next one (the 第二百零三条 extension)."""
        return day if self.is_workday(day) else self.add_workdays(day, 1)

    # -- counting ----------------------------------------------------------------------------

    def add_workdays(self, day: dt.date, n: int, conventions: Conventions = _DEFAULT) -> dt.date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

        ``day`` itself is not counted, so the result of ``n > 0`` is always a working day after
        ``day``; ``n == 0`` returns ``day`` unchanged. With ``conventions.trigger_day_counts``
        a working ``day`` is itself day 1 (so ``n == 1`` returns ``day``); a rest ``day`` cannot
        count and changes nothing.
        """
        if n == 0:
            return day
        if conventions.trigger_day_counts and self.is_workday(day):
            n = n - 1 if n > 0 else n + 1
            if n == 0:
                return day
        return self._forward(day, n) if n > 0 else self._backward(day, -n)

    def _forward(self, day: dt.date, n: int) -> dt.date:
        year = day.year
        table = self._table(year)
        index = bisect.bisect_right(table.ordinals, day.toordinal()) + n - 1
        while index >= len(table.ordinals):
            index -= len(table.ordinals)
            year += 1
            table = self._table(year)
        return dt.date.fromordinal(table.ordinals[index])

    def _backward(self, day: dt.date, n: int) -> dt.date:
        year = day.year
        table = self._table(year)
        index = bisect.bisect_left(table.ordinals, day.toordinal()) - n
        while index < 0:
            year -= 1
            table = self._table(year)
            index += len(table.ordinals)
        return dt.date.fromordinal(table.ordinals[index])

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """The number of working days after ``start`` up to and including ``end``: (start, end].

        ``start`` is the trigger and is not counted (民法典 第二百零一条), so
        ``workdays_between(d, add_workdays(d, n)) == n`` for every ``n >= 0``. When ``end`` is
        before ``start`` the count of (end, start] is returned negated.
        """
        if end < start:
            return -self.workdays_between(end, start)
        first = self._table(start.year)
        after_start = bisect.bisect_right(first.ordinals, start.toordinal())
        if start.year == end.year:
            return bisect.bisect_right(first.ordinals, end.toordinal()) - after_start
        total = len(first.ordinals) - after_start
        for year in range(start.year + 1, end.year):
            total += len(self._table(year).ordinals)
        last = self._table(end.year)
        return total + bisect.bisect_right(last.ordinals, end.toordinal())
