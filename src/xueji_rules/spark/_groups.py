"""The grouped half of the audit on Spark: one ``(kind, key)`` group of rows in, findings out.

After ``groupBy("kind", "key")`` each group reaches :func:`group_batches` as a list of rows:

* ``finding``: the findings of one bundle or side row, passed through;
* ``doc``, ``name``, ``number``: the identity facts of one key, checked by
  :func:`~xueji_rules.audit.cross_findings` (O01, O07) — the function the single-machine audit
  runs on each key of its spill partitions;
* ``school``: one school's roster terms (``T`` + term start) and verification dates (``V`` +
  date), checked by :func:`~xueji_rules.audit._side.verification_findings` (O04), as the
  single-machine audit checks all schools at once (the check is per school).

Findings leave in clear order-independent form and are masked with
:func:`~xueji_rules.audit.mask_finding`, as the single-machine audit masks its late findings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from xueji_rules.spark._audit import AUDIT_FIELDS, FINDING, SCHOOL, AuditJob, audit_context
from xueji_rules.spark._ship import PackShipment

__all__ = ["PERSON_KINDS", "group_batches"]

PERSON_KINDS = ("doc", "name", "number")  # xueji_rules.records.registry's fact kinds


def _tuples(value: Any) -> Any:
    """A fact row back from JSON as the spill files give it: arrays as tuples."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _group_findings(kind: str, key: str, rows: Sequence[dict[str, Any]], ctx: Any) -> list[Any]:
    from xueji_rules.audit import cross_findings
    from xueji_rules.audit._side import verification_findings

    if kind == SCHOOL:
        terms = {(key, r["payload"][1:]) for r in rows if r["payload"].startswith("T")}
        if not terms:
            return []
        dates = [
            (key, dt.date.fromisoformat(r["payload"][1:]))
            for r in rows
            if r["payload"].startswith("V")
        ]
        return list(verification_findings(terms, dates, ctx))
    facts = [_tuples(json.loads(r["payload"])) for r in rows]
    return cross_findings(kind, facts, ctx)


def group_batches(shipment: PackShipment, job: AuditJob, batches: Iterator[Any]) -> Iterator[Any]:
    """``mapInArrow`` body: the findings of every group (columns ``kind``, ``key``, ``rows``)."""
    import pyarrow as pa

    from xueji_rules.audit import mask_finding

    ctx = audit_context(shipment, job)
    for batch in batches:
        columns: tuple[list[Any], ...] = tuple([] for _ in AUDIT_FIELDS)
        kinds = batch.column("kind").to_pylist()
        keys = batch.column("key").to_pylist()
        groups = batch.column("rows").to_pylist()
        for kind, key, rows in zip(kinds, keys, groups, strict=True):
            if kind == FINDING:
                for row in rows:
                    values = (row["record_id"], row["check"], row["severity"], row["payload"])
                    for column, value in zip(columns, values, strict=True):
                        column.append(value)
                continue
            for finding in _group_findings(kind, key, rows, ctx):
                shown = mask_finding(finding, ctx)
                record = shown.records[0] if shown.records else None
                values = (record, shown.check, shown.severity, shown.to_json_text())
                for column, value in zip(columns, values, strict=True):
                    column.append(value)
        yield pa.RecordBatch.from_pydict(
            {
                name: pa.array(values, type=pa.string())
                for name, values in zip(AUDIT_FIELDS, columns, strict=True)
            }
        )
