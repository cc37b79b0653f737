"""Type checker: result types, overload resolution, suggestions and the types module."""

from __future__ import annotations

import pytest

from xueji_rules import expr
from xueji_rules.errors import ExpressionError, LoadError
from xueji_rules.expr import types as t

GUARDIAN = t.ObjectType("record.guardian", {"name": t.STRING, "phone": t.STRING})
RECORD = t.ObjectType(
    "record",
    {
        "stage": t.STRING,
        "grade": t.INT,
        "score": t.DOUBLE,
        "enrolled": t.DATE,
        "tags": t.ListType(t.STRING),
        "guardian": GUARDIAN,
        "extra": t.MapType(t.STRING, t.DYN),
        "anything": t.DYN,
    },
    required=frozenset({"stage"}),
)
DECLS = expr.Declarations(
    variables={
        "record": RECORD,
        "n": t.INT,
        "x": t.DOUBLE,
        "s": t.STRING,
        "d": t.DATE,
        "li": t.ListType(t.INT),
        "m": t.MapType(t.STRING, t.INT),
        "j": t.DYN,
    }
)


def type_of(source: str) -> t.Type:
    return expr.compile(source, DECLS).result_type


def rejected(source: str, decls: expr.Declarations = DECLS) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        expr.compile(source, decls)
    assert isinstance(info.value, LoadError)
    return info.value


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1", t.INT),
        ("1.0", t.DOUBLE),
        ("'a'", t.STRING),
        ("b'a'", t.BYTES),
        ("true", t.BOOL),
        ("null", t.NULL),
        ("[1, 2]", t.ListType(t.INT)),
        ("[1, 'a']", t.ListType(t.DYN)),
        ("[]", t.ListType(t.DYN)),
        ("{'a': 1}", t.MapType(t.STRING, t.INT)),
        ("{}", t.MapType(t.DYN, t.DYN)),
        ("record.grade >= n && record.stage == 'primary'", t.BOOL),
        ("record.grade + n", t.INT),
        ("record.score * x", t.DOUBLE),
        ("record.stage + s", t.STRING),
        ("record.guardian.name", t.STRING),
        ("record.guardian", GUARDIAN),
        ("record.tags", t.ListType(t.STRING)),
        ("record.tags[0]", t.STRING),
        ("record['grade']", t.INT),
        ("record.extra.whatever", t.DYN),
        ("record.extra.a.b.c", t.DYN),
        ("record.anything + 1", t.DYN),
        ("j.anything[3]", t.DYN),
        ("m.a", t.INT),
        ("m['a']", t.INT),
        ("li[0]", t.INT),
        ("has(record.guardian)", t.BOOL),
        ("has(m.a)", t.BOOL),
        ("size(record.tags)", t.INT),
        ("record.tags.size()", t.INT),
        ("size(j)", t.INT),
        ("li.map(v, v * 2)", t.ListType(t.INT)),
        ("li.map(v, v > 1, string(v))", t.ListType(t.STRING)),
        ("li.filter(v, v > 1)", t.ListType(t.INT)),
        ("m.filter(k, k != 'a')", t.ListType(t.STRING)),
        ("m.map(k, m[k])", t.ListType(t.INT)),
        ("record.tags.exists(tag, tag == 'x')", t.BOOL),
        ("li.all(v, v > 0)", t.BOOL),
        ("li.exists_one(v, v > 0)", t.BOOL),
        ("n > 0 ? 'a' : 'b'", t.STRING),
        ("n > 0 ? j : 1", t.DYN),
        ("d - record.enrolled", t.INT),
        ("d + 3", t.DATE),
        ("d - 3", t.DATE),
        ("add_months(d, 1)", t.DATE),
        ("d.weekday()", t.INT),
        ("date('2026-03-02')", t.DATE),
        ("string(d)", t.STRING),
        ("int(x)", t.INT),
        ("double(n)", t.DOUBLE),
        ("dyn(n)", t.DYN),
        ("dyn(n) < 1.5", t.BOOL),  # heterogeneous numeric comparison through dyn
        ("j == 1", t.BOOL),
        ("li == [1]", t.BOOL),
        ("li == []", t.BOOL),
        ("record.guardian == null", t.BOOL),
        ("s in record.tags", t.BOOL),
        ("'a' in m", t.BOOL),
        ("'stage' in record", t.BOOL),
        ("li + [1]", t.ListType(t.INT)),
        ("li + ['a']", t.ListType(t.DYN)),
        ("matches(s, 'a+')", t.BOOL),
    ],
)
def test_result_types(source: str, expected: t.Type) -> None:
    assert type_of(source) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1 + 1.0", "no matching overload for '+' applied to (int, double)"),
        ("n + x", "no matching overload for '+' applied to (int, double)"),
        ("1 < 1.5", "no matching overload for '<' applied to (int, double)"),
        ("1 == 1.0", "no matching overload for '==' applied to (int, double)"),
        ("'a' + 1", "no matching overload for '+' applied to (string, int)"),
        ("true + true", "no matching overload for '+' applied to (bool, bool)"),
        ("1.5 % 2.0", "no matching overload for '%' applied to (double, double)"),
        ("-'a'", "no matching overload for '-' applied to (string)"),
        ("!1", "no matching overload for '!' applied to (int)"),
        ("d + d", "no matching overload for '+' applied to (date, date)"),
        ("d < 1", "no matching overload for '<' applied to (date, int)"),
        ("1 in ['a']", "no matching overload for 'in' applied to (int, list(string))"),
        ("1 in 'abc'", "no matching overload for 'in' applied to (int, string)"),
        ("li[s]", "no matching overload for '[]' applied to (list(int), string)"),
        ("s[0]", "no matching overload for '[]' applied to (string, int)"),
        ("size(1)", "no matching overload for 'size' applied to (int)"),
        ("s.startsWith(1)", "no matching overload for 'startsWith' applied to (string, int)"),
        ("n && true", "no matching overload for '&&' applied to (int)"),
        ("n ? 1 : 2", "the condition of '?:' must be a bool, not int"),
        ("true ? 1 : 'a'", "the branches have different types (int, string)"),
        ("li.all(v, v)", "the condition of 'all' must be a bool, not int"),
        ("n.all(v, true)", "'all' needs a list or a map, not int"),
        ("{1.5: 1}", "unsupported map key type double"),
        ("{null: 1}", "unsupported map key type null_type"),
        ("n.field", "cannot select field 'field' from n of type int"),
        ("has(n.field)", "cannot select has() from n of type int"),
        ("record.stag", "unknown field 'record.stag' (did you mean 'record.stage'?)"),
        (
            "record.guardian.nmae",
            "unknown field 'record.guardian.nmae' (did you mean 'record.guardian.name'?)",
        ),
        ("record['stag']", "unknown field 'record.stag' (did you mean 'record.stage'?)"),
        ("record.zzzzzz", "unknown field 'record.zzzzzz'"),
        ("recrod.stage", "undeclared reference to 'recrod' (did you mean 'record'?)"),
        ("li.map(item, itme)", "undeclared reference to 'itme' (did you mean 'item'?)"),
        ("qqqqq", "undeclared reference to 'qqqqq'"),
        ("siz(s)", "unknown function 'siz' (did you mean 'size'?)"),
        ("s.startswith('a')", "unknown function 'startswith' (did you mean 'startsWith'?)"),
        ("s.add_days(1)", "function 'add_days' is not a method: call it as add_days(...)"),
        ("weekday(d)", "function 'weekday' is a method: call it as x.weekday(...)"),
        ("date('2026-02-30')", "invalid date '2026-02-30'"),
        ("date('2026/02/03')", "invalid date"),
        ("s.matches('(a)\\\\1')", "backreferences"),
        ("s.matches('(?=a)')", "lookahead '(?=...)' is not supported (RE2 has no lookaround)"),
        ("s.matches('(?<!a)b')", "negative lookbehind '(?<!...)' is not supported"),
        ("s.matches('(?>a)')", "atomic groups"),
        ("s.matches('a*+')", "possessive quantifiers"),
        ("s.matches('(?x)a b')", "verbose mode '(?x)' is Python syntax"),
        ("s.matches('(?ai)x')", "'(?a)' is Python syntax"),
        ("s.matches('\\\\N{DIGIT ONE}')", "'\\N{...}' named characters are Python syntax"),
        ("s.matches('a\\\\Z')", "RE2 writes the end of the text as '\\z'"),
        ("s.matches('(?#note)a')", "inline comments"),
        ("s.matches('(?(1)a|b)')", "conditionals"),
        ("s.matches('(')", "invalid regular expression: missing )"),
        ("s.matches('a{1001}')", "invalid regular expression: invalid repetition size"),
        ("matches(s, '(?P=x)')", "backreferences '(?P=name)' are not supported"),
    ],
)
def test_type_errors(source: str, message: str) -> None:
    error = rejected(source)
    assert message in error.message, error.message
    assert error.source == source and error.offset is not None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("n + x", "; expected int + int -> int or double + double -> double or string + string "
                  "-> string or bytes + bytes -> bytes or list(T) + list(T) -> list(T) or date + "
                  "int -> date (no implicit int/double conversion: write double(n))"),
        ("d + d", "or date + int -> date"),
        ("d - 's'", "; expected int - int -> int or double - double -> double or date - date -> "
                    "int or date - int -> date"),
        ("-'a'", "; expected -int -> int or -double -> double"),
        ("d < 1", "; expected T < T -> bool, T one of int, double, string, bytes, bool or date"),
        ("!1", "; expected !bool -> bool"),
        ("1.5 % 2.0", "; expected int % int -> int"),
        ("1 in ['a']", "; expected T in list(T) -> bool or K in map(K, V) -> bool"),
        ("li[s]", "; expected list(T)[int] -> T or map(K, V)[K] -> V"),
    ],
)  # fmt: skip
def test_an_operator_error_shows_what_the_operator_takes(source: str, expected: str) -> None:
    """Third-province report item 10: an overload error shows the expected signatures, for
    operators as for functions."""
    message = rejected(source).message.splitlines()[0]
    assert expected in message, message
    if "no implicit" in expected:
        return
    assert "no implicit int/double" not in message  # the hint only where int meets double


