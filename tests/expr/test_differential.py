"""Differential test: our CEL subset against the official C++ runtime (``cel-expr-python``).

Hypothesis builds well-typed expressions over a fixed set of declared variables
(``strategies.VARIABLES``) together with values for those variables. Both implementations
compile and evaluate each one; they must give the same value, or both fail. Error messages are
implementation specific and are not compared. The seed is fixed (``derandomize=True``) so CI
sees the same examples on every run, provided the hash seed is fixed too: Hypothesis labels
strategies built from functions with ``hash()``, and its choice of what to vary follows the
labels. ``make unit`` runs with ``PYTHONHASHSEED=0``; run the same to see CI's examples.

Where our answer differs from the oracle's and the CEL specification sides with the oracle, the
minimal reproduction is listed in ``KNOWN_DISCREPANCIES``: it runs as a strict xfail, and the
property test steers around expressions of that shape so the rest of the space stays covered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, note, settings

from .strategies import (
    PATTERNS,
    VARIABLES,
    Oracle,
    Ours,
    Outcome,
    bindings,
    expressions,
    same_outcome,
)

pytest.importorskip("cel_expr_python", reason="the oracle is the optional 'differential' extra")

# (minimal expression, shape to avoid in generated expressions, reason). Each runs as a strict
# xfail, so fixing one turns the suite red until its entry is removed here.
KNOWN_DISCREPANCIES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "string(1000000.0) == '1e+06'",
        re.compile(r"string\(1000000\.0\)"),
        "string(double): ours prints 1000000 where the C++ runtime prints 1e+06 (exponent form "
        "from 1e6 up, %g-style); the spec only shows string(3.14) == '3.14'",
    ),
]

SETTINGS = settings(
    derandomize=True,
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    return Oracle(VARIABLES)


@pytest.fixture(scope="module")
def ours() -> Ours:
    return Ours(VARIABLES)


def _known(source: str) -> bool:
    return any(shape.search(source) for _, shape, _ in KNOWN_DISCREPANCIES)


def _compare(
    ours: Ours, oracle: Oracle, source: str, values: dict[str, Any], *, in_hypothesis: bool = True
) -> None:
    theirs = oracle.run(source, values)
    assert theirs.kind != "compile_error", f"generator produced an ill-typed expression: {theirs}"
    mine = ours.run(source, values)
    if in_hypothesis:
        note(
            f"expression: {source}\nbindings:   {values!r}\nours:       {mine}\noracle:     {theirs}"
        )
    assert same_outcome(mine, theirs), f"{source!r}: ours {mine}, oracle {theirs}"


# A few fixed corners, kept as explicit examples so they run even if the generator drifts.
_ZERO = {"i": 0, "j": 0, "d": 0.0, "s": "", "t": "", "b": False, "by": b""}
_ZERO |= {"li": [], "ld": [], "ls": [], "m": {}, "ms": {}}
_ZERO["rec"] = {"grade": 0, "score": 0.0, "name": "", "tags": [], "school": {"county": ""}}


@pytest.mark.slow
@SETTINGS
@given(case=expressions(), values=bindings())
@example(case=("(1 / 0 == 1) || true", None), values=_ZERO)
@example(case=("false && (1 / 0 == 1)", None), values=_ZERO)
@example(case=("9223372036854775807 + 1", None), values=_ZERO)
@example(case=("-9223372036854775808 / -1", None), values=_ZERO)
@example(case=("-9223372036854775808 % -1", None), values=_ZERO)
@example(case=("[0, 1].exists(x, 1 / x == 1)", None), values=_ZERO)
@example(case=("[0, 1].all(x, 1 / x == 1)", None), values=_ZERO)
@example(case=("[0, 1].exists_one(x, 1 / x == 1)", None), values=_ZERO)
@example(case=("int(-9.223372036854776e18)", None), values=_ZERO)
@example(case=("--(-9223372036854775808)", None), values=_ZERO)
@example(case=("!!(1 / 0 == 1) || true", None), values=_ZERO)
@example(case=("d / 0.0 == d / 0.0", None), values=_ZERO)
@example(case=("has(rec.sanction_days) || rec.sanction_days > 0", None), values=_ZERO)
def test_same_result_as_the_reference_runtime(
    ours: Ours, oracle: Oracle, case: tuple[str, Any], values: dict[str, Any]
) -> None:
    source, _ = case
    assume(not _known(source))
    _compare(ours, oracle, source, values)


@pytest.mark.slow
@settings(SETTINGS, max_examples=500)
@given(case=expressions(), values=bindings())
def test_fast_function_agrees_with_evaluate(case: tuple[str, Any], values: dict[str, Any]) -> None:
    """``program.function`` takes the variables positionally, in declaration order."""
    from xueji_rules import expr
    from xueji_rules.errors import EvaluationError

    from .strategies import to_ours

    source, _ = case
    sizes: dict[str, int] = {}
    for name, value in values.items():  # as Ours does: the cost estimate sees the values' sizes
        sizes.update(expr.sizes_of_value(value, name))
    variables = {n: to_ours(t) for n, t in VARIABLES.items()}
    program = expr.compile(source, expr.Declarations(variables=variables, sizes=sizes))

    def run(call: Any) -> Outcome:
        try:
            return Outcome("value", call())
        except EvaluationError:
            return Outcome("error")

    slow = run(lambda: program.evaluate(values))
    fast = run(lambda: program.function(*(values[n] for n in VARIABLES)))
    assert same_outcome(fast, slow), f"{source!r}: function {fast}, evaluate {slow}"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=r))
        for s, _, r in KNOWN_DISCREPANCIES
    ]
    or [pytest.param("", marks=pytest.mark.skip(reason="no known discrepancies"))],
)
def test_known_discrepancy(ours: Ours, oracle: Oracle, source: str) -> None:
    _compare(ours, oracle, source, _ZERO, in_hypothesis=False)


def test_oracle_cuts_bytes_bindings_at_nul(ours: Ours, oracle: Oracle) -> None:
    """Why the generated bindings avoid NUL bytes: the oracle's binding layer truncates them.

    A bytes literal keeps its NUL in both runtimes; only a bound value differs. When the oracle
    is fixed this test fails: drop it and the filter in ``strategies.values_of``.
    """
    values = {**_ZERO, "by": b"a\x00b"}
    assert ours.run("size(by)", values) == Outcome("value", 3)
    assert oracle.run("size(by)", values) == Outcome("value", 1)  # cut at the NUL
    assert same_outcome(ours.run("size(b'a\\x00b')", _ZERO), oracle.run("size(b'a\\x00b')", _ZERO))


# -- matches: RE2 on both sides --------------------------------------------------------------------

_TEXTS = ("", "a", "aab", "É", "é学", "学籍2026", "ab\n", "😀x", "xyz", "a" * 40 + "!")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_matches_agrees_with_the_reference_runtime(
    ours: Ours, oracle: Oracle, pattern: str
) -> None:
    """Every pattern the generator draws, on texts that reach its corners (non-ASCII letters,
    case folding beyond ASCII, a trailing newline for ``\\z``, a backtracking trap), run by the
    C++ runtime's RE2 and ours."""
    from .strategies import string_literal

    for text in _TEXTS:
        values = {**_ZERO, "s": text}
        _compare(ours, oracle, f"s.matches({string_literal(pattern)})", values, in_hypothesis=False)
        _compare(
            ours, oracle, f"matches(s, {string_literal(pattern)})", values, in_hypothesis=False
        )


@pytest.mark.parametrize(
    "pattern",
    ["(?x)a b", "(?=a)", "(a)\\1", "a\\Z", "(?P=n)", "(?>a)", "a*+", "\\N{DIGIT ONE}", "("],
)
def test_patterns_re2_refuses_are_refused_by_both(ours: Ours, oracle: Oracle, pattern: str) -> None:
    """Python-only syntax: ours refuses it when checking; the C++ runtime when checking or running."""
    from .strategies import string_literal

    source = f"s.matches({string_literal(pattern)})"
    assert ours.run(source, _ZERO).kind == "compile_error"
    assert oracle.run(source, _ZERO).kind in ("compile_error", "error")
    # the same pattern coming from data fails when it runs, on both sides
    dynamic = {**_ZERO, "t": pattern}
    assert ours.run("s.matches(t)", dynamic).kind == "error"
    assert oracle.run("s.matches(t)", dynamic).kind == "error"
