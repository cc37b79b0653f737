"""The msgspec decoder takes only what the generated converter takes, and gives the same values."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_rules.audit._convert import bundle_model, typed_bundle_schema
from xueji_rules.engine import _typed
from xueji_rules.engine._generate import REJECTED, compile_converter
from xueji_rules.engine._inputs import input_model
from xueji_rules.engine._typed import typed_decoder

pytest.importorskip("msgspec", reason="the typed decoder needs the [fast] extra (msgspec)")

SCHOOL = {"id": "S1", "province": "山西省", "city": "太原市", "county": "小店区",
          "ownership": "public", "kind": "primary"}  # fmt: skip
RECORD = {"id": "G1401", "status": "enrolled", "stage": "primary", "grade": 3,
          "has_registry": True, "birth_date": "2017-05-01", "enrolled_on": "2023-09-01",
          "school": SCHOOL, "person": {"name": "王小", "id_doc_number": "x"},
          "family": [{"name": "王大", "is_guardian": True}]}  # fmt: skip
BUNDLE: dict[str, Any] = {
    "record": RECORD,
    "history": {
        "start": {**RECORD, "grade": 2},
        "events": [
            {"on": "2026-09-01", "after": {"grade": 3}},
            {
                "request": {"transition": "suspend", "date": "2026-10-09"},
                "result": "pending",
                "completed": [{"obligation": "suspend.record_update", "on": "2026-10-10"}],
            },
        ],
    },
    "attendance": [{"term_start": "2026-09-01", "school": "S1", "stage": "primary"}],
    "archive": {"created_on": "2023-09-20", "entries": [{"kind": "award", "date": "2024-06-01"}]},
    "transfer_backups": [{"school": "S0", "date": "2023-03-01", "electronic": True}],
}

# values that each break some keyword somewhere: types, bounds, formats, enums, lengths
ODD = [None, True, 0, 3, 3.0, -1, 13, 2**63, 2**64 + 1, 1.5, "", "x", "2026-02-30",
       "20260309", "2026-03-09", "enrolled", "primary", "S1", "x" * 70, [], {}, [1], {"a": 1}]  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``value`` (keys and list indexes), the value itself first."""
    out = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            out += _paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            out += _paths(sub, (*prefix, index))
    return out


def _mutate(base: dict[str, Any], path: tuple[Any, ...], how: str, odd: Any) -> dict[str, Any]:
    value = copy.deepcopy(base)
    if not path:
        return value
    holder: Any = value
    for step in path[:-1]:
        holder = holder[step]
    last = path[-1]
    if how == "set":
        holder[last] = odd
    elif how == "drop":
        del holder[last]
    elif isinstance(holder, dict):  # "add": a key no schema names, beside this one
        holder["unknown_key"] = odd
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (``3 == 3.0`` does not count)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


_REJECTED = object()


def _both(schema: Mapping[str, Any], name: str, text: str) -> tuple[Any, Any]:
    typed = typed_decoder(schema, name)
    assert typed is not None
    fast: Any
    slow: Any
    try:
        fast = typed.decode(text)
    except typed.rejected:
        fast = _REJECTED
    try:
        slow = compile_converter(schema, name)(json.loads(text))
    except REJECTED:
        slow = _REJECTED
    return fast, slow


_BUNDLE_SCHEMA = bundle_model().schema
# the audit's typed model: history start records and requests typed as the engine's (D-355)
_TYPED_SCHEMA = typed_bundle_schema()
_BUNDLE_PATHS = _paths(BUNDLE)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(_BUNDLE_PATHS),
    how=st.sampled_from(["set", "drop", "add"]),
    odd=st.sampled_from(ODD),
    typed=st.booleans(),
)
def test_bundle_decoder_takes_only_what_the_converter_takes(
    path: tuple[Any, ...], how: str, odd: Any, typed: bool
) -> None:
    text = json.dumps(_mutate(BUNDLE, path, how, odd), ensure_ascii=False)
    fast, slow = _both(_TYPED_SCHEMA if typed else _BUNDLE_SCHEMA, "bundle.schema.json", text)
    if fast is not _REJECTED:
        assert slow is not _REJECTED, text
        assert _same(fast, slow), text


def test_a_valid_bundle_is_decoded_to_the_converters_values() -> None:
    fast, slow = _both(_BUNDLE_SCHEMA, "bundle.schema.json", json.dumps(BUNDLE))
    assert fast is not _REJECTED
    assert _same(fast, slow)
    assert fast["record"]["birth_date"] == dt.date(2017, 5, 1)
    assert fast["history"]["start"]["birth_date"] == "2017-05-01"  # the engine converts it


