"""Shared helpers for the audit tests: a Shanxi context as of 2026-12-31 and clean bundles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from xueji_rules.audit import AuditContext, audit_bundle, context_for, spec_from
from xueji_rules.findings import Finding

AS_OF = "2026-12-31"
S1 = {
    "id": "S1",
    "province": "山西省",
    "city": "太原市",
    "county": "小店区",
    "ownership": "public",
    "kind": "primary",
}
S2 = {
    "id": "S2",
    "province": "山西省",
    "city": "大同市",
    "county": "平城区",
    "ownership": "public",
    "kind": "primary",
}


@pytest.fixture(scope="session")
def ctx() -> AuditContext:
    # findings in clear, to compare record ids (masking: tests/audit/test_privacy.py)
    return context_for(spec_from("shanxi", AS_OF, reveal_personal_data=True))


def pupil(rid: str = "P1", **fields: Any) -> dict[str, Any]:
    """An enrolled grade-3 pupil of school S1 who registered before the packs took effect."""
    record = {"id": rid, "status": "enrolled", "stage": "primary", "grade": 3, "has_registry": True,
              "birth_date": "2017-05-01", "enrolled_on": "2023-09-01", "school": dict(S1)}  # fmt: skip
    record.update(fields)
    return record


def transfer_request(date: str = "2026-03-05", drop: str | None = None) -> dict[str, Any]:
    """A Shanxi transfer from S1 to S2 with every approval (``drop`` leaves one body out)."""
    approvals = [
        {"body": "sending_school", "kind": "consent", "date": "2026-03-06"},
        {"body": "sending_school", "kind": "verify_process", "date": "2026-03-09"},
        {"body": "sending_superior_registry_dept", "date": "2026-03-10"},
        {"body": "receiving_superior_registry_dept", "date": "2026-03-10"},
    ]
    return {"transition": "transfer", "date": date, "applicant": "guardian", "ground": "residence_moved",
            "residence_moved": True, "to_school": {**S2, "vacancies": 3},
            "approvals": [a for a in approvals if a["body"] != drop]}  # fmt: skip


TRANSFER_DONE = [
    {"obligation": "transfer.receiving_school.processing", "on": "2026-03-12"},
    {"obligation": "transfer.sending_school.processing", "on": "2026-03-12"},
    {"obligation": "transfer.receiving_superior.processing", "on": "2026-03-12"},
    {"obligation": "transfer.sending_superior.processing", "on": "2026-03-12"},
    {"obligation": "transfer.record_update", "on": "2026-03-20"},
]


def transferred(**changes: Any) -> dict[str, Any]:
    """A clean bundle: the pupil moved from S1 to S2 in March 2026, every duty on time."""
    bundle: dict[str, Any] = {
        "record": pupil(school=dict(S2)),
        "history": {
            "start": pupil(),
            "events": [
                {
                    "request": transfer_request(),
                    "after": {"status": "enrolled", "school": dict(S2)},
                    "completed": [dict(c) for c in TRANSFER_DONE],
                }
            ],
        },
        "transfer_backups": [
            {"school": "S1", "date": "2026-03-05", "electronic": True, "paper_copy": True}
        ],
        "attendance": [{"term_start": "2026-09-01", "school": "S2"}],
    }
    bundle.update(changes)
    return bundle


def checks(findings: Iterable[Finding]) -> list[str]:
    return sorted(f.check for f in findings)


def run(bundle: Mapping[str, Any], ctx: AuditContext) -> list[Finding]:
    return audit_bundle(bundle, ctx).findings


def write_snapshot(
    root: Path, bundles: Iterable[Mapping[str, Any]], **side: Iterable[Mapping[str, Any]]
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "bundles.jsonl", "w", encoding="utf-8") as handle:
        for bundle in bundles:
            handle.write(json.dumps(bundle, ensure_ascii=False) + "\n")
    for kind, rows in side.items():
        with open(root / f"{kind}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return root
