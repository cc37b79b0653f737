"""The generated per-(transition, stage) rule functions agree with the reference loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK, BASE_RULES, write_files
from xueji_rules import Engine
from xueji_rules.errors import EvaluationError, XuejiRulesError
from xueji_rules.testing.scenarios import load_scenarios
from xueji_rules.testing.strategies import record_and_request

ROOT = Path(__file__).resolve().parents[2]
PACKS = ("national", "shanxi")


def _engines(pack: str) -> tuple[Engine, Engine]:
    generated = Engine(pack)
    reference = Engine(pack)
    reference._use_plans = False
    return generated, reference


def _answer(engine: Engine, record: Any, request: Any) -> Any:
    try:
        return engine.decide(record, request).to_json()
    except XuejiRulesError as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("pack", PACKS)
def test_every_scenario_decides_the_same_both_ways(pack: str) -> None:
    generated, reference = _engines(pack)
    scenarios = [
        s for file in sorted((ROOT / "rulepacks" / pack / "tests").glob("*.yaml"))
        for s in load_scenarios(file)
    ]  # fmt: skip
    assert len(scenarios) > 50
    for s in scenarios:
        assert _answer(generated, s.record, s.request) == _answer(reference, s.record, s.request), (
            s.test_id
        )


def _transitions(pack: str) -> list[str]:
    lifecycle = Engine(pack).pack.lifecycle
    usable = []
    for tid in sorted(lifecycle.transitions):
        try:
            record_and_request(pack, tid)
        except InvalidArgument:  # a transition with no edge to start from
            continue
        usable.append(tid)
    return usable


@pytest.mark.parametrize("pack", PACKS)
def test_random_requests_decide_the_same_both_ways(pack: str) -> None:
    generated, reference = _engines(pack)
    pairs = st.sampled_from(_transitions(pack)).flatmap(lambda t: record_and_request(pack, t))

    @settings(max_examples=400, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(pairs)
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        record, request = pair
        assert _answer(generated, record, request) == _answer(reference, record, request)

    check()


def test_a_failing_expression_is_reported_with_its_rule(tmp_path: Path) -> None:
    """An expression error inside a generated function falls back to the loop, which names the rule."""
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "rules/r.yaml": BROKEN}
    engine = Engine(write_files(tmp_path / "base", files))
    record = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
    request = {"transition": "suspend", "date": "2026-03-09", "applicant": "guardian"}
    with pytest.raises(
        EvaluationError, match=r"rule 'base\.suspend\.broken': division by zero$"
    ) as info:
        engine.decide(record, request)
    assert info.value.location is not None and info.value.location.line is not None
    assert str(info.value).count("base.suspend.broken") == 1  # named once (report defect 18)


# the base pack's rules plus one whose expression divides by zero at run time
BROKEN = (
    BASE_RULES
    + """
  - id: base.suspend.broken
    transitions: [suspend]
    modality: mandatory
    require: "1 / (record.grade - record.grade) == 1"
    message: {zh: 除以零}
    citation: {document: doc_a, article: 2}
"""
)
