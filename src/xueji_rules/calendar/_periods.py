"""Periods and due dates under the counting conventions (民法典 第二百零一条 to 第二百零三条)."""

from __future__ import annotations

import calendar as _gregorian
import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from xueji_rules.calendar._conventions import Conventions
from xueji_rules.calendar._workdays import WorkdayCalendar
from xueji_rules.errors import CalendarUnavailable, EvaluationError

__all__ = [
    "UNITS",
    "DueDate",
    "Unit",
    "add_days",
    "add_months",
    "add_years",
    "age_on",
    "days_in_period",
    "due_date",
    "period_last_day",
]

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


def add_years(day: dt.date, n: int, *, clamp: bool = True) -> dt.date:
    """``day`` moved by ``n`` calendar years, keeping the month and day.

    29 February moved into a common year becomes 28 February (民法典 第二百零二条: a period with no
    corresponding day ends on the month's last day); with ``clamp=False`` it becomes 1 March.
    """
    return add_months(day, 12 * n, clamp=clamp)


def period_last_day(
    start: dt.date, amount: int, unit: str, conventions: Conventions | None = None
) -> dt.date:
    """The last day of a period of ``amount`` ``unit`` whose **first** day is ``start``.

    This is the span of a state that begins on a known day and includes it (a suspension from
    ``start``, the five years a text is valid), as opposed to :func:`due_date`, which counts a
    time limit from an event on the day before the period starts (民法典 第二百零一条):

    * ``days``: ``start + amount - 1``; ``weeks``: ``amount × week_days`` days the same way;
    * ``months``, ``years``: the day before the corresponding day of the last month (one year
      from 2027-09-01 ends 2028-08-31), or that month's last day when it has no corresponding
      day (one year from 2028-02-29 ends 2029-02-28; two years end 2030-02-28), which is
      第二百零二条 applied to a period whose first day counts.

    The last day is not moved off a rest day: 第二百零三条 extends the time to *do* something, and
    such a span sets none. ``amount`` must be at least 1; ``workdays`` is not a span unit (count
    them with :meth:`WorkdayCalendar.add_workdays`).
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise EvaluationError(f"period_last_day: amount must be an integer, not {amount!r}")
    if amount < 1:
        raise EvaluationError(f"period_last_day: a period has at least 1 {unit}, got {amount}")
    week_days = (conventions or Conventions()).week_days
    if unit == "days":
        return add_days(start, amount - 1)
    if unit == "weeks":
        return add_days(start, amount * week_days - 1)
    if unit in ("months", "years"):
        months = amount * 12 if unit == "years" else amount
        return _month_end(start, months, clamp=True, counted=True)
    raise EvaluationError(
        f"period_last_day: unit must be days, weeks, months or years, not {unit!r}"
    )


def days_in_period(
    start: dt.date, amount: int, unit: str, conventions: Conventions | None = None
) -> int:
    """How many calendar days the period of :func:`period_last_day` holds, both ends included.

    Two years from 2027-09-01 hold 731 days (29 February 2028 falls in them), two years from
    2028-09-01 hold 730, two years from 2028-02-29 hold 731 (they end on 2030-02-28).
    """
    return (period_last_day(start, amount, unit, conventions) - start).days + 1


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
