"""Shared fixtures: the package-only calendar and the 2027 test fixture file."""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules.calendar import HolidayYear, WorkdayCalendar, load_holiday_file

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def cal() -> WorkdayCalendar:
    """chinese-calendar data only (2004..2026 with chinese-calendar 1.11.0)."""
    return WorkdayCalendar()


@pytest.fixture(scope="session")
def year_2027() -> HolidayYear:
    """The made-up 2027 schedule in tests/calendar/data (a fixture, not official data)."""
    return load_holiday_file(DATA / "holidays-2027.yaml")


@pytest.fixture(scope="session")
def cal_2027(year_2027: HolidayYear) -> WorkdayCalendar:
    """chinese-calendar plus the 2027 fixture year."""
    return WorkdayCalendar.from_sources(supplied=[year_2027])
