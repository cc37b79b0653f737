"""Due dates in days, weeks and months (民法典 第二百零一至二百零三条), ages, boundary words
(第一千二百五十九条) and the conventions' pack settings."""

from __future__ import annotations

import datetime as dt

import pytest

from xueji_rules.calendar import (
    Boundary,
    Conventions,
    DueDate,
    WorkdayCalendar,
    add_days,
    add_months,
    add_years,
    age_on,
    boundary_of,
    days_in_period,
    due_date,
    period_last_day,
    satisfies,
)
from xueji_rules.errors import CalendarUnavailable, EvaluationError, LoadError

D = dt.date
DEFAULT = Conventions()


def test_two_months_from_the_spring_opening_ends_after_labour_day(cal: WorkdayCalendar) -> None:
    # 第二百零二条: the corresponding day 05-02 is the raw last day; it falls in the Labour Day
    # holiday (05-01..05), so 第二百零三条 moves it to the day after the holiday, 05-06
    due = due_date(D(2026, 3, 2), 2, "months", DEFAULT, cal)
    assert due == DueDate(D(2026, 5, 6), D(2026, 5, 2), "months", 2, D(2026, 3, 2), True)
    unextended = due_date(
        D(2026, 3, 2), 2, "months", Conventions(extend_to_next_workday=False), cal
    )
    assert (unextended.date, unextended.extended) == (D(2026, 5, 2), False)


@pytest.mark.parametrize(
    ("trigger", "amount", "unit", "raw", "due", "conventions"),
    [
        # 2 months from 09-01 -> Sunday 11-01 -> Monday 11-02 (catalog Q3)
        (D(2026, 9, 1), 2, "months", D(2026, 11, 1), D(2026, 11, 2), DEFAULT),
        # no 31 February: the month's last day, 02-28, a make-up Saturday, so no extension
        (D(2026, 1, 31), 1, "months", D(2026, 2, 28), D(2026, 2, 28), DEFAULT),
        # without clamping the period runs into the next month: 03-01 is a Sunday -> 03-02
        (
            D(2026, 1, 31),
            1,
            "months",
            D(2026, 3, 1),
            D(2026, 3, 2),
            Conventions(month_end_clamp=False),
        ),
        (D(2026, 3, 31), 1, "months", D(2026, 4, 30), D(2026, 4, 30), DEFAULT),
        # 15 days from 09-20 end on 10-05, inside National Day -> 10-08
        (D(2026, 9, 20), 15, "days", D(2026, 10, 5), D(2026, 10, 8), DEFAULT),
        # two weeks from 09-17 end on 10-01 -> 10-08
        (D(2026, 9, 17), 2, "weeks", D(2026, 10, 1), D(2026, 10, 8), DEFAULT),
        # a year from 2025-10-01 ends on 2026-10-01 -> 10-08
        (D(2025, 10, 1), 1, "years", D(2026, 10, 1), D(2026, 10, 8), DEFAULT),
        # the trigger counted: 15 days from the 03-02 opening end on 03-16 (catalog Q5)
        (
            D(2026, 3, 2),
            15,
            "days",
            D(2026, 3, 16),
            D(2026, 3, 16),
            Conventions(trigger_day_counts=True),
        ),
        # the trigger counted: a month starting 03-01 ends on 03-31, one starting 01-31 on 02-28
        (
            D(2026, 3, 1),
            1,
            "months",
            D(2026, 3, 31),
            D(2026, 3, 31),
            Conventions(trigger_day_counts=True),
        ),
        (
            D(2026, 1, 31),
            1,
            "months",
            D(2026, 2, 28),
            D(2026, 2, 28),
            Conventions(trigger_day_counts=True),
        ),
        # amount 0 is the trigger day, still moved off a rest day
        (D(2026, 7, 11), 0, "days", D(2026, 7, 11), D(2026, 7, 13), DEFAULT),
        (D(2026, 7, 11), 0, "workdays", D(2026, 7, 11), D(2026, 7, 13), DEFAULT),
        # working days end on a working day: never extended
        (D(2026, 9, 24), 10, "workdays", D(2026, 10, 15), D(2026, 10, 15), DEFAULT),
        (D(2026, 9, 1), 10, "workdays", D(2026, 9, 14), D(2026, 9, 14), Conventions(True)),
    ],
    ids=str,
)
def test_due_dates(
    cal: WorkdayCalendar,
    trigger: dt.date,
    amount: int,
    unit: str,
    raw: dt.date,
    due: dt.date,
    conventions: Conventions,
) -> None:
    result = due_date(trigger, amount, unit, conventions, cal)
    assert (result.raw_date, result.date, result.extended) == (raw, due, raw != due)