def test_unknown_field_caret_is_under_the_field() -> None:
    error = rejected("record.stag == 'x'")
    assert str(error).splitlines()[-1] == "  |        ^"


def test_regex_error_caret_is_under_the_pattern() -> None:
    error = rejected("s.matches('a(?=b)')")
    assert error.expr_column == 13  # under the '(' of the lookahead, inside the literal


@pytest.mark.parametrize(
    ("source", "column"),
    [
        (r"s.matches('ab\\1')", 14),  # an escaped backslash: the caret still lands on it
        (r"s.matches(r'ab\1')", 15),  # raw string
        ("s.matches('''x(?x)''')", 15),  # triple quotes
        ("s.matches('(')", 11),  # RE2's own refusal has no position: under the literal
    ],
)
def test_regex_caret_maps_through_escapes(source: str, column: int) -> None:
    assert rejected(source).expr_column == column


@pytest.mark.parametrize(
    "pattern",
    ["[[:alpha:]]", r"\\pL", r"\\p{Han}+", r"\\x{41}+", r"a\\z", "(?<n>a)", "(?U)a+", "(?i:é)"],
)
def test_re2_syntax_python_lacks_is_accepted(pattern: str) -> None:
    assert type_of(f"s.matches('{pattern}')") == t.BOOL


