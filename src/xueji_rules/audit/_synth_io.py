"""Writing a synthetic snapshot: bundles (JSONL or Parquet, a chunk at a time) and side files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from xueji_rules.audit.context import AuditContext
from xueji_rules.engine._inputs import input_model
from xueji_rules.errors import InputError

__all__ = ["Writer", "line"]


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
