"""Cross-record checks (O01, O07) and side-data checks (O04, O12, O15) over small snapshots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import AS_OF, S2, checks, pupil, write_snapshot
from xueji_rules.audit import audit_snapshot
from xueji_rules.errors import InputError
from xueji_rules.findings import Finding

DOC = {"id_doc_type": "resident_id_card", "id_doc_number": "140105201701010011"}


def audit(root: Path, as_of: str = AS_OF, pack: str = "shanxi") -> list[Finding]:
    return audit_snapshot(root, pack=pack, as_of=as_of, reveal_personal_data=True).findings


def who(record: dict[str, Any], guardian: str = "李大红", **person: Any) -> dict[str, Any]:
    """``record`` with the collection form's identity fields (record.person, record.family)."""
    return {**record, "person": person, "family": [{"name": guardian, "is_guardian": True}]}


def test_o01_two_live_registries_of_one_document_number(tmp_path: Path) -> None:
    bundles = [
        {"record": who(pupil("A"), **DOC)},
        {"record": who(pupil("B", school=dict(S2)), **DOC)},
    ]
    [finding] = audit(write_snapshot(tmp_path / "s", bundles))
    assert finding.check == "O01.duplicate_registry"
    assert finding.records == ("A", "B")
    assert finding.evidence == {"matched_on": "document_number", "document_namespace": "gb11643",
                                "schools": ["S1", "S2"], "stages": ["primary", "primary"],
                                "statuses": ["enrolled", "enrolled"]}  # fmt: skip
    # the records package's check, cited for the record's system (K-12) under Shanxi's layer
    renders = [c.render() for c in finding.citations]
    assert "教基〔2025〕1号 第九条" in renders and "晋教〔2026〕1号 第十条" in renders


def test_o01_a_finished_registry_beside_a_live_one_is_fine(tmp_path: Path) -> None:
    bundles = [
        {"record": who(pupil("A", status="graduated"), **DOC)},
        {"record": who(pupil("B"), **DOC)},
    ]
    # a graduate who holds another number later is O07's: one number for life
    assert checks(audit(write_snapshot(tmp_path / "s", bundles))) == ["O07.number_changed"]


def test_o01_probable_duplicate_without_document_numbers(tmp_path: Path) -> None:
    a = who(pupil("A", birth_date="2017-01-01"), name="李 小红")
    b = who(pupil("B", birth_date="2017-01-01"), name="李小红")  # spacing differs
    c = who(pupil("C", birth_date="2017-01-02"), name="李小红")
    d = who(pupil("D", birth_date="2017-01-01"), guardian="王五", name="李小红")
    root = write_snapshot(tmp_path / "s", [{"record": r} for r in (a, b, c, d)])
    [finding] = audit(root)
    assert (finding.check, finding.records, finding.severity) == (
        "O01.probable_duplicate_registry",
        ("A", "B"),
        "warning",
    )


def test_o07_one_number_on_two_people(tmp_path: Path) -> None:
    other = {**DOC, "id_doc_number": "14010520170101003X"}
    root = write_snapshot(
        tmp_path / "s",
        [{"record": who(pupil("A"), **DOC)},
         {"record": who(pupil("A", status="graduated"), name="赵六", **other)}],
    )  # fmt: skip
    [finding] = audit(root)
    assert (finding.check, finding.records, finding.evidence["people"]) == (
        "O07.number_reused",
        ("A",),
        2,
    )
    # the same person exported twice is no reuse
    same = write_snapshot(tmp_path / "t", [{"record": who(pupil("A"), **DOC)}] * 2)
    assert audit(same) == []


def test_o07_the_preschool_number_continues_in_primary_school(tmp_path: Path) -> None:
    kid = {"id": "K1", "status": "promoted_to_primary", "stage": "primary", "grade": 1}
    fresh = pupil("P9", grade=1)
    [finding] = audit(
        write_snapshot(tmp_path / "a", [{"record": who(kid, **DOC)}, {"record": who(fresh, **DOC)}])
    )
    assert (finding.check, finding.records) == ("O07.preschool_number_not_continued", ("K1", "P9"))
    continued = {**kid, "status": "enrolled"}
    assert audit(write_snapshot(tmp_path / "b", [{"record": who(continued, **DOC)}])) == []


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
    base = {"system": "k12", "status": "active", "created_on": "2024-01-01"}
    accounts = [
        {**base, "id": "a1", "last_used_on": "2026-06-30"},  # six months exactly ("以上")
        {**base, "id": "a2", "last_used_on": "2026-07-01"},
        {**base, "id": "a3", "status": "sealed", "last_used_on": "2025-01-01"},
        {**base, "id": "a4", "created_on": "2026-01-05"},  # never used
    ]
    found = audit(write_snapshot(tmp_path / "s", [{"record": pupil()}], accounts=accounts))
    assert [(f.check, f.records) for f in found] == [
        ("O12.dormant_account_not_sealed", ("account:a1",)),
        ("O12.dormant_account_not_sealed", ("account:a4",)),
    ]
    # account ids are not personal data: shown even when findings are masked
    masked = audit_snapshot(tmp_path / "s", pack="shanxi", as_of=AS_OF).findings
    assert [f.records for f in masked] == [("account:a1",), ("account:a4",)]


