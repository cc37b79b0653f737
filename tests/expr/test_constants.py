"""Constants: names bound to one value for every evaluation (the engine's ``settings``)."""

from __future__ import annotations

import pytest

from xueji_rules import expr
from xueji_rules.errors import ExpressionError
from xueji_rules.expr import types as t

SETTINGS = t.ObjectType(
    "settings", {"strict": t.BOOL, "system": t.STRING}, required=frozenset({"strict", "system"})
)
DECLS = expr.Declarations(
    variables={"n": t.INT},
    constants={"settings": (SETTINGS, {"strict": True, "system": "6-3"})},
)


def test_constants_are_read_by_the_fast_function_and_the_interpreter() -> None:
    program = expr.compile("settings.strict && settings.system == '6-3' && n > 1", DECLS)
    assert program.function(2) is True
    assert program.function(1) is False
    assert program.interpret({"n": 2}) is True
    assert program.evaluate({"n": 2}) is True


def test_constants_are_not_parameters() -> None:
    program = expr.compile("n + 1", DECLS)
    assert program.function(1) == 2
    with pytest.raises(TypeError):
        program.function(1, {"strict": False})


def test_constants_are_type_checked() -> None:
    with pytest.raises(ExpressionError, match=r"no matching overload for '\+'"):
        expr.compile("settings.system + 1 > 0", DECLS)
    with pytest.raises(ExpressionError, match=r"unknown field 'settings\.missing'"):
        expr.compile("settings.missing", DECLS)


def test_a_name_cannot_be_both_variable_and_constant() -> None:
    with pytest.raises(ValueError, match="both as variable and constant"):
        expr.Declarations(variables={"x": t.INT}, constants={"x": (t.INT, 1)})
