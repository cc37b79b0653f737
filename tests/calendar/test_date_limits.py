"""Issue 10.5: dates near the ends of the range (0001-01-01, 9999-12-31) never crash.

A computation that would need a date outside the range raises ``CalendarUnavailable`` naming
the limit; a due date past 9999-12-31 in a decision is reported as ``calendar_unavailable``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xueji_rules.calendar import (
    Conventions,
    SchoolCalendar,
    WorkdayCalendar,
    due_date,
    estimated_school_year,
)
from xueji_rules.errors import CalendarUnavailable

LAST = dt.date(9999, 12, 31)
FIRST = dt.date(1, 1, 1)


@pytest.mark.parametrize("day", [LAST, dt.date(9999, 9, 1), dt.date(9999, 12, 1)])
def test_the_school_year_9999_10000_is_unavailable(day: dt.date) -> None:
    with pytest.raises(CalendarUnavailable, match="9999-10000 has dates outside"):
        SchoolCalendar().term_at(day)


def test_the_spring_of_9999_still_has_its_term() -> None:
    term = SchoolCalendar().term_at(dt.date(9999, 3, 15))
    assert (term.school_year, term.number) == ("9998-9999", 2)
    with pytest.raises(CalendarUnavailable):
        SchoolCalendar().school_year_end(dt.date(9999, 3, 15))  # the next one cannot start


def test_the_first_school_year_is_0001_0002() -> None:
    assert estimated_school_year(1).year == "0001-0002"
    with pytest.raises(CalendarUnavailable, match="0000-0001"):
        SchoolCalendar().term_at(FIRST)
    with pytest.raises(CalendarUnavailable):
        estimated_school_year(9999)


@pytest.mark.parametrize(
    ("amount", "unit"), [(30, "days"), (3, "months"), (2, "years"), (2, "weeks")]
)
def test_a_due_date_past_9999_is_unavailable(amount: int, unit: str) -> None:
    calendar = WorkdayCalendar()
    with pytest.raises(CalendarUnavailable, match="outside the dates the calendar can count"):
        due_date(dt.date(9999, 12, 20), amount, unit, Conventions(), calendar)


def test_a_decision_near_9999_reports_its_due_dates_as_unavailable() -> None:
    from xueji_rules import Engine
    from xueji_rules._resources import packs_root
    from xueji_rules.testing.scenarios import load_scenarios

    engine = Engine("national")  # valid with no end date
    scenarios = load_scenarios(packs_root() / "national" / "tests" / "transfer_suspension.yaml")
    seen = 0
    for scenario in scenarios[:30]:
        decision = engine.decide(scenario.record, {**scenario.request, "date": "9999-12-20"})
        for ob in decision.obligations:
            if ob.due_status != "no_deadline":
                assert ob.due is None and ob.due_status == "calendar_unavailable"
                seen += 1
    assert seen
