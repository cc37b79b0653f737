"""The engine on the bundled packs: outcomes, lifecycle, validity, bad input, sharing."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import threading
from typing import Any

import pytest

from xueji_rules import Engine, InputError, OutsideValidity, explain
from xueji_rules._schemas import validator_for

SCHOOL_A = {"id": "A", "city": "太原市", "county": "小店区", "enrollment_area": "太原市区"}
SCHOOL_B = {
    "id": "B",
    "city": "大同市",
    "county": "平城区",
    "enrollment_area": "大同市区",
    "vacancies": 2,
}
SENIOR: dict[str, Any] = {
    "id": "G1",
    "status": "enrolled",
    "stage": "senior_secondary",
    "grade": 11,
    "school": SCHOOL_A,
}
TRANSFER: dict[str, Any] = {
    "transition": "transfer",
    "date": "2026-03-09",
    "applicant": "guardian",
    "to_school": SCHOOL_B,
    "hukou_move_scope": "city",
    "residence_moved": True,
    "new_hukou": {"city": "大同市", "county": "平城区"},
}


@pytest.fixture(scope="module")
def shanxi() -> Engine:
    return Engine("shanxi")


@pytest.fixture(scope="module")
def national() -> Engine:
    return Engine("national")


def _rule(decision: Any, rule_id: str) -> Any:
    return next(r for r in decision.rules if r.id == rule_id)


def test_transfer_in_window_needs_approvals(shanxi: Engine) -> None:
    d = shanxi.decide(SENIOR, TRANSFER)
    assert d.outcome == "needs_approval"
    assert d.next_status == "transfer_pending"
    assert {a.body for a in d.approvals} >= {"sending_school", "sending_superior_registry_dept"}
    assert _rule(d, "shanxi.transfer.window").passed


def test_transfer_after_window_is_denied_by_default(shanxi: Engine) -> None:
    d = shanxi.decide(SENIOR, {**TRANSFER, "date": "2026-04-01"})
    assert d.outcome == "denied_by_default"
    assert d.next_status == "enrolled"
    window = _rule(d, "shanxi.transfer.window")
    # 晋 第十六条 names no one who may accept a transfer later (D-104)
    assert not window.passed and window.exception_route == "not_specified"
    assert d.obligations == ()  # a denied request starts no clock


def test_granted_exception_lifts_a_default_rule(shanxi: Engine) -> None:
    request = {
        **TRANSFER,
        "date": "2026-04-01",
        "exceptions": [{"rule": "shanxi.transfer.window", "granted_by": "superior_registry_dept"}],
    }
    d = shanxi.decide(SENIOR, request)
    window = _rule(d, "shanxi.transfer.window")
    assert window.passed and window.exception_granted
    assert d.outcome == "needs_approval"


def test_mandatory_failure_beats_default_failure(shanxi: Engine) -> None:
    d = shanxi.decide(
        SENIOR, {**TRANSFER, "date": "2026-04-01", "to_school": {**SCHOOL_B, "vacancies": 0}}
    )
    assert d.outcome == "denied"
    assert not _rule(d, "shanxi.transfer.capacity").passed


def test_national_and_shanxi_differ_on_the_same_request(national: Engine, shanxi: Engine) -> None:
    request = {**TRANSFER, "date": "2026-04-01"}
    assert national.decide(SENIOR, request).outcome == "needs_approval"
    assert shanxi.decide(SENIOR, request).outcome == "denied_by_default"


def test_transition_not_in_lifecycle_lists_allowed(shanxi: Engine) -> None:
    d = shanxi.decide({**SENIOR, "status": "graduated"}, TRANSFER)
    assert d.outcome == "denied"
    assert d.allowed_transitions is not None and "transfer" not in d.allowed_transitions
    assert d.reason is not None and "毕业" in d.reason.zh


def test_unknown_transition_is_an_input_error(shanxi: Engine) -> None:
    # a typo is not a refusal under the law (report defect 3)
    with pytest.raises(InputError) as info:
        shanxi.decide(SENIOR, {**TRANSFER, "transition": "tranfer"})
    assert str(info.value) == (
        "request.transition: unknown transition 'tranfer' (did you mean 'transfer'?) "
        f"(pack 'shanxi' defines {len(shanxi.pack.lifecycle.transitions)}; see docs/glossary.md)"
    )


def test_request_outside_validity_names_pack_and_dates(shanxi: Engine) -> None:
    with pytest.raises(OutsideValidity) as info:
        shanxi.decide(SENIOR, {**TRANSFER, "date": "2026-02-09"})
    text = str(info.value)
    assert (
        "2026-02-09" in text and "shanxi" in text and "2026-02-10" in text and "2031-02-09" in text
    )
    # the field is named once (new-user report item 18: no "request.date: request.date ...")
    assert text == (
        "request.date: 2026-02-09 is outside pack 'shanxi', which covers 2026-02-10 to 2031-02-09"
    )


def test_bad_record_names_the_field(shanxi: Engine) -> None:
    with pytest.raises(InputError) as info:
        shanxi.decide({**SENIOR, "grade": "eleven"}, TRANSFER)
    assert "grade" in str(info.value)
    with pytest.raises(InputError) as info:
        shanxi.decide({**SENIOR, "status": "enroled"}, TRANSFER)
    assert "unknown status 'enroled'" in str(info.value)


def test_decision_is_immutable_deterministic_and_valid_json(shanxi: Engine) -> None:
    record, request = copy.deepcopy(SENIOR), copy.deepcopy(TRANSFER)
    first = shanxi.decide(record, request)
    assert record == SENIOR and request == TRANSFER  # inputs untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.outcome = "allowed"  # type: ignore[misc]
    data = first.to_json()
    assert json.loads(first.to_json_text()) == data
    assert list(validator_for("decision.schema.json").iter_errors(data)) == []
    assert shanxi.decide(SENIOR, TRANSFER) == first


def test_engine_is_safe_to_share_between_threads(shanxi: Engine) -> None:
    dates = [(dt.date(2026, 3, 2) + dt.timedelta(days=i)).isoformat() for i in range(40)]
    expected = {d: shanxi.decide(SENIOR, {**TRANSFER, "date": d}).to_json() for d in dates}
    failures: list[str] = []

    def work() -> None:
        for d in dates * 5:
            if shanxi.decide(SENIOR, {**TRANSFER, "date": d}).to_json() != expected[d]:
                failures.append(d)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_decide_many_yields_errors_in_place(shanxi: Engine) -> None:
    results = list(
        shanxi.decide_many([(SENIOR, TRANSFER), ({"id": "x"}, TRANSFER), (SENIOR, TRANSFER)])
    )
    assert [type(r).__name__ for r in results] == ["Decision", "InputError", "Decision"]


def test_compulsory_stage_cannot_withdraw(shanxi: Engine, national: Engine) -> None:
    junior = {**SENIOR, "stage": "junior_secondary", "grade": 8}
    for engine in (national, shanxi):
        d = engine.decide(
            junior, {"transition": "withdraw", "date": "2026-03-09", "applicant": "guardian"}
        )
        assert d.outcome == "denied" and d.next_status != "withdrawn"


def test_exception_counts_only_from_its_route(shanxi: Engine) -> None:
    # 晋 第三十条's exception is the superior department's, which approves every suspension
    record = {**SENIOR, "grade": 12}
    request = {
        "transition": "suspend",
        "date": "2026-03-20",
        "applicant": "guardian",
        "ground": "illness",
        "period_start": "2026-03-23",
        "period_end": "2026-07-10",
    }

    def outcome_with(body: str) -> str:
        grant = [{"rule": "shanxi.suspend.graduating_period", "granted_by": body}]
        d = shanxi.decide(record, {**request, "exceptions": grant})
        return "passed" if _rule(d, "shanxi.suspend.graduating_period").passed else "failed"

    assert outcome_with("school") == "failed"
    assert outcome_with("superior_registry_dept") == "passed"


def test_approval_of_another_kind_does_not_count(shanxi: Engine) -> None:
    # in Shanxi the sending school consents (晋 第十六条) and processes (核办, 第十九条)
    consent = {"body": "sending_school", "kind": "consent", "date": "2026-03-10"}
    processed = {"body": "sending_school", "kind": "verify_process"}
    confirm = {"body": "sending_school", "kind": "confirm", "date": "2026-03-10"}
    both = {**TRANSFER, "approvals": [consent, processed]}
    assert "sending_school" not in {a.body for a in shanxi.decide(SENIOR, both).approvals}
    only_consent = {**TRANSFER, "approvals": [consent]}
    assert "sending_school" in {a.body for a in shanxi.decide(SENIOR, only_consent).approvals}
    needed = {a.body for a in shanxi.decide(SENIOR, {**TRANSFER, "approvals": [confirm]}).approvals}
    assert "sending_school" in needed


def test_scenario_naming_an_unknown_rule_fails(shanxi: Engine) -> None:
    from xueji_rules.testing.scenarios import Scenario, run_scenario

    scenario = Scenario(
        "typo", "x.yaml", 1, SENIOR, TRANSFER, {"rules": {"shanxi.transfer.windwo": "not_applied"}}
    )
    result = run_scenario(shanxi, scenario)
    assert not result.passed and "no such rule" in result.differences[0]


def test_scenario_naming_an_unknown_obligation_fails(shanxi: Engine) -> None:
    from xueji_rules.testing.scenarios import Scenario, run_scenario

    scenario = Scenario(
        "typo", "x.yaml", 1, SENIOR, TRANSFER, {"no_obligations": ["transfer.no_such_duty"]}
    )
    result = run_scenario(shanxi, scenario)
    assert not result.passed and "no rule of pack 'shanxi' has it" in result.differences[0]


def test_admission_to_the_next_stage_changes_the_stage(national: Engine) -> None:
    graduate = {"id": "G6", "status": "graduated", "stage": "primary", "grade": 6}
    d = national.decide(
        graduate, {"transition": "admit", "date": "2026-07-10", "to_stage": "junior_secondary"}
    )
    assert (d.outcome, d.from_stage, d.next_stage) == ("allowed", "primary", "junior_secondary")
    assert d.next_grade == 7  # the first grade of junior school under 6-3 (D-100)
    assert "学段：小学（primary） → 初中（junior_secondary），学籍号不变" in explain(
        d, national.pack
    )
    denied = national.decide(
        graduate, {"transition": "admit", "date": "2026-07-10", "to_stage": "senior_secondary"}
    )
    assert (denied.outcome, denied.next_stage) == ("denied", "primary")
