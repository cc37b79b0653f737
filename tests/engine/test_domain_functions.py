"""The domain functions rule expressions call, through the engine's declarations."""

from __future__ import annotations

import datetime as dt

import pytest

from xueji_rules import Engine, expr
from xueji_rules.errors import EvaluationError


@pytest.fixture(scope="module")
def decls() -> expr.Declarations:
    return Engine("shanxi")._compiled.declarations


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("stage_of_grade(6, '6-3')", "primary"),
        ("stage_of_grade(6, '5-4')", "junior_secondary"),
        ("stage_of_grade(5, '5-4')", "primary"),
        ("stage_of_grade(10, '5-4')", "senior_secondary"),
        ("is_entry_grade(stage_of_grade(6, '5-4'), 6, '5-4')", True),
        ("is_graduating_grade('primary', 5, '5-4')", True),
    ],
)
def test_grade_functions(decls: expr.Declarations, source: str, expected: object) -> None:
    program = expr.compile(source, decls)
    assert program.evaluate({"record": {}, "request": {}, "params": {}}) == expected


def test_a_grade_outside_the_school_system_is_an_evaluation_error(decls: expr.Declarations) -> None:
    program = expr.compile("stage_of_grade(13, '6-3')", decls)
    with pytest.raises(EvaluationError, match="grade 13 is outside 1-12"):
        program.evaluate({"record": {}, "request": {}, "params": {}})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("graduating_grade('primary', '6-3')", 6),
        ("graduating_grade('primary', '5-4')", 5),
        ("graduating_grade('junior_secondary', '5-4')", 9),
        ("graduating_grade('senior_secondary', '6-3')", 12),
    ],
)
def test_graduating_grade(decls: expr.Declarations, source: str, expected: object) -> None:
    program = expr.compile(source, decls)
    assert program.evaluate({"record": {}, "request": {}, "params": {}}) == expected


def test_a_stage_without_grades_has_no_graduating_grade(decls: expr.Declarations) -> None:
    program = expr.compile("graduating_grade('preschool', '6-3')", decls)
    with pytest.raises(EvaluationError, match="has no grades"):
        program.evaluate({"record": {}, "request": {}, "params": {}})


# periods in years are calendar periods (民法典 第二百零二条; docs/time.md "Periods in years")
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("add_years(date('2028-02-29'), 1)", dt.date(2029, 2, 28)),
        ("add_years(date('2027-09-01'), 2)", dt.date(2029, 9, 1)),
        ("last_day_of_years(date('2027-09-01'), 1)", dt.date(2028, 8, 31)),
        ("last_day_of_years(date('2028-02-29'), 1)", dt.date(2029, 2, 28)),
        ("last_day_of_years(date('2028-02-29'), 2)", dt.date(2030, 2, 28)),
        ("last_day_of_months(date('2028-02-29'), 12)", dt.date(2029, 2, 28)),
        ("last_day_of_months(date('2026-01-31'), 1)", dt.date(2026, 2, 28)),
        ("days_in_years(date('2027-09-01'), 2)", 731),
        ("days_in_years(date('2028-09-01'), 2)", 730),
        ("days_in_years(date('2028-02-29'), 2)", 731),
        (
            "earliest([date('2028-02-29'), date('2027-09-01'), date('2029-01-01')])",
            dt.date(2027, 9, 1),
        ),
        ("earliest([request.period_start])", dt.date(2026, 3, 23)),
    ],
)
def test_year_periods(decls: expr.Declarations, source: str, expected: object) -> None:
    program = expr.compile(source, decls)
    request = {"period_start": dt.date(2026, 3, 23)}
    assert program.evaluate({"record": {}, "request": request, "params": {}}) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("last_day_of_years(date('2028-02-29'), 0)", "at least 1"),
        ("days_in_years(date('2028-02-29'), -2)", "at least 1"),
        ("earliest(request.documents.map(d, request.period_start))", "empty list"),
    ],
)
def test_year_periods_reject_bad_input(decls: expr.Declarations, source: str, message: str) -> None:
    program = expr.compile(source, decls)
    with pytest.raises(EvaluationError, match=message):
        program.evaluate({"record": {}, "request": {"documents": []}, "params": {}})
