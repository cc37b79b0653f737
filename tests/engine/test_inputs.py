"""The fast input converter agrees with jsonschema, and bad input is worded per field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_rules._schemas import validator_for
from xueji_rules.engine._inputs import input_model
from xueji_rules.errors import InputError

VALID_RECORD: dict[str, Any] = {
    "id": "G1401",
    "status": "enrolled",
    "stage": "senior_secondary",
    "grade": 11,
    "school": {"id": "s1", "county": "小店区", "vacancies": 2},
    "suspensions": [{"start": "2025-03-01", "end": "2025-07-01", "ground": "illness"}],
}
VALID_REQUEST: dict[str, Any] = {
    "transition": "transfer",
    "date": "2026-03-09",
    "applicant": "guardian",
    "documents": ["a"],
    "approvals": [{"body": "sending_school", "date": "2026-03-10"}],
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 20)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.sampled_from(
        ["", "x", "2026-02-30", "2026-03-09", "20260309", "enrolled", "guardian", "illness", "6-3"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "start", "end", "body", "zz"]), children, max_size=3
        )
    ),
    max_leaves=6,
)


def _mutations(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = [*base, "grade", "school", "birth_date", "unknown_field", "period_start"]
    return st.dictionaries(st.sampled_from(keys), json_values, max_size=3).map(
        lambda ch: {**base, **ch}
    ) | st.sampled_from(keys).map(lambda k: {key: v for key, v in base.items() if key != k})


@pytest.mark.parametrize(("kind", "base"), [("record", VALID_RECORD), ("request", VALID_REQUEST)])
def test_converter_agrees_with_jsonschema(kind: str, base: dict[str, Any]) -> None:
    model = input_model(kind)
    validator = validator_for(f"{kind}.schema.json")

    @settings(max_examples=400, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(_mutations(base))
    def check(value: dict[str, Any]) -> None:
        expected_ok = validator.is_valid(value)
        try:
            model.convert(value)
            ok = True
        except InputError:
            ok = False
        assert ok == expected_ok, value

    check()


NESTED_KEYS = {
    "record": {"school": VALID_RECORD["school"], "suspensions": VALID_RECORD["suspensions"][0]},
    "request": {"approvals": VALID_REQUEST["approvals"][0], "to_school": {"id": "s2"}},
}


@pytest.mark.parametrize(("kind", "base"), [("record", VALID_RECORD), ("request", VALID_REQUEST)])
def test_converter_agrees_with_jsonschema_on_nested_values(kind: str, base: dict[str, Any]) -> None:
    """Mutations inside nested objects and array items, where the generated code recurses."""
    model = input_model(kind)
    validator = validator_for(f"{kind}.schema.json")
    nested = NESTED_KEYS[kind]
    keys = ["id", "start", "end", "body", "date", "county", "vacancies", "ground", "kind", "zz"]

    @settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.sampled_from(sorted(nested)),
        st.dictionaries(st.sampled_from(keys), json_values, max_size=2),
        st.booleans(),
    )
    def check(field: str, change: dict[str, Any], as_tuple: bool) -> None:
        inner = {**nested[field], **change}
        value = {**base, field: (inner,) if as_tuple else [inner]}
        if field in ("school", "to_school"):
            value[field] = inner
        expected_ok = validator.is_valid(value) if not as_tuple else None
        try:
            model.convert(value)
            ok = True
        except InputError:
            ok = False
        if expected_ok is not None:
            assert ok == expected_ok, value

    check()


def test_converted_inputs_are_fresh_containers() -> None:
    """Tuples become lists and converted objects are new dicts: the caller's input is untouched."""
    record = {**VALID_RECORD, "suspensions": tuple(VALID_RECORD["suspensions"])}
    rec = input_model("record").convert(record)
    assert isinstance(rec["suspensions"], list) and rec is not record
    assert record["suspensions"][0]["start"] == "2025-03-01"


def test_dates_are_converted() -> None:
    rec = input_model("record").convert(VALID_RECORD)
    assert rec["suspensions"][0]["start"] == dt.date(2025, 3, 1)
    req = input_model("request").convert({**VALID_REQUEST, "date": dt.date(2026, 3, 9)})
    assert req["date"] == dt.date(2026, 3, 9)


def test_errors_name_every_field() -> None:
    bad = {**VALID_RECORD, "grade": 13, "stage": "senior", "extra": 1}
    with pytest.raises(InputError) as info:
        input_model("record").convert(bad)
    text = " | ".join(p.message for p in info.value.problems)
    assert "grade" in text and "13" in text
    assert "'senior' is not one of" in text and "did you mean 'senior_secondary'" in text
    assert "unknown field 'extra'" in text


def test_invalid_calendar_date() -> None:
    with pytest.raises(InputError) as info:
        input_model("request").convert({**VALID_REQUEST, "date": "2026-02-30"})
    assert "2026-02-30" in str(info.value)


@pytest.mark.parametrize(
    "text", ["20260309", "2026-W11-1", "2026-03-09T00:00", "2026-3-9", " 2026-03-09"]
)
def test_only_extended_calendar_dates_are_dates(text: str) -> None:
    """``date.fromisoformat`` accepts more than JSON Schema's ``format: date``; the converter must not."""
    with pytest.raises(InputError):
        input_model("request").convert({**VALID_REQUEST, "date": text})
    suspension = {**VALID_RECORD["suspensions"][0], "start": text}
    with pytest.raises(InputError):
        input_model("record").convert({**VALID_RECORD, "suspensions": [suspension]})


# -- inputs that must end in a Decision or an InputError (issue 10 item 5; report 6, 17, 18) --------


@pytest.fixture(scope="module")
def national() -> Any:
    from xueji_rules import Engine

    return Engine("national")


