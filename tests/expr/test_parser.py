"""Parser: precedence, literals, macros, syntax errors with carets, and the size limits."""

from __future__ import annotations

import pytest

from xueji_rules import expr
from xueji_rules.errors import EvaluationError, ExpressionError
from xueji_rules.expr import _ast as a
from xueji_rules.expr._parser import parse


def ev(source: str) -> object:
    return expr.evaluate(source)


def syntax_error(source: str, limits: expr.Limits | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        expr.compile(source, limits=limits)
    return info.value


# -- precedence and associativity (CEL langdef operator table) ---------------------------------


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),  # left associative
        ("100 / 10 / 5", 2),
        ("2 * 3 % 4", 2),  # same level, left to right
        ("-2 * 3", -6),
        ("- -3", 3),
        ("!true || true", True),  # ! binds tighter than ||
        ("!(true || true)", False),
        ("true || false && false", True),  # && binds tighter than ||
        ("(true || false) && false", False),
        ("1 < 2 == true", True),  # relations are one level, left associative
        ("1 + 1 == 2", True),
        ("2 in [1, 2] && true", True),
        ("true ? 1 : false ? 2 : 3", 1),  # ?: is right associative
        ("false ? 1 : false ? 2 : 3", 3),
        ("false ? 1 : true ? 2 : 3", 2),
        ("1 < 2 ? 'a' : 'b'", "a"),
        ("[1, 2, 3][1] + 1", 3),
        ("{'a': {'b': 5}}.a.b * 2", 10),
        ("-[1][0]", -1),
        ("!!true", True),
    ],
)
def test_precedence(source: str, value: object) -> None:
    assert ev(source) == value
    assert type(ev(source)) is type(value)


def test_a_run_of_one_unary_operator_keeps_its_parity() -> None:
    # CEL's parsers keep one operator of an odd run and none of an even one: '--x' is x itself
    assert ev("--(-9223372036854775808)") == -9223372036854775808
    twice, thrice = parse("--x"), parse("!!!x")
    assert isinstance(twice, a.Ident) and twice.name == "x"
    assert isinstance(thrice, a.Unary) and thrice.op == "!" and isinstance(thrice.operand, a.Ident)
    assert ev("---3") == -3 and ev("!!!true") is False
    with pytest.raises(EvaluationError, match="overflow"):
        ev("-(-9223372036854775808)")  # parentheses end the run: two negations, one overflows


def test_logical_chains_are_flattened() -> None:
    root = parse("a && b && c || d")
    assert isinstance(root, a.Logical) and root.op == "||"
    assert isinstance(root.terms[0], a.Logical) and len(root.terms[0].terms) == 3


def test_nodes_carry_offsets() -> None:
    root = parse("record.stage == 'x'")
    assert isinstance(root, a.Binary) and root.offset == 13
    assert isinstance(root.left, a.Select) and root.left.offset == 7


# -- literals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("0", 0),
        ("123", 123),
        ("0x1F", 31),
        ("0XfF", 255),
        ("9223372036854775807", 2**63 - 1),
        ("-9223372036854775808", -(2**63)),
        ("-0x8000000000000000", -(2**63)),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("1.5E-2", 0.015),
        ("2e+2", 200.0),
        ("'a'", "a"),
        ('"a"', "a"),
        ("'''a\nb'''", "a\nb"),
        ('"""x"y"""', 'x"y'),
        ("'''x''x'''", "x''x"),
        (r"'\n\t\\\"\''", "\n\t\\\"'"),
        (r"'\a\b\f\r\v\?\`'", "\a\b\f\r\v?`"),
        (r"'\x41\X42'", "AB"),
        (r"'\u00e9\U0001F600'", "é😀"),
        (r"'\101'", "A"),
        (r"'\377'", "ÿ"),
        (r"r'\n'", "\\n"),
        (r"R'\d+'", "\\d+"),
        ("b'abc'", b"abc"),
        ("B'ÿ'", "ÿ".encode()),
        (r"b'\xff\377'", b"\xff\xff"),
        (r"b'\303\277'", b"\xc3\xbf"),
        (r"rb'\x'", b"\\x"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[]", []),
        ("[1, 2,]", [1, 2]),
        ("{}", {}),
        ("{'a': 1, 'b': 2,}", {"a": 1, "b": 2}),
        ("// a comment\n 1 // another\n + 1", 2),
    ],
)
def test_literals(source: str, value: object) -> None:
    result = ev(source)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("9223372036854775808", "out of the int64 range"),
        ("99999999999999999999999999999999999999999999", "out of the int64 range"),
        ("-9223372036854775809", "out of the int64 range"),
        ("0x", "needs digits"),
        ("1u", "unsigned integers"),
        ("12abc", "invalid number literal"),
        ("'abc", "unterminated string"),
        ("'a\nb'", "unterminated string"),
        ("'''abc", "unterminated string"),
        (r"'\s'", "invalid escape"),
        (r"'\x4'", "invalid escape"),
        (r"'\uD83D'", "invalid Unicode code point"),
        (r"'\U00110000'", "invalid Unicode code point"),
        (r"'\8'", "invalid escape"),
        (r"'\400'", "invalid escape"),
        (r"b'\U0001F600'", "not allowed in bytes"),
        ("#", "unexpected character"),
        ("1 +", "unexpected end of expression"),
        ("(1", "expected ')'"),
        ("[1, 2", "expected ']'"),
        ("{'a' 1}", "expected ':'"),
        ("{'a': 1", "expected '}'"),
        ("f(1, 2", "expected ')'"),
        ("1 2", "unexpected '2' after expression"),
        ("a.", "expected a field or method name"),
        ("a.true", "expected a field or method name"),
        ("true ? 1", "expected ':'"),
        ("if", "reserved word"),
        ("while + 1", "reserved word"),
        ("in", "reserved word"),
        ("has(a)", "has() takes one field selection"),
        ("has(a.b, c)", "has() takes one field selection"),
        ("[1].all(x)", "macro 'all' takes 2 arguments"),
        ("[1].map(x, 1, 2, 3)", "macro 'map' takes 2 or 3 arguments"),
        ("[1].all(1, true)", "must be a variable name"),
        ("a[1", "expected ']'"),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    error = syntax_error(source)
    assert message in error.message
    assert error.offset is not None and 0 <= error.offset <= len(source)


