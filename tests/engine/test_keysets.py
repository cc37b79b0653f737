"""The converters specialised per key set (D-310) agree with the general converter.

Valid records and requests are generated from the schemas themselves (any subset of the optional
properties, in any order, nested objects and lists included), then mutated: wrong types, values
out of range, nested objects with a key missing, added or in another order, tuples for lists,
dates as ``datetime.date``, integral floats for integers. The specialised converter may refuse
more than the general one (it then hands the input to the general one) but never accepts what the
general one refuses, and never converts differently; through :class:`InputModel` the results and
the errors are the same as with specialisation switched off. The caches stay bounded.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_rules._schemas import load_schema
from xueji_rules.engine._generate import REJECTED, Generator
from xueji_rules.engine._inputs import InputModel
from xueji_rules.engine._keysets import KeySets, compile_keyset
from xueji_rules.errors import InputError

KINDS = ("record", "request")
SETTINGS = settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _deref(schema: Mapping[str, Any], root: Mapping[str, Any], name: str) -> Any:
    return Generator(name).deref(schema, root)


def valid(
    schema: Mapping[str, Any], root: Mapping[str, Any], name: str, depth: int = 0
) -> st.SearchStrategy[Any]:
    """Values valid against ``schema`` (the keywords our input schemas use)."""
    schema, root = _deref(schema, root, name)
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    if kind == "object":
        props: Mapping[str, Any] = schema.get("properties", {})
        required = [k for k in props if k in schema.get("required", ())]
        optional = [k for k in props if k not in required]
        chosen = st.lists(st.sampled_from(optional), unique=True, max_size=6) if optional else None

        @st.composite
        def objects(draw: st.DrawFn) -> dict[str, Any]:
            keys = required + (draw(chosen) if chosen is not None else [])
            keys = draw(st.permutations(keys))
            return {k: draw(valid(props[k], root, name, depth + 1)) for k in keys}

        return objects()
    if kind == "array":
        if depth > 3:
            return st.just([])
        items = valid(schema.get("items", {}), root, name, depth + 1)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=2)
    if kind == "string":
        if schema.get("format") == "date":
            day = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))
            return day.map(dt.date.isoformat) | day
        low, high = schema.get("minLength", 0), min(schema.get("maxLength", 8), 8)
        return st.text("ab张3", min_size=low, max_size=max(low, high))
    if kind == "integer":
        low, high = schema.get("minimum", -5), schema.get("maximum", 100)
        number = st.integers(max(low, -5), min(high, max(low, -5) + 100))
        return number | number.map(float)
    if kind == "number":
        low, high = schema.get("minimum", -5), schema.get("maximum", 100)
        return st.integers(int(low), int(min(high, low + 100))) | st.floats(low, high)
    if kind == "boolean":
        return st.booleans()
    return st.none()


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 2**64),
    st.floats(allow_nan=False),
    st.sampled_from(["", "x" * 300, "2026-02-30", "2026-03-09", "enrolled", "transfer"]),
    st.just(dt.datetime(2026, 3, 9, 8, 0)),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["id", "body", "date", "zz"]), st.integers(), max_size=2),
)


def mutate(value: Any, draw: st.DrawFn, depth: int = 0) -> Any:
    """``value`` with one change somewhere inside (or none); objects keep their keys' order at
    the top so that the specialised converter of ``value``'s key set is the one that runs."""
    choice = draw(st.integers(0, 9))
    if isinstance(value, dict) and value:
        key = draw(st.sampled_from(sorted(value)))
        out = dict(value)
        if choice <= 5:
            out[key] = mutate(value[key], draw, depth + 1)
            return out
        if depth == 0:
            out[key] = draw(JUNK)
            return out
        if choice == 6:
            del out[key]
        elif choice == 7:
            out[draw(st.sampled_from(["zz", "id", "date", "body", "county", "kind"]))] = draw(JUNK)
        elif choice == 8:
            out = dict(reversed(list(out.items())))
        else:
            return types.MappingProxyType(out)
        return out
    if isinstance(value, list):
        if not value or choice >= 8:
            return tuple(value) if choice == 8 else [*value, draw(JUNK)]
        index = draw(st.integers(0, len(value) - 1))
        return [mutate(v, draw, depth + 1) if i == index else v for i, v in enumerate(value)]
    if choice < 4:
        return value
    if isinstance(value, str) and choice < 6:
        return value + "x" * draw(st.sampled_from([1, 70, 300]))
    return draw(JUNK)


