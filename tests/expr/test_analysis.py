"""What a checked program reads and tests, which reads no guard protects, and every problem of
an expression reported in one pass."""

from __future__ import annotations

import pytest

from xueji_rules import expr
from xueji_rules.errors import EvaluationError, ExpressionError
from xueji_rules.expr import types as t

SCHOOL = t.ObjectType(
    "request.to_school", {"id": t.STRING, "city": t.STRING, "vacancies": t.INT}, frozenset({"id"})
)
APPROVAL = t.ObjectType(
    "request.approvals[]", {"body": t.STRING, "date": t.DATE}, frozenset({"body"})
)
REQUEST = t.ObjectType(
    "request",
    {
        "transition": t.STRING,
        "ground": t.STRING,
        "to_school": SCHOOL,
        "approvals": t.ListType(APPROVAL),
        "extra": t.MapType(t.STRING, t.DYN),
    },
    required=frozenset({"transition"}),
)
RECORD = t.ObjectType("record", {"stage": t.STRING, "grade": t.INT}, required=frozenset({"stage"}))
PARAMS = t.ObjectType("params", {"window": t.INT})
DECLS = expr.Declarations({"record": RECORD, "request": REQUEST, "params": PARAMS})


def program(source: str) -> expr.Program:
    return expr.compile(source, DECLS)


def unguarded(source: str, present: tuple[str, ...] = ()) -> list[str]:
    return [r.path for r in program(source).unguarded_reads(present, roots=("record", "request"))]


# -- reads and has() tests ------------------------------------------------------------------------


def test_reads_and_tested_paths() -> None:
    p = program(
        "has(request.to_school) && has(request.to_school.vacancies) && "
        "request.to_school.vacancies > params.window && record.stage == 'primary'"
    )
    assert p.reads == {
        "request.to_school",
        "request.to_school.vacancies",
        "params.window",
        "record.stage",
    }
    assert p.tested == {"request.to_school", "request.to_school.vacancies"}


def test_list_elements_are_written_with_brackets() -> None:
    p = program("request.approvals.exists(a, a.body == 'school' && has(a.date))")
    assert p.reads == {"request.approvals", "request.approvals[].body"}
    assert p.tested == {"request.approvals[].date"}
    assert program("request.approvals[0].body == 'x'").reads == {
        "request.approvals",
        "request.approvals[].body",
    }


def test_index_with_a_literal_key_is_a_field() -> None:
    assert program("record['grade'] > 1").reads == {"record.grade"}


def test_field_reads_carry_offsets_and_optionality() -> None:
    reads = program("record.stage == 'x' && record.grade > 1").field_reads()
    assert [(r.path, r.offset, r.optional) for r in reads] == [
        ("record.stage", 7, False),
        ("record.grade", 30, True),
    ]


# -- guards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "has(record.grade) && record.grade > 3",
        "record.grade > 3 && has(record.grade)",  # && absorbs the error from either side
        "!has(record.grade) || record.grade > 3",
        "has(record.grade) ? record.grade > 3 : false",
        "!has(record.grade) ? false : record.grade > 3",
        "!(has(record.grade) && record.grade > 3)",
        "has(request.to_school) && has(request.to_school.city) && request.to_school.city == 'x'",
        "has(request.to_school.city) && request.to_school.city == 'x' && has(request.to_school)",
        "has(request.approvals) && "
        "request.approvals.exists(a, has(a.date) && a.date > date('2026-01-01'))",
        "has(request.extra) && has(request.extra.k) && request.extra.k == 1",
        "record.stage == 'primary'",  # required
        "params.window > 0",  # not an input root
    ],
)
def test_guarded_reads(source: str) -> None:
    assert unguarded(source) == []


