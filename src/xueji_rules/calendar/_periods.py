"""Periods and due dates under the counting conventions (民法典 第二百零一条 to 第二百零三条)."""

from __future__ import annotations

import calendar as _gregorian
import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from xueji_rules.calendar._conventions import Conventions
from xueji_rules.calendar._workdays import WorkdayCalendar
from xueji_rules.errors import CalendarUnavailable, EvaluationError

__all__ = ["UNITS", "DueDate", "Unit", "add_days", "add_months", "age_on", "due_date"]

_OUT_OF_RANGE = "is out of range (dates run from 0001-01-01 to 9999-12-31)"

Unit = Literal["workdays", "days", "weeks", "months", "years"]
UNITS: tuple[str, ...] = get_args(Unit)


def add_days(day: dt.date, n: int) -> dt.date:
    """``day`` moved by ``n`` calendar days (``n`` may be negative)."""
    try:
        return day + dt.timedelta(days=n)
    except OverflowError:
        raise EvaluationError(f"{day.isoformat()} plus {n} days {_OUT_OF_RANGE}") from None


def add_months(day: dt.date, n: int, *, clamp: bool = True) -> dt.date:
    """``day`` moved by ``n`` calendar months, keeping the day of the month.

    When the target month has no such day (31 March plus one month), the result is that month's
    last day (民法典 第二百零二条); with ``clamp=False`` it is the first day of the month after.
    """
    month0 = day.year * 12 + day.month - 1 + n
    year, month = divmod(month0, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise EvaluationError(f"{day.isoformat()} plus {n} months {_OUT_OF_RANGE}")
    last = _gregorian.monthrange(year, month + 1)[1]
    if day.day <= last:
        return dt.date(year, month + 1, day.day)
    if clamp:
        return dt.date(year, month + 1, last)
    return add_days(dt.date(year, month + 1, last), 1)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in full years (周岁) on ``day``: the birthday itself completes a year.

    Someone born on 29 February completes a year on 1 March in a common year (28 February is
    still short of the anniversary). A ``day`` before ``birth`` is an error.
    """
    if day < birth:
        raise EvaluationError(
            f"age_on: {day.isoformat()} is before the birth date {birth.isoformat()}"
        )
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True, slots=True)
class DueDate:
    """A computed due date: the last day of a period and how it was reached.

    ``raw_date`` is the last day by counting alone; ``date`` is the due date after the rest-day
    extension (民法典 第二百零三条), and ``extended`` says whether the two differ.
    """

    date: dt.date
    raw_date: dt.date
    unit: str
    amount: int
    trigger: dt.date
    extended: bool


def due_date(
    trigger: dt.date,
    amount: int,
    unit: str,
    conventions: Conventions,
    calendar: WorkdayCalendar,
) -> DueDate:
    """The last day of a period of ``amount`` ``unit`` started by an event on ``trigger``.

    * ``workdays``: the ``amount``-th working day after ``trigger`` (see
      :meth:`WorkdayCalendar.add_workdays`; the trigger counts only under
      ``conventions.trigger_day_counts`` and only when it is a working day).
    * ``days``, ``weeks``, ``months``, ``years``: counting starts the day after ``trigger``
      (第二百零一条), so ``n`` days end on ``trigger + n`` and ``n`` months on the corresponding day
      of the due month, or that month's last day (第二百零二条). With ``trigger_day_counts`` the
      period starts on ``trigger`` and ends one day earlier. With
      ``conventions.extend_to_next_workday`` a last day that is a rest day moves to the next
      working day (第二百零三条).

    ``amount == 0`` gives the trigger day itself (still moved off a rest day when extension is
    on). :class:`~xueji_rules.errors.CalendarUnavailable` is raised when a year the computation
    needs has no holiday data.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise EvaluationError(f"due_date: amount must be an integer, not {amount!r}")
    if amount < 0:
        raise EvaluationError(f"due_date: amount must not be negative, got {amount}")
    try:
        return _due_date(trigger, amount, unit, conventions, calendar)
    except CalendarUnavailable:
        raise
    except EvaluationError as exc:
        if not exc.message.endswith(_OUT_OF_RANGE):
            raise
        # a due date past 9999-12-31 cannot be represented; like a year without holiday data,
        # the duty stands and its date is unknown (the engine reports calendar_unavailable)
        raise CalendarUnavailable(
            dt.MAXYEAR + 1 if amount else dt.MINYEAR - 1,
            f"the due date of {amount} {unit} from {trigger.isoformat()} falls outside the "
            "dates the calendar can count (0001-01-01 to 9999-12-31)",
        ) from None


def _due_date(
    trigger: dt.date,
    amount: int,
    unit: str,
    conventions: Conventions,
    calendar: WorkdayCalendar,
) -> DueDate:
    counted = conventions.trigger_day_counts and amount > 0
    if unit == "workdays":
        if amount == 0:
            return _extend(trigger, trigger, unit, amount, conventions, calendar)
        day = calendar.add_workdays(trigger, amount, conventions)
        return DueDate(day, day, unit, amount, trigger, False)
    if unit == "days":
        raw = add_days(trigger, amount - counted)
    elif unit == "weeks":
        raw = add_days(trigger, amount * conventions.week_days - counted)
    elif unit in ("months", "years"):
        months = amount * 12 if unit == "years" else amount
        raw = _month_end(trigger, months, conventions.month_end_clamp, counted)
    else:
        raise EvaluationError(f"due_date: unknown unit {unit!r} (known: {', '.join(UNITS)})")
    return _extend(trigger, raw, unit, amount, conventions, calendar)


def _month_end(trigger: dt.date, months: int, clamp: bool, counted: bool) -> dt.date:
    corresponding = add_months(trigger, months, clamp=True)
    has_day = corresponding.day == trigger.day
    if counted:
        # the period starts on the trigger day, so it ends the day before the corresponding
        # day; a month without one ends on its last day either way
        return add_days(corresponding, -1) if has_day else corresponding
    return corresponding if has_day or clamp else add_days(corresponding, 1)


def _extend(
    trigger: dt.date,
    raw: dt.date,
    unit: str,
    amount: int,
    conventions: Conventions,
    calendar: WorkdayCalendar,
) -> DueDate:
    day = calendar.workday_on_or_after(raw) if conventions.extend_to_next_workday else raw
    return DueDate(day, raw, unit, amount, trigger, day != raw)