def test_comprehension_variable_shadows_and_goes_out_of_scope() -> None:
    assert type_of("li.map(n, string(n))") == t.ListType(t.STRING)
    assert "undeclared reference to 'v'" in rejected("li.all(v, true) && v > 0").message


def test_custom_functions_and_receivers() -> None:
    registry = expr.standard_functions().register(
        "double_it", expr.Overload((t.INT,), t.INT, lambda v: v * 2, "double_it_int")
    )
    registry.register("shout", expr.Overload((t.STRING,), t.STRING, str.upper), receiver=True)
    decls = expr.Declarations({"n": t.INT, "s": t.STRING}, registry)
    assert expr.compile("double_it(n)", decls).result_type == t.INT
    assert expr.compile("s.shout()", decls).function(1, "hi") == "HI"
    assert (
        "no matching overload for 'double_it' applied to (string)"
        in rejected("double_it(s)", decls).message
    )
    # the standard registry handed out earlier is not changed by registering on a copy
    assert "unknown function 'double_it'" in rejected("double_it(n)").message


def test_overloads_resolved_at_run_time_for_dyn() -> None:
    assert type_of("string(j)") == t.STRING
    assert type_of("int(j)") == t.INT


def test_registry_extended_is_a_new_registry() -> None:
    base = expr.standard_functions()
    extra = expr.FunctionRegistry().register(
        "twice", expr.Overload((t.INT,), t.INT, lambda v: 2 * v)
    )
    merged = base.extended(extra)
    assert "twice" in merged and "twice" not in base and "size" in merged
    with pytest.raises(ValueError, match="receiver"):
        expr.FunctionRegistry().register("f", expr.Overload((), t.INT, int), receiver=True)
    with pytest.raises(TypeError):
        expr.FunctionRegistry().register("f", lambda: 1)  # type: ignore[arg-type]


