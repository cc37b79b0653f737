"""Writing a synthetic snapshot: bundles (JSONL or Parquet, a chunk at a time) and side files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xueji_rules.audit._population import School
from xueji_rules.audit._stories import SPRING_26
from xueji_rules.audit.context import AuditContext
from xueji_rules.engine._inputs import input_model
from xueji_rules.errors import InputError

if TYPE_CHECKING:
    from xueji_rules.audit._synth_gen import Generator

__all__ = ["Writer", "line", "write_side"]


def line(row: Mapping[str, Any]) -> str:
    """One JSONL line."""
    return json.dumps(row, ensure_ascii=False) + "\n"


class Writer:
    """Bundles to JSONL or Parquet, a chunk at a time."""

    def __init__(self, root: Path, fmt: str, ctx: AuditContext, chunk: int) -> None:
        self.fmt = fmt
        self.ctx = ctx
        self.chunk = chunk
        self.rows: list[dict[str, Any]] = []
        self.line = 0
        if fmt == "parquet":
            from xueji_rules.audit._arrow import bundle_schema, require_pyarrow

            pa = require_pyarrow()
            self._pq = pa.parquet.ParquetWriter(root / "bundles.parquet", bundle_schema())
        else:
            self._text: IO[str] = open(root / "bundles.jsonl", "w", encoding="utf-8")  # noqa: SIM115

    def write(self, bundle: Mapping[str, Any], raw_line: str | None = None) -> int:
        """Write one bundle (or, for JSONL, a raw line); return its line/row number."""
        self.line += 1
        if self.fmt == "parquet":
            full = input_model("bundle")  # every date converted, as Arrow's date32 wants
            try:
                row = full.convert(bundle)
            except InputError:  # a planted bad row: convert the rest, keep the bad grade as is
                record = dict(bundle["record"])
                grade = record.pop("grade")
                row = full.convert({**bundle, "record": record})
                row["record"]["grade"] = grade
            self.rows.append(row)
            if len(self.rows) >= self.chunk:
                self.flush()
        else:
            self._text.write((raw_line or json.dumps(bundle, ensure_ascii=False)) + "\n")
        return self.line

    def flush(self) -> None:
        if self.fmt == "parquet" and self.rows:
            from xueji_rules.audit._arrow import batch_from_bundles

            self._pq.write_batch(batch_from_bundles(self.rows))
            self.rows = []

    def close(self) -> None:
        if self.fmt == "parquet":
            self.flush()
            self._pq.close()
        else:
            self._text.close()


def write_side(gen: Generator, root: Path) -> None:
    rates = gen.config.rates
    rng = gen.rng
    with (
        open(root / "verifications.jsonl", "w", encoding="utf-8") as ver,
        open(root / "accounts.jsonl", "w", encoding="utf-8") as acc,
        open(root / "staff.jsonl", "w", encoding="utf-8") as staff,
    ):
        for stage, schools in gen.schools.items():
            for school in schools:
                if stage != "preschool":
                    ver.write(line({"school": school.id, "date": "2025-10-20"}))
                    if (
                        rng.random() < rates.get("O04.verification_missing", 0)
                        and school.id in gen.spring_schools
                    ):
                        # too early under Shanxi's "开学1个月后" (or not at all)
                        if rng.random() < 0.5 and gen.shanxi:
                            ver.write(line({"school": school.id, "date": "2026-03-20"}))
                        gen.planted("O04.verification_missing", f"school:{school.id}@{SPRING_26}")
                    else:
                        ver.write(line({"school": school.id, "date": "2026-04-15"}))
                    ver.write(line({"school": school.id, "date": "2026-10-15"}))
                _accounts(gen, acc, school, rates)
                _staff(gen, staff, school, rates)


def _accounts(gen: Generator, out: IO[str], school: School, rates: Mapping[str, float]) -> None:
    rng = gen.rng
    account = {"id": f"A-{school.id}", "level": "kindergarten" if school.stage == "preschool" else "school",
               "school": school.id, "status": "active", "created_on": "2024-09-01",
               "last_login_on": "2026-12-01"}  # fmt: skip
    if rng.random() < rates.get("O12.account_not_sealed", 0):
        account["last_login_on"] = "2026-05-20"
        gen.planted("O12.account_not_sealed", f"account:{account['id']}")
    out.write(line(account))
    # a dormant account that was sealed, as it should be
    out.write(line({"id": f"A-{school.id}-old", "school": school.id, "status": "sealed",
                     "created_on": "2022-09-01", "last_login_on": "2025-10-01",
                     "sealed_on": "2026-04-01"}))  # fmt: skip


def _staff(gen: Generator, out: IO[str], school: School, rates: Mapping[str, float]) -> None:
    row: dict[str, Any] = {"id": f"T-{school.id}", "school": school.id, "school_ownership": school.ownership,
                           "role": "registry_admin", "started_on": "2024-09-01", "trained_on": "2024-08-20",
                           "filed_with_superior": True, "on_establishment": school.ownership == "public"}  # fmt: skip
    r = gen.rng.random()
    for check in (
        "O15.staff_not_filed",
        "O15.staff_untrained",
        "O15.staff_not_on_establishment",
    ):
        rate = rates.get(check, 0)
        if r < rate:
            if check == "O15.staff_not_filed":
                row["filed_with_superior"] = False
            elif check == "O15.staff_untrained":
                row["trained_on"] = "2024-10-08"
            elif school.ownership == "public":
                row["on_establishment"] = False
            else:
                break
            gen.planted(check, f"staff:{row['id']}")
            break
        r -= rate
    out.write(line(row))
