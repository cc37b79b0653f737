"""``Engine.decide`` looks the learnt key-set converters up itself (D-332).

On a learnt key set of both inputs it calls their specialised converters directly; any other
input (a key set not learnt yet, a mapping that is not a ``dict``, a value the specialised
converter cannot take, a rejection) goes through the models as before. Both sides must give the
answers and errors of an engine that never specialises.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any

import pytest

from xueji_rules import Engine
from xueji_rules.engine._inputs import InputModel
from xueji_rules.errors import XuejiRulesError

RECORD = {
    "id": "G1",
    "status": "enrolled",
    "stage": "primary",
    "grade": 3,
    "school": {"id": "S1", "city": "太原市", "county": "小店区"},
}
REQUEST = {
    "transition": "transfer",
    "date": "2026-03-05",
    "applicant": "guardian",
    "to_school": {"id": "S2", "city": "太原市", "county": "迎泽区", "vacancies": 2},
}


def _answer(engine: Engine, record: Any, request: Any) -> Any:
    try:
        return engine.decide(record, request).to_json()
    except XuejiRulesError as exc:
        return (type(exc).__name__, str(exc))


def _never_specialising(engine: Engine) -> Engine:
    engine._record_keysets = {}.get  # type: ignore[method-assign]
    engine._request_keysets = {}.get  # type: ignore[method-assign]
    engine._convert_record = engine._records.general
    engine._convert_request = engine._requests.general
    return engine


def _fresh_models(engine: Engine) -> Engine:
    """``engine`` with input models of its own: the shared ones may have learnt their 32 key
    sets in earlier tests already, and learn no more."""
    engine._records = InputModel("record", "record.schema.json", learn_after=8)
    engine._requests = InputModel("request", "request.schema.json", learn_after=8)
    engine._convert_record = engine._records.raw
    engine._convert_request = engine._requests.raw
    engine._record_keysets = engine._records.keysets.fast.get  # type: ignore[method-assign]
    engine._request_keysets = engine._requests.keysets.fast.get  # type: ignore[method-assign]
    return engine


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    learnt = _fresh_models(Engine("shanxi"))
    assert not learnt.pack.inputs  # the bundled schemas are the models' whole schemas
    for _ in range(10):  # the key sets are learnt after 8 accepted inputs
        learnt.decide(RECORD, REQUEST)
    assert learnt._record_keysets(tuple(RECORD)) is not None
    assert learnt._request_keysets(tuple(REQUEST)) is not None
    return learnt, _never_specialising(_fresh_models(Engine("shanxi")))


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return base | changes


CASES = [
    # the learnt key sets: specialised converters, directly
    (RECORD, REQUEST),
    (_with(RECORD, grade=4), _with(REQUEST, date="2026-03-20")),
    (_with(RECORD, grade=4.0), REQUEST),  # an integral float: converted alike
    (RECORD, _with(REQUEST, date=dt.date(2026, 3, 6))),
    # same keys, a nested object of other keys: the general code for that object
    (_with(RECORD, school={"id": "S1", "city": "太原市"}), REQUEST),
    # same keys, rejected: worded by the general path
    (_with(RECORD, grade="three"), REQUEST),
    (RECORD, _with(REQUEST, date="2026-02-30")),
    (_with(RECORD, grade="three"), _with(REQUEST, date="05/03/2026")),
    # other inputs: through the models
    ({"stage": "primary", **RECORD}, REQUEST),  # another key order: another key set
    (MappingProxyType(RECORD), REQUEST),
    (RECORD, MappingProxyType(REQUEST)),
    (_with(RECORD, birth_date="2018-01-01"), _with(REQUEST, residence_moved=True)),
]


@pytest.mark.parametrize(("record", "request_"), CASES)
def test_decide_answers_as_without_key_sets(
    engines: tuple[Engine, Engine], record: Any, request_: Any
) -> None:
    learnt, reference = engines
    assert _answer(learnt, record, request_) == _answer(reference, record, request_)


def test_the_cases_cover_decisions_and_errors(engines: tuple[Engine, Engine]) -> None:
    _, reference = engines
    answers = [_answer(reference, r, q) for r, q in CASES]
    assert sum(isinstance(a, tuple) for a in answers) == 3