def test_caret_points_at_the_problem() -> None:
    error = syntax_error("record.grade >= 10 &&")
    # two problems: 'record' is not declared here, and the text ends after '&&'
    assert [e.message for e in error.errors] == [
        "undeclared reference to 'record'",
        "unexpected end of expression",
    ]
    assert str(error.errors[1]).splitlines() == [
        "unexpected end of expression (expression line 1, column 22)",
        "  | record.grade >= 10 &&",
        "  |                      ^",
    ]


def test_caret_on_a_later_line() -> None:
    error = syntax_error("1 +\n  2 +\n  )")
    assert error.expr_line == 3 and error.expr_column == 3
    assert str(error).splitlines()[-2:] == ["  |   )", "  |   ^"]


def test_caret_under_an_unterminated_string() -> None:
    error = syntax_error("x == 'abc")
    assert str(error).splitlines()[-1] == "  |      ^"


# -- limits -------------------------------------------------------------------------------------


def test_source_length_limit() -> None:
    error = syntax_error("1 + " * 3000 + "1")
    assert "longer than 10000 characters" in error.message


def test_node_limit() -> None:
    limits = expr.Limits(max_nodes=10)
    assert ev("1 + 2 + 3") == 6
    error = syntax_error("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", limits)
    assert "too large" in error.message


def test_depth_limit_on_parentheses() -> None:
    assert ev("(" * 60 + "1" + ")" * 60) == 1
    error = syntax_error("(" * 65 + "1" + ")" * 65)
    assert "nested too deeply" in error.message
    assert error.offset is not None and error.offset <= 65


def test_depth_limit_on_long_operator_chains() -> None:
    assert ev(" + ".join(["1"] * 60)) == 60
    error = syntax_error(" + ".join(["1"] * 70))
    assert "nested too deeply" in error.message


def test_long_and_chains_stay_shallow() -> None:
    assert ev(" && ".join(["true"] * 500)) is True


@pytest.mark.parametrize(
    "source",
    [
        "(" * 10_000 + "1" + ")" * 10_000,
        "-" * 100_000 + "1",
        "!" * 9_000 + "true",
        "[" * 5_000,
        "a" + ".b" * 3000,
        "a" + "[0]" * 3000,
        "f(" * 3000,
        "{1: " * 3000,
        "true ? 1 : " * 3000 + "1",
        "1 + " * 3000 + "1",
    ],
)
def test_hostile_nesting_is_a_clean_error(source: str) -> None:
    assert syntax_error(source).message  # the length limit answers first by default
    # without it, depth and size limits stop the parser before Python's stack could overflow
    error = syntax_error(source, expr.Limits(max_source_length=10**6))
    assert "nested too deeply" in error.message or "too large" in error.message


def test_string_literal_limit() -> None:
    assert ev("'" + "x" * 4096 + "'") == "x" * 4096
    error = syntax_error("'" + "x" * 4097 + "'")
    assert "longer than 4096" in error.message


def test_collection_literal_limit() -> None:
    limits = expr.Limits(max_collection_literal=3, max_nodes=100)
    assert expr.compile("[1, 2, 3]", limits=limits)
    assert "more than 3 elements" in syntax_error("[1, 2, 3, 4]", limits).message
    assert "more than 3 entries" in syntax_error("{1: 1, 2: 2, 3: 3, 4: 4}", limits).message


def test_limits_are_frozen() -> None:
    limits = expr.Limits()
    with pytest.raises(AttributeError):
        limits.max_depth = 5  # type: ignore[misc]