def test_the_audits_model_gives_start_records_and_requests_as_the_engine_converts_them() -> None:
    fast, slow = _both(_TYPED_SCHEMA, "bundle.schema.json", json.dumps(BUNDLE))
    assert fast is not _REJECTED
    assert _same(fast, slow)
    start, event = fast["history"]["start"], fast["history"]["events"][1]
    assert _same(start, input_model("record").raw(copy.deepcopy(BUNDLE["history"]["start"])))
    raw_request = BUNDLE["history"]["events"][1]["request"]
    assert _same(event["request"], input_model("request").raw(copy.deepcopy(raw_request)))
    assert event["request"]["date"] == dt.date(2026, 10, 9)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"grade": 3.0}, "an integral float: the converter turns it into an int"),
        ({"birth_date": "20170501"}, "not yyyy-mm-dd"),
        ({"grade": 13}, "over the maximum"),
        ({"stage": "college"}, "not in the enum"),
        ({"extra": 1}, "a key the closed record does not name"),
        ({"id": ""}, "shorter than minLength"),
    ],
)
def test_the_decoder_refuses_what_it_cannot_or_must_not_take(
    change: dict[str, Any], why: str
) -> None:
    bundle = {**BUNDLE, "record": {**RECORD, **change}}
    fast, _ = _both(_BUNDLE_SCHEMA, "bundle.schema.json", json.dumps(bundle))
    assert fast is _REJECTED, why


def test_the_record_and_request_schemas_agree_as_well() -> None:
    for kind, value in [("record", RECORD), ("request", {"transition": "suspend",
                                                        "date": "2026-10-09"})]:  # fmt: skip
        model = input_model(kind)
        typed = typed_decoder(model.schema, model.schema_file)
        if typed is None:
            continue  # a schema msgspec cannot state: the general path only
        assert _same(typed.decode(json.dumps(value)), model.raw(copy.deepcopy(value)))


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties}


def test_an_enum_keeps_only_the_values_the_other_keywords_allow() -> None:
    schema = _object(s={"type": "string", "enum": ["ab", "b", "abc"], "pattern": "^a",
                        "maxLength": 2})  # fmt: skip
    for text in ("ab", "b", "abc"):
        fast, slow = _both(schema, "t", json.dumps({"s": text}))
        assert (fast is _REJECTED) == (slow is _REJECTED), text


def test_a_pattern_is_searched_as_the_converter_searches_it() -> None:
    schema = _object(s={"type": "string", "pattern": "b$"})
    for text in ("ab", "ba", "ab\n", "b\na"):
        fast, slow = _both(schema, "t", json.dumps({"s": text}))
        assert (fast is _REJECTED) == (slow is _REJECTED), repr(text)


def test_integers_are_held_to_64_bits_like_the_converter() -> None:
    schema = _object(n={"type": "integer"})
    for number in (2**63 - 1, 2**63, -(2**63), -(2**63) - 1):
        fast, slow = _both(schema, "t", json.dumps({"n": number}))
        assert (fast is _REJECTED) == (slow is _REJECTED), number


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "string"}}},  # open, with properties
        _object(x={"type": "number"}),  # a JSON 3 would read as 3.0 before masking sees it
        _object(x={"type": "integer", "enum": [1, 2]}),
        _object(x={"type": "string", "enum": ["a"], "minLength": 2}),  # no value can pass
        {"type": "array", "items": {"type": "string"}},  # not an object at the top
        {"$defs": {"n": _object(next={"$ref": "#/$defs/n"})}, "$ref": "#/$defs/n"},
    ],
)
def test_no_decoder_for_what_msgspec_cannot_state_exactly(schema: dict[str, Any]) -> None:
    assert typed_decoder(schema, "t") is None


def test_no_decoder_without_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_typed, "_msgspec", lambda: None)
    assert typed_decoder(_BUNDLE_SCHEMA, "bundle.schema.json") is None


def test_the_audit_context_has_a_bundle_decoder_except_for_the_form_check() -> None:
    from xueji_rules.audit import context_for, spec_from

    assert context_for(spec_from("shanxi", "2026-12-31")).typed_bundles is not None
    form = context_for(spec_from("shanxi", "2026-12-31", checks={"form"}))
    assert form.typed_bundles is None


def test_a_packs_own_record_fields_are_in_the_model() -> None:
    from xueji_rules.packs.model import InputField, Text

    day = InputField(path="record.boarding_term", type="date", label=Text("寄宿学期"))
    bundle = {**BUNDLE, "record": {**RECORD, "boarding_term": "2026-09-01"}}
    schema = bundle_model([day]).schema
    fast, slow = _both(schema, "bundle.schema.json", json.dumps(bundle))
    assert fast is not _REJECTED and _same(fast, slow)
    assert fast["record"]["boarding_term"] == dt.date(2026, 9, 1)
    # without the pack's field the key is unknown to the closed record: refused
    assert _both(_BUNDLE_SCHEMA, "bundle.schema.json", json.dumps(bundle))[0] is _REJECTED


def test_a_packs_number_field_leaves_the_general_path_alone() -> None:
    from xueji_rules.packs.model import InputField, Text

    fee = InputField(path="record.boarding_fee", type="number", label=Text("寄宿费"))
    assert typed_decoder(bundle_model([fee]).schema, "bundle.schema.json") is None
