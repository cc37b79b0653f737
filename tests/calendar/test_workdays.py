"""Working days of 2026 pinned against the State Council's schedule (catalog Appendix A), and
working-day due dates across Labour Day, Mid-Autumn and National Day computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from xueji_rules.calendar import Conventions, HolidayYear, WorkdayCalendar
from xueji_rules.errors import CalendarUnavailable

D = dt.date


def _span(first: str, last: str) -> list[dt.date]:
    a, b = D.fromisoformat(first), D.fromisoformat(last)
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


HOLIDAYS_2026 = [
    *_span("2026-01-01", "2026-01-03"),  # 元旦
    *_span("2026-02-15", "2026-02-23"),  # 春节, nine days
    *_span("2026-04-04", "2026-04-06"),  # 清明节
    *_span("2026-05-01", "2026-05-05"),  # 劳动节
    *_span("2026-06-19", "2026-06-21"),  # 端午节
    *_span("2026-09-25", "2026-09-27"),  # 中秋节
    *_span("2026-10-01", "2026-10-07"),  # 国庆节
]
MAKEUP_2026 = [
    D(2026, 1, 4),  # Sunday
    D(2026, 2, 14),  # Saturday
    D(2026, 2, 28),  # Saturday
    D(2026, 5, 9),  # Saturday
    D(2026, 9, 20),  # Sunday
    D(2026, 10, 10),  # Saturday
]


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_every_2026_statutory_holiday_is_a_rest_day(cal: WorkdayCalendar, day: dt.date) -> None:
    assert not cal.is_workday(day)
    assert cal.is_holiday(day)
    assert cal.is_rest_day(day)


@pytest.mark.parametrize("day", MAKEUP_2026, ids=str)
def test_every_2026_makeup_day_is_a_working_weekend_day(cal: WorkdayCalendar, day: dt.date) -> None:
    assert day.weekday() >= 5
    assert cal.is_workday(day)
    assert not cal.is_holiday(day)


def test_2026_schedule_is_exactly_appendix_a(cal: WorkdayCalendar) -> None:
    year = cal.holiday_year(2026)
    assert year.holidays == frozenset(HOLIDAYS_2026)
    assert year.makeup_workdays == frozenset(MAKEUP_2026)
    assert len(year.workdays()) == 248
    assert cal.workdays_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


def test_ordinary_days(cal: WorkdayCalendar) -> None:
    assert cal.is_workday(D(2026, 3, 2))  # a Monday
    assert not cal.is_workday(D(2026, 3, 7))  # a Saturday
    assert not cal.is_holiday(D(2026, 3, 7))  # a rest day, but no statutory holiday


# Each case: trigger, n, due date; the trigger is not counted (民法典 第二百零一条).
DUE_10_AND_60 = [
    # Labour Day: 04-29 (1), 04-30 (2), [05-01..05 off], 05-06 (3), 05-07 (4), 05-08 (5),
    # Sat 05-09 make-up (6), 05-11 (7), 05-12 (8), 05-13 (9), 05-14 (10)
    (D(2026, 4, 28), 10, D(2026, 5, 14)),
    # 05-06 (1), 05-07 (2), 05-08 (3), Sat 05-09 (4), 05-11..15 (9), 05-18 (10)
    (D(2026, 4, 30), 10, D(2026, 5, 18)),
    # Mid-Autumn + National Day: [09-25..27 off], 09-28..30 (3), [10-01..07 off], 10-08 (4),
    # 10-09 (5), Sat 10-10 make-up (6), 10-12..15 (10)
    (D(2026, 9, 24), 10, D(2026, 10, 15)),
    # 09-08..11 (4), 09-14..18 (9), Sun 09-20 make-up (10): a due date on a Sunday
    (D(2026, 9, 7), 10, D(2026, 9, 20)),
    # trigger on a holiday: 10-08 (1), 10-09 (2), 10-10 (3), 10-12..16 (8), 10-19 (9), 10-20 (10)
    (D(2026, 10, 1), 10, D(2026, 10, 20)),
    # Spring Festival: Sat 02-14 make-up (1), [02-15..23 off], 02-24..27 (5), Sat 02-28 (6),
    # 03-02..05 (10)
    (D(2026, 2, 13), 10, D(2026, 3, 5)),
    # 09-16..18 (3), Sun 09-20 (4), 09-21..24 (8), [09-25..27], 09-28..30 (11), [10-01..07],
    # 10-08..09 (13), Sat 10-10 (14), then five a week: 10-16 (19), 10-23 (24), 10-30 (29),
    # 11-06 (34), 11-13 (39), 11-20 (44), 11-27 (49), 12-04 (54), 12-11 (59), 12-14 (60)
    (D(2026, 9, 15), 60, D(2026, 12, 14)),
    # Qingming, Labour Day, Dragon Boat: 04-02..03 (2), [04-04..06], 04-07..10 (6), 04-17 (11),
    # 04-24 (16), 04-27..30 (20), [05-01..05], 05-06..08 (23), Sat 05-09 (24), 05-15 (29),
    # 05-22 (34), 05-29 (39), 06-05 (44), 06-12 (49), 06-15..18 (53), [06-19..21],
    # 06-22..26 (58), 06-29 (59), 06-30 (60)
    (D(2026, 4, 1), 60, D(2026, 6, 30)),
    # the last triggers 2026 data can serve (catalog Appendix A)
    (D(2026, 12, 17), 10, D(2026, 12, 31)),
    (D(2026, 10, 9), 60, D(2026, 12, 31)),
]


@pytest.mark.parametrize(("trigger", "n", "due"), DUE_10_AND_60, ids=str)
def test_working_day_due_dates(
    cal: WorkdayCalendar, trigger: dt.date, n: int, due: dt.date
) -> None:
    assert cal.add_workdays(trigger, n) == due
    assert cal.workdays_between(trigger, due) == n


def test_trigger_day_counts_moves_one_working_day_earlier(cal: WorkdayCalendar) -> None:
    counted = Conventions(trigger_day_counts=True)
    # catalog Q2: 10 WD from 09-01 end on 09-15, or on 09-14 when 09-01 is day 1
    assert cal.add_workdays(D(2026, 9, 1), 10) == D(2026, 9, 15)
    assert cal.add_workdays(D(2026, 9, 1), 10, counted) == D(2026, 9, 14)
    assert cal.add_workdays(D(2026, 9, 1), 1, counted) == D(2026, 9, 1)
    # a rest day cannot be day 1
    assert cal.add_workdays(D(2026, 10, 1), 10, counted) == D(2026, 10, 20)


def test_negative_and_zero(cal: WorkdayCalendar) -> None:
    assert cal.add_workdays(D(2026, 10, 8), 0) == D(2026, 10, 8)
    assert cal.add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert cal.add_workdays(D(2026, 1, 5), -1) == D(2026, 1, 4)  # Sunday make-up day
    assert cal.add_workdays(D(2026, 1, 4), -1) == D(2025, 12, 31)  # across the year
    assert cal.workdays_between(D(2026, 10, 15), D(2026, 9, 24)) == -10


def test_next_workday(cal: WorkdayCalendar) -> None:
    assert cal.next_workday(D(2026, 9, 30)) == D(2026, 10, 8)
    assert cal.next_workday(D(2026, 10, 9)) == D(2026, 10, 10)
    assert cal.workday_on_or_after(D(2026, 10, 10)) == D(2026, 10, 10)
    assert cal.workday_on_or_after(D(2026, 10, 11)) == D(2026, 10, 12)


def test_across_years(cal: WorkdayCalendar) -> None:
    # 2025-12-31 (Wed) + 1: [2026-01-01..03 off], Sun 01-04 make-up
    assert cal.add_workdays(D(2025, 12, 31), 1) == D(2026, 1, 4)
    total = sum(len(cal.holiday_year(y).workdays()) for y in range(2020, 2027))
    assert cal.workdays_between(D(2019, 12, 31), D(2026, 12, 31)) == total


def test_coverage_is_probed_from_the_package(cal: WorkdayCalendar) -> None:
    import chinese_calendar

    years = cal.covered_years()
    assert years == tuple(range(years[0], years[-1] + 1))
    assert 2026 in years and 2004 in years
    for year in (years[0] - 1, years[-1] + 1):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(D(year, 1, 1))
    assert "chinese-calendar" in cal.source_of(2026)


def test_2027_without_data_is_unavailable_never_monday_to_friday(cal: WorkdayCalendar) -> None:
    with pytest.raises(CalendarUnavailable) as info:
        cal.is_workday(D(2027, 3, 1))
    assert info.value.year == 2027
    assert "2027" in str(info.value) and "holidays-2027.yaml" in str(info.value)
    # 10 WD from 2026-12-18 reach into 2027 (catalog Q4)
    with pytest.raises(CalendarUnavailable) as info:
        cal.add_workdays(D(2026, 12, 18), 10)
    assert info.value.year == 2027
    with pytest.raises(CalendarUnavailable):
        cal.workdays_between(D(2026, 12, 1), D(2027, 1, 10))
    with pytest.raises(CalendarUnavailable) as info:
        cal.add_workdays(D(2004, 1, 2), -5)
    assert info.value.year == 2003


def test_2027_with_the_fixture_file(cal_2027: WorkdayCalendar) -> None:
    assert 2027 in cal_2027.covered_years()
    # 12-21..25 (5), 12-28..31 (9), [2027-01-01..03 off in the fixture], Mon 01-04 (10)
    assert cal_2027.add_workdays(D(2026, 12, 18), 10) == D(2027, 1, 4)
    assert cal_2027.is_workday(D(2027, 2, 20))  # a fixture make-up Saturday
    assert cal_2027.is_holiday(D(2027, 2, 8))
    assert "test fixture" in cal_2027.source_of(2027)


def test_supplied_year_replaces_the_package(cal: WorkdayCalendar) -> None:
    package = cal.holiday_year(2026)
    # a supplied 2026 without the 10-10 make-up day (as if a notice had moved it)
    changed = HolidayYear(
        2026, package.holidays, package.makeup_workdays - {D(2026, 10, 10)}, "a test notice"
    )
    custom = WorkdayCalendar([changed])
    assert not custom.is_workday(D(2026, 10, 10))
    assert custom.source_of(2026) == "a test notice"
    assert cal.is_workday(D(2026, 10, 10))  # the shared calendar is untouched


def test_conflicts_with_package() -> None:
    package = WorkdayCalendar().holiday_year(2026)
    assert WorkdayCalendar.conflicts_with_package(package) == []
    wrong = HolidayYear(
        2026,
        package.holidays | {D(2026, 10, 8)},
        package.makeup_workdays - {D(2026, 10, 10)},
        "holidays-2026.yaml",
    )
    conflicts = WorkdayCalendar.conflicts_with_package(wrong)
    assert len(conflicts) == 2
    assert conflicts[0].startswith("2026-10-08: an ordinary working day in chinese-calendar")
    assert "a holiday in holidays-2026.yaml" in conflicts[0]
    assert conflicts[1].startswith("2026-10-10: a make-up working day in chinese-calendar")
    # a year the package does not cover has nothing to contradict
    assert (
        WorkdayCalendar.conflicts_with_package(HolidayYear(2027, frozenset(), frozenset(), "x"))
        == []
    )


def test_package_off_uses_only_supplied_years(year_2027: HolidayYear) -> None:
    only = WorkdayCalendar([year_2027], use_package=False)
    assert only.covered_years() == (2027,)
    with pytest.raises(CalendarUnavailable):
        only.is_workday(D(2026, 6, 1))


def test_counting_never_goes_back_to_the_package(
    cal: WorkdayCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each year is precomputed once; after that, counting is table lookups only
    import chinese_calendar

    cal.add_workdays(D(2026, 9, 15), 60)

    def refuse(*args: object) -> None:
        raise AssertionError("chinese_calendar called after precomputation")

    monkeypatch.setattr(chinese_calendar, "is_workday", refuse)
    monkeypatch.setattr(chinese_calendar, "get_holiday_detail", refuse)
    assert cal.add_workdays(D(2026, 9, 15), 60) == D(2026, 12, 14)
    assert cal.workdays_between(D(2026, 1, 1), D(2026, 12, 31)) == 248
    assert cal.is_workday(D(2026, 10, 10))
