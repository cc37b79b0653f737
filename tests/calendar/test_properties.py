"""Properties of working-day counting, checked with Hypothesis (fixed seed) against
chinese-calendar day by day."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from hypothesis import given, settings
from hypothesis import strategies as st

from xueji_rules.calendar import Conventions, WorkdayCalendar

CAL = WorkdayCalendar()
# late enough that 200 working days back stay in 2004, early enough that 120 forward stay in 2026
DAYS = st.dates(dt.date(2005, 1, 1), dt.date(2026, 6, 30))
N = st.integers(0, 120)
WORKDAYS = DAYS.filter(CAL.is_workday)


@settings(derandomize=True, max_examples=300)
@given(DAYS)
def test_is_workday_agrees_with_chinese_calendar(day: dt.date) -> None:
    assert CAL.is_workday(day) == chinese_calendar.is_workday(day)


@settings(derandomize=True, max_examples=300)
@given(DAYS, N)
def test_counting_back_what_was_added(day: dt.date, n: int) -> None:
    assert CAL.workdays_between(day, CAL.add_workdays(day, n)) == n


@settings(derandomize=True, max_examples=300)
@given(WORKDAYS, N)
def test_going_back_returns_to_a_working_day(day: dt.date, n: int) -> None:
    assert CAL.add_workdays(CAL.add_workdays(day, n), -n) == day


@settings(derandomize=True, max_examples=300)
@given(DAYS, st.integers(1, 120))
def test_the_result_is_a_working_day_after_the_trigger(day: dt.date, n: int) -> None:
    due = CAL.add_workdays(day, n)
    assert due > day
    assert CAL.is_workday(due)
    assert chinese_calendar.is_workday(due)


@settings(derandomize=True, max_examples=200)
@given(DAYS, st.integers(1, 40))
def test_against_a_day_by_day_count(day: dt.date, n: int) -> None:
    current, left = day, n
    while left:
        current += dt.timedelta(days=1)
        left -= chinese_calendar.is_workday(current)
    assert CAL.add_workdays(day, n) == current


@settings(derandomize=True, max_examples=300)
@given(DAYS, N)
def test_monotone_in_n(day: dt.date, n: int) -> None:
    assert CAL.add_workdays(day, n) < CAL.add_workdays(day, n + 1)


@settings(derandomize=True, max_examples=300)
@given(DAYS, DAYS, N)
def test_monotone_in_the_trigger(a: dt.date, b: dt.date, n: int) -> None:
    early, late = min(a, b), max(a, b)
    assert CAL.add_workdays(early, n) <= CAL.add_workdays(late, n)


@settings(derandomize=True, max_examples=300)
@given(DAYS, DAYS)
def test_between_is_antisymmetric_and_additive(a: dt.date, b: dt.date) -> None:
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)
    middle = a + (b - a) / 2
    assert CAL.workdays_between(a, b) == CAL.workdays_between(a, middle) + CAL.workdays_between(
        middle, b
    )


@settings(derandomize=True, max_examples=200)
@given(WORKDAYS, st.integers(1, 120))
def test_a_counted_trigger_ends_one_working_day_earlier(day: dt.date, n: int) -> None:
    counted = CAL.add_workdays(day, n, Conventions(trigger_day_counts=True))
    assert counted == CAL.add_workdays(day, n - 1)