TRANSFER = {"transition": "transfer", "date": "2026-03-10", "applicant": "guardian"}
PRIMARY = {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3}


def test_integral_json_floats_are_integers(national: Any) -> None:
    # Java and Go clients may write 3.0; JSON Schema calls it an integer, so do we (defect 6)
    rec = input_model("record").convert({**VALID_RECORD, "grade": 11.0})
    assert rec["grade"] == 11 and type(rec["grade"]) is int
    d = national.decide({**PRIMARY, "grade": 3.0}, {**TRANSFER, "target_grade": 3.0})
    assert d.next_grade is None or type(d.next_grade) is int
    with pytest.raises(InputError) as info:
        input_model("record").convert({**VALID_RECORD, "grade": 3.5})
    assert "record.grade: 3.5 is not of type 'integer'" in str(info.value)


@pytest.mark.parametrize("depth", [70, 500, 5000])
def test_deep_unknown_fields_are_refused_not_a_recursion_error(depth: int) -> None:
    value: Any = {}
    for _ in range(depth):
        value = {"x": value}
    with pytest.raises(InputError):
        input_model("record").convert({**VALID_RECORD, "extra": value})


def test_an_input_that_contains_itself_is_refused() -> None:
    record: dict[str, Any] = {**VALID_RECORD}
    record["extra"] = record
    with pytest.raises(InputError, match="contains itself"):
        input_model("record").convert(record)
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(InputError):
        input_model("request").convert({**VALID_REQUEST, "documents": looped})


def test_a_grade_outside_the_stage_is_an_input_error(national: Any) -> None:
    with pytest.raises(InputError) as info:
        national.decide({**PRIMARY, "grade": 9}, TRANSFER)
    assert str(info.value) == (
        "record.grade: grade 9 is not a grade of stage 'primary' under the 6-3 system (grades 1-6)"
    )
    with pytest.raises(InputError, match="under the 5-4 system"):
        national.decide({**PRIMARY, "grade": 6, "school_system": "5-4"}, TRANSFER)
    junior_six = {**PRIMARY, "stage": "junior_secondary", "grade": 6, "school_system": "5-4"}
    assert national.decide(junior_six, TRANSFER).outcome != "denied"
    with pytest.raises(InputError, match="stage 'preschool' has no grades"):
        national.decide({**PRIMARY, "stage": "preschool"}, TRANSFER)


def test_huge_integers_are_input_errors_not_evaluation_errors(national: Any) -> None:
    for field in ("missed_class_hours", "term_class_hours", "truancy_weeks_continuous"):
        with pytest.raises(InputError, match=rf"request\.{field}"):
            national.decide(PRIMARY, {**TRANSFER, field: 2**70})
    with pytest.raises(InputError, match=r"record\.school\.vacancies"):
        national.decide({**PRIMARY, "school": {"id": "s", "vacancies": 10**20}}, TRANSFER)


def test_a_birth_date_after_the_request_is_an_input_error(national: Any) -> None:
    with pytest.raises(InputError) as info:
        national.decide({**PRIMARY, "birth_date": "2027-01-01"}, TRANSFER)
    assert str(info.value) == (
        "record.birth_date: birth date 2027-**-** is after the request's date 2026-03-10"  # masked
    )


def test_an_unknown_status_is_named_once(national: Any) -> None:
    with pytest.raises(InputError) as info:
        national.decide({**PRIMARY, "status": "enroled"}, TRANSFER)
    text = str(info.value)
    assert text.startswith("record.status: unknown status 'enroled' (did you mean 'enrolled'?)")
    assert text.count("record.status") == 1  # defect 18


def test_a_pack_input_model_keeps_the_bundled_checks() -> None:
    from xueji_rules.packs.model import InputField, Text

    field = InputField("request.scope", "string", Text("范围"), enum=("a", "b"))
    model = input_model("request", [field])
    assert model.convert({**VALID_REQUEST, "scope": "a"})["scope"] == "a"
    with pytest.raises(InputError, match=r"request\.scope: 'c' is not one of"):
        model.convert({**VALID_REQUEST, "scope": "c"})
    with pytest.raises(InputError, match="unknown field 'scope'"):
        input_model("request").convert({**VALID_REQUEST, "scope": "a"})


def test_a_missing_required_field_is_worded() -> None:
    """The converter reads required fields directly; an absent one is an input error naming it
    (nested objects too), never a KeyError."""
    with pytest.raises(InputError, match="'stage' is a required property"):
        input_model("record").convert({k: v for k, v in VALID_RECORD.items() if k != "stage"})
    approvals = [{"date": "2026-03-10"}]
    with pytest.raises(InputError, match="'body' is a required property"):
        input_model("request").convert({**VALID_REQUEST, "approvals": approvals})


def test_remembered_dates_are_the_same_dates() -> None:
    """Parsed date texts are remembered (bounded); a remembered text gives the same date, and a
    text that is not a date is never remembered."""
    from xueji_rules.engine import _inputs

    model = input_model("request")
    first = model.convert({**VALID_REQUEST, "date": "2026-03-11"})["date"]
    again = model.convert({**VALID_REQUEST, "date": "2026-03-11"})["date"]
    assert first == again == dt.date(2026, 3, 11)
    with pytest.raises(InputError):
        model.convert({**VALID_REQUEST, "date": "2026-02-30"})
    assert "2026-02-30" not in _inputs._DATES
    _inputs._DATES.clear()
    _inputs._DATES.update({f"x{i}": dt.date(2026, 1, 1) for i in range(_inputs._DATES_MAX)})
    model.convert({**VALID_REQUEST, "date": "2031-07-19"})  # full: the memory starts again
    assert "x0" not in _inputs._DATES and "2031-07-19" in _inputs._DATES
