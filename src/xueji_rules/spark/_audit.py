"""The audit's per-record function on Spark: one bundle per row in, its findings out.

:func:`audit_batches` runs inside ``mapInArrow``: each executor Python worker turns the shipped
pack and the audit settings into an :class:`~xueji_rules.audit.AuditSpec` whose context it
builds once (:func:`~xueji_rules.audit.context_for` caches it per process), then calls
:func:`~xueji_rules.audit.audit_bundle` — the same function the single-machine audit runs in
its worker processes — on every bundle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xueji_rules.errors import InputError, Location
from xueji_rules.spark._executor import unpacked_reference
from xueji_rules.spark._ship import PackShipment, fingerprint

__all__ = ["AUDIT_FIELDS", "AuditJob", "audit_batches"]

AUDIT_FIELDS = ("record_id", "check", "severity", "finding")


@dataclass(frozen=True, slots=True)
class AuditJob:
    """The audit settings shipped with the job (the pack travels in the shipment)."""

    as_of: dt.date
    settings: tuple[tuple[str, Any], ...] = ()
    line: str | None = None  # a text column of JSONL bundles; None: one struct column per field


_CHECKED: set[str] = set()


def _context(shipment: PackShipment, job: AuditJob) -> Any:
    from xueji_rules.audit import AuditSpec, context_for

    ref, calendars = unpacked_reference(shipment)
    spec = AuditSpec(
        pack=ref, as_of=job.as_of, calendar_files=tuple(calendars), **dict(job.settings)
    )
    ctx = context_for(spec)
    if shipment.key not in _CHECKED:
        found = fingerprint(ctx.top.pack)
        if found != shipment.expected:
            raise InputError(
                f"the executor's pack {found[0]!r} (version {found[1]!r}, {found[4]}) differs "
                f"from the driver's (version {shipment.expected[1]!r}, {shipment.expected[4]}): "
                "install the same xueji-rules version on every executor",
                Location(),
            )
        _CHECKED.add(shipment.key)
    return ctx


def _bundles(batch: Any, job: AuditJob) -> list[Any]:
    if job.line is None:
        from xueji_rules.audit import bundles_from_batch

        bundles: list[Any] = bundles_from_batch(batch)
        return bundles
    lines: list[Any] = batch.column(job.line).to_pylist()
    return lines


def audit_batches(shipment: PackShipment, job: AuditJob, batches: Iterator[Any]) -> Iterator[Any]:
    """``mapInArrow`` body: the findings of every bundle of every Arrow batch, one row each."""
    import pyarrow as pa

    from xueji_rules.audit import audit_bundle
    from xueji_rules.audit._json import loads
    from xueji_rules.audit.bundle import BUNDLE_ERRORS, bad_bundle_finding

    ctx = _context(shipment, job)
    source = f"column {job.line!r}" if job.line else "<spark>"
    for batch in batches:
        rows: list[tuple[str | None, str, str, str]] = []
        for raw in _bundles(batch, job):
            parsed: Any = raw
            try:
                if isinstance(raw, str):
                    parsed = loads(raw)
                elif raw is None:
                    raise InputError("the bundle is null", Location())
                findings = audit_bundle(parsed, ctx).findings
            except BUNDLE_ERRORS as exc:
                # worded and masked as the single-machine audit does (D-285, D-288)
                findings = [bad_bundle_finding(source, 0, exc, parsed, ctx)]
            for finding in findings:
                record = finding.records[0] if finding.records else None
                rows.append((record, finding.check, finding.severity, finding.to_json_text()))
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        yield pa.RecordBatch.from_pydict(
            {
                name: pa.array(list(values), type=pa.string())
                for name, values in zip(AUDIT_FIELDS, columns, strict=True)
            }
        )


def _record_id(value: Any) -> str | None:
    record = value.get("record") if isinstance(value, dict) else None
    rid = record.get("id") if isinstance(record, dict) else None
    return rid[:64] if isinstance(rid, str) else None