def test_o15_staff_checks(tmp_path: Path) -> None:
    good = {"id": "t0", "system": "k12", "org_id": "S1", "org_kind": "school", "ownership": "public",
            "start_date": "2024-09-01", "trained_on": "2024-08-20",
            "filed_with_superior_on": "2024-09-05", "on_establishment": True}  # fmt: skip
    unfiled = {k: v for k, v in good.items() if k != "filed_with_superior_on"}
    staff = [
        good,
        {**unfiled, "id": "t1"},
        {**good, "id": "t2", "trained_on": "2024-10-08"},
        {**good, "id": "t3", "on_establishment": False},
        {**good, "id": "t4", "ownership": "private", "on_establishment": False},
    ]
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}], staff=staff)
    found = audit(root)
    assert sorted((f.check, f.records[0]) for f in found) == [
        ("O15.staff_not_filed", "staff:t1"),
        ("O15.staff_not_on_establishment", "staff:t3"),
        ("O15.staff_not_trained_before_start", "staff:t2"),
    ]
    # the establishment rule is Shanxi's (第四十八条): not under the national pack alone
    assert sorted(checks(audit(root, pack="national"))) == [
        "O15.staff_not_filed",
        "O15.staff_not_trained_before_start",
    ]


def test_a_side_row_of_the_old_interim_shape_is_a_bad_line(tmp_path: Path) -> None:
    root = write_snapshot(
        tmp_path / "s", [{"record": pupil()}], accounts=[{"id": "a", "status": "active"}]
    )
    [finding] = audit(root)
    assert finding.check == "input.bad_line" and finding.evidence["file"] == "accounts.jsonl"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b'{"id": "a", "id": "b"}', "duplicate key 'id'"),
        (b'{"id": NaN}', "NaN is not a JSON number"),
        (b'{"id": 1e400}', "out of range"),
        (b'{"id": "\\ud800"}', "half a surrogate pair"),
        (b'{"id": "\xff"}', "can't decode"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    ],
    ids=["duplicate", "nan", "1e400", "surrogate", "utf8", "deep"],
)
def test_a_side_line_is_read_by_the_json_reading_rules(line: bytes, error: str) -> None:
    """Side files are read as batch lines are (D-360): refused, with the reason, never a crash."""
    from xueji_rules.audit.snapshot import side_row

    problem = side_row("accounts", "accounts.jsonl", 7, line)
    assert isinstance(problem, InputError)
    assert problem.location is not None and problem.location.line == 7
    assert error in problem.message


def test_findings_validate_against_the_finding_schema(tmp_path: Path) -> None:
    from xueji_rules._schemas import validator_for

    bundles = [{"record": who(pupil("A"), **DOC)}, {"record": who(pupil("B"), **DOC)},
               {"record": pupil("C", temporary_id=True)}]  # fmt: skip
    staff = [{"id": "t", "system": "k12", "org_kind": "school", "start_date": "2024-01-01"}]
    found = audit(write_snapshot(tmp_path / "s", bundles, staff=staff))
    assert found
    validator = validator_for("finding.schema.json")
    for finding in found:
        errors = list(validator.iter_errors(json.loads(finding.to_json_text())))
        assert errors == [], errors


def test_the_number_of_partitions_does_not_change_the_output(
    tmp_path: Path, monkeypatch: Any
) -> None:
    import io

    from xueji_rules.audit import run as run_module

    bundles = [{"record": who(pupil(f"A{i}"), **{**DOC, "id_doc_number": DOC["id_doc_number"]
                                                 if i % 3 else f"14010520170101{i:03d}1"})}
               for i in range(40)]  # fmt: skip
    root = write_snapshot(tmp_path / "s", bundles)
    outputs = []
    for partitions in (1, 97):
        monkeypatch.setattr(run_module, "partitions_for", lambda files, n=partitions: n)
        out = io.StringIO()
        audit_snapshot(root, pack="shanxi", as_of=AS_OF, out=out, reveal_personal_data=True)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] and "O01.duplicate_registry" in outputs[0]


def test_large_snapshots_get_more_partitions(tmp_path: Path) -> None:
    from xueji_rules.audit._cross import PARTITIONS, partitions_for

    small = write_snapshot(tmp_path / "s", [{"record": pupil()}]) / "bundles.jsonl"
    assert partitions_for([small]) == PARTITIONS
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as handle:  # a sparse file: its size is what counts
        handle.truncate(13_000_000_000)
    assert partitions_for([big]) == 250


def test_a_process_returns_each_school_term_once_per_run(tmp_path: Path) -> None:
    import orjson

    from xueji_rules.audit import audit_chunk, spec_from
    from xueji_rules.audit.bundle import close_spill_writers
    from xueji_rules.audit.snapshot import Chunk

    terms = [{"term_start": "2026-09-01", "stage": "primary", "school": "S1"},
             {"term_start": "2026-03-02", "stage": "primary", "school": "S2"}]  # fmt: skip
    lines = [(n, orjson.dumps({"record": pupil(f"P{n}"), "attendance": terms})) for n in (1, 2, 3)]
    spec = spec_from("shanxi", AS_OF)
    alone = audit_chunk(spec, Chunk("b", 1, tuple(lines)))  # no run: every pair, every chunk
    assert alone.schools == {("S1", "2026-09-01"), ("S2", "2026-03-02")}
    runs = []
    for run in ("r1", "r2"):
        (tmp_path / run).mkdir()
        spill = (str(tmp_path / run), 4)
        runs.append(
            [audit_chunk(spec, Chunk("b", n, ((n, raw),)), spill).schools for n, raw in lines]
        )
    close_spill_writers()
    for first, *later in runs:  # each run (spill directory) gets every pair, once
        assert first == alone.schools and later == [set(), set()]
