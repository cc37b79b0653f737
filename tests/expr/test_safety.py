"""CEL's safety model: RE2 for ``matches`` (linear time, CEL's dialect), a cost estimated at check
time and refused over the budget, a bound on the work of one evaluation, and generated code that
Python compiles without a warning."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from xueji_rules import expr
from xueji_rules.errors import CostLimitExceeded, EvaluationError, ExpressionError, PatternError
from xueji_rules.expr import types as t

RECORD = t.ObjectType("record", {"id": t.STRING}, required=frozenset({"id"}))
DOCS = t.ListType(t.STRING)


def both(program: expr.Program, *args: Any) -> list[Any]:
    """The outcome of the fast function and of the interpreter alone (value or error type)."""
    outcomes: list[Any] = []
    for call in (
        lambda: program.function(*args),
        lambda: program.interpret(dict(zip(program.declarations.variables, args, strict=True))),
    ):
        try:
            outcomes.append(call())
        except EvaluationError as exc:
            outcomes.append(type(exc))
    return outcomes


# -- RE2 ------------------------------------------------------------------------------------------


def test_nested_quantifier_on_a_long_input_finishes() -> None:
    """Python's backtracking re takes exponential time here (2.8 s at 27 characters); RE2 is
    linear. The test asserts that it completes and answers, not how fast."""
    program = expr.compile("record.id.matches('^(a+)+$')", expr.Declarations({"record": RECORD}))
    hostile = "a" * 50_000 + "!"
    assert both(program, {"id": hostile}) == [False, False]
    assert both(program, {"id": "a" * 50_000}) == [True, True]


def test_pattern_from_data_that_re2_refuses_is_a_pattern_error() -> None:
    program = expr.compile(
        "record.id.matches(p)", expr.Declarations({"record": RECORD, "p": t.STRING})
    )
    for pattern, reason in [
        ("(a)\\1", "backreferences"),
        ("(?=a)", "lookahead"),
        ("(?x) a", "verbose mode"),
        ("(", "invalid regular expression"),
    ]:
        with pytest.raises(PatternError) as info:
            program.function({"id": "aa"}, pattern)
        assert reason in str(info.value)
        assert info.value.pattern == pattern
        assert "from the input" in str(info.value)
        with pytest.raises(PatternError):
            program.interpret({"record": {"id": "aa"}, "p": pattern})


def test_re2_dialect_where_python_differs() -> None:
    cases = {
        "'É'.matches('(?i)é')": True,  # RE2 folds case beyond ASCII
        "'\\v'.matches('\\\\s')": False,  # RE2's \s has no vertical tab
        "'é'.matches('^\\\\pL$')": True,  # Unicode classes
        "'学'.matches('^\\\\p{Han}$')": True,
        "'b'.matches('[[:alpha:]]')": True,  # POSIX classes
        "'ab\\n'.matches('b\\\\z')": False,  # \z is the very end (Python's \Z)
        "'aaa'.matches('(?U)^a+')": True,
    }
    for source, value in cases.items():
        assert expr.evaluate(source) is value, source


def test_refused_patterns_name_what_to_write_instead() -> None:
    with pytest.raises(ExpressionError) as info:
        expr.compile("s.matches('end\\\\Z')", expr.Declarations({"s": t.STRING}))
    assert "RE2 writes the end of the text as '\\z'" in info.value.message


# -- cost at check time ---------------------------------------------------------------------------


def refused(source: str, decls: expr.Declarations) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        expr.compile(source, decls)
    return info.value


ISSUE_CASES = [
    # the cases of issue 10.4: each must be refused when it is checked, not hang a decision
    "[{}].all(a, [{}].all(b, a + b >= 0))".format(
        ", ".join(map(str, range(400))), ", ".join(map(str, range(400)))
    ),
    "request.documents.all(a, request.documents.all(b, request.documents.all(c, "
    "request.documents.all(d, a + b + c + d != ''))))",
    "request.documents.map(a, request.documents.map(b, request.documents.map(c, "
    "request.documents))).size() > 0",
]


@pytest.mark.parametrize("source", ISSUE_CASES)
def test_the_issue_cases_are_refused_at_check_time(source: str) -> None:
    request = t.ObjectType("request", {"documents": DOCS}, required=frozenset({"documents"}))
    decls = expr.Declarations(
        {"request": request}, sizes={"request.documents": 100, "request.documents[]": 64}
    )
    error = refused(source, decls)
    assert "expression is too costly" in error.message
    assert "over the budget of 100000" in error.message
    assert error.offset is not None and source[error.offset :].startswith(("all", "map"))


def test_cost_grows_with_declared_sizes() -> None:
    decls = {"l": t.ListType(t.INT)}
    small = expr.compile("l.exists(x, x > 2)", expr.Declarations(decls, sizes={"l": 10}))
    large = expr.compile("l.exists(x, x > 2)", expr.Declarations(decls, sizes={"l": 1000}))
    # the range 1, then per element 1 + the condition (2: the comparison and the variable)
    assert small.cost == 1 + 10 * (1 + 2)
    assert large.cost == 1 + 1000 * (1 + 2)
    nested = expr.compile("l.all(x, l.all(y, x <= y))", expr.Declarations(decls, sizes={"l": 10}))
    assert nested.cost == 1 + 10 * (1 + (1 + 10 * (1 + 3)))
    unknown = expr.compile("l.exists(x, x > 2)", expr.Declarations(decls))
    assert unknown.cost == 1 + expr.Limits().unknown_size * 3


def test_budget_is_a_limit_the_caller_sets() -> None:
    decls = expr.Declarations({"l": t.ListType(t.INT)}, sizes={"l": 1000})
    source = "l.all(x, l.all(y, x <= y))"
    assert "too costly" in refused(source, decls).message
    program = expr.compile(source, decls, limits=expr.Limits(max_cost=None))
    assert program.cost > 1_000_000
    with pytest.raises(ExpressionError):
        expr.compile("l.exists(x, x > 0)", decls, limits=expr.Limits(max_cost=100))


def test_constants_sizes_come_from_their_values() -> None:
    decls = expr.Declarations(constants={"c": (t.ListType(t.INT), list(range(50)))})
    assert expr.compile("c.exists(x, x == 3)", decls).cost == 1 + 50 * 3


def test_evaluate_takes_sizes_from_the_values() -> None:
    # a 300-element list is more than the 100 assumed for an unknown size: the value decides
    assert expr.evaluate("l.exists(x, x == 2)", {"l": list(range(300))}) is True
    with pytest.raises(ExpressionError, match="too costly"):
        expr.evaluate("l.all(x, l.all(y, x <= y || true))", {"l": list(range(300))})


# -- the run-time bound ---------------------------------------------------------------------------


def test_an_input_larger_than_declared_ends_in_a_clean_error() -> None:
    decls = expr.Declarations({"l": t.ListType(t.INT)}, sizes={"l": 10})
    program = expr.compile("l.all(x, l.all(y, x <= y || true))", decls)
    assert both(program, list(range(10))) == [True, True]
    assert both(program, list(range(400))) == [CostLimitExceeded, CostLimitExceeded]
    with pytest.raises(CostLimitExceeded, match="more than 100000 elements"):
        program.evaluate({"l": list(range(400))})


def test_the_bound_is_not_absorbed_by_logical_operators() -> None:
    """``false && error`` is false in CEL, but a cost bound stops the whole evaluation."""
    decls = expr.Declarations({"l": t.ListType(t.INT)}, sizes={"l": 10})
    limits = expr.Limits(max_iterations=50)
    program = expr.compile("l.all(x, l.all(y, x <= y || true)) && false", decls, limits=limits)
    assert both(program, list(range(5))) == [False, False]
    assert both(program, list(range(20))) == [CostLimitExceeded, CostLimitExceeded]
    exists = expr.compile("l.exists(x, l.all(y, y < 0))", decls, limits=limits)
    assert both(exists, list(range(20))) == [CostLimitExceeded, CostLimitExceeded]


def test_map_growth_is_bounded_at_run_time() -> None:
    decls = expr.Declarations({"l": t.ListType(t.INT)}, sizes={"l": 5})
    program = expr.compile("size(l.map(a, l.map(b, l.map(c, l)))) >= 0", decls)
    assert both(program, [1, 2, 3]) == [True, True]
    assert both(program, list(range(100))) == [CostLimitExceeded, CostLimitExceeded]


def test_no_bound_when_switched_off() -> None:
    decls = expr.Declarations({"l": t.ListType(t.INT)}, sizes={"l": 10})
    limits = expr.Limits(max_iterations=None)
    program = expr.compile("l.all(x, l.all(y, x <= y || true))", decls, limits=limits)
    assert both(program, list(range(400))) == [True, True]


# -- generated code -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("'x' != null", True),
        ("'x' == null", False),
        ("null == 'x'", False),
        ("null == null", True),
        ("1 != null", True),
        ("[1] == null", False),
        ("s != null", True),
    ],
)
def test_comparisons_with_null_compile_without_a_warning(source: str, value: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        program = expr.compile(source, expr.Declarations({"s": t.STRING}))
        assert program.function("a") is value
        assert program.interpret({"s": "a"}) is value