@pytest.mark.parametrize(
    ("source", "paths"),
    [
        ("record.grade > 0", ["record.grade"]),
        ("has(record.grade) || record.grade > 3", ["record.grade"]),
        ("has(record.grade) ? false : record.grade > 3", ["record.grade"]),
        ("has(request.to_school.city)", ["request.to_school"]),  # has() reads the operand
        ("request.to_school.id == 'x'", ["request.to_school"]),  # id is required inside
        (
            "request.approvals.exists(a, a.date > date('2026-01-01'))",
            ["request.approvals", "request.approvals[].date"],
        ),
        ("request.extra.k == 1", ["request.extra", "request.extra.k"]),
        ("has(request.extra.k)", ["request.extra"]),
        ("(has(record.grade) && true) || record.grade > 1", ["record.grade"]),
    ],
)
def test_unguarded_reads(source: str, paths: list[str]) -> None:
    assert unguarded(source) == paths


def test_present_paths_guard_like_needs() -> None:
    assert unguarded("record.grade > 0", present=("record.grade",)) == []
    # a needed field implies its parents
    assert (
        unguarded("request.to_school.vacancies > 0", present=("request.to_school.vacancies",)) == []
    )


def test_guarantees_of_a_condition() -> None:
    assert program("has(record.grade) && has(request.ground)").guarantees() == {
        "record",
        "record.grade",
        "request",
        "request.ground",
    }
    assert program("has(record.grade) || has(request.ground)").guarantees() == frozenset()


def test_an_unguarded_read_is_what_raises() -> None:
    """The analysis agrees with evaluation: the flagged read is the one that fails."""
    p = program("record.grade > 0")
    with pytest.raises(EvaluationError, match="no such key 'grade'"):
        p.evaluate({"record": {"stage": "x"}, "request": {"transition": "t"}, "params": {}})
    guarded = program("!has(record.grade) || record.grade > 0")
    assert guarded.evaluate({"record": {"stage": "x"}, "request": {}, "params": {}}) is True


# -- every problem in one pass --------------------------------------------------------------------


def errors_of(source: str) -> list[str]:
    with pytest.raises(ExpressionError) as info:
        expr.compile(source, DECLS)
    return [e.message for e in info.value.errors]


def test_every_type_error_of_an_expression() -> None:
    assert errors_of("termnumber(request.date) == 1 && record.grdae == 1") == [
        "unknown function 'termnumber'",
        "unknown field 'request.date'",
        "unknown field 'record.grdae' (did you mean 'record.grade'?)",
    ]


def test_errors_do_not_cascade() -> None:
    # the unknown field is one problem, not also a bad comparison and a bad '&&'
    assert errors_of("record.grdae > 'x' && true") == [
        "unknown field 'record.grdae' (did you mean 'record.grade'?)"
    ]


def test_syntax_errors_in_separate_terms_and_type_errors_in_the_others() -> None:
    assert errors_of("record.grade > && record.stag == 'x' && request.ground == ") == [
        "unexpected '&&'",
        "unknown field 'record.stag' (did you mean 'record.stage'?)",
        "unexpected end of expression",
    ]


def test_lexical_errors_are_all_reported() -> None:
    messages = errors_of("record.stage == 'a\\q' && record.grade # 2 && 1u > 0")
    assert messages == [
        "invalid escape sequence '\\q'",
        "unexpected character '#'",
        "unsigned integers (the 'u' suffix) are not supported; use int",
    ]


def test_each_error_keeps_its_own_caret() -> None:
    with pytest.raises(ExpressionError) as info:
        expr.compile("record.stag == 'x' && record.grdae > 1", DECLS)
    first, second = info.value.errors
    assert (first.expr_column, second.expr_column) == (8, 30)
    text = str(info.value)
    assert text.count("^") == 2 and "record.stag" in text and "record.grdae" in text


def test_overload_errors_show_the_expected_signatures() -> None:
    message = errors_of("add_months(record.stage, 1) == record.grade")[0]
    assert message.endswith("; expected add_months(date, int) -> date")
    message = errors_of("record.stage.startsWith(1)")[0]
    assert "expected string.startsWith(string) -> bool" in message
    message = errors_of("int(record)")[0]
    assert "expected int(double) -> int or int(int) -> int or int(string) -> int" in message
