"""Evaluation: CEL semantics of every operator and function, dates, errors and the fast path.

Every case runs twice, through the generated fast function and through the exact interpreter,
and both must agree.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from xueji_rules import expr
from xueji_rules.errors import EvaluationError, ExpressionError, XuejiRulesError
from xueji_rules.expr import types as t

INT_MAX = 2**63 - 1
INT_MIN = -(2**63)
RECORD = t.ObjectType(
    "record",
    {
        "stage": t.STRING,
        "grade": t.INT,
        "status": t.STRING,
        "enrolled": t.DATE,
        "guardian": t.ObjectType("record.guardian", {"name": t.STRING}),
        "extra": t.MapType(t.STRING, t.DYN),
    },
    required=frozenset({"stage"}),
)
REQUEST = t.ObjectType("request", {"documents": t.ListType(t.STRING)})
DECLS = expr.Declarations(
    {
        "record": RECORD,
        "request": REQUEST,
        "i": t.INT,
        "x": t.DOUBLE,
        "s": t.STRING,
        "d": t.DATE,
        "li": t.ListType(t.INT),
        "ld": t.ListType(t.DOUBLE),
        "m": t.MapType(t.STRING, t.INT),
        "j": t.DYN,
        "lj": t.ListType(t.DYN),
    }
)
VALUES: dict[str, Any] = {
    "record": {
        "stage": "senior_secondary",
        "grade": 11,
        "status": "enrolled",
        "enrolled": dt.date(2024, 9, 1),
        "guardian": {"name": "王芳"},
        "extra": {"k": 1, "s": "v"},
    },
    "request": {"documents": ["id_card"]},
    "i": 7,
    "x": 2.5,
    "s": "hello",
    "d": dt.date(2026, 3, 2),
    "li": [1, 2, 3],
    "ld": [0.5, math.nan],
    "m": {"a": 1, "b": 2},
    "j": 1,
    "lj": [1, "a", True, None, 2.0],
}


def run(source: str, **overrides: Any) -> Any:
    """Evaluate through both paths; they must agree on the value or on failing."""
    program = expr.compile(source, DECLS)
    values = {**VALUES, **overrides}
    try:
        fast = program.evaluate(values)
    except EvaluationError as exc:
        with pytest.raises(EvaluationError):
            program.interpret(values)
        raise exc
    slow = program.interpret(values)
    assert type(fast) is type(slow) and (fast == slow or fast != fast), (fast, slow)
    return fast


def fails(source: str, **overrides: Any) -> str:
    with pytest.raises(EvaluationError) as info:
        run(source, **overrides)
    return info.value.message


def same(value: Any, expected: Any) -> None:
    assert value == expected and type(value) is type(expected), (value, expected)


# -- arithmetic ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("7 / 2", 3),
        ("-7 / 2", -3),  # truncates toward zero, not floor
        ("7 / -2", -3),
        ("-7 / -2", 3),
        ("7 % 3", 1),
        ("-7 % 3", -1),  # sign of the dividend, as in C
        ("7 % -3", 1),
        ("-7 % -3", -1),
        ("43 % -5", 3),
        ("-3 % 5", -3),
        ("i * i - 1", 48),
        ("-i", -7),
        ("1.5 + 2.25", 3.75),
        ("x * 2.0", 5.0),
        ("x / 2.0", 1.25),
        ("-x", -2.5),
        ("'ab' + 'cd'", "abcd"),
        ("b'ab' + b'c'", b"abc"),
        ("[1] + [2, 3]", [1, 2, 3]),
        ("li + [4]", [1, 2, 3, 4]),
        (f"{INT_MAX} - 1 + 1", INT_MAX),
        (f"{INT_MIN} + 1", INT_MIN + 1),
        ("3037000499 * 3037000499", 3037000499**2),
    ],
)
def test_arithmetic(source: str, expected: Any) -> None:
    same(run(source), expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (f"{INT_MAX} + 1", "integer overflow in '+'"),
        (f"{INT_MIN} - 1", "integer overflow in '-'"),
        (f"1 - ({INT_MIN} + 1) - 2 * {2**62}", "integer overflow"),
        ("5000000000 * 5000000000", "integer overflow in '*'"),
        ("3037000500 * 3037000500", "integer overflow in '*'"),
        (f"-({INT_MIN})", "integer overflow in '-'"),
        (f"{INT_MIN} / -1", "integer overflow in '/'"),
        (f"{INT_MIN} % -1", "integer overflow in '%'"),
        (f"[{INT_MAX}].map(v, v + 1)", "integer overflow in '+'"),
        (f"[{INT_MAX} + 1].size()", "integer overflow in '+'"),
        ("1 / 0", "division by zero"),
        ("i % 0", "modulo by zero"),
        ("j + 'a'", "no matching overload for '+' applied to (int, string)"),
        ("dyn(true) + dyn(1)", "no matching overload for '+' applied to (bool, int)"),
    ],
)
def test_arithmetic_errors(source: str, message: str) -> None:
    assert message in fails(source)


def test_double_division_follows_ieee() -> None:
    assert run("1.0 / 0.0") == math.inf
    assert run("-1.0 / 0.0") == -math.inf
    assert math.isnan(run("0.0 / 0.0"))
    assert run("1e308 * 10.0") == math.inf


# -- comparisons and equality -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 < 2", True),
        ("2 <= 2", True),
        ("'a' < 'b'", True),
        ("'B' < 'a'", True),  # code point order
        ("'é' > 'z'", True),
        ("b'a' < b'b'", True),
        ("false < true", True),
        ("1.5 >= 1.5", True),
        ("x > 2.0", True),
        ("dyn(1) < 1.5", True),  # heterogeneous numeric comparison at run time
        ("dyn(2) > 1.5", True),
        ("dyn(1.0) <= 1", True),
        ("dyn(9223372036854775807) < 9223372036854775807.0", True),  # exact, not via float
        ("dyn(1) == 1.0", True),
        ("dyn(1.0) == 1", True),
        ("dyn(1) != 1.5", True),
        ("dyn(true) == 1", False),  # bool is never a number
        ("dyn(1) == true", False),
        ("dyn(0) == false", False),
        ("dyn('1') == 1", False),
        ("dyn(null) == 0", False),
        ("null == null", True),
        ("[1, 2] == [1, 2]", True),
        ("[1, 2] == [2, 1]", False),
        ("[[1], [2]] == [[1], [2]]", True),
        ("lj == [1, 'a', true, null, 2.0]", True),
        ("lj == [1, 'a', 1, null, 2.0]", False),  # true != 1 inside lists too
        ("[dyn(1), dyn(2.0)] == [dyn(1.0), dyn(2)]", True),
        ("{'a': 1} == {'a': 1}", True),
        ("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}", True),
        ("{'a': 1} == {'a': 2}", False),
        ("{'a': dyn(1)} == {'a': dyn(1.0)}", True),
        ("{'a': dyn(1)} == {'a': dyn(true)}", False),
        ("m == {'a': 1, 'b': 2}", True),
        ("x == x", True),
        ("0.0 / 0.0 == 0.0 / 0.0", False),
        ("ld == ld", False),  # NaN inside a list is not equal to itself
        ("ld != ld", True),
        ("d == date('2026-03-02')", True),
        ("record.guardian == null", False),
        ("record.guardian != null", True),
    ],
)
def test_comparisons(source: str, expected: bool) -> None:
    same(run(source), expected)


@pytest.mark.parametrize(
    "source", ["dyn('a') < 1", "dyn(true) < 1", "dyn(null) < dyn(null)", "dyn([1]) < dyn([2])"]
)
def test_ordering_across_types_fails(source: str) -> None:
    assert "no matching overload" in fails(source)


# -- logic: error absorption truth table --------------------------------------------------------

ERROR = "(1 / 0 == 1)"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"false && {ERROR}", False),
        (f"{ERROR} && false", False),
        (f"true || {ERROR}", True),
        (f"{ERROR} || true", True),
        (f"true && {ERROR}", None),
        (f"{ERROR} && true", None),
        (f"false || {ERROR}", None),
        (f"{ERROR} || false", None),
        (f"{ERROR} && {ERROR}", None),
        (f"{ERROR} || {ERROR}", None),
        (f"true && true && {ERROR} && false", False),
        (f"{ERROR} || {ERROR} || true", True),
        (f"({ERROR} || true) && ({ERROR} || true)", True),
        (f"!({ERROR} && false)", True),
        ("j && false", False),  # a non-bool is absorbed like an error
        ("false && j", False),
        ("j || true", True),
        ("j && true", None),
        ("true ? 1 : 1 / 0", 1),  # only the chosen branch runs
        ("false ? 1 / 0 : 2", 2),
        (f"{ERROR} ? 1 : 2", None),
    ],
)
def test_error_absorption(source: str, expected: Any) -> None:
    if expected is None:
        fails(source)
    else:
        same(run(source), expected)


def test_conditional_on_dyn_needs_a_bool() -> None:
    assert "expected bool" in fails("j ? 1 : 2")
    same(run("dyn(true) ? 1 : 2"), 1)


# -- fields, indexing, has() -------------------------------------------------------------------


def test_field_selection_and_missing_keys() -> None:
    same(run("record.guardian.name"), "王芳")
    same(run("record.extra.k"), 1)
    same(run("record['stage']"), "senior_secondary")
    record = {"stage": "primary"}
    assert fails("record.grade >= 10", record=record) == (
        "no such key 'grade' in record (guard it with has())"
    )
    assert fails("record.extra.missing", record=VALUES["record"]) == (
        "no such key 'missing' in record.extra (guard it with has())"
    )
    assert "no such key 'zz' in m" in fails("m['zz']")
    assert "no such key 'zz'" in fails("m.zz")
    assert "cannot select field 'k' from j" in fails("j.k")


def test_has() -> None:
    same(run("has(record.grade)"), True)
    same(run("has(record.grade)", record={"stage": "primary"}), False)
    same(run("has(record.grade) && record.grade > 3", record={"stage": "x"}), False)
    same(run("!has(record.grade) || record.grade > 3", record={"stage": "x"}), True)
    same(run("has(record.guardian.name)"), True)
    same(run("has(m.a)"), True)
    same(run("has(m.c)"), False)
    same(run("has(record.extra.k)"), True)
    same(run("has(j.a)", j={"a": None}), True)  # null does not mean absent
    assert "has() needs a map" in fails("has(j.a)")
    assert "no such key 'guardian'" in fails("has(record.guardian.name)", record={"stage": "x"})


def test_list_indexing() -> None:
    same(run("li[0]"), 1)
    same(run("li[i - 5]"), 3)
    assert "index 3 out of range for a list of size 3" in fails("li[3]")
    assert "index -1 out of range" in fails("li[-1]")
    assert "index -1 out of range" in fails("li[i - 8]")
    same(run("lj[1]"), "a")


def test_map_keys_keep_int_and_bool_apart() -> None:
    same(run("{1: 'a'}[1]"), "a")
    same(run("dyn({1: 'a'})[dyn(1.0)]"), "a")  # numeric keys compare numerically
    assert "no such key" in fails("dyn({1: 'a'})[dyn(true)]")
    assert "no such key" in fails("dyn({true: 'a'})[dyn(1)]")
    same(run("dyn(1) in {1: 'a'}"), True)
    same(run("dyn(true) in {1: 'a'}"), False)
    assert "duplicate key" in fails("{'a': 1, 'a': 2}")
    assert "cannot share one map" in fails("{1: 'a', true: 'b'}")


# -- membership ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2 in li", True),
        ("5 in li", False),
        ("'a' in m", True),
        ("'z' in m", False),
        ("record.status in ['suspended', 'withdrawn']", False),
        ("'id_card' in request.documents", True),
        ("dyn(1.0) in li", True),  # numeric equality through dyn
        ("dyn(true) in [1, 2]", False),
        ("true in lj", True),
        ("2 in lj", True),  # 2.0 in the list
        ("1 in [dyn(true)]", False),
        ("'stage' in record", True),
        ("'grade' in record", True),
        ("'x' in []", False),
        ("x in ld", True),
    ],
)
def test_membership(source: str, expected: bool) -> None:
    same(run(source, x=0.5), expected)


# -- macros ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("li.all(v, v > 0)", True),
        ("li.all(v, v > 1)", False),
        ("li.exists(v, v == 2)", True),
        ("li.exists(v, v == 9)", False),
        ("li.exists_one(v, v > 2)", True),
        ("li.exists_one(v, v > 1)", False),
        ("li.map(v, v * 10)", [10, 20, 30]),
        ("li.map(v, v > 1, v * 10)", [20, 30]),
        ("li.filter(v, v % 2 == 1)", [1, 3]),
        ("m.all(k, k in ['a', 'b'])", True),
        ("m.exists(k, m[k] == 2)", True),
        ("m.map(k, k + '!')", ["a!", "b!"]),
        ("m.filter(k, m[k] > 1)", ["b"]),
        ("[].all(v, v > 0)", True),
        ("[].exists(v, v > 0)", False),
        ("[].exists_one(v, v > 0)", False),
        ("[].map(v, v)", []),
        ("[].filter(v, true)", []),
        ("li.filter(v, v > 5)", []),
        ("[[1, 2], [3]].map(a, a.map(b, b * 2))", [[2, 4], [6]]),
        ("li.all(v, li.exists(w, w == v))", True),
        ("li.map(v, li.filter(w, w < v).size())", [0, 1, 2]),
        ("li.map(li, li * 2)", [2, 4, 6]),  # the variable shadows the list
        ("request.documents.exists(doc, doc.startsWith('id'))", True),
        ("[0, 1].exists(v, 1 / v == 1)", True),  # error on 0 absorbed by the true
        ("[0, 1].all(v, 1 / v == 5)", False),  # error absorbed by the false
        ("lj.exists(v, v == 'a')", True),
    ],
)
def test_macros(source: str, expected: Any) -> None:
    same(run(source), expected)


@pytest.mark.parametrize(
    "source",
    [
        "[0, 1].all(v, 1 / v == 1)",
        "[0, 1].exists(v, 1 / v == 5)",
        "[0, 1].exists_one(v, 1 / v == 1)",
        "[0, 1].map(v, 1 / v)",
        "[0, 1].filter(v, 1 / v == 1)",
        "lj.all(v, v)",
        "j.all(v, true)",
    ],
)
def test_macro_errors(source: str) -> None:
    fails(source)


# -- strings, regexes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("size('hello')", 5),
        ("size('学籍😀')", 3),  # code points, not bytes
        ("'学籍'.size()", 2),
        ("size(b'\\xff\\x00')", 2),
        ("size(li)", 3),
        ("size(m)", 2),
        ("size(record)", 6),
        ("size(j)", 3),
        ("s.contains('ell')", True),
        ("s.contains('')", True),
        ("s.startsWith('he')", True),
        ("s.endsWith('lo')", True),
        ("s.endsWith('he')", False),
        ("s.matches('^h.*o$')", True),
        ("s.matches('l+')", True),  # unanchored: a match anywhere
        ("s.matches('^l+$')", False),
        ("matches(s, 'ELL')", False),
        ("matches(s, '(?i)ELL')", True),
        ("'学籍2026'.matches('^学籍[0-9]{4}$')", True),
        ("'٣'.matches('\\\\d')", False),  # \\d is ASCII only, as in RE2
        ("'abc'.matches('c\\\\z')", True),  # RE2's \\z
        ("'ab'.matches('(?<x>a)b')", True),  # RE2 named group spelling
        ("s.matches(r'h\\w+')", True),
    ],
)
def test_strings(source: str, expected: Any) -> None:
    same(run(source, j="abc"), expected)


def test_dynamic_regex_is_checked_at_run_time() -> None:
    same(run("'aa'.matches(s)", s="a+"), True)
    assert "backreferences" in fails("'aa'.matches(s)", s="(a)\\1")
    assert "lookahead" in fails("'aa'.matches(s)", s="(?=a)")
    assert "invalid regular expression" in fails("'aa'.matches(s)", s="(")


# -- conversions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("int(2.9)", 2),
        ("int(-2.9)", -2),
        ("int('42')", 42),
        ("int('-42')", -42),
        ("int('+7')", 7),
        ("int(i)", 7),
        ("int('-9223372036854775808')", INT_MIN),
        ("double(3)", 3.0),
        ("double('2.5')", 2.5),
        ("double('1e3')", 1000.0),
        ("double('-inf')", -math.inf),
        ("double(x)", 2.5),
        ("string(12)", "12"),
        ("string(-1)", "-1"),
        ("string(1.5)", "1.5"),
        ("string(100.0)", "100"),
        ("string(1e20)", "1e+20"),
        ("string(true)", "true"),
        ("string(false)", "false"),
        ("string(b'abc')", "abc"),
        ("string('x')", "x"),
        ("string(d)", "2026-03-02"),
        ("bool('true')", True),
        ("bool('TRUE')", True),
        ("bool('True')", True),
        ("bool('t')", True),
        ("bool('1')", True),
        ("bool('false')", False),
        ("bool('FALSE')", False),
        ("bool('f')", False),
        ("bool('0')", False),
        ("bool(true)", True),
        ("bytes('é')", "é".encode()),
        ("dyn(3)", 3),
        ("string(j)", "1"),
        ("int(dyn(2.5))", 2),
    ],
)
def test_conversions(source: str, expected: Any) -> None:
    same(run(source), expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("int(1e19)", "out of the int64 range"),
        ("int(-1e19)", "out of the int64 range"),
        ("int(9223372036854775807.0)", "out of the int64 range"),
        ("int(0.0 / 0.0)", "out of the int64 range"),
        ("int(1.0 / 0.0)", "out of the int64 range"),
        ("int('x')", "cannot convert 'x' to int"),
        ("int('1.5')", "cannot convert"),
        ("int('1_000')", "cannot convert"),
        ("int('٣')", "cannot convert"),
        ("int(' 1')", "cannot convert"),
        ("int('0x10')", "cannot convert"),
        ("int('9223372036854775808')", "out of the int64 range"),
        ("double('abc')", "cannot convert"),
        ("double('1_0')", "cannot convert"),
        ("bool('yes')", "cannot convert 'yes' to bool"),
        ("bool('tRue')", "cannot convert"),
        ("string(b'\\xff')", "not valid UTF-8"),
        ("int(dyn([1]))", "no matching overload for 'int' applied to (list)"),
    ],
)
def test_conversion_errors(source: str, message: str) -> None:
    assert message in fails(source)


# -- dates (project extension) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("date('2026-03-02')", dt.date(2026, 3, 2)),
        ("date('2026-03-02') - date('2026-02-01')", 29),
        ("date('2024-03-01') - date('2024-02-01')", 29),  # leap year
        ("date('2023-03-01') - date('2023-02-01')", 28),
        ("date('2026-01-01') - date('2026-12-31')", -364),
        ("d + 30", dt.date(2026, 4, 1)),
        ("d - 2", dt.date(2026, 2, 28)),
        ("d + -2", dt.date(2026, 2, 28)),
        ("add_days(d, 365)", dt.date(2027, 3, 2)),
        ("add_months(date('2026-01-31'), 1)", dt.date(2026, 2, 28)),
        ("add_months(date('2024-01-31'), 1)", dt.date(2024, 2, 29)),
        ("add_months(date('2024-02-29'), 12)", dt.date(2025, 2, 28)),
        ("add_months(date('2026-03-31'), -1)", dt.date(2026, 2, 28)),
        ("add_months(date('2026-05-31'), 1)", dt.date(2026, 6, 30)),
        ("add_months(date('2026-11-15'), 3)", dt.date(2027, 2, 15)),
        ("add_months(date('2026-01-15'), -13)", dt.date(2024, 12, 15)),
        ("days_between(date('2026-03-01'), date('2026-03-31'))", 30),
        ("days_between(d, date('2026-03-01'))", -1),
        ("d.year()", 2026),
        ("d.month()", 3),
        ("d.day()", 2),
        ("d.weekday()", 1),  # 2026-03-02 is a Monday
        ("date('2026-03-08').weekday()", 7),
        ("d > date('2026-03-01')", True),
        ("d <= date('2026-03-02')", True),
        ("d != date('2026-03-02')", False),
        ("record.enrolled < d", True),
        ("string(add_months(d, 1))", "2026-04-02"),
        ("date(string(d)) == d", True),
        ("date(d) == d", True),
    ],
)
def test_dates(source: str, expected: Any) -> None:
    same(run(source), expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("date(s)", "invalid date 'hello' (expected YYYY-MM-DD)"),
        ("date('2026-1-1' + '')", "invalid date"),
        ("date('9999-12-31') + 1", "date out of range"),
        ("date('0001-01-01') - 1", "date out of range"),
        ("add_days(d, 9223372036854775807)", "date out of range"),
        ("add_months(date('9999-12-01'), 1)", "date out of range"),
        ("dyn(d) + 1.5", "no matching overload"),
    ],
)
def test_date_errors(source: str, message: str) -> None:
    assert message in fails(source)


def test_dates_accept_date_subclasses_but_not_datetimes() -> None:
    class MyDate(dt.date):
        pass

    same(run("d.year()", d=MyDate(2020, 1, 1)), 2020)
    same(run("dyn(d) < dyn(date('2021-01-01'))", d=MyDate(2020, 1, 1)), True)
    assert "no matching overload" in fails("j.year()", j=dt.datetime(2020, 1, 1))


# -- the API --------------------------------------------------------------------------------------


def test_compile_and_function_order() -> None:
    decls = expr.Declarations(
        {
            "record": t.ObjectType(
                "record", {"stage": t.STRING, "grade": t.INT}, required=frozenset({"stage"})
            ),
            "n": t.INT,
        },
        functions=None,
    )
    program = expr.compile("record.grade >= n && record.stage == 'primary'", decls)
    assert program.result_type == t.BOOL
    assert program.source == "record.grade >= n && record.stage == 'primary'"
    record = {"stage": "primary", "grade": 4}
    assert program.evaluate({"record": record, "n": 3}) is True
    assert program.function(record, 5) is False
    with pytest.raises(EvaluationError, match="no value for variable 'n'"):
        program.evaluate({"record": record})
    assert "primary" in repr(program)


@pytest.mark.parametrize(
    ("variables", "source", "expected"),
    [
        ({}, "1 + 2", 3),
        ({"n": 2, "x": 0.5}, "n * 2 + int(x)", 4),
        ({"b": True}, "b && true", True),
        ({"s": "ab", "by": b"c"}, "s + string(by)", "abc"),
        ({"z": None}, "z == null", True),
        ({"l": [1, 2]}, "l.map(v, v + 1)", [2, 3]),
        ({"l": [1, "a"]}, "size(l)", 2),
        ({"l": [[1], [2, 3]]}, "l[1][1] * 2", 6),
        ({"m": {"a": 1}}, "m.a + 1", 2),
        ({"m": {1: "x"}}, "m[1]", "x"),
        ({"d": dt.date(2026, 1, 31)}, "add_months(d, 1)", dt.date(2026, 2, 28)),
        ({"o": object()}, "dyn(o) == dyn(o)", False),
    ],
)
def test_one_shot_evaluate(variables: dict[str, Any], source: str, expected: Any) -> None:
    same(expr.evaluate(source, variables), expected)


def test_one_shot_errors() -> None:
    with pytest.raises(ExpressionError):
        expr.evaluate("1 + 1.0")
    with pytest.raises(EvaluationError):
        expr.evaluate("n / 0", {"n": 1})


def test_custom_function_errors_become_evaluation_errors() -> None:
    def explode(v: int) -> int:
        raise ValueError("boom")

    registry = expr.standard_functions().register(
        "explode", expr.Overload((t.INT,), t.INT, explode)
    )
    decls = expr.Declarations({"n": t.INT}, registry)
    program = expr.compile("explode(n) > 1", decls)
    with pytest.raises(EvaluationError, match="error in function 'explode': boom"):
        program.evaluate({"n": 1})
    assert expr.compile("false && explode(n) > 1", decls).function(1) is False
    same(expr.evaluate("explode(1) > 1 || true", functions=registry), True)


def test_custom_method_with_dyn_dispatch() -> None:
    registry = expr.standard_functions().register(
        "twice",
        expr.Overload((t.INT,), t.INT, lambda v: v * 2),
        expr.Overload((t.STRING,), t.STRING, lambda v: v + v),
        receiver=True,
    )
    decls = expr.Declarations({"j": t.DYN}, registry)
    program = expr.compile("j.twice()", decls)
    assert program.result_type == t.DYN
    same(program.function(2), 4)
    same(program.function("ab"), "abab")
    with pytest.raises(EvaluationError, match="no matching overload for 'twice'"):
        program.function(1.5)


def test_nonconforming_inputs_fail_cleanly() -> None:
    program = expr.compile("record.grade + 1 > 3 && size(request.documents) > 0", DECLS)
    for record, request in [
        (None, None),
        ({"grade": "x"}, {}),
        ({"grade": 5}, {"documents": 5}),
        ([], "abc"),
    ]:
        with pytest.raises(EvaluationError):
            program.evaluate({**VALUES, "record": record, "request": request})


def test_deeply_nested_input_is_an_evaluation_error() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    program = expr.compile("j == j2", expr.Declarations({"j": t.DYN, "j2": t.DYN}))
    with pytest.raises(EvaluationError):
        program.function(deep, deep)


def test_errors_share_the_root() -> None:
    assert issubclass(EvaluationError, XuejiRulesError)
    assert issubclass(ExpressionError, XuejiRulesError)


def test_example_condition_matches_hand_written_python() -> None:
    source = (
        "record.stage == 'senior_secondary' && record.grade >= 10 && "
        "!(record.status in ['suspended','withdrawn']) && size(request.documents) > 0"
    )
    program = expr.compile(source, DECLS)
    for status in ("enrolled", "suspended"):
        for docs in ([], ["a"]):
            record = {**VALUES["record"], "status": status}
            expected = status == "enrolled" and bool(docs)
            assert (
                program.function(
                    *[
                        {**VALUES, "record": record, "request": {"documents": docs}}[n]
                        for n in DECLS.variables
                    ]
                )
                is expected
            )


@pytest.mark.parametrize(
    "source",
    [
        "j2 && true",
        "true && j2",
        "!j2",
        "j2 ? 1 : 2",
        "li.exists(v, j2)",
        "[j2].all(v, v)",
        "!record.extra.flag",
    ],
)
def test_null_in_a_bool_field_is_an_error_not_falsy(source: str) -> None:
    # nullable JSON fields are typed by their non-null type; a null must not pass as false
    decls = expr.Declarations({**DECLS.variables, "j2": t.BOOL})
    program = expr.compile(source, decls)
    values = {**VALUES, "j2": None, "record": {**VALUES["record"], "extra": {"flag": None}}}
    with pytest.raises(EvaluationError):
        program.evaluate(values)
