"""Every per-record check on both sides: a clean bundle yields nothing, a violating one exactly it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.audit.conftest import checks, pupil, run, transferred
from xueji_rules.audit import AuditContext


def test_a_clean_transfer_history_has_no_findings(ctx: AuditContext) -> None:
    assert run(transferred(), ctx) == []


def test_a_record_without_history_or_side_data_has_no_findings(ctx: AuditContext) -> None:
    assert run({"record": pupil()}, ctx) == []


# -- O02 / O03 / O19: the latest term's roster ---------------------------------------------


def test_o02_on_no_roster_is_a_phantom_registry(ctx: AuditContext) -> None:
    bundle = {"record": pupil(), "attendance": [{"term_start": "2026-09-01"}]}
    [finding] = run(bundle, ctx)
    assert finding.check == "O02.phantom_registry"
    assert finding.records == ("P1",)
    assert finding.evidence == {"term_start": "2026-09-01", "registry_school": "S1"}
    assert [c.render() for c in finding.citations][-1] == "晋教〔2026〕1号 第四十九条"


def test_o02_only_the_latest_term_counts(ctx: AuditContext) -> None:
    bundle = {
        "record": pupil(),
        "attendance": [{"term_start": "2026-03-02"}, {"term_start": "2026-09-01", "school": "S1"}],
    }
    assert run(bundle, ctx) == []


def test_o03_on_another_schools_roster_is_a_mismatch(ctx: AuditContext) -> None:
    bundle = {"record": pupil(), "attendance": [{"term_start": "2026-09-01", "school": "S9"}]}
    assert checks(run(bundle, ctx)) == ["O03.person_record_mismatch"]
    assert (
        run({"record": pupil(), "attendance": [{"term_start": "2026-09-01", "school": "S1"}]}, ctx)
        == []
    )


def test_o19_a_compulsory_pupil_who_stopped_coming_must_be_reported(ctx: AuditContext) -> None:
    stopped = [{"term_start": "2026-09-01", "school": "S1", "stopped_attending_on": "2026-10-12"}]
    [finding] = run({"record": pupil(), "attendance": stopped}, ctx)
    assert finding.check == "O19.dropout_not_reported"
    assert finding.evidence["stopped_attending_on"] == "2026-10-12"
    # reported in time: the record is in dropout follow-up, no finding
    report = {"request": {"transition": "report_dropout", "date": "2026-10-20", "applicant": "school",
                          "ground": "school_finding"}, "after": {"status": "dropout_followup"}}  # fmt: skip
    reported = {"record": pupil(status="dropout_followup"), "attendance": stopped,
                "history": {"start": pupil(), "events": [report]}}  # fmt: skip
    assert run(reported, ctx) == []


def test_o19_not_yet_late_and_not_for_senior_students(ctx: AuditContext) -> None:
    recent = [{"term_start": "2026-09-01", "school": "S1", "stopped_attending_on": "2026-12-10"}]
    assert run({"record": pupil(), "attendance": recent}, ctx) == []
    senior = pupil(stage="senior_secondary", grade=11)
    stopped = [{"term_start": "2026-09-01", "school": "S1", "stopped_attending_on": "2026-10-12"}]
    assert run({"record": senior, "attendance": stopped}, ctx) == []


# -- O05: the archive clock when the registration is not in the history --------------------


@pytest.mark.parametrize(
    ("archive", "expected"),
    [
        ({"created_on": "2026-10-20"}, []),
        ({"created_on": "2026-11-20"}, ["O05.archive_late"]),
        (None, ["O05.archive_overdue"]),
    ],
)
def test_o05_archive_within_two_months_of_registration(
    ctx: AuditContext, archive: dict[str, str] | None, expected: list[str]
) -> None:
    record = pupil(grade=1, enrolled_on="2026-09-01")
    del record["has_registry"]
    bundle: dict[str, Any] = {"record": record}
    if archive is not None:
        bundle["archive"] = archive
    found = run(bundle, ctx)
    assert checks(found) == expected
    if expected:
        assert found[0].evidence["due"] == "2026-11-02"  # 11-01 is a Sunday: the next working day


@pytest.mark.parametrize("transition", [["enroll"], {"id": "report_dropout"}, 7, None])
def test_a_request_naming_no_transition_is_the_replays_finding_not_a_crash(
    ctx: AuditContext, transition: Any
) -> None:
    """The record checks read the history's requests before anything checks them (O05, O19)."""
    record = pupil(grade=1, enrolled_on="2026-09-01")
    del record["has_registry"]
    stopped = [{"term_start": "2026-09-01", "school": "S1", "stopped_attending_on": "2026-10-12"}]
    event = {"request": {"transition": transition, "date": "2026-10-20"}}
    bundle = {"record": record, "attendance": stopped, "history": {"events": [event]}}
    found = checks(run(bundle, ctx))
    assert "history.event_error" in found  # the replay words the request's problem
    assert "O05.archive_overdue" in found and "O19.dropout_not_reported" in found


def test_o05_not_for_registrations_before_the_packs(ctx: AuditContext) -> None:
    record = pupil(enrolled_on="2024-09-01")
    del record["has_registry"]
    assert run({"record": record}, ctx) == []


# -- O08, O16, O17, O18 -----------------------------------------------------------------------