def test_due_date_needs_data_only_when_it_extends(cal: WorkdayCalendar) -> None:
    off = Conventions(extend_to_next_workday=False)
    assert due_date(D(2026, 12, 1), 2, "months", off, cal).date == D(2027, 2, 1)
    with pytest.raises(CalendarUnavailable):
        due_date(D(2026, 12, 1), 2, "months", DEFAULT, cal)


def test_due_date_rejects_bad_arguments(cal: WorkdayCalendar) -> None:
    with pytest.raises(EvaluationError, match="unknown unit 'fortnights'"):
        due_date(D(2026, 1, 5), 1, "fortnights", DEFAULT, cal)
    with pytest.raises(EvaluationError, match="must not be negative"):
        due_date(D(2026, 1, 5), -1, "days", DEFAULT, cal)


def test_add_days_and_months() -> None:
    assert add_days(D(2026, 2, 27), 2) == D(2026, 3, 1)
    assert add_days(D(2026, 3, 1), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert add_months(D(2026, 1, 31), 1, clamp=False) == D(2026, 3, 1)
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 11, 30), 14) == D(2028, 1, 30)
    with pytest.raises(EvaluationError):
        add_days(D(9999, 12, 31), 1)


def test_age_on() -> None:
    assert age_on(D(2020, 9, 1), D(2026, 8, 31)) == 5
    assert age_on(D(2020, 9, 1), D(2026, 9, 1)) == 6  # the birthday completes the year
    # born on 29 February: a common year's 28 February is still short of the anniversary
    assert age_on(D(2008, 2, 29), D(2026, 2, 28)) == 17
    assert age_on(D(2008, 2, 29), D(2026, 3, 1)) == 18
    assert age_on(D(2008, 2, 29), D(2028, 2, 29)) == 20
    with pytest.raises(EvaluationError, match="before the birth date"):
        age_on(D(2020, 1, 2), D(2020, 1, 1))


@pytest.mark.parametrize(
    ("phrase", "boundary", "below", "at", "above"),
    [
        ("以上", Boundary.INCLUSIVE, False, True, True),
        ("以下", Boundary.INCLUSIVE, True, True, False),
        ("以内", Boundary.INCLUSIVE, True, True, False),
        ("届满", Boundary.INCLUSIVE, False, True, True),
        ("不满", Boundary.EXCLUSIVE, True, False, False),
        ("超过", Boundary.EXCLUSIVE, False, False, True),
        ("以外", Boundary.EXCLUSIVE, False, False, True),
        ("不超过", Boundary.INCLUSIVE, True, True, False),
        ("及以上", Boundary.INCLUSIVE, False, True, True),
    ],
)
def test_boundary_words(
    phrase: str, boundary: Boundary, below: bool, at: bool, above: bool
) -> None:
    assert boundary_of(phrase) is boundary
    assert (satisfies(7, phrase, 8), satisfies(8, phrase, 8), satisfies(9, phrase, 8)) == (
        below,
        at,
        above,
    )


def test_truancy_thresholds_of_shanxi_article_35() -> None:
    # more than 8 weeks in a row (超过): exactly eight do not qualify; 10 weeks in total
    # (及以上): exactly ten do
    assert not satisfies(8, "超过", 8)
    assert satisfies(10, "及以上", 10)
    assert satisfies(D(2026, 3, 16), "以内", D(2026, 3, 16))
    with pytest.raises(LoadError, match="unknown boundary phrase"):
        satisfies(1, "左右", 1)


