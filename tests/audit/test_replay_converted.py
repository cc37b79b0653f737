"""The replay decides each event against a record converted once (Engine.decide_converted).

The shortcut must never change a finding: whatever the bundle, the replay gives what deciding
every event with ``Engine.decide`` on the raw record and request gives. The tests compare the two
on synthetic histories (every planted problem included) and on inputs that the converters
reject part-way through a history.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from xueji_rules.audit import AuditContext, audit_bundle
from xueji_rules.audit._convert import EngineInputs, engine_inputs
from xueji_rules.audit.synth import SynthConfig, synthesize
from xueji_rules.engine import Engine
from xueji_rules.engine._inputs import REJECTED, input_model
from xueji_rules.errors import InputError
from xueji_rules.findings import Finding

from .conftest import pupil, transfer_request, transferred


def _rejecting(_: Any) -> Any:
    raise REJECTED[0]()


@pytest.fixture
def raw_only(ctx: AuditContext) -> Any:
    """The context with converters that reject every record: each event goes through
    ``Engine.decide`` on the raw inputs, as before the shortcut."""
    saved = dict(ctx.inputs)
    try:
        yield lambda: ctx.inputs.update(
            {k: dataclasses.replace(v, record=_rejecting) for k, v in saved.items()}
        )
    finally:
        ctx.inputs.clear()
        ctx.inputs.update(saved)


def _both(bundle: dict[str, Any], ctx: AuditContext, raw_only: Any) -> list[list[Finding]]:
    fast = audit_bundle(bundle, ctx).findings
    saved = dict(ctx.inputs)
    raw_only()
    try:
        slow = audit_bundle(bundle, ctx).findings
    finally:
        ctx.inputs.clear()
        ctx.inputs.update(saved)
    return [fast, slow]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    root: Path = tmp_path_factory.mktemp("replay") / "snap"
    synthesize(root, SynthConfig(students=1500, seed=23))
    out = []
    for line in (root / "bundles.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            bundle = json.loads(line)
        except ValueError:
            continue
        if isinstance(bundle, dict) and (bundle.get("history") or {}).get("events"):
            out.append(bundle)
    return out


def test_synthetic_histories_give_the_findings_of_the_raw_replay(
    synthetic: list[dict[str, Any]], ctx: AuditContext, raw_only: Any
) -> None:
    compared = 0
    for bundle in synthetic:
        try:
            fast, slow = _both(bundle, ctx, raw_only)
        except InputError:
            continue  # a planted bad bundle: the bundle converter rejects it before the replay
        assert fast == slow, bundle["record"]["id"]
        compared += 1
    assert compared > 1000


def test_a_change_the_record_schema_rejects_is_worded_by_the_engine(
    ctx: AuditContext, raw_only: Any
) -> None:
    # the transfer leaves grade 99 behind: the next event cannot be decided
    bundle = transferred()
    bundle["history"]["events"][0]["after"]["grade"] = 99
    bundle["history"]["events"].append(
        {"request": transfer_request("2026-10-09"), "result": "refused"}
    )
    fast, slow = _both(bundle, ctx, raw_only)
    assert fast == slow
    errors = [f for f in fast if f.check == "history.event_error"]
    assert len(errors) == 1 and "grade" in errors[0].evidence["error"]


def test_a_start_the_record_schema_rejects_is_worded_by_the_engine(
    ctx: AuditContext, raw_only: Any
) -> None:
    bundle = transferred()
    bundle["history"]["start"]["grade"] = "three"
    fast, slow = _both(bundle, ctx, raw_only)
    assert fast == slow
    assert [f.check for f in fast if f.check == "history.event_error"] == ["history.event_error"]


def test_a_request_the_engine_refuses_is_worded_by_the_engine(
    ctx: AuditContext, raw_only: Any
) -> None:
    bundle = transferred()
    bundle["history"]["events"][0]["request"]["transition"] = "tranfser"
    fast, slow = _both(bundle, ctx, raw_only)
    assert fast == slow
    error = next(f for f in fast if f.check == "history.event_error")
    assert "did you mean 'transfer'" in error.evidence["error"]


def test_decide_converted_equals_decide() -> None:
    engine = Engine("shanxi")
    inputs: EngineInputs = engine_inputs(engine.pack.inputs)
    pairs = [
        (pupil(), transfer_request()),
        (pupil(), transfer_request(drop="sending_school")),
        (pupil(status="suspended"), transfer_request()),
        (pupil(grade=6), {"transition": "promote", "date": "2026-09-01"}),
    ]
    for record, request in pairs:
        converted = engine.decide_converted(inputs.record(record), inputs.request(request))
        assert converted == engine.decide(record, request)
    assert inputs.record is input_model("record", engine.pack.inputs).raw


def test_decide_converted_runs_the_checks_a_schema_cannot_make() -> None:
    engine = Engine("shanxi")
    inputs = engine_inputs(engine.pack.inputs)
    record = inputs.record(pupil(grade=11))  # a valid grade, not one of primary school
    with pytest.raises(InputError, match="grade 11"):
        engine.decide_converted(record, inputs.request(transfer_request()))
    request = inputs.request({**transfer_request(), "transition": "transferr"})
    with pytest.raises(InputError, match="unknown transition"):
        engine.decide_converted(inputs.record(pupil()), request)


def test_a_change_converts_as_the_merged_record_does() -> None:
    inputs = engine_inputs(Engine("shanxi").pack.inputs)
    record = pupil()
    change = {"grade": 4, "enrolled_on": "2024-09-01", "school": {"id": "S9"}}
    merged = {**inputs.record(record), **inputs.change(change)}
    assert merged == inputs.record({**record, **change})
    for bad in ({"grade": 0}, {"enrolled_on": "2024-13-01"}, {"no_such_field": 1}):
        with pytest.raises(REJECTED):
            inputs.change(bad)
        with pytest.raises(REJECTED):
            inputs.record({**record, **bad})


def test_a_status_only_the_decision_gives_carries_on_to_the_next_event(
    ctx: AuditContext, raw_only: Any
) -> None:
    # the registry recorded the suspension without its status: the law's next status
    # (suspended) is what the resumption is decided against
    spell = {"start": "2026-03-16", "end": "2026-07-10", "ground": "illness", "stage": "primary"}
    suspend = {"transition": "suspend", "date": "2026-03-10", "applicant": "guardian",
               "ground": "illness", "period_start": "2026-03-16", "period_end": "2026-07-10",
               "missed_class_hours": 300, "term_class_hours": 700,
               "documents": ["suspension_resumption_form", "county_hospital_record"],
               "approvals": [{"body": "school"}, {"body": "superior_registry_dept"}]}  # fmt: skip
    resume = {"transition": "resume", "date": "2026-09-02", "applicant": "guardian",
              "returned_on": "2026-09-01", "submitted_on": "2026-09-03", "target_grade": 3,
              "documents": ["suspension_resumption_form", "resumption_evidence"],
              "approvals": [{"body": "school", "date": "2026-09-02"},
                            {"body": "superior_registry_dept", "date": "2026-09-08"}]}  # fmt: skip
    bundle = {
        "record": pupil(suspensions=[spell]),
        "history": {
            "start": pupil(),
            "events": [
                {"request": suspend, "after": {"suspensions": [spell]}},
                {"request": resume, "after": {"status": "enrolled"}},
            ],
        },
    }
    fast, slow = _both(bundle, ctx, raw_only)
    assert fast == slow
    assert "history.move_not_allowed" not in [f.check for f in fast]


def test_a_bad_change_a_later_event_replaces_gives_the_raw_replays_findings(
    ctx: AuditContext, raw_only: Any
) -> None:
    # the changes are converted together when the next event is decided (D-341): a value one
    # event leaves and a later one replaces must not matter, as deciding on the raw record
    bundle = transferred()
    events = bundle["history"]["events"]
    events[0]["after"]["grade"] = 99
    events.append({"on": "2026-09-01", "after": {"grade": 4}})
    events.append({"request": transfer_request("2026-10-09"), "result": "refused"})
    fast, slow = _both(bundle, ctx, raw_only)
    assert fast == slow
    assert "history.event_error" not in [f.check for f in fast]
    # left in place, the same value makes the next decision an error, worded by the engine
    del events[1]
    fast, slow = _both(bundle, ctx, raw_only)
    assert fast == slow
    assert [f.check for f in fast].count("history.event_error") == 1
