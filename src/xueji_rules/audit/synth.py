"""A synthetic registry snapshot with violations planted at known rates (``xueji-rules synth``).

Students are written one at a time (constant memory): each gets a stage and grade from Shanxi's
mix (:mod:`._population`), a school, an identity, and a history over three terms whose every
request the engine decides as the story expects (:mod:`._stories`). A student is planted with at
most one violation, chosen by its rate; the answer key (``answer_key.jsonl``) lists each planted
finding as ``{"check", "key"}`` where ``key`` is :func:`finding_key` of the finding the audit must
report. The same seed writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xueji_rules.audit._synth_gen import AS_OF, Generator
from xueji_rules.audit._synth_io import Writer, write_side
from xueji_rules.audit.context import context_for, spec_from
from xueji_rules.findings import Finding

__all__ = ["DEFAULT_RATES", "SynthConfig", "SynthSummary", "finding_key", "synthesize"]

# per-student rates of each planted violation (the others: per school, account or staff row)
DEFAULT_RATES: Mapping[str, float] = {
    "O01.duplicate_registry": 0.002,
    "O01.probable_duplicate": 0.001,
    "O02.phantom_registry": 0.002,
    "O03.person_record_mismatch": 0.002,
    "O05.archive_late": 0.002,
    "O05.archive_overdue": 0.002,
    "O06.update_late": 0.002,
    "O06.update_overdue": 0.001,
    "O07.number_changed": 0.001,
    "O07.number_reused": 0.001,
    "O07.number_not_continued": 0.001,
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
    "O12.account_not_sealed": 0.05,
    "O15.staff_not_filed": 0.03,
    "O15.staff_untrained": 0.03,
    "O15.staff_not_on_establishment": 0.03,
}


def finding_key(finding: Finding) -> str:
    """What identifies a finding for the answer key: its records, else its school/account/staff."""
    ev = finding.evidence
    if finding.check == "input.bad_line":
        return f"line:{ev['file']}:{ev['line']}"
    if finding.records:
        return ",".join(finding.records)
    for name in ("account", "staff"):
        if name in ev:
            return f"{name}:{ev[name]}"
    if "school" in ev and "term_start" in ev:
        return f"school:{ev['school']}@{ev['term_start']}"
    return ""


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


def synthesize(out_dir: str | Path, config: SynthConfig) -> SynthSummary:
    """Write a snapshot of ``config.students`` students (plus planted twins) into ``out_dir``."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    ctx = context_for(spec_from(config.pack, AS_OF))
    gen = Generator(config, ctx, SynthSummary())
    gen.writer = Writer(root, config.format, ctx, config.chunk)
    with open(root / "answer_key.jsonl", "w", encoding="utf-8") as key:
        gen.key = key
        try:
            for index in range(config.students):
                gen.student(index)
        finally:
            gen.writer.close()
        write_side(gen, root)
    bundle_file = "bundles.parquet" if config.format == "parquet" else "bundles.jsonl"
    manifest = {
        "format": "xueji-snapshot/1",
        "region": "山西省（合成数据）",
        "taken_on": AS_OF.isoformat(),
        "pack": config.pack,
        "generator": f"xueji-rules synth --students {config.students} --seed {config.seed}",
        "bundles": [bundle_file],
    }
    (root / "snapshot.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return gen.summary
