"""Calendar files: holiday years and school calendars in YAML, read with the shared hardened
reader (:mod:`xueji_rules._yaml`, which reads files safely and bounded) and checked with file,
line and column for every problem (all of them, then fail)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from xueji_rules._safeio import Budget, excerpt
from xueji_rules._yaml import YamlDocument, load_yaml_file
from xueji_rules.calendar._checks import Checker, YamlPath
from xueji_rules.calendar._holidays import HolidayYear
from xueji_rules.calendar._school_files import school_years
from xueji_rules.calendar._terms import SchoolYear
from xueji_rules.errors import PackError, Problem

__all__ = ["CalendarData", "load_calendar_files", "load_holiday_file"]

_NAMED_YEAR = re.compile(r"holidays-(\d{4})\.ya?ml$")


@dataclass(frozen=True, slots=True)
class CalendarData:
    """What a set of calendar files holds: holiday years and dated school years, in file order."""

    holiday_years: tuple[HolidayYear, ...] = ()
    school_years: tuple[SchoolYear, ...] = ()


def _read(path: str | os.PathLike[str], budget: Budget | None = None) -> YamlDocument:
    return load_yaml_file(path, budget=budget)


def _holiday_year(doc: YamlDocument, check: Checker) -> HolidayYear | None:
    data = doc.data
    required = {"kind", "year", "source", "holidays", "makeup_workdays"}
    if not check.mapping(data, (), required, {"note"}):
        return None
    year = check.integer(data["year"], ("year",))
    named = _NAMED_YEAR.search(doc.file)
    if year is not None and named and int(named[1]) != year:
        check.fail(("year",), f"the file is named for {named[1]} but holds the year {year}")
    source = check.text(data["source"], ("source",))
    holidays: dict[dt.date, YamlPath] = {}
    makeup: dict[dt.date, YamlPath] = {}

    def add(
        day: dt.date | None, where: YamlPath, into: dict[dt.date, YamlPath], label: str
    ) -> None:
        if day is None:
            return
        if year is not None and day.year != year:
            check.fail(where, f"{label} {day.isoformat()} is outside the year {year}")
        elif day in holidays or day in makeup:
            check.fail(where, f"{day.isoformat()} is listed twice")
        else:
            into[day] = where

    for i, entry in enumerate(check.seq(data["holidays"], ("holidays",))):
        at: YamlPath = ("holidays", i)
        if not check.mapping(entry, at, {"name"}, {"dates", "from", "to"}):
            continue
        check.text(entry["name"], (*at, "name"))
        if "dates" in entry and ("from" in entry or "to" in entry):
            check.fail(at, "give either 'dates' or 'from'/'to', not both")
        elif "dates" in entry:
            for j, raw in enumerate(check.seq(entry["dates"], (*at, "dates"))):
                add(check.date(raw, (*at, "dates", j)), (*at, "dates", j), holidays, "holiday")
        elif "from" in entry and "to" in entry:
            first = check.date(entry["from"], (*at, "from"))
            last = check.date(entry["to"], (*at, "to"))
            if first is not None and last is not None:
                if last < first or (last - first).days > 31:
                    check.fail((*at, "to"), "'to' must be on or after 'from', within 31 days")
                else:
                    for k in range((last - first).days + 1):
                        add(first + dt.timedelta(days=k), (*at, "from"), holidays, "holiday")
        else:
            check.fail(at, "a holiday needs 'dates' (a list) or 'from' and 'to'")
    for i, raw in enumerate(check.seq(data["makeup_workdays"], ("makeup_workdays",))):
        where: YamlPath = ("makeup_workdays", i)
        day = check.date(raw, where)
        if day is not None and day.weekday() < 5:
            check.fail(
                where,
                f"{day.isoformat()} is a weekday; a make-up working day is a Saturday or Sunday",
            )
        else:
            add(day, where, makeup, "make-up working day")
    if check.problems or year is None or source is None:
        return None
    return HolidayYear(year, frozenset(holidays), frozenset(makeup), source)


def _kind(doc: YamlDocument, check: Checker) -> str | None:
    kinds = ("holidays", "school_calendar")
    data = doc.data
    if not isinstance(data, dict):
        check.fail((), "a calendar file is a mapping with a 'kind' key")
        return None
    kind = data.get("kind")
    if kind not in kinds:
        check.fail(("kind",), f"'kind' must be one of {', '.join(kinds)}, not {excerpt(kind)}")
        return None
    return str(kind)


def load_holiday_file(path: str | os.PathLike[str]) -> HolidayYear:
    """Read one ``kind: holidays`` file; every problem is reported in one :class:`PackError`."""
    doc = _read(path)
    check = Checker(doc)
    if _kind(doc, check) == "school_calendar":
        check.fail(("kind",), "expected a holiday-year file ('kind: holidays')")
    result = None if check.problems else _holiday_year(doc, check)
    if result is None:
        raise PackError(check.problems)
    return result


def load_calendar_files(paths: Iterable[str | os.PathLike[str]]) -> CalendarData:
    """Read holiday-year and school-calendar files (told apart by ``kind``), in the given order.

    Problems in every file are collected, then raised together as one :class:`PackError`.
    The files read together share one :class:`~xueji_rules._safeio.Budget` (the limits of a
    pack: number of files, bytes, values once aliases are expanded).
    """
    budget = Budget()
    holiday_years: list[HolidayYear] = []
    terms: list[SchoolYear] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            doc = _read(path, budget)
        except PackError as exc:
            problems.extend(exc.problems)
            if budget.exhausted:
                break
            continue
        check = Checker(doc)
        kind = _kind(doc, check)
        if kind == "holidays":
            year = _holiday_year(doc, check)
            if year is not None:
                holiday_years.append(year)
        elif kind == "school_calendar":
            terms.extend(school_years(doc, check))
        problems.extend(check.problems)
    if problems:
        raise PackError(problems)
    return CalendarData(tuple(holiday_years), tuple(terms))
