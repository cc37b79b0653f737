"""``period_end`` and ``school_year_end``: the domain functions for the end of a period under the
pack's conventions (third-province item 3) and of a school year."""

from __future__ import annotations

import datetime as dt

import pytest

from xueji_rules import Engine, expr
from xueji_rules.errors import EvaluationError, ExpressionError
from xueji_rules.expr import types as t


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine("shanxi")


def program(engine: Engine, source: str) -> expr.Program:
    decls = expr.Declarations({"d": t.DATE, "u": t.STRING}, engine.time.functions())
    return expr.compile(source, decls)


@pytest.mark.parametrize(
    ("day", "amount", "unit", "due"),
    [
        # D-18: a month from a suspension's end, run on past a rest day to the next working day
        ("2026-02-28", 1, "months", "2026-03-30"),
        ("2026-09-04", 1, "months", "2026-10-08"),
        ("2026-01-31", 1, "months", "2026-02-28"),  # no 31 February; 02-28 is a make-up Saturday
        ("2026-04-28", 10, "workdays", "2026-05-14"),
        ("2026-09-20", 15, "days", "2026-10-08"),
        ("2026-09-17", 2, "weeks", "2026-10-08"),
        (
            "2026-09-26",
            0,
            "days",
            "2026-09-28",
        ),  # a Saturday: the day itself, moved off the rest day
    ],
)
def test_period_end_is_the_due_date_of_the_same_clock(
    engine: Engine, day: str, amount: int, unit: str, due: str
) -> None:
    start = dt.date.fromisoformat(day)
    got = program(engine, f"period_end(d, {amount}, '{unit}')").function(start, "")
    assert got == dt.date.fromisoformat(due)
    assert got == engine.time.due(start, amount, unit)


def test_a_literal_unit_or_amount_is_checked_when_the_pack_loads(engine: Engine) -> None:
    with pytest.raises(ExpressionError, match=r"unknown unit 'mnths' \(one of workdays"):
        program(engine, "period_end(d, 1, 'mnths')")
    with pytest.raises(ExpressionError, match="must not be negative"):
        program(engine, "period_end(d, -2, 'days')")


def test_a_unit_from_data_is_checked_when_it_runs(engine: Engine) -> None:
    p = program(engine, "period_end(d, 1, u)")
    assert p.function(dt.date(2026, 3, 2), "days") == dt.date(2026, 3, 3)
    with pytest.raises(EvaluationError, match="unknown unit 'fortnights'"):
        p.function(dt.date(2026, 3, 2), "fortnights")


def test_school_year_end(engine: Engine) -> None:
    p = program(engine, "school_year_end(d)")
    assert p.function(dt.date(2026, 3, 2), "") == dt.date(2026, 8, 31)
    assert p.function(dt.date(2026, 3, 2), "") == engine.time.school.school_year_end(
        dt.date(2026, 3, 2)
    )