def test_conventions_from_pack_settings() -> None:
    assert Conventions.from_mapping({}) == Conventions()
    assert Conventions.from_mapping({"trigger_day_counts": True}).trigger_day_counts
    with pytest.raises(LoadError, match=r"unknown counting convention\(s\) 'trigger_day'"):
        Conventions.from_mapping({"trigger_day": True})
    with pytest.raises(LoadError, match="must be true or false"):
        Conventions.from_mapping({"extend_to_next_workday": "yes"})
    with pytest.raises(LoadError, match="between 1 and 7"):
        Conventions(week_days=0)
    assert Conventions.names() == (
        "trigger_day_counts",
        "extend_to_next_workday",
        "month_end_clamp",
        "week_days",
    )
    assert Conventions().to_mapping()["week_days"] == 7


# -- periods whose first day counts: spans in years and months (docs/time.md "Periods in years") --


@pytest.mark.parametrize(
    ("start", "amount", "unit", "last", "days"),
    [
        # one year from a day that has its anniversary: the day before it
        (D(2027, 9, 1), 1, "years", D(2028, 8, 31), 366),  # 29 February 2028 inside
        (D(2028, 9, 1), 1, "years", D(2029, 8, 31), 365),
        (D(2027, 3, 1), 1, "years", D(2028, 2, 29), 366),
        # no 29 February in the last year: that February's last day
        (D(2028, 2, 29), 1, "years", D(2029, 2, 28), 366),
        (D(2028, 2, 29), 2, "years", D(2030, 2, 28), 731),
        (D(2028, 2, 29), 4, "years", D(2032, 2, 28), 1461),
        (D(2027, 9, 1), 2, "years", D(2029, 8, 31), 731),
        (D(2028, 9, 1), 2, "years", D(2030, 8, 31), 730),
        (D(2028, 3, 1), 2, "years", D(2030, 2, 28), 730),
        # 晋教〔2026〕1号 第五十三条: five years from 2026-02-10 (D-02)
        (D(2026, 2, 10), 5, "years", D(2031, 2, 9), 1826),
        (D(2026, 1, 31), 1, "months", D(2026, 2, 28), 29),
        (D(2026, 3, 1), 1, "months", D(2026, 3, 31), 31),
        (D(2028, 2, 29), 12, "months", D(2029, 2, 28), 366),
        (D(2026, 3, 2), 15, "days", D(2026, 3, 16), 15),
        (D(2026, 3, 2), 2, "weeks", D(2026, 3, 15), 14),
    ],
)
def test_period_last_day_counts_the_first_day(
    start: dt.date, amount: int, unit: str, last: dt.date, days: int
) -> None:
    assert period_last_day(start, amount, unit) == last
    assert days_in_period(start, amount, unit) == days


def test_a_span_ends_where_a_time_limit_from_the_day_before_ends(cal: WorkdayCalendar) -> None:
    # due_date counts from an event (the day is not part of the period); a span counts its own
    # first day, so n years from the day after the event end where the time limit ends
    for trigger in (D(2027, 8, 31), D(2028, 2, 28), D(2026, 2, 9)):
        for years in (1, 2, 5):
            due = due_date(trigger, years, "years", Conventions(extend_to_next_workday=False), cal)
            assert period_last_day(trigger + dt.timedelta(days=1), years, "years") == due.raw_date


def test_a_span_is_not_moved_off_a_rest_day() -> None:
    # 2026-10-03 is in the National Day holiday; the span still ends on it
    assert period_last_day(D(2025, 10, 4), 1, "years") == D(2026, 10, 3)


def test_add_years_keeps_the_day_or_takes_the_last_of_february() -> None:
    assert add_years(D(2027, 9, 1), 2) == D(2029, 9, 1)
    assert add_years(D(2028, 2, 29), 1) == D(2029, 2, 28)
    assert add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)
    assert add_years(D(2028, 2, 29), 1, clamp=False) == D(2029, 3, 1)
    assert add_years(D(2029, 2, 28), -1) == D(2028, 2, 28)


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (0, "years", "at least 1"),
        (-1, "days", "at least 1"),
        (1, "workdays", "unit must be"),
        (1, "fortnights", "unit must be"),
        (True, "years", "must be an integer"),
    ],
)
def test_period_last_day_rejects_bad_input(amount: int, unit: str, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        period_last_day(D(2026, 3, 2), amount, unit)
