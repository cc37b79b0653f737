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
