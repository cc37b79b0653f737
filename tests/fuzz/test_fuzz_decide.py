"""Records and requests generated from the JSON Schemas, and mutated, through ``Engine.decide``.

Each case must end in a :class:`~xueji_rules.engine.Decision` or a
:class:`~xueji_rules.errors.XuejiRulesError`, within the per-case bound.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tests.fuzz.conftest import case_deadline, fuzz_settings
from tests.fuzz.schema_strategies import from_schema, mutated
from xueji_rules._schemas import validator_for
from xueji_rules.engine import Decision
from xueji_rules.errors import XuejiRulesError

RECORDS = from_schema("record.schema.json")
REQUESTS = from_schema("request.schema.json")


@fuzz_settings(40)
@given(record=RECORDS, request=REQUESTS)
def test_the_generators_follow_the_schemas(record: Any, request: Any) -> None:
    for name, value in (("record.schema.json", record), ("request.schema.json", request)):
        validator: Draft202012Validator = validator_for(name)
        assert not list(validator.iter_errors(value)), (name, value)


def _decide(engine: Any, record: Any, request: Any) -> Decision | XuejiRulesError:
    with case_deadline():
        try:
            decision = engine.decide(record, request)
        except XuejiRulesError as exc:
            return exc
    assert isinstance(decision, Decision)
    decision.to_json()  # the decision must serialise too
    return decision


@st.composite
def _pairs(draw: st.DrawFn, engines: dict[str, Any], mutate: bool) -> tuple[Any, Any, Any]:
    engine = engines[draw(st.sampled_from(sorted(engines)))]
    lifecycle = engine.pack.lifecycle
    record = draw(mutated(RECORDS) if mutate else RECORDS)
    request = draw(mutated(REQUESTS) if mutate else REQUESTS)
    # most cases ask for a transition the pack knows, from a status and stage it has
    if draw(st.integers(0, 4)):
        request["transition"] = draw(st.sampled_from(sorted(lifecycle.transitions)))
        record["status"] = draw(st.sampled_from(sorted(lifecycle.statuses)))
        record["stage"] = draw(st.sampled_from(sorted(lifecycle.stages)))
    return engine, record, request


@pytest.mark.parametrize("mutate", [False, True], ids=["schema-valid", "mutated"])
def test_generated_inputs_end_in_a_decision_or_our_error(
    engines: dict[str, Any], mutate: bool
) -> None:
    @fuzz_settings(150)
    @given(_pairs(engines, mutate))
    def run(case: tuple[Any, Any, Any]) -> None:
        _decide(*case)

    run()
