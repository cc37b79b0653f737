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


def _agree_on_generated_requests(pack: str, one: Engine, other: Engine, examples: int) -> None:
    """``one`` and ``other`` answer alike on ``examples`` generated requests of ``pack``."""
    pairs = st.sampled_from(_transitions(pack)).flatmap(lambda t: record_and_request(pack, t))

    @settings(max_examples=examples, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(pairs)
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        record, request = pair
        assert _answer(one, record, request) == _answer(other, record, request)

    check()


@pytest.mark.parametrize("pack", PACKS)
def test_random_requests_decide_the_same_both_ways(pack: str) -> None:
    generated, reference = _engines(pack)
    _agree_on_generated_requests(pack, generated, reference, 400)


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


def _call_only(engine: Engine) -> Engine:
    """``engine`` with plans and deciders that call every condition instead of splicing its
    code."""
    from xueji_rules.engine._plan import PlanBuilder, build_plans

    plans = build_plans(engine._compiled.rules_by_key, {}, engine._clocked)
    engine._index = {k: (edges, plans.get(k[:2])) for k, (edges, _) in engine._index.items()}
    hooks = engine._plan_builder.hooks
    engine._plan_builder = PlanBuilder(engine._compiled.rules_by_key, {}, engine._clocked, hooks)
    engine._deciders = {}
    return engine


def test_spliced_and_called_conditions_decide_the_same() -> None:
    spliced, called = Engine("shanxi"), _call_only(Engine("shanxi"))
    pairs = st.sampled_from(_transitions("shanxi")).flatmap(
        lambda t: record_and_request("shanxi", t)
    )

    @settings(max_examples=200, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(pairs)
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        record, request = pair
        assert _answer(spliced, record, request) == _answer(called, record, request)

    check()


ABSORBED = (
    BASE_RULES
    + """
  - id: base.suspend.absorbed
    transitions: [suspend]
    modality: mandatory
    require: "1 / (record.grade - record.grade) == 1 || record.grade > 0"
    message: {zh: 错误被吸收}
    citation: {document: doc_a, article: 2}
  - id: base.suspend.shared_a
    transitions: [suspend]
    modality: mandatory
    when: "1 / (record.grade - 3) >= 0"
    require: "true"
    message: {zh: 共用条件一}
    citation: {document: doc_a, article: 2}
  - id: base.suspend.shared_b
    transitions: [suspend]
    modality: mandatory
    when: "1 / (record.grade - 3) >= 0"
    require: "record.grade < 6"
    message: {zh: 共用条件二}
    citation: {document: doc_a, article: 2}
"""
)


@pytest.fixture
def absorbing(tmp_path: Path) -> tuple[Engine, Engine]:
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "rules/r.yaml": ABSORBED}
    engine = Engine(write_files(tmp_path / "base", files))
    reference = Engine(engine.pack)
    reference._use_plans = False
    return engine, reference


def test_an_error_cel_absorbs_is_absorbed_in_a_spliced_condition(
    absorbing: tuple[Engine, Engine],
) -> None:
    """Python's ``or`` raises on the division before CEL's ``||`` would absorb it: the plan falls
    back to the expression's function, whose interpreter gives CEL's answer."""
    record = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 4}
    request = {"transition": "suspend", "date": "2026-03-09", "applicant": "guardian"}
    generated, reference = absorbing
    decision = generated.decide(record, request)
    assert decision.to_json() == reference.decide(record, request).to_json()
    passed = {r.id: r.passed for r in decision.rules}
    assert passed["base.suspend.absorbed"] is True
    # a condition two rules share is evaluated once and serves both
    assert passed["base.suspend.shared_a"] is True and passed["base.suspend.shared_b"] is True
    assert generated.decide({**record, "grade": 6}, request).outcome == "denied"


def test_a_shared_condition_that_fails_names_the_first_rule(
    absorbing: tuple[Engine, Engine],
) -> None:
    record = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
    request = {"transition": "suspend", "date": "2026-03-09", "applicant": "guardian"}
    for engine in absorbing:
        with pytest.raises(
            EvaluationError, match=r"rule 'base\.suspend\.shared_a': division by zero$"
        ):
            engine.decide(record, request)


def test_approvals_come_sorted_by_body_then_rule() -> None:
    engine = Engine("shanxi")
    record = {
        "id": "G1", "status": "enrolled", "stage": "junior_secondary", "grade": 8,
        "school": {"id": "S1", "city": "太原市", "county": "小店区", "enrollment_area": "小店区"},
    }  # fmt: skip
    request = {
        "transition": "transfer", "date": "2026-03-05", "applicant": "guardian",
        "to_school": {"id": "S2", "city": "大同市", "county": "平城区", "enrollment_area": "平城区",
                      "vacancies": 2, "ownership": "private"},
    }  # fmt: skip
    approvals = engine.decide(record, request).approvals
    assert len(approvals) > 2
    assert [(a.body, a.rule) for a in approvals] == sorted((a.body, a.rule) for a in approvals)


def _plans_only(engine: Engine) -> Engine:
    """``engine`` deciding by its per-(transition, stage) plans inside ``Engine._decide``, as it
    does after a decider raised, instead of by the generated deciders."""
    engine._build_decider = lambda key: False  # type: ignore[method-assign]
    engine._deciders = {}
    return engine


@pytest.mark.parametrize("pack", PACKS)
def test_plans_without_deciders_decide_the_same(pack: str) -> None:
    plans, reference = _plans_only(Engine(pack)), Engine(pack)
    reference._use_plans = False
    scenarios = [
        s for file in sorted((ROOT / "rulepacks" / pack / "tests").glob("*.yaml"))
        for s in load_scenarios(file)
    ]  # fmt: skip
    for s in scenarios:
        assert _answer(plans, s.record, s.request) == _answer(reference, s.record, s.request), (
            s.test_id
        )
    _agree_on_generated_requests(pack, plans, reference, 200)


def test_the_decider_is_what_decides() -> None:
    """The equality tests above compare the generated deciders with the reference loop only if
    the deciders are used: a decision of a known (transition, stage, status) builds one."""
    engine = Engine("shanxi")
    record = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
    request = {"transition": "transfer", "date": "2026-03-05", "applicant": "guardian"}
    engine.decide(record, request)
    assert callable(engine._deciders[("transfer", "primary", "enrolled")])
    engine._use_plans = False
    assert engine._deciders == {}
    engine.decide(record, request)
    assert engine._deciders[("transfer", "primary", "enrolled")] is False


def test_a_decider_builds_an_ordinary_frozen_decision() -> None:
    """The decider fills the Decision in place; what it returns is a plain, frozen Decision
    equal to one made by the constructor from the same fields."""
    from dataclasses import FrozenInstanceError, fields

    from xueji_rules.engine.decision import Decision

    engine = Engine("shanxi")
    record = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
    request = {"transition": "transfer", "date": "2026-03-05", "applicant": "guardian"}
    decision = engine.decide(record, request)
    assert callable(engine._deciders[("transfer", "primary", "enrolled")])
    assert type(decision) is Decision
    assert decision == Decision(**{f.name: getattr(decision, f.name) for f in fields(Decision)})
    with pytest.raises(FrozenInstanceError):
        decision.outcome = "allowed"  # type: ignore[misc]
