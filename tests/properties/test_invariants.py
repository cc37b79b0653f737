"""Invariants of the law and of the engine, checked on generated records and requests.

Fixed seeds (``derandomize=True``) and modest example counts keep the folder deterministic and
well under a minute.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_rules._schemas import validator_for
from xueji_rules.errors import OutsideValidity, XuejiRulesError
from xueji_rules.packs.loader import load_pack
from xueji_rules.testing import strategies as xs
from xueji_rules.testing.coverage import definition_key

SETTINGS = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PACKS = ("national", "shanxi")
COMPULSORY = ("primary", "junior_secondary")
SHANXI = load_pack("shanxi")
NATIONAL = load_pack("national")


def _pairs(pack: str, stages: tuple[str, ...] | None = None) -> st.SearchStrategy[Any]:
    """(transition, record, request) over every transition with an edge in ``stages``."""
    p = SHANXI if pack == "shanxi" else NATIONAL
    options = sorted(
        (tid, stage)
        for tid, tr in p.lifecycle.transitions.items()
        for e in tr.edges
        for stage in (e.stages or tuple(p.lifecycle.stages))
        if stages is None or stage in stages
    )
    return st.sampled_from(sorted(set(options))).flatmap(
        lambda ts: st.tuples(st.just(ts[0]), xs.record_and_request(p, ts[0], ts[1]))
    )


@pytest.mark.parametrize("pack", PACKS)
def test_decision_is_deterministic_and_round_trips_through_json(
    engines: dict[str, Any], pack: str
) -> None:
    engine = engines[pack]
    schema = validator_for("decision.schema.json")

    @SETTINGS
    @given(_pairs(pack))
    def check(item: Any) -> None:
        _transition, (record, request) = item
        try:
            first = engine.decide(record, request)
        except XuejiRulesError as exc:
            with pytest.raises(type(exc)) as again:
                engine.decide(record, request)
            assert str(again.value) == str(exc)
            return
        second = engine.decide(record, request)
        assert first == second
        data = first.to_json()
        assert data == second.to_json()
        assert json.loads(json.dumps(data, ensure_ascii=False)) == data
        assert json.loads(first.to_json_text()) == data
        schema.validate(data)

    check()


def test_no_compulsory_edge_leads_to_withdrawn() -> None:
    for pack in (NATIONAL, SHANXI):
        for tid, transition in pack.lifecycle.transitions.items():
            for edge in transition.edges:
                stages = edge.stages or tuple(pack.lifecycle.stages)
                if any(s in COMPULSORY for s in stages):
                    assert edge.to != "withdrawn", (pack.id, tid)
                    assert edge.pending != "withdrawn", (pack.id, tid)


@pytest.mark.parametrize("pack", PACKS)
def test_compulsory_stage_record_is_never_withdrawn(engines: dict[str, Any], pack: str) -> None:
    engine = engines[pack]

    @SETTINGS
    @given(_pairs(pack, COMPULSORY))
    def check(item: Any) -> None:
        _transition, (record, request) = item
        try:
            decision = engine.decide(record, request)
        except XuejiRulesError:
            return
        assert decision.next_status != "withdrawn"

    check()


def _unchanged_in_shanxi() -> dict[str, str]:
    """National rule ids that Shanxi keeps as they are (no override, no overridden parameter)."""
    overridden = {
        pid
        for pid, p in SHANXI.parameters.items()
        if p.overridden_by or p.source_pack != NATIONAL.parameters.get(pid, p).source_pack
    }
    shanxi_keys = {r.id: definition_key(r) for r in SHANXI.rules}
    out = {}
    for rule in NATIONAL.rules:
        if shanxi_keys.get(rule.id) != definition_key(rule):
            continue
        texts = " ".join(
            x or "" for x in (rule.when, rule.require, *(str(o.clock) for o in rule.obligations))
        )
        if any(pid in overridden for pid in re.findall(r"params\.([a-z_0-9]+)", texts)):
            continue
        out[rule.id] = rule.modality
    return out


def test_province_never_allows_what_its_base_forbids_without_an_override(
    engines: dict[str, Any],
) -> None:
    national, shanxi = engines["national"], engines["shanxi"]
    unchanged = _unchanged_in_shanxi()
    assert unchanged, "expected Shanxi to keep some national rules unchanged"

    @SETTINGS
    @given(_pairs("shanxi"))
    def check(item: Any) -> None:
        _transition, (record, request) = item
        try:
            base = national.decide(record, request)
            layer = shanxi.decide(record, request)
        except XuejiRulesError:
            return
        forbidding = [
            r.id
            for r in base.rules
            if not r.passed and r.id in unchanged and r.modality in ("mandatory", "default")
        ]
        if forbidding:
            assert layer.outcome != "allowed", (
                f"national forbids by {forbidding}, which Shanxi keeps unchanged, yet Shanxi allows"
            )

    check()


@pytest.mark.parametrize("pack", PACKS)
def test_obligation_is_never_due_before_its_trigger(engines: dict[str, Any], pack: str) -> None:
    engine = engines[pack]

    @SETTINGS
    @given(_pairs(pack))
    def check(item: Any) -> None:
        _transition, (record, request) = item
        try:
            decision = engine.decide(record, request)
        except XuejiRulesError:
            return
        for ob in decision.obligations:
            if ob.due is not None and ob.trigger is not None:
                assert ob.due >= ob.trigger, ob

    check()


def _outside(pack: Any) -> st.SearchStrategy[dt.date]:
    before = st.dates(dt.date(2000, 1, 1), pack.valid_from - dt.timedelta(days=1))
    if pack.valid_until is None:
        return before
    after = st.dates(pack.valid_until + dt.timedelta(days=1), dt.date(2099, 12, 31))
    return st.one_of(before, after)


@pytest.mark.parametrize("pack", PACKS)
def test_request_outside_validity_raises_outside_validity(
    engines: dict[str, Any], pack: str
) -> None:
    engine = engines[pack]

    @SETTINGS
    @given(_pairs(pack), _outside(engine.pack))
    def check(item: Any, day: dt.date) -> None:
        _transition, (record, request) = item
        with pytest.raises(OutsideValidity):
            engine.decide(record, {**request, "date": day.isoformat()})

    check()


@pytest.mark.parametrize("pack", PACKS)
def test_decide_raises_only_xueji_errors_on_schema_valid_inputs(
    engines: dict[str, Any], pack: str
) -> None:
    engine = engines[pack]

    @SETTINGS
    @given(xs.records(pack), xs.requests(pack))
    def check(record: dict[str, Any], request: dict[str, Any]) -> None:
        with contextlib.suppress(XuejiRulesError):
            engine.decide(record, request)

    check()
