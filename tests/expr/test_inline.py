"""Spliced expressions (``expr._inline``) give what the compiled function gives.

The engine splices each condition's generated code into its per-key rule functions; the contract
is that the spliced code, followed on any exception by a call of the program's function, is the
same as calling the function. These tests hold a splice to that contract on generated
expressions and values, and check the pieces the engine relies on: tagged names, the macros'
run-time budget, and literals that never become code.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings

from xueji_rules import expr
from xueji_rules.errors import CostLimitExceeded, EvaluationError
from xueji_rules.expr import types as t
from xueji_rules.expr._inline import ABSENT, CallMemo, Splice, field_init, splice

from .strategies import VARIABLES, Outcome, bindings, expressions, same_outcome, to_ours


def _callable(program: expr.Program, piece: Splice, names: dict[str, str]) -> Any:
    """A function over the declared variables that runs ``piece`` as the engine's plans do."""
    params = ", ".join(names[n] for n in program.declarations.variables)
    lines = [f"def spliced({params}):"]
    lines += [f"    {field_init(*entry)}" for entry in piece.fields]
    lines += ["    try:"]
    if piece.prelude:
        lines.append(f"        {piece.prelude}")
    lines += [
        f"        return {piece.code}",
        "    except _Exc:",
        f"        return _function({params})",
    ]
    namespace = {
        **piece.names,
        "_Exc": Exception,
        "_function": program.function,
        "_ABSENT": ABSENT,
    }
    exec(compile("\n".join(lines) + "\n", "<test splice>", "exec"), namespace)
    return namespace["spliced"]


class _Miss:
    """The engine's "not computed yet" marker, for memoized calls."""


def _twice(program: expr.Program, piece: Splice, names: dict[str, str]) -> Any:
    """A function that evaluates ``piece`` twice in one call, as a plan evaluates two
    expressions sharing memoized calls (the second finds the first one's values), and returns
    both results."""
    params = ", ".join(names[n] for n in program.declarations.variables)
    lines = [f"def spliced({params}):"]
    lines += [f"    {var} = _MISS" for var in piece.memos]
    lines += [f"    {field_init(*entry)}" for entry in piece.fields]
    lines += ["    out = []", "    for _ in range(2):", "        try:"]
    if piece.prelude:
        lines.append(f"            {piece.prelude}")
    lines += [
        f"            out.append({piece.code})",
        "        except _Exc:",
        f"            out.append(_function({params}))",
        "    return out",
    ]
    namespace = {
        **piece.names,
        "_Exc": Exception,
        "_function": program.function,
        "_MISS": _Miss(),
        "_ABSENT": ABSENT,
    }
    exec(compile("\n".join(lines) + "\n", "<test splice>", "exec"), namespace)
    return namespace["spliced"]


def _compiled(source: str, values: dict[str, Any]) -> Any:
    """``source`` compiled over the test's variables, with the sizes of ``values`` declared."""
    sizes: dict[str, int] = {}
    for name, value in values.items():
        sizes.update(expr.sizes_of_value(value, name))
    variables = {n: to_ours(ty) for n, ty in VARIABLES.items()}
    return expr.compile(source, expr.Declarations(variables=variables, sizes=sizes))


def _run(call: Any) -> Outcome:
    try:
        return Outcome("value", call())
    except EvaluationError:
        return Outcome("error")


@settings(
    derandomize=True,
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=expressions(), values=bindings())
def test_a_splice_gives_what_the_function_gives(
    case: tuple[str, Any], values: dict[str, Any]
) -> None:
    source, _ = case
    program = _compiled(source, values)
    names = {n: f"p_{n}" for n in VARIABLES}  # Python names other than the generator's own
    piece = splice(program, names, "t0")
    assert piece is not None
    note(f"{source}\n{piece.code}")
    args = [values[n] for n in VARIABLES]
    spliced = _callable(program, piece, names)
    mine, theirs = _run(lambda: spliced(*args)), _run(lambda: program.function(*args))
    assert same_outcome(mine, theirs), f"{source!r}: splice {mine}, function {theirs}"


@settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=expressions(), values=bindings())
def test_a_splice_with_memoized_calls_gives_what_the_function_gives(
    case: tuple[str, Any], values: dict[str, Any]
) -> None:
    source, _ = case
    program = _compiled(source, values)
    names = {n: f"p_{n}" for n in VARIABLES}
    piece = splice(program, names, "t0", CallMemo())
    assert piece is not None
    note(f"{source}\n{piece.code}")
    args = [values[n] for n in VARIABLES]
    spliced = _twice(program, piece, names)
    theirs = _run(lambda: program.function(*args))
    try:
        first, second = spliced(*args)
        mine = [Outcome("value", first), Outcome("value", second)]
    except EvaluationError:
        mine = [Outcome("error")] * 2
    for outcome in mine:
        assert same_outcome(outcome, theirs), f"{source!r}: splice {outcome}, function {theirs}"


def test_splices_share_a_call_outside_macros_only() -> None:
    memo = CallMemo()
    names = {"xs": "xs", "s": "s"}
    one = splice(_program("size(xs) > 1"), names, "e4", memo)
    two = splice(_program("size(xs) < 5 && s.startsWith('a')"), names, "e5", memo)
    inside = splice(_program("xs.exists(x, size(xs) > x)"), names, "e6", memo)
    assert one is not None and two is not None and inside is not None
    assert one.memos == ("_f0",) and set(two.memos) == {"_f0", "_f1"}
    assert inside.memos == ()  # the macro's own evaluation, not a shared value
    spliced = _twice(_program("size(xs) < 5 && s.startsWith('a')"), two, names)
    assert spliced([1, 2], "ab") == [True, True]
    assert spliced([1, 2, 3, 4, 5], "ab") == [False, False]


def _program(source: str, **limits: Any) -> expr.Program:
    decls = expr.Declarations(variables={"xs": t.ListType(t.INT), "s": t.STRING})
    return expr.compile(source, decls, limits=expr.Limits(**limits))


def test_names_carry_the_tag() -> None:
    program = _program("xs.exists(x, x > 2) && s.startsWith('a')")
    piece = splice(program, {"xs": "xs", "s": "s"}, "e7")
    assert piece is not None
    generated = [name for name in piece.names if name.startswith(("_k", "_x", "_t"))]
    assert generated and all("e7_" in name for name in generated)


def test_a_macro_keeps_its_budget_per_evaluation() -> None:
    program = _program("xs.all(x, x >= 0)", max_iterations=3)
    piece = splice(program, {"xs": "xs", "s": "s"}, "e0")
    assert piece is not None and piece.prelude  # a fresh budget before each evaluation
    spliced = _callable(program, piece, {"xs": "xs", "s": "s"})
    assert spliced([1, 2, 3], "") is True
    assert spliced([1, 2, 3], "") is True  # not charged twice: the budget is per evaluation
    with pytest.raises(CostLimitExceeded):
        spliced([1, 2, 3, 4], "")


def test_literals_stay_values() -> None:
    """A string literal reaches the code only through ``repr``: no quote or newline in it can
    end the expression early."""
    program = _program('s == "\'); import os  #\\n"')  # CEL: a quote, code, an escaped newline
    decoded = "'); import os  #\n"
    piece = splice(program, {"xs": "xs", "s": "s"}, "e1")
    assert piece is not None
    assert "\n" not in piece.code and repr(decoded) in piece.code
    spliced = _callable(program, piece, {"xs": "xs", "s": "s"})
    assert spliced([], decoded) is True
    assert spliced([], "x") is False


def test_errors_fall_back_to_the_exact_semantics() -> None:
    """CEL absorbs an error on one side of ``||``; Python's ``or`` raises first, and the
    fallback to the function (then the interpreter) gives CEL's answer."""
    program = _program("size(xs) / (size(xs) - size(xs)) == 1 || s == 'a'")
    piece = splice(program, {"xs": "xs", "s": "s"}, "e2")
    assert piece is not None
    spliced = _callable(program, piece, {"xs": "xs", "s": "s"})
    assert spliced([1], "a") is True
    with pytest.raises(EvaluationError):
        spliced([1], "b")