def outcome(convert: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "ok", convert(value)
    except REJECTED:
        return "rejected", None


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types and the same key order all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def samples(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    schema = load_schema(f"{kind}.schema.json")
    return valid(schema, schema, f"{kind}.schema.json")  # type: ignore[return-value]


@pytest.mark.parametrize("kind", KINDS)
def test_the_specialised_converter_never_accepts_more_nor_converts_differently(kind: str) -> None:
    model = InputModel(kind, f"{kind}.schema.json")
    accepted = []

    @SETTINGS
    @given(samples(kind), st.data())
    def check(sample: dict[str, Any], data: st.DataObject) -> None:
        specialised = compile_keyset(model.schema, model.schema_file, sample)
        assert specialised is not None
        # the input it was learnt from takes the specialised path, with the general result
        assert same(specialised(sample), model.general(sample))
        value = data.draw(st.composite(lambda draw: mutate(sample, draw))())
        fast, general = outcome(specialised, value), outcome(model.general, value)
        if fast[0] == "ok":
            assert general[0] == "ok", value
            assert same(fast[1], general[1]), value
            accepted.append(value is not sample)

    check()
    assert sum(accepted) > 50  # mutated inputs that are still valid did take the fast path


def _errors(convert: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "ok", convert(value)
    except InputError as exc:
        return "error", (str(exc), [(p.message, p.location) for p in exc.problems])


@pytest.mark.parametrize("kind", KINDS)
def test_results_and_errors_are_those_of_the_general_path(kind: str) -> None:
    """Through :class:`InputModel` (learning after one input), against a model that never
    specialises: the same conversions and the same ``InputError`` texts and problems."""
    learning = InputModel(kind, f"{kind}.schema.json", learn_after=1)
    reference = InputModel(kind, f"{kind}.schema.json", learn_after=10**9)

    @SETTINGS
    @given(samples(kind), st.data())
    def check(sample: dict[str, Any], data: st.DataObject) -> None:
        learning.keysets.fast.clear()  # (the cache holds 32 key sets; the examples bring more)
        learning.convert(sample)  # learnt: the next inputs with its keys take the fast path
        assert tuple(sample) in learning.keysets.fast
        for _ in range(3):
            value = data.draw(st.composite(lambda draw: mutate(sample, draw))())
            got, expected = _errors(learning.convert, value), _errors(reference.convert, value)
            assert got[0] == expected[0], value
            assert same(got[1], expected[1]) if got[0] == "ok" else got[1] == expected[1]

    check()
    assert not reference.keysets.fast


def test_the_caches_stay_bounded() -> None:
    """However many key sets arrive, at most ``limit`` converters and ``4 × limit`` counts."""
    model = InputModel("request", "request.schema.json", learn_after=2, keysets_limit=4)
    optional = [k for k in load_schema("request.schema.json")["properties"] if k.endswith("_on")]
    base = {"transition": "transfer", "date": "2026-03-09"}
    for _round in range(3):
        for size in range(len(optional) + 1):
            for start in range(len(optional)):
                keys = (optional[start:] + optional[:start])[:size]
                value = {**base, **{k: "2026-03-01" for k in keys}}
                assert model.convert(value) == reference_convert(value)
                assert len(model.keysets.fast) <= 4 and len(model.keysets.seen) <= 16
    assert len(model.keysets.fast) == 4


def reference_convert(value: Any) -> Any:
    return InputModel("request", "request.schema.json", learn_after=10**9).convert(value)


def test_a_key_set_is_compiled_only_after_enough_accepted_inputs() -> None:
    model = InputModel("request", "request.schema.json", learn_after=3)
    good = {"transition": "transfer", "date": "2026-03-09"}
    bad = {"transition": "transfer", "date": "2026-02-30"}
    for _ in range(5):
        with pytest.raises(InputError):
            model.convert(bad)
    assert not model.keysets.fast and not model.keysets.seen  # rejections teach nothing
    model.convert(good)
    model.convert(good)
    assert not model.keysets.fast and model.keysets.seen == {("transition", "date"): 2}
    model.convert(good)
    assert list(model.keysets.fast) == [("transition", "date")] and not model.keysets.seen
    assert model.keysets.fast[("transition", "date")] is not model.general
    # the same keys in another order are another key set
    assert model.convert({"date": "2026-03-09", "transition": "transfer"}) == {
        "date": dt.date(2026, 3, 9),
        "transition": "transfer",
    }
    assert len(model.keysets.fast) == 1


def test_inputs_that_are_not_plain_dicts_take_the_general_path() -> None:
    model = InputModel("request", "request.schema.json", learn_after=1)
    value = {"transition": "transfer", "date": "2026-03-09"}
    assert model.convert(types.MappingProxyType(value)) == model.convert(value)
    assert len(model.keysets.fast) == 1
    with pytest.raises(InputError) as info:
        model.convert({**value, 1: "x"})
    assert "1" in str(info.value)
    assert len(model.keysets.fast) == 1


def test_a_nested_object_with_other_keys_takes_the_general_code_for_that_object() -> None:
    """The specialised converter learnt ``to_school`` with two keys; one with three, or with
    the two in another order, is still converted (by the general code for that object)."""
    keysets = KeySets(
        load_schema("request.schema.json"), "request.schema.json", lambda v: None, after=1
    )
    sample = {
        "transition": "transfer",
        "date": "2026-03-09",
        "to_school": {"id": "s", "vacancies": 1},
    }
    specialised = keysets.specialise(sample)
    assert specialised is not None
    for school in ({"id": "s", "vacancies": 2.0, "county": "c"}, {"vacancies": 2, "id": "s"}):
        result = specialised({**sample, "to_school": school})
        assert result["to_school"] == {**school, "vacancies": 2}
        assert list(result["to_school"]) == list(school)
    with pytest.raises(REJECTED):
        specialised({**sample, "to_school": {"id": "s", "vacancies": 1, "zz": 1}})


def test_no_converter_is_built_for_a_key_set_that_cannot_be_valid() -> None:
    schema = load_schema("request.schema.json")
    assert compile_keyset(schema, "request.schema.json", {"transition": "t"}) is None
    assert (
        compile_keyset(schema, "request.schema.json", {"transition": "t", "date": "d", "zz": 1})
        is None
    )
    assert (
        compile_keyset(schema, "request.schema.json", {"transition": "t", "date": "d", 1: 1})
        is None
    )


def test_the_engine_models_specialise_and_other_models_do_not_by_default() -> None:
    from xueji_rules.engine._inputs import input_model

    assert input_model("record").keysets.after > 0 and input_model("request").keysets.after > 0
    model = InputModel("request", "request.schema.json")
    value = {"transition": "transfer", "date": "2026-03-09"}
    for _ in range(20):
        model.convert(value)
    assert model.raw is model.general and not model.keysets.fast and not model.keysets.seen
