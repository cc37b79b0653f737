"""History replay: each event decided under the law of its day, every duty's clock checked."""

from __future__ import annotations

import copy
from typing import Any

from tests.audit.conftest import (
    S2,
    TRANSFER_DONE,
    checks,
    pupil,
    run,
    transfer_request,
    transferred,
)
from xueji_rules.audit import AuditContext


def _event(bundle: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = bundle["history"]["events"][0]
    return event


def test_a_move_the_lifecycle_refuses_is_reported_with_its_article(ctx: AuditContext) -> None:
    withdraw = {"request": {"transition": "withdraw", "date": "2026-04-13", "applicant": "guardian"},
                "after": {"status": "withdrawn"}}  # fmt: skip
    bundle = {
        "record": pupil(status="withdrawn"),
        "history": {"start": pupil(), "events": [withdraw]},
    }
    [finding] = run(bundle, ctx)
    assert finding.check == "history.move_not_allowed"
    assert finding.evidence["pack"] == "shanxi" and finding.evidence["outcome"] == "denied"
    assert "教基〔2025〕1号 第十八条" in [c.render() for c in finding.citations]


def test_a_refused_or_pending_request_is_not_a_move(ctx: AuditContext) -> None:
    withdraw = {"request": {"transition": "withdraw", "date": "2026-04-13", "applicant": "guardian"},
                "result": "refused"}  # fmt: skip
    assert run({"record": pupil(), "history": {"start": pupil(), "events": [withdraw]}}, ctx) == []


def test_a_missing_approval_is_reported_with_the_body_that_should_have_approved(
    ctx: AuditContext,
) -> None:
    bundle = transferred()
    _event(bundle)["request"] = transfer_request(drop="sending_superior_registry_dept")
    [finding] = run(bundle, ctx)
    assert finding.check == "history.approval_missing"
    assert finding.evidence["missing_approvals"] == [
        {
            "body": "sending_superior_registry_dept",
            "kind": "verify_process",
            "rule": "national.transfer.superior_processing",
        }
    ]


def test_an_approval_by_a_body_no_rule_names_is_the_wrong_body(ctx: AuditContext) -> None:
    bundle = transferred()
    request = transfer_request(drop="sending_superior_registry_dept")
    request["approvals"].append({"body": "county_bureau", "date": "2026-03-10"})
    _event(bundle)["request"] = request
    [finding] = run(bundle, ctx)
    assert finding.check == "history.approval_wrong_body"
    assert finding.evidence["approvals_by_other_bodies"] == ["county_bureau"]


def test_documents_missing(ctx: AuditContext) -> None:
    suspend = {"transition": "suspend", "date": "2026-03-10", "applicant": "guardian", "ground": "illness",
               "period_start": "2026-03-16", "period_end": "2026-07-10", "missed_class_hours": 300,
               "term_class_hours": 700, "documents": ["suspension_resumption_form", "county_hospital_record"],
               "approvals": [{"body": "school"}, {"body": "superior_registry_dept"}]}  # fmt: skip
    done = [{"obligation": "change.record_update", "on": "2026-03-11"}]
    event = {"request": suspend, "after": {"status": "suspended"}, "completed": done}
    clean = {"record": pupil(status="suspended"), "history": {"start": pupil(), "events": [event]}}
    assert run(clean, ctx) == []
    bad = copy.deepcopy(clean)
    _event(bad)["request"]["documents"] = ["suspension_resumption_form"]
    [finding] = run(bad, ctx)
    assert finding.check == "history.documents_missing"
    assert finding.evidence["missing_documents"] == ["county_hospital_record"]


def test_status_and_record_mismatches(ctx: AuditContext) -> None:
    bundle = transferred()
    _event(bundle)["after"]["status"] = "transfer_pending"
    found = run(bundle, ctx)
    # the registry says pending, the law says done; and the current record then differs
    assert checks(found) == ["history.record_mismatch", "history.status_mismatch"]
    other = transferred(record=pupil(status="suspended", school=dict(S2)))
    assert checks(run(other, ctx)) == ["history.record_mismatch"]


def test_late_and_overdue_duties_per_party(ctx: AuditContext) -> None:
    late = transferred()
    done = [dict(c) for c in TRANSFER_DONE]
    done[1]["on"] = "2026-04-01"  # the sending school, due 2026-03-20
    _event(late)["completed"] = done
    [finding] = run(late, ctx)
    assert finding.check == "history.obligation_late"
    assert (finding.evidence["party"], finding.evidence["due"], finding.evidence["completed_on"]) == (
        "sending_school", "2026-03-20", "2026-04-01",
    )  # fmt: skip
    assert finding.evidence["trigger"] == "2026-03-06"  # Shanxi: the clock runs from the consent
    overdue = transferred()
    _event(overdue)["completed"] = [
        c for c in TRANSFER_DONE if c["obligation"] != "transfer.record_update"
    ]
    [finding] = run(overdue, ctx)
    assert finding.check == "O06.update_overdue"
    assert (
        finding.evidence["as_of"] == "2026-12-31"
        and finding.evidence["party"] == "receiving_school"
    )


def test_a_duty_not_yet_due_on_the_as_of_date_is_no_finding() -> None:
    from xueji_rules.audit import audit_bundle, context_for, spec_from

    early = context_for(spec_from("shanxi", "2026-03-15"))
    bundle = transferred()
    _event(bundle)["completed"] = []
    assert audit_bundle(bundle, early).findings == []


def test_each_event_is_decided_under_the_pack_in_force_on_its_date(ctx: AuditContext) -> None:
    # a transfer in October 2025: national rules only (no Shanxi consent, no term window); the
    # same request in March 2026 lacks the sending school's consent that Shanxi requires
    request = transfer_request(date="2025-10-15", drop=None)
    request["approvals"] = [a for a in request["approvals"] if a.get("kind") != "consent"]
    event = {"request": request, "after": {"status": "enrolled", "school": dict(S2)},
             "completed": [{"obligation": o["obligation"], "on": "2025-10-20"} for o in TRANSFER_DONE]}  # fmt: skip
    national = {"record": pupil(school=dict(S2)), "history": {"start": pupil(), "events": [event]},
                "transfer_backups": [{"school": "S1", "date": "2025-10-15", "electronic": True}]}  # fmt: skip
    assert run(national, ctx) == []
    shanxi = copy.deepcopy(national)
    _event(shanxi)["request"]["date"] = "2026-03-05"
    shanxi["transfer_backups"][0]["date"] = "2026-03-05"
    _event(shanxi)["completed"] = [dict(c) for c in TRANSFER_DONE]
    [finding] = run(shanxi, ctx)
    assert finding.check == "history.approval_missing"
    assert finding.evidence["pack"] == "shanxi"


def test_an_event_before_every_pack_is_reported_not_judged(ctx: AuditContext) -> None:
    event = {
        "request": transfer_request(date="2024-10-15"),
        "after": {"status": "enrolled", "school": dict(S2)},
    }
    bundle = {"record": pupil(school=dict(S2)), "history": {"start": pupil(), "events": [event]}}
    assert checks(run(bundle, ctx)) == ["history.outside_validity"]


def test_an_undecidable_request_is_an_event_error(ctx: AuditContext) -> None:
    event = {
        "request": {"transition": "transfer", "date": "2026-03-05"},
        "after": {"status": "enrolled"},
    }
    broken = {"record": {"id": "P1", "status": "enrolled", "stage": "primary"},
              "history": {"start": {"id": "P1", "status": "no_such_status", "stage": "primary"}, "events": [event]}}  # fmt: skip
    assert checks(run(broken, ctx)) == ["history.event_error"]


def test_o07_a_number_changed_in_the_history(ctx: AuditContext) -> None:
    bundle = transferred()
    bundle["history"]["events"].append({"on": "2026-10-09", "after": {"id": "P1X"}})
    bundle["record"]["id"] = "P1X"
    [finding] = run(bundle, ctx)
    assert finding.check == "O07.number_changed"
    assert finding.evidence["old_number"] == "P1" and finding.evidence["new_number"] == "P1X"


def test_o11_the_sending_school_keeps_a_backup(ctx: AuditContext) -> None:
    bundle = transferred(transfer_backups=[])
    [finding] = run(bundle, ctx)
    assert finding.check == "O11.transfer_backup_missing"
    assert finding.evidence["sending_school"] == "S1"
    paper_only = transferred(
        transfer_backups=[{"school": "S1", "date": "2026-03-05", "paper_copy": True}]
    )
    assert checks(run(paper_only, ctx)) == ["O11.transfer_backup_missing"]


def test_o05_through_the_registration_event(ctx: AuditContext) -> None:
    start = {"id": "C1", "status": "admitted", "stage": "primary", "grade": 1, "birth_date": "2020-03-01",
             "school": pupil()["school"]}  # fmt: skip
    enroll = {"request": {"transition": "enroll", "date": "2026-09-01", "applicant": "school",
                          "documents": ["id_document"], "information_verified": True,
                          "approvals": [{"body": "superior_registry_dept", "date": "2026-09-05"}]},
              "after": {"status": "enrolled", "enrolled_on": "2026-09-01"}}  # fmt: skip
    record = {**start, "status": "enrolled", "enrolled_on": "2026-09-01"}
    base = {"record": record, "history": {"start": start, "events": [enroll]}}
    assert checks(run({**base, "archive": {"created_on": "2026-09-20"}}, ctx)) == []
    assert checks(run({**base, "archive": {"created_on": "2026-11-10"}}, ctx)) == [
        "O05.archive_late"
    ]
    assert checks(run(base, ctx)) == ["O05.archive_overdue"]


def test_a_change_left_in_its_interim_status_is_not_a_completed_move(ctx: AuditContext) -> None:
    bundle = transferred(record=pupil(status="transfer_pending"), transfer_backups=[])
    _event(bundle)["request"] = transfer_request(drop="sending_superior_registry_dept")
    _event(bundle)["after"] = {"status": "transfer_pending"}
    # recorded as pending although the event says done: no approval finding, the clocks still run
    assert run(bundle, ctx) == []


def test_update_late_and_a_processing_duty_overdue(ctx: AuditContext) -> None:
    late_update = transferred()
    done = [dict(c) for c in TRANSFER_DONE]
    done[4]["on"] = "2026-04-20"  # transfer.record_update, due 2026-04-07
    _event(late_update)["completed"] = done
    [finding] = run(late_update, ctx)
    assert (finding.check, finding.evidence["due"]) == ("O06.update_late", "2026-04-07")
    open_duty = transferred()
    _event(open_duty)["completed"] = [
        c for c in TRANSFER_DONE if c["obligation"] != "transfer.sending_superior.processing"
    ]
    [finding] = run(open_duty, ctx)
    assert finding.check == "history.obligation_overdue"
    assert finding.evidence["party"] == "sending_superior_registry_dept"
    assert [c.render() for c in finding.citations] == ["晋教〔2026〕1号 第十九条"]