def test_bad_names_are_refused() -> None:
    program = _program("s == 'a'")
    with pytest.raises(ValueError, match="identifiers"):
        splice(program, {"xs": "xs", "s": "s; x"}, "e3")
    with pytest.raises(ValueError, match="no Python name"):
        splice(program, {"s": "s"}, "e3")


def _tabled_program(source: str, calls: list[Any]) -> tuple[expr.Program, Any]:
    """``source`` over ``n: int``, ``s: string``, ``d: double`` and ``v: dyn``, with a function
    ``f`` that counts its calls in ``calls`` (it fails on a negative number)."""

    def f(x: Any) -> Any:
        calls.append(x)
        if isinstance(x, int) and x < 0:
            raise ValueError("negative")
        return x * 2

    registry = expr.standard_functions().extended(
        expr.FunctionRegistry()
        .register("f", expr.Overload((t.INT,), t.INT, f), expr.Overload((t.STRING,), t.STRING, f))
        .register("g", expr.Overload((t.DOUBLE,), t.DOUBLE, f))
        .register("h", expr.Overload((t.DYN,), t.DYN, f))
    )
    variables = {"n": t.INT, "s": t.STRING, "d": t.DOUBLE, "v": t.DYN}
    program = expr.compile(source, expr.Declarations(variables=variables, functions=registry))
    return program, f


_TABLE_NAMES = {"n": "n", "s": "s", "d": "d", "v": "v"}


def _tabled(source: str, limit: int = 4096) -> tuple[Any, Splice, list[Any]]:
    calls: list[Any] = []
    program, _ = _tabled_program(source, calls)
    registry = program.declarations.functions
    assert registry is not None
    impls = [o.impl for name in ("f", "g", "h") for o in registry.overloads(name, False)]
    piece = splice(program, _TABLE_NAMES, "t9", CallMemo(impls, table_limit=limit))
    assert piece is not None
    return _twice(program, piece, _TABLE_NAMES), piece, calls


def test_a_tabled_call_is_made_once_for_all_evaluations_with_the_same_argument() -> None:
    spliced, piece, calls = _tabled("g(d) > 1.0 && h(v) != 0")
    assert "_tg" not in piece.code  # double and dyn arguments are never table keys
    spliced, piece, calls = _tabled("f(n) + 1 > 3")
    assert "_tg0" in piece.code and "_tf0" in piece.code
    assert spliced(5, "a", 1.0, 1) == [True, True]
    assert calls == [5]  # the second evaluation found the memo; no call
    assert spliced(5, "b", 1.0, 1) == [True, True]
    assert calls == [5]  # a later evaluation (another decision) found the table
    assert spliced(1, "b", 1.0, 1) == [False, False]
    assert calls == [5, 1]  # a new argument: called once, then kept


def test_a_tabled_call_that_raises_is_not_kept() -> None:
    spliced, _, calls = _tabled("f(n) > 0")
    for _ in range(2):
        with pytest.raises(EvaluationError):
            spliced(-1, "a", 1.0, 1)
    assert calls.count(-1) >= 2  # tried again on every evaluation: never a kept failure


def test_a_full_table_starts_again() -> None:
    spliced, _, calls = _tabled("f(n) == 2 * n", limit=2)
    for n in (1, 2, 3, 1, 2, 3):
        assert spliced(n, "a", 1.0, 1) == [True, True]
    assert calls == [1, 2, 3, 1, 2, 3]  # the third argument emptied the table each time
    spliced, _, calls = _tabled("f(n) == 2 * n", limit=2)
    for n in (1, 2, 1, 2):
        assert spliced(n, "a", 1.0, 1) == [True, True]
    assert calls == [1, 2]


def test_table_keys_keep_argument_types_apart() -> None:
    # a string argument and an int argument of one tabled function share its table: the keys
    # are values of exact types (``1`` never finds ``'1'``'s entry)
    spliced, _, calls = _tabled("f(n) == 2 && f(s) == '11'")
    assert spliced(1, "1", 1.0, 1) == [True, True]
    assert calls == [1, "1"]


