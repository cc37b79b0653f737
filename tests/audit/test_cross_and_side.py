"""Cross-record checks (O01, O07) and side-data checks (O04, O12, O15) over small snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.audit.conftest import AS_OF, S2, checks, pupil, write_snapshot
from xueji_rules.audit import audit_snapshot
from xueji_rules.findings import Finding

DOC = {"id_doc_type": "resident_id", "id_doc_number": "140105201701010011"}


def audit(root: Path, as_of: str = AS_OF, pack: str = "shanxi") -> list[Finding]:
    return audit_snapshot(root, pack=pack, as_of=as_of).findings


def test_o01_two_live_registries_of_one_document_number(tmp_path: Path) -> None:
    bundles = [
        {"record": pupil("A"), "person": DOC},
        {"record": pupil("B", school=dict(S2)), "person": DOC},
    ]
    [finding] = audit(write_snapshot(tmp_path / "s", bundles))
    assert finding.check == "O01.duplicate_registry"
    assert finding.records == ("A", "B")
    assert finding.evidence == {"schools": ["S1", "S2"], "stages": ["primary", "primary"],
                                "statuses": ["enrolled", "enrolled"]}  # fmt: skip


def test_o01_a_finished_registry_beside_a_live_one_is_fine(tmp_path: Path) -> None:
    bundles = [
        {"record": pupil("A", status="graduated"), "person": DOC},
        {"record": pupil("B"), "person": DOC},
    ]
    assert audit(write_snapshot(tmp_path / "s", bundles)) == []


def test_o01_probable_duplicate_without_document_numbers(tmp_path: Path) -> None:
    person = {"name": "李 小红", "birth_date": "2017-01-01", "guardian_name": "李大红"}
    same = {
        "name": "李小红",
        "birth_date": "2017-01-01",
        "guardian_name": "李大红",
    }  # spacing differs
    other = {"name": "李小红", "birth_date": "2017-01-02", "guardian_name": "李大红"}
    root = write_snapshot(tmp_path / "s", [{"record": pupil("A"), "person": person},
                                           {"record": pupil("B"), "person": same},
                                           {"record": pupil("C"), "person": other}])  # fmt: skip
    [finding] = audit(root)
    assert (finding.check, finding.records, finding.severity) == (
        "O01.probable_duplicate",
        ("A", "B"),
        "warning",
    )


def test_o07_one_number_on_two_records(tmp_path: Path) -> None:
    root = write_snapshot(
        tmp_path / "s", [{"record": pupil("A")}, {"record": pupil("A", status="graduated")}]
    )
    [finding] = audit(root)
    assert (finding.check, finding.records, finding.evidence["copies"]) == (
        "O07.number_reused",
        ("A",),
        2,
    )


def test_o07_the_preschool_number_continues_in_primary_school(tmp_path: Path) -> None:
    kid = {"id": "K1", "status": "promoted_to_primary", "stage": "primary", "grade": 1}
    fresh = pupil("P9", grade=1)
    [finding] = audit(
        write_snapshot(
            tmp_path / "a", [{"record": kid, "person": DOC}, {"record": fresh, "person": DOC}]
        )
    )
    assert (finding.check, finding.records) == ("O07.number_not_continued", ("K1", "P9"))
    continued = {**kid, "status": "enrolled"}
    assert audit(write_snapshot(tmp_path / "b", [{"record": continued, "person": DOC}])) == []


def _with_roster(rid: str, school: str, term: str) -> dict[str, Any]:
    return {"record": pupil(rid), "attendance": [{"term_start": term, "school": school}]}


def test_o04_shanxi_wants_a_verification_a_month_after_the_opening(tmp_path: Path) -> None:
    bundles = [_with_roster("A", "S1", "2026-03-02")]
    on_time = write_snapshot(
        tmp_path / "a", bundles, verifications=[{"school": "S1", "date": "2026-04-02"}]
    )
    assert audit(on_time) == []
    early = write_snapshot(
        tmp_path / "b", bundles, verifications=[{"school": "S1", "date": "2026-04-01"}]
    )
    [finding] = audit(early)
    assert finding.check == "O04.verification_missing"
    assert finding.records == ()
    assert finding.evidence["earliest_date"] == "2026-04-02"
    assert finding.evidence["verifications_in_term"] == ["2026-04-01"]


def test_o04_national_rules_want_one_verification_in_the_term(tmp_path: Path) -> None:
    # autumn 2025 opened before Shanxi's rules: any day of the term will do
    bundles = [_with_roster("A", "S1", "2025-09-01")]
    early = write_snapshot(
        tmp_path / "a", bundles, verifications=[{"school": "S1", "date": "2025-09-05"}]
    )
    assert audit(early) == []
    none = write_snapshot(tmp_path / "b", bundles)
    [finding] = audit(none)
    assert finding.check == "O04.verification_missing"
    assert [c.render() for c in finding.citations] == ["教基〔2025〕1号 第二十五条"]


def test_o04_a_term_not_over_is_not_judged(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "a", [_with_roster("A", "S1", "2026-09-01")])
    assert audit(root) == []


def test_o12_dormant_accounts_must_be_sealed(tmp_path: Path) -> None:
    accounts = [
        {"id": "a1", "status": "active", "last_login_on": "2026-06-30"},  # six months exactly
        {"id": "a2", "status": "active", "last_login_on": "2026-07-01"},
        {"id": "a3", "status": "sealed", "last_login_on": "2025-01-01"},
        {"id": "a4", "status": "active", "created_on": "2026-01-05"},  # never used
    ]
    found = audit(write_snapshot(tmp_path / "s", [{"record": pupil()}], accounts=accounts))
    assert [(f.check, f.evidence["account"]) for f in found] == [
        ("O12.account_not_sealed", "a1"),
        ("O12.account_not_sealed", "a4"),
    ]


def test_o15_staff_checks(tmp_path: Path) -> None:
    good = {"id": "t0", "school": "S1", "school_ownership": "public", "role": "registry_admin",
            "started_on": "2024-09-01", "trained_on": "2024-08-20", "filed_with_superior": True,
            "on_establishment": True}  # fmt: skip
    staff = [
        good,
        {**good, "id": "t1", "filed_with_superior": False},
        {**good, "id": "t2", "trained_on": "2024-10-08"},
        {**good, "id": "t3", "on_establishment": False},
        {**good, "id": "t4", "school_ownership": "private", "on_establishment": False},
    ]
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}], staff=staff)
    found = audit(root)
    assert sorted((f.check, f.evidence["staff"]) for f in found) == [
        ("O15.staff_not_filed", "t1"),
        ("O15.staff_not_on_establishment", "t3"),
        ("O15.staff_untrained", "t2"),
    ]
    # the establishment rule is Shanxi's (第四十八条): not under the national pack alone
    assert sorted(checks(audit(root, pack="national"))) == [
        "O15.staff_not_filed",
        "O15.staff_untrained",
    ]


def test_findings_validate_against_the_finding_schema(tmp_path: Path) -> None:
    from xueji_rules._schemas import validator_for

    bundles = [{"record": pupil("A"), "person": DOC}, {"record": pupil("B"), "person": DOC},
               {"record": pupil("C", temporary_id=True)}]  # fmt: skip
    found = audit(
        write_snapshot(tmp_path / "s", bundles, staff=[{"id": "t", "started_on": "2024-01-01"}])
    )
    assert found
    validator = validator_for("finding.schema.json")
    for finding in found:
        errors = list(validator.iter_errors(json.loads(finding.to_json_text())))
        assert errors == [], errors
