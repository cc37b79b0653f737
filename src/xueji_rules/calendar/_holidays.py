"""One year of statutory holidays and make-up working days (调休), from whatever source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xueji_rules.errors import LoadError

__all__ = ["HolidayYear"]


@dataclass(frozen=True, slots=True)
class HolidayYear:
    """The State Council's holiday schedule for one year.

    ``holidays`` are the days off the schedule announces (法定节假日 and the weekend days folded
    into a holiday block); ``makeup_workdays`` are the Saturdays and Sundays it declares working
    days (调休上班日). Every other Monday–Friday is a working day and every other Saturday and
    Sunday a rest day. ``source`` names where the data comes from: the notice, or the
    ``chinese-calendar`` release.
    """

    year: int
    holidays: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]
    source: str

    def __post_init__(self) -> None:
        problems: list[str] = []
        for label, days in (
            ("holiday", self.holidays),
            ("make-up working day", self.makeup_workdays),
        ):
            for day in sorted(days):
                if day.year != self.year:
                    problems.append(f"{label} {day.isoformat()} is outside {self.year}")
        for day in sorted(self.holidays & self.makeup_workdays):
            problems.append(f"{day.isoformat()} is both a holiday and a make-up working day")
        for day in sorted(self.makeup_workdays):
            if day.weekday() < 5:
                problems.append(
                    f"make-up working day {day.isoformat()} is a {day.strftime('%A')}; "
                    "only a Saturday or Sunday can be made a working day"
                )
        if problems:
            raise LoadError(f"holiday year {self.year} ({self.source}): " + "; ".join(problems))

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` (a date in this year) is a working day under this schedule."""
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def workdays(self) -> tuple[dt.date, ...]:
        """Every working day of the year, in order."""
        first = dt.date(self.year, 1, 1).toordinal()
        last = dt.date(self.year, 12, 31).toordinal()
        days = (dt.date.fromordinal(n) for n in range(first, last + 1))
        return tuple(d for d in days if self.is_workday(d))

    def differences(self, other: HolidayYear) -> list[str]:
        """Each date on which ``other`` (same year) disagrees with this schedule, in words."""
        lines: list[str] = []
        for day in sorted(
            (self.holidays ^ other.holidays) | (self.makeup_workdays ^ other.makeup_workdays)
        ):
            mine, theirs = _kind(self, day), _kind(other, day)
            if mine != theirs:
                lines.append(
                    f"{day.isoformat()}: {mine} in {self.source}, {theirs} in {other.source}"
                )
        return lines


def _kind(year: HolidayYear, day: dt.date) -> str:
    if day in year.holidays:
        return "a holiday"
    if day in year.makeup_workdays:
        return "a make-up working day"
    return "an ordinary working day" if day.weekday() < 5 else "an ordinary weekend day"
