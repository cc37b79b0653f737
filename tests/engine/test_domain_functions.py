"""The domain functions rule expressions call, through the engine's declarations."""

from __future__ import annotations

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
