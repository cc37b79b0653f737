"""What ``synth`` is asked to write and what it wrote (shared by its generator and writers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DEFAULT_RATES", "SynthConfig", "SynthSummary"]

# per-student rates of each planted violation (the others: per school, account or staff row)
DEFAULT_RATES: Mapping[str, float] = {
    "O01.duplicate_registry": 0.002,
    "O01.probable_duplicate_registry": 0.001,
    "O02.phantom_registry": 0.002,
    "O03.person_record_mismatch": 0.002,
    "O05.archive_late": 0.002,
    "O05.archive_overdue": 0.002,
    "O06.update_late": 0.002,
    "O06.update_overdue": 0.001,
    "O07.number_changed": 0.001,
    "O07.number_reused": 0.001,
    "O07.preschool_number_not_continued": 0.001,
    "O08.temporary_number": 0.001,
    "O11.transfer_backup_missing": 0.002,
    "O16.sanction_not_recorded": 0.001,
    "O16.specialized_education_recorded": 0.001,
    "O17.special_education_fields": 0.001,
    "O18.record_deleted": 0.001,
    "O19.dropout_not_reported": 0.002,
    "history.move_not_allowed": 0.002,
    "history.approval_missing": 0.002,
    "history.approval_wrong_body": 0.001,
    "history.documents_missing": 0.001,
    "history.status_mismatch": 0.001,
    "history.record_mismatch": 0.001,
    "history.obligation_late": 0.002,
    "history.obligation_overdue": 0.002,
    "input.bad_line": 0.0005,
    # per school / account / staff row
    "O04.verification_missing": 0.05,
    "O12.dormant_account_not_sealed": 0.05,
    "O15.staff_not_filed": 0.03,
    "O15.staff_not_trained_before_start": 0.03,
    "O15.staff_not_on_establishment": 0.03,
}


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """What to generate: size, seed, pack, output format and the planted rates."""

    students: int
    seed: int
    pack: str = "shanxi"
    format: str = "jsonl"  # or "parquet"
    rates: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    chunk: int = 2000


@dataclass(slots=True)
class SynthSummary:
    """What was written."""

    bundles: int = 0
    planted: dict[str, int] = field(default_factory=dict)
