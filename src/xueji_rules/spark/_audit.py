"""The audit's per-row functions on Spark: bundles and side rows in, findings and facts out.

Both run inside ``mapInArrow``. Each executor Python worker turns the shipped pack and the audit
settings (:class:`AuditJob`, which carries the run's identity-hash key so that every executor
hashes one person alike) into an :class:`~xueji_rules.audit.AuditSpec` whose context it builds
once (:func:`~xueji_rules.audit.context_for` caches it per process).

* :func:`audit_batches` calls :func:`~xueji_rules.audit.bundle.audit_raw` — the function the
  single-machine audit runs in its worker processes — on every bundle, and emits its findings
  and its cross-record facts (identity facts for O01/O07; for O04 each school × term pair once
  per task) as rows of :data:`STAGE_FIELDS`;
* :func:`side_batches` reads side-file lines with :func:`~xueji_rules.audit.snapshot.side_row`
  (as the single-machine audit does): accounts and staff are checked row by row by the records
  package's ``check_accounts`` / ``check_staff``, verifications become facts for O04.

The facts are grouped by ``(kind, key)`` in Spark and checked by :mod:`._groups`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from xueji_rules.errors import InputError, Location
from xueji_rules.spark._executor import unpacked_reference
from xueji_rules.spark._ship import PackShipment, fingerprint

__all__ = [
    "AUDIT_FIELDS",
    "FILE_COLUMN",
    "LINE_COLUMN",
    "STAGE_FIELDS",
    "AuditJob",
    "audit_batches",
    "audit_context",
    "side_batches",
]

AUDIT_FIELDS = ("record_id", "check", "severity", "finding")
# the rows between the per-row functions and the grouped checks: a finding (kind "finding",
# ``payload`` its JSON text) or a fact (kind doc/name/number/school, ``payload`` its row)
STAGE_FIELDS = ("kind", "key", "record_id", "check", "severity", "payload")
FINDING, SCHOOL = "finding", "school"
# where a row came from, when the frame was read from a snapshot (audit_snapshot_dataframe)
FILE_COLUMN, LINE_COLUMN = "_xueji_file", "_xueji_line"


@dataclass(frozen=True, slots=True)
class AuditJob:
    """The audit settings shipped with the job (the pack travels in the shipment).

    ``identity_key`` is the run's key of the identity hashes (``AuditSpec.identity_key``): every
    executor must hash with the same key, or one person's records would not meet in a group.
    """

    as_of: dt.date
    settings: tuple[tuple[str, Any], ...] = ()
    line: str | None = None  # a text column of JSONL bundles; None: one struct column per field
    identity_key: bytes = b""
    facts: bool = True  # emit the cross-record facts (False: per-record findings only)


_CHECKED: set[str] = set()


def audit_context(shipment: PackShipment, job: AuditJob) -> Any:
    """This process's :class:`~xueji_rules.audit.AuditContext` for the job (built once)."""
    from xueji_rules.audit import AuditSpec, context_for

    ref, calendars = unpacked_reference(shipment)
    keyed: dict[str, Any] = {"identity_key": job.identity_key} if job.identity_key else {}
    spec = AuditSpec(
        pack=ref, as_of=job.as_of, calendar_files=tuple(calendars), **dict(job.settings), **keyed
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


def _positions(batch: Any, size: int) -> tuple[list[Any], list[Any]]:
    names = batch.schema.names
    if FILE_COLUMN in names and LINE_COLUMN in names:
        return batch.column(FILE_COLUMN).to_pylist(), batch.column(LINE_COLUMN).to_pylist()
    return [None] * size, [0] * size


def _bundles(batch: Any, job: AuditJob) -> list[Any]:
    if job.line is None:
        from xueji_rules.audit import bundles_from_batch

        names = [n for n in batch.schema.names if n not in (FILE_COLUMN, LINE_COLUMN)]
        if len(names) < len(batch.schema.names):
            batch = batch.select(names)
        bundles: list[Any] = bundles_from_batch(batch)
        return bundles
    lines: list[Any] = batch.column(job.line).to_pylist()
    return lines


class _Rows:
    """Columns of :data:`STAGE_FIELDS` being filled, and the group keys of findings."""

    def __init__(self, label: str) -> None:
        from pyspark import TaskContext

        context = TaskContext.get()
        part = context.partitionId() if context is not None else 0
        self.prefix = f"{label}:{part}:"
        self.count = 0
        self.columns: tuple[list[Any], ...] = tuple([] for _ in STAGE_FIELDS)

    def group(self) -> str:
        """A new group key for the findings of one input row."""
        self.count += 1
        return f"{self.prefix}{self.count}"

    def add(self, *values: Any) -> None:
        for column, value in zip(self.columns, values, strict=True):
            column.append(value)

    def fact(self, kind: str, key: str, payload: str) -> None:
        """A fact row (no record, check or severity), appended column by column without a loop."""
        kinds, keys, records, checks, severities, payloads = self.columns
        kinds.append(kind)
        keys.append(key)
        records.append(None)
        checks.append(None)
        severities.append(None)
        payloads.append(payload)

    def finding(self, group: str, finding: Any) -> None:
        record = finding.records[0] if finding.records else None
        self.add(FINDING, group, record, finding.check, finding.severity, finding.to_json_text())

    def batch(self) -> Any:
        import pyarrow as pa

        data = {
            name: pa.array(values, type=pa.string())
            for name, values in zip(STAGE_FIELDS, self.columns, strict=True)
        }
        for column in self.columns:
            column.clear()
        return pa.RecordBatch.from_pydict(data)


def audit_batches(shipment: PackShipment, job: AuditJob, batches: Iterator[Any]) -> Iterator[Any]:
    """``mapInArrow`` body: every bundle's findings and facts, one row each (:data:`STAGE_FIELDS`)."""
    from xueji_rules._json import dumps
    from xueji_rules.audit.bundle import BUNDLE_ERRORS, audit_raw, bad_bundle_finding

    ctx = audit_context(shipment, job)
    unnamed = f"column {job.line!r}" if job.line else "<spark>"
    out = _Rows("bundles")
    sent: set[tuple[str, str]] = set()  # (school, term start) pairs this task has sent
    for batch in batches:
        files, numbers = _positions(batch, batch.num_rows)
        for raw, file, number in zip(_bundles(batch, job), files, numbers, strict=True):
            if isinstance(raw, bytes | str) and not raw.strip():
                continue  # a blank line, skipped as the single-machine audit skips it
            try:
                if raw is None:
                    raise InputError("the bundle is null", Location())
                result = audit_raw(raw, ctx)
            except BUNDLE_ERRORS as exc:
                # worded and masked as the single-machine audit does (D-285, D-288)
                source = file if file is not None else unnamed
                out.finding(out.group(), bad_bundle_finding(source, number, exc, raw, ctx))
                continue
            if result.findings:
                group = out.group()
                for finding in result.findings:
                    out.finding(group, finding)
            if not job.facts:
                continue
            for kind, key, row in result.persons:
                out.fact(kind, key, dumps(row))
            for pair in result.schools:
                # a school's terms are a set once grouped: each task sends a pair once, as
                # each single-machine worker does (most records repeat their school's terms)
                if pair not in sent:
                    sent.add(pair)
                    out.fact(SCHOOL, pair[0], "T" + pair[1])
        yield out.batch()


def side_batches(
    shipment: PackShipment, job: AuditJob, kind: str, batches: Iterator[Any]
) -> Iterator[Any]:
    """``mapInArrow`` body for the lines of side file ``kind`` (a ``value`` column).

    Accounts and staff give their findings, verifications their ``(school, date)`` facts; a bad
    line gives its ``input.bad_line`` finding. Rows of :data:`STAGE_FIELDS`.
    """
    from xueji_rules.audit.bundle import bad_line_finding, mask_finding
    from xueji_rules.audit.snapshot import side_row
    from xueji_rules.records.side_data import check_accounts, check_staff

    ctx = audit_context(shipment, job)
    check = {"accounts": check_accounts, "staff": check_staff}.get(kind)
    out = _Rows(kind)
    for batch in batches:
        files, numbers = _positions(batch, batch.num_rows)
        lines = batch.column("value").to_pylist()
        for line, file, number in zip(lines, files, numbers, strict=True):
            if line is None or not line.strip():
                continue
            source = file if file is not None else f"{kind} column 'value'"
            row = side_row(kind, source, number, line)
            if isinstance(row, InputError):
                out.finding(
                    out.group(), mask_finding(bad_line_finding(source, number, row.message), ctx)
                )
            elif check is None:
                out.add(SCHOOL, row["school"], None, None, None, "V" + row["date"].isoformat())
            else:
                findings = list(check([row], ctx.records, as_of=ctx.as_of))
                if findings:
                    group = out.group()
                    for finding in findings:
                        out.finding(group, mask_finding(finding, ctx))
        yield out.batch()