# -- the types module ---------------------------------------------------------------------------


def test_types_are_immutable_hashable_and_readable() -> None:
    assert str(t.ListType(t.INT)) == "list(int)"
    assert str(t.MapType(t.STRING, t.DYN)) == "map(string, dyn)"
    assert str(RECORD) == "record"
    assert str(t.DATE) == "date" and str(t.NULL) == "null_type"
    assert len({t.ListType(t.INT), t.ListType(t.INT), t.MapType(t.STRING, t.INT)}) == 2
    assert hash(RECORD) == hash(
        t.ObjectType("record", dict(RECORD.fields), required=frozenset({"stage"}))
    )
    with pytest.raises(AttributeError):
        t.INT.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        RECORD.fields["x"] = t.INT  # type: ignore[index]
    assert RECORD.field("grade") == t.INT and RECORD.field("nope") is None


def test_from_json_schema() -> None:
    schema = {
        "type": "object",
        "required": ["id", "stage"],
        "properties": {
            "id": {"type": "string"},
            "stage": {"enum": ["primary", "junior_secondary"]},
            "grade": {"type": "integer"},
            "score": {"type": "number"},
            "active": {"type": "boolean"},
            "born": {"type": "string", "format": "date"},
            "left": {"type": ["string", "null"], "format": "date"},
            "nickname": {"type": ["string", "null"]},
            "nothing": {"type": "null"},
            "docs": {"type": "array", "items": {"type": "string"}},
            "guardian": {"type": "object", "properties": {"name": {"type": "string"}}},
            "extra": {"type": "object", "additionalProperties": True},
            "either": {"type": ["string", "integer"]},
            "free": {},
        },
    }
    ty = t.from_json_schema(schema, "record")
    assert isinstance(ty, t.ObjectType) and ty.name == "record"
    assert ty.required == frozenset({"id", "stage"})
    f = ty.fields
    assert f["id"] == t.STRING and f["stage"] == t.STRING and f["grade"] == t.INT
    assert f["score"] == t.DOUBLE and f["active"] == t.BOOL and f["born"] == t.DATE
    assert f["left"] == t.DATE and f["nickname"] == t.STRING and f["nothing"] == t.NULL
    assert f["docs"] == t.ListType(t.STRING)
    assert f["guardian"] == t.ObjectType("record.guardian", {"name": t.STRING})
    assert f["extra"] == t.MapType(t.STRING, t.DYN)
    assert f["either"] == t.DYN and f["free"] == t.DYN
    assert t.from_json_schema({"type": "array"}, "x") == t.ListType(t.DYN)


def test_public_api_names() -> None:
    assert sorted(expr.__all__) == [
        "Declarations",
        "FieldRead",
        "FunctionRegistry",
        "Limits",
        "LiteralUse",
        "Overload",
        "Program",
        "compile",
        "evaluate",
        "sizes_of_value",
        "standard_functions",
        "type_of_value",
        "types",
    ]


def test_unknown_field_inside_has_points_at_the_selection() -> None:
    from xueji_rules.errors import ExpressionError
    from xueji_rules.expr import Declarations, compile
    from xueji_rules.expr import types as t

    decls = Declarations(
        variables={"record": t.ObjectType("record", {"grade": t.INT}, required=frozenset())}
    )
    with pytest.raises(ExpressionError) as info:
        compile("has(record.grde)", decls)
    assert info.value.expr_column is not None and info.value.expr_column > 1
    assert "did you mean 'record.grade'" in str(info.value)
