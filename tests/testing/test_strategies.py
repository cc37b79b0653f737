"""The Hypothesis strategies draw schema-valid, lifecycle-consistent data, quickly."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from xueji_rules._schemas import validator_for
from xueji_rules.engine import Engine
from xueji_rules.packs.loader import load_pack
from xueji_rules.packs.model import NOT_SPECIFIED
from xueji_rules.testing import strategies as xs

RECORD = validator_for("record.schema.json")
REQUEST = validator_for("request.schema.json")
SHANXI = load_pack("shanxi")
FAST = settings(derandomize=True, max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def _edge_combos(transition: str) -> set[tuple[str, str]]:
    return {
        (stage, status)
        for e in SHANXI.lifecycle.transitions[transition].edges
        for stage in (e.stages or tuple(SHANXI.lifecycle.stages))
        for status in e.from_statuses
    }


@FAST
@given(xs.records(SHANXI), xs.requests("shanxi"))
def test_records_and_requests_are_schema_valid(record: Any, request: Any) -> None:
    RECORD.validate(record)
    REQUEST.validate(request)
    assert record["status"] in SHANXI.lifecycle.statuses
    assert request["transition"] in SHANXI.lifecycle.transitions
    day = dt.date.fromisoformat(request["date"])
    assert SHANXI.valid_from <= day <= (SHANXI.valid_until or day)


@FAST
@given(xs.records("shanxi", stage="senior_secondary", status="suspended"))
def test_records_pin_stage_and_status(record: Any) -> None:
    assert (record["stage"], record["status"]) == ("senior_secondary", "suspended")
    assert 10 <= record["grade"] <= 12


@FAST
@given(xs.record_and_request("shanxi", "transfer"))
def test_record_and_request_follow_an_edge(pair: Any) -> None:
    record, request = pair
    RECORD.validate(record)
    REQUEST.validate(request)
    assert request["transition"] == "transfer"
    assert (record["stage"], record["status"]) in _edge_combos("transfer")
    day = dt.date.fromisoformat(request["date"])
    for s in record.get("suspensions", []):
        assert dt.date.fromisoformat(s["end"]) < day
    if "birth_date" in record:
        assert dt.date.fromisoformat(record["birth_date"]) < day


_SHANXI_ENGINE = Engine("shanxi")
_NOT_SPECIFIED = sorted(
    r.id for r in SHANXI.rules if r.exception is not None and r.exception.route == NOT_SPECIFIED
)


@FAST
@given(xs.record_and_request("shanxi", "transfer").filter(lambda p: "exceptions" in p[1]))
def test_generated_exceptions_are_inputs_the_engine_accepts(pair: Any) -> None:
    """Every id a generated request names is one the pack knows: an exception to a rule whose
    text names no one to grant it (route not_specified, D-103) is granted by a known body."""
    record, request = pair
    for exception in request.get("exceptions", ()):
        assert exception["granted_by"] != NOT_SPECIFIED
    _SHANXI_ENGINE.decide(record, request)  # raises InputError on an id the pack does not know


def test_exceptions_to_rules_without_a_route_are_drawn() -> None:
    assert _NOT_SPECIFIED, "the Shanxi pack has default rules without a named route"
    assert xs._NOT_SPECIFIED == NOT_SPECIFIED
    seen: set[str] = set()

    @settings(derandomize=True, max_examples=300, deadline=None, database=None)
    @given(xs.requests("shanxi", transition="transfer"))
    def draw(request: Any) -> None:
        seen.update(x["rule"] for x in request.get("exceptions", ()))

    draw()
    assert seen & set(_NOT_SPECIFIED)


@FAST
@given(xs.record_and_request("shanxi", "suspend", stage="junior_secondary"))
def test_record_and_request_pin_the_stage(pair: Any) -> None:
    record, _request = pair
    assert record["stage"] == "junior_secondary"
    grade = record["grade"]
    assert (6 if record.get("school_system") == "5-4" else 7) <= grade <= 9


@FAST
@given(xs.event_histories("shanxi", "senior_secondary"))
def test_event_histories_walk_the_lifecycle_in_time(history: xs.EventHistory) -> None:
    RECORD.validate(history.record)
    status = history.events[0].from_status if history.events else history.record["status"]
    last = None
    for event in history.events:
        assert event.from_status == status
        edges = SHANXI.lifecycle.transitions[event.transition].edges
        assert any(
            status in e.from_statuses and e.to == event.to_status
            and (e.stages is None or "senior_secondary" in e.stages)
            for e in edges
        )  # fmt: skip
        if last is not None:
            assert event.date > last
        last = event.period_end or event.date
        status = event.to_status
    assert history.record["status"] == status
    spans = sorted(
        (dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"]))
        for s in history.record.get("suspensions", [])
    )
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end < start


@FAST
@given(xs.dates_near_holidays(2026, spread=0))
def test_dates_near_holidays_hit_holidays_and_makeup_days(day: dt.date) -> None:
    import chinese_calendar

    assert day.year == 2026
    assert (
        chinese_calendar.is_holiday(day) or day.weekday() >= 5 or day in chinese_calendar.workdays
    )


def test_dates_near_holidays_refuses_an_uncovered_year() -> None:
    with pytest.raises(InvalidArgument, match="1900"):
        xs.dates_near_holidays(1900).example()


@FAST
@given(xs.dates_near_term_starts("shanxi", before=0, after=0))
def test_dates_near_term_starts_are_term_starts_in_validity(day: dt.date) -> None:
    assert SHANXI.valid_from <= day <= (SHANXI.valid_until or day)


@FAST
@given(xs.dates_near_deadline_boundaries(dt.date(2026, 9, 28), 10, "workdays", spread=0))
def test_deadline_boundary_over_national_day(day: dt.date) -> None:
    # 2026-09-28 + 10 working days skips the National Day week (国庆) and its 调休
    assert day > dt.date(2026, 10, 8)


@FAST
@given(xs.dates_near_deadline_boundaries(st.just(dt.date(2026, 1, 31)), 1, "months", spread=0))
def test_deadline_boundary_months_clamps_to_month_end(day: dt.date) -> None:
    assert day == dt.date(2026, 2, 28)


def test_unknown_transition_or_combo_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        xs.requests("shanxi", transition="teleport")
    with pytest.raises(InvalidArgument):
        xs.records("shanxi", stage="primary", status="no_such_status")
    with pytest.raises(InvalidArgument):
        xs.record_and_request("shanxi", "withdraw", stage="primary")


def test_strategies_are_fast() -> None:
    start = time.perf_counter()

    @settings(derandomize=True, max_examples=200, deadline=None, database=None)
    @given(xs.record_and_request("shanxi", "suspend"))
    def draw(pair: Any) -> None:
        pass

    draw()
    assert time.perf_counter() - start < 10