def test_o08_temporary_numbers_only_in_preschool_without_a_document(ctx: AuditContext) -> None:
    # the records package's check (records/_numbers.py), run on every record of the audit
    assert checks(run({"record": pupil(temporary_id=True)}, ctx)) == ["O08.temporary_number"]
    child = {"id": "L140105202001011234", "status": "enrolled", "stage": "preschool",
             "temporary_id": True, "birth_date": "2020-01-01"}  # fmt: skip
    assert run({"record": child}, ctx) == []
    person = {"id_doc_type": "resident_id_card", "id_doc_number": "140105202001010010"}
    documented = {"record": {**child, "person": person}}
    assert checks(run(documented, ctx)) == ["O08.temporary_number"]


def test_o16_sanctions_from_demerit_up_are_in_the_archive(ctx: AuditContext) -> None:
    record = pupil(
        stage="junior_secondary", grade=8, sanctions=[{"level": "demerit", "start": "2026-04-10"}]
    )
    recorded = {
        "record": record,
        "archive": {"entries": [{"kind": "sanction", "date": "2026-04-10"}]},
    }
    assert run(recorded, ctx) == []
    missing = {"record": record, "archive": {"entries": []}}
    assert checks(run(missing, ctx)) == ["O16.sanction_not_recorded"]
    warning = pupil(
        stage="junior_secondary", grade=8, sanctions=[{"level": "warning", "start": "2026-04-10"}]
    )
    assert run({"record": warning, "archive": {"entries": []}}, ctx) == []


def test_o16_specialized_education_never_enters_the_archive(ctx: AuditContext) -> None:
    bundle = {
        "record": pupil(),
        "archive": {"entries": [{"kind": "specialized_education", "date": "2026-05-01"}]},
    }
    assert checks(run(bundle, ctx)) == ["O16.specialized_education_recorded"]
    assert (
        run(
            {"record": pupil(), "archive": {"entries": [{"kind": "award", "date": "2026-05-01"}]}},
            ctx,
        )
        == []
    )


def test_o16_is_shanxis_rule_only() -> None:
    from xueji_rules.audit import audit_bundle, context_for, spec_from

    national = context_for(spec_from("national", "2026-12-31"))
    bundle = {
        "record": pupil(),
        "archive": {"entries": [{"kind": "specialized_education", "date": "2026-05-01"}]},
    }
    assert audit_bundle(bundle, national).findings == []


def test_o17_a_disabled_students_form_fields_are_filled(ctx: AuditContext) -> None:
    # the collection form's conditional fields (附件1 #36, #37), as `validate` checks them
    disabled = {"is_disabled": True, "disability_type": "1"}
    [finding] = run({"record": pupil(person=disabled)}, ctx)
    assert finding.check == "O17.special_education_fields"
    assert finding.evidence["path"] == "person.special_ed_attendance_type"
    complete = {**disabled, "special_ed_attendance_type": "regular_class"}
    assert run({"record": pupil(person=complete)}, ctx) == []


def test_o18_records_are_never_deleted(ctx: AuditContext) -> None:
    graduate = pupil(status="graduated", grade=6)
    assert checks(run({"record": graduate, "deleted_on": "2026-11-20"}, ctx)) == [
        "O18.record_deleted"
    ]
    assert run({"record": graduate}, ctx) == []


def test_findings_carry_no_personal_data(ctx: AuditContext) -> None:
    person = {"name": "王小明", "id_doc_type": "resident_id_card",
              "id_doc_number": "140105201701010011"}  # fmt: skip
    bundle = {
        "record": pupil(temporary_id=True, person=person,
                        family=[{"name": "王大明", "phone": "13912345678"}]),
        "attendance": [{"term_start": "2026-09-01"}],
    }  # fmt: skip
    text = "".join(f.to_json_text() for f in run(bundle, ctx))
    assert text
    for value in ("王小明", "140105201701010011", "王大明", "13912345678"):
        assert value not in text


def test_schools_are_reported_for_the_verification_check(ctx: AuditContext) -> None:
    from xueji_rules.audit import audit_bundle

    bundle = {"record": pupil(), "attendance": [{"term_start": "2026-03-02", "school": "S1"},
                                                {"term_start": "2026-09-01", "school": "S2", "stage": "preschool"}]}  # fmt: skip
    assert audit_bundle(bundle, ctx).schools == [("S1", "2026-03-02")]


def test_the_form_check_group_runs_validate_on_every_record() -> None:
    from xueji_rules import Engine
    from xueji_rules.audit import audit_bundle, context_for, spec_from

    bundle = {"record": pupil(temporary_id=True)}
    with_form = context_for(spec_from("shanxi", "2026-12-31", checks=["form"]))
    found = audit_bundle(bundle, with_form).findings
    expected = Engine("shanxi").validate_record(bundle["record"], as_of=with_form.as_of)
    # every finding of `validate`, once (the cheap per-record checks are part of it)
    assert {f.check for f in expected.findings} <= {f.check for f in found}
    assert "record.form.required" in {f.check for f in found}
    assert [f.check for f in found].count("O08.temporary_number") == 1
    plain = context_for(spec_from("shanxi", "2026-12-31"))
    assert "record.form.required" not in {f.check for f in audit_bundle(bundle, plain).findings}


def test_an_unknown_check_group_is_refused() -> None:
    import pytest

    from xueji_rules.audit import context_for, spec_from
    from xueji_rules.errors import InputError

    with pytest.raises(InputError, match="unknown check group"):
        context_for(spec_from("shanxi", "2026-12-31", checks=["forms"]))
