"""Clocks for the engine: the pack's working-day and school calendars as expression functions.

One :class:`TimeService` per engine binds the pack's calendars and counting conventions (its
``settings``) and exposes them two ways: as domain functions for rule expressions, and as
:meth:`TimeService.due` for obligation clocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from xueji_rules import expr
from xueji_rules.calendar import (
    Conventions,
    SchoolCalendar,
    WorkdayCalendar,
    add_years,
    age_on,
    days_in_period,
    due_date,
    grade_range,
    is_entry_grade,
    is_graduating_grade,
    load_calendar_files,
    period_last_day,
    stage_of_grade,
)
from xueji_rules.errors import EvaluationError, LoadError
from xueji_rules.expr import types as t
from xueji_rules.expr._inline import InlineForm
from xueji_rules.packs.model import Pack

__all__ = ["CONVENTION_SETTINGS", "TimeService"]

#: the units of ``period_end`` and of obligation clocks
PERIOD_UNITS = ("workdays", "days", "weeks", "months", "years")


def _check_unit(trigger: Any, amount: Any, unit: Any) -> None:
    """At check time: a literal unit of ``period_end`` must be one of :data:`PERIOD_UNITS`,
    a literal amount not negative."""
    if unit is not None and unit not in PERIOD_UNITS:
        raise ValueError(f"unknown unit {unit!r} (one of {', '.join(PERIOD_UNITS)})")
    if isinstance(amount, int) and amount < 0:
        raise ValueError(f"the amount must not be negative, got {amount}")


#: pack settings that are counting conventions (the rest are engine settings)
CONVENTION_SETTINGS = frozenset(Conventions.__dataclass_fields__)
ENGINE_SETTINGS = frozenset({"default_school_system"})

# the domain functions whose results depend on their arguments alone (and on the engine's fixed
# calendars), all hashable, with immutable results: deciders keep them across decisions (D-330)
TABLED = frozenset(
    {
        "term_number", "term_start", "term_end", "days_since_term_start", "school_year",
        "school_year_start", "school_year_end", "is_entry_grade", "is_graduating_grade",
        "graduating_grade", "stage_of_grade", "entry_grade", "is_workday", "age_on",
    }
)  # fmt: skip


def _sum(values: list[Any]) -> int:
    total = 0
    for value in values:
        if type(value) is not int:
            raise EvaluationError("sum() takes a list of int")
        total += value
    if not -(2**63) <= total < 2**63:
        raise EvaluationError("integer overflow in sum()")
    return total


def entry_grade(stage: str, school_system: str) -> int:
    """The first grade (起始年级) of ``stage`` under ``school_system``: 1, 7 (6-3) or 6 (5-4), 10."""
    span = grade_range(stage, school_system)
    if span is None:
        raise EvaluationError(f"entry_grade: stage {stage!r} has no grades")
    return span[0]


def _earliest(values: list[Any]) -> dt.date:
    dates = [value for value in values if isinstance(value, dt.date)]
    if len(dates) != len(values):
        raise EvaluationError("earliest() takes a list of date")
    if not dates:
        raise EvaluationError("earliest() of an empty list")
    return min(dates)


def _graduating_grade(stage: str, school_system: str) -> int:
    span = grade_range(stage, school_system)
    if span is None:
        raise EvaluationError(f"graduating_grade: stage {stage!r} has no grades")
    return span[1]


def _school_system_inline(default: str) -> InlineForm:
    """``school_system(record)`` inline: a plain ``dict``'s string ``school_system``, ``default``
    when it has none, else the call (:meth:`TimeService.school_system_of` gives the same value
    in every case)."""

    def form(args: list[str], temp: str, call: str) -> tuple[str, dict[str, Any]]:
        (record,) = args
        value = f"{temp}_v"
        # not a dict: the marker of memoized calls (``_MISS``), neither None nor a string
        code = (
            f"({value} if ({temp} := {record}.get('school_system') if {record}.__class__ is dict "
            f"else _MISS) is None else {temp} if {temp}.__class__ is str else {call})"
        )
        return code, {value: default}

    return form


@dataclass(frozen=True, slots=True)
class TimeService:
    """The pack's calendars and conventions, shared by rule expressions and obligation clocks."""

    workdays: WorkdayCalendar
    school: SchoolCalendar
    conventions: Conventions
    default_school_system: str

    @classmethod
    def for_pack(cls, pack: Pack, extra_files: Sequence[str] = ()) -> TimeService:
        """Build from the pack's ``calendars/*.yaml``, extra holiday files and ``settings``."""
        settings: Mapping[str, Any] = pack.settings
        unknown = set(settings) - CONVENTION_SETTINGS - ENGINE_SETTINGS
        if unknown:
            raise LoadError(
                f"pack '{pack.id}': unknown settings {sorted(unknown)} (known: {sorted(CONVENTION_SETTINGS | ENGINE_SETTINGS)})"
            )
        conventions = Conventions.from_mapping(
            {k: v for k, v in settings.items() if k in CONVENTION_SETTINGS}
        )
        files = [Path(f) for f in (*pack.calendar_files, *extra_files)]
        data = load_calendar_files(files)
        workdays = WorkdayCalendar(data.holiday_years)
        school = SchoolCalendar(data.school_years, region=pack.id)
        return cls(workdays, school, conventions, str(settings.get("default_school_system", "6-3")))

    def due(self, trigger: dt.date, amount: int, unit: str) -> dt.date:
        """The due date ``amount`` ``unit`` after ``trigger`` under the pack's conventions."""
        return due_date(trigger, amount, unit, self.conventions, self.workdays).date

    def settings(self) -> dict[str, Any]:
        """Every setting with its effective value (defaults filled in), as expressions see it."""
        values: dict[str, Any] = asdict(self.conventions)
        values["default_school_system"] = self.default_school_system
        return values

    def period_end(self, trigger: dt.date, amount: int, unit: str) -> dt.date:
        """``period_end(d, n, unit)``: the last day of a period of ``n`` ``unit`` started by an
        event on ``d``, under the pack's counting conventions (the due date of an obligation
        clock with that trigger, amount and unit)."""
        if unit not in PERIOD_UNITS:
            raise EvaluationError(f"unknown unit {unit!r} (one of {', '.join(PERIOD_UNITS)})")
        return self.due(trigger, amount, unit)

    def school_system_of(self, record: Any) -> str:
        """The record's 学制, or the pack's default."""
        if record.__class__ is dict or isinstance(record, Mapping):
            system = record.get("school_system")
            if isinstance(system, str):
                return system
        return self.default_school_system

    def tabled(self, registry: expr.FunctionRegistry) -> list[Any]:
        """The implementations in ``registry`` (made by :meth:`functions`) whose results a
        decider may keep across decisions: pure functions of hashable arguments (dates, grades,
        stage and school-system names) with immutable results, given this service's fixed
        calendars. A call that raises is never kept."""
        return [o.impl for name in sorted(TABLED) for o in registry.overloads(name, False)]

    def inline_forms(self, registry: expr.FunctionRegistry) -> list[tuple[Any, InlineForm]]:
        """The implementations in ``registry`` (made by :meth:`functions`) that deciders compute
        inline, with their forms (``CallMemo`` in ``xueji_rules.expr._inline``; D-334)."""
        form = _school_system_inline(self.default_school_system)
        return [(o.impl, form) for o in registry.overloads("school_system", False)]

    def functions(self) -> expr.FunctionRegistry:
        """The domain functions rule expressions may call."""
        sig = expr.Overload
        date, num, text, flag = t.DATE, t.INT, t.STRING, t.BOOL
        cal, conv = self.workdays, self.conventions
        reg = expr.FunctionRegistry()
        reg.register(
            "add_workdays", sig((date, num), date, lambda d, n: cal.add_workdays(d, n, conv))
        )
        reg.register("workdays_between", sig((date, date), num, cal.workdays_between))
        reg.register("is_workday", sig((date,), flag, cal.is_workday))
        school = self.school
        reg.register("term_number", sig((date,), num, school.term_number))
        reg.register("term_start", sig((date,), date, school.term_start))
        reg.register("term_end", sig((date,), date, school.term_end))
        reg.register("days_since_term_start", sig((date,), num, school.days_since_term_start))
        reg.register("school_year", sig((date,), text, school.school_year_of))
        reg.register("school_year_start", sig((date,), date, school.school_year_start))
        reg.register("school_year_end", sig((date,), date, school.school_year_end))
        reg.register(
            "period_end", sig((date, num, text), date, self.period_end, "period_end", _check_unit)
        )
        reg.register("is_entry_grade", sig((text, num, text), flag, is_entry_grade))
        reg.register("is_graduating_grade", sig((text, num, text), flag, is_graduating_grade))
        reg.register("graduating_grade", sig((text, text), num, _graduating_grade))
        reg.register("stage_of_grade", sig((num, text), text, stage_of_grade))
        reg.register("entry_grade", sig((text, text), num, entry_grade))
        reg.register("school_system", sig((t.DYN,), text, self.school_system_of))
        reg.register("age_on", sig((date, date), num, age_on))
        # calendar periods in years and months (民法典 第二百零二条; docs/time.md "Periods in years")
        reg.register("add_years", sig((date, num), date, lambda d, n: add_years(d, n)))
        reg.register(
            "last_day_of_years",
            sig((date, num), date, lambda d, n: period_last_day(d, n, "years", conv)),
        )
        reg.register(
            "last_day_of_months",
            sig((date, num), date, lambda d, n: period_last_day(d, n, "months", conv)),
        )
        reg.register(
            "days_in_years", sig((date, num), num, lambda d, n: days_in_period(d, n, "years", conv))
        )
        reg.register("earliest", sig((t.ListType(date),), date, _earliest))
        reg.register("sum", sig((t.ListType(num),), num, _sum))
        return expr.standard_functions().extended(reg)