_NESTED = {"o": t.MapType(t.STRING, t.MapType(t.STRING, t.INT)), "n": t.INT}
_NESTED_SOURCES = [
    "has(o.a) && o.a.x > n",
    "has(o.a.x) ? o.a.x : n",
    "o.a.x + o.a.y == n",
    "has(o.b) && has(o.b.x) && o.b.x == o.a.x",
    "o.a == {'x': 1}",
    "[1, 2].exists(k, has(o.a) && o.a.x == k)",
    "o.a.size() > 0 || has(o.b.y)",
]
_NESTED_VALUES = [
    {},
    {"a": {}},
    {"a": {"x": 1}},
    {"a": {"x": 1, "y": 2}, "b": {"x": 1}},
    {"b": {"y": 3}},
]


@pytest.mark.parametrize("source", _NESTED_SOURCES)
def test_objects_read_once_give_what_the_function_gives(source: str) -> None:
    program = expr.compile(source, expr.Declarations(variables=_NESTED))
    names = {"o": "o", "n": "n"}
    piece = splice(program, names, "t3", CallMemo())
    assert piece is not None
    spliced = _twice(program, piece, names)
    for value in _NESTED_VALUES:
        for n in (1, 3):
            theirs = _run(lambda v=value, k=n: program.function(v, k))
            try:
                mine = [Outcome("value", x) for x in spliced(value, n)]
            except EvaluationError:
                mine = [Outcome("error")] * 2
            for outcome in mine:
                assert same_outcome(outcome, theirs), f"{source!r} on {value}: {outcome} {theirs}"


def test_an_object_is_read_once_outside_macros_only() -> None:
    memo = CallMemo()
    names = {"o": "o", "n": "n"}
    decls = expr.Declarations(variables=_NESTED)
    one = splice(expr.compile("has(o.a.x) && o.a.x > n", decls), names, "t4", memo)
    two = splice(expr.compile("o.a.y == n && o.b.x == n", decls), names, "t5", memo)
    inside = splice(expr.compile("[1].all(k, o.a.x == k)", decls), names, "t6", memo)
    assert one is not None and two is not None and inside is not None
    assert one.fields == (("_h0", "o", "a"),)
    assert set(two.fields) == {("_h0", "o", "a"), ("_h1", "o", "b")}  # one name per object
    assert "o['a']" not in one.code and "_h0['x']" in one.code
    assert inside.fields == () and "o['a']['x']" in inside.code
    with pytest.raises(KeyError):
        ABSENT["x"]
    with pytest.raises(KeyError):
        assert "x" in ABSENT
    with pytest.raises(ValueError):
        field_init("_h0", "o", "a'] or __import__('os') or o['")


def test_an_inline_form_replaces_a_memoized_call() -> None:
    calls: list[Any] = []
    program, _ = _tabled_program("h(v) == 2 || h(v) == 4", calls)
    registry = program.declarations.functions
    assert registry is not None
    [impl] = [o.impl for o in registry.overloads("h", False)]

    def form(args: list[str], temp: str, call: str) -> tuple[str, dict[str, Any]]:
        # an int is doubled here; anything else goes to the call
        return f"({args[0]} * {temp}_two if {args[0]}.__class__ is int else {call})", {
            f"{temp}_two": 2
        }

    piece = splice(program, _TABLE_NAMES, "t7", CallMemo(inline=[(impl, form)]))
    assert piece is not None and "_two" in piece.code
    spliced = _twice(program, piece, _TABLE_NAMES)
    assert spliced(0, "a", 1.0, 1) == [True, True]
    assert spliced(0, "a", 1.0, 2) == [True, True]
    assert calls == []  # ints never reach the function
    assert spliced(0, "a", 1.0, 1.5) == [False, False]
    assert calls == [1.5]  # a double does, once per evaluation (memoized)

    def bad(args: list[str], temp: str, call: str) -> tuple[str, dict[str, Any]]:
        return call, {"_elsewhere": 1}

    with pytest.raises(ValueError, match="not under"):
        splice(program, _TABLE_NAMES, "t8", CallMemo(inline=[(impl, bad)]))
