"""The per-record function: one bundle (record + history + side data) → findings and facts.

:func:`audit_bundle` is pure: it reads only the bundle and the :class:`AuditContext` (built once
per process from an :class:`AuditSpec`), so the same call runs in the main process, in worker
processes, and inside Spark's ``mapInArrow``/``mapInPandas`` (see ``docs/scale.md``). Besides its
findings it returns small *facts* that cross-record checks need (hashed identity keys, the schools
whose rosters list the student per term); the caller partitions those by key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xueji_rules.audit._checks import make_finding
from xueji_rules.audit._record_checks import check_record
from xueji_rules.audit._replay import replay
from xueji_rules.audit.context import AuditContext, AuditSpec, context_for
from xueji_rules.audit.identity import DefaultIdentityFinder, IdentityFinder
from xueji_rules.audit.snapshot import Chunk
from xueji_rules.errors import XuejiRulesError
from xueji_rules.findings import Finding

__all__ = [
    "LIVE_STATUSES",
    "BundleResult",
    "ChunkResult",
    "audit_bundle",
    "audit_chunk",
    "bad_line_finding",
    "chunk_rows",
    "iter_findings",
]

# statuses in which a record holds a live registry (catalog §4 O01, plus dropout follow-up: the
# registry is kept while the school persuades the child back)
LIVE_STATUSES = frozenset({
    "enrolled", "transfer_pending", "suspended", "resume_pending", "abroad",
    "in_specialized_school", "registration_pending_approval", "deferred_in_kindergarten",
    "dropout_followup", "reentry_pending_approval",
})  # fmt: skip

_K12 = frozenset({"primary", "junior_secondary", "senior_secondary"})
_FINDER: IdentityFinder = DefaultIdentityFinder()

# a person fact: (kind, key, record id, status, stage, school id or "")
PersonFact = tuple[str, str, str, str, str, str]


@dataclass(slots=True)
class BundleResult:
    """What one bundle yields: findings (sorted) and facts for the cross-record checks."""

    findings: list[Finding]
    persons: list[PersonFact] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)  # (school id, term start)


def audit_bundle(
    bundle: Mapping[str, Any], ctx: AuditContext, finder: IdentityFinder | None = None
) -> BundleResult:
    """Audit one bundle (a JSON-like mapping valid against ``schemas/bundle.schema.json``).

    Raises :class:`~xueji_rules.errors.InputError` when the bundle does not match its schema.
    """
    data = ctx.bundles.convert(bundle)
    findings: list[Finding] = []
    final = replay(data, ctx, findings)
    record = data["record"]
    history = data.get("history")
    if (history and history.get("events")) and (
        final.get("status") != record["status"] or final.get("stage") != record["stage"]
    ):
        evidence = {
            "history_status": final.get("status"),
            "history_stage": final.get("stage"),
            "record_status": record["status"],
            "record_stage": record["stage"],
        }
        findings.append(
            make_finding(
                "history.record_mismatch", (record["id"],), evidence, ctx.pack_on(ctx.as_of)
            )
        )
    check_record(data, ctx, findings)
    findings.sort(key=Finding.sort_key)
    school = (record.get("school") or {}).get("id", "")
    persons = [
        (kind, key, record["id"], record["status"], record["stage"], school)
        for kind, key in (finder or _FINDER).keys(data)
    ]
    # one number fact per record (kind "number"): the same 学籍号 twice is O07
    persons.append(
        ("number", record["id"], record["id"], record["status"], record["stage"], school)
    )
    # school x term pairs of the K-12 rosters (a kindergarten's 定期核验 has no set frequency)
    schools = [
        (entry["school"], entry["term_start"].isoformat())
        for entry in data.get("attendance", ())
        if "school" in entry and entry.get("stage", record["stage"]) in _K12
    ]
    return BundleResult(findings, persons, schools)


def bad_line_finding(source: str, line: int, message: str, record_id: str | None = None) -> Finding:
    """The ``input.bad_line`` finding for a snapshot line that could not be audited."""
    evidence = {"file": source, "line": line, "error": message[:500]}
    return make_finding("input.bad_line", (record_id,) if record_id else (), evidence, None)


@dataclass(slots=True)
class ChunkResult:
    """A chunk's output: finding lines (JSON text, in input order) and facts."""

    lines: list[str]
    persons: list[PersonFact]
    schools: set[tuple[str, str]]
    bundles: int = 0
    bad_lines: list[tuple[str, int, str]] = field(default_factory=list)
    by_check: dict[str, int] = field(default_factory=dict)


def _record_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        record = value.get("record")
        if isinstance(record, Mapping):
            rid = record.get("id")
            if isinstance(rid, str):
                return rid[:64]
    return None


def chunk_rows(chunk: Chunk) -> Iterable[tuple[int, Any]]:
    """A chunk's rows as ``(line number, raw JSON bytes or decoded mapping)``."""
    if chunk.batch is not None:
        from xueji_rules.audit._arrow import bundles_from_batch

        return enumerate(bundles_from_batch(chunk.batch), start=chunk.first)
    return chunk.lines


def audit_chunk(spec: AuditSpec, chunk: Chunk) -> ChunkResult:
    """Audit one chunk of a snapshot (JSONL lines or an Arrow batch).

    The unit of work of worker processes: the context comes from :func:`context_for` (built once
    per process), and the result holds only JSON text and small tuples, cheap to send back.
    """
    ctx = context_for(spec)
    source = chunk.source
    rows = chunk_rows(chunk)
    out = ChunkResult([], [], set())
    for line, raw in rows:
        out.bundles += 1
        parsed: Any = raw
        try:
            if isinstance(raw, bytes | str):
                parsed = json.loads(raw)
            result = audit_bundle(parsed, ctx)
        except (json.JSONDecodeError, UnicodeDecodeError, XuejiRulesError, RecursionError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            finding = bad_line_finding(source, line, message, _record_id(parsed))
            out.bad_lines.append((source, line, message[:200]))
            out.lines.append(finding.to_json_text())
            out.by_check[finding.check] = out.by_check.get(finding.check, 0) + 1
            continue
        for finding in result.findings:
            out.lines.append(finding.to_json_text())
            out.by_check[finding.check] = out.by_check.get(finding.check, 0) + 1
        out.persons.extend(result.persons)
        out.schools.update(result.schools)
    return out


def iter_findings(bundles: Iterable[Mapping[str, Any]], spec: AuditSpec) -> Iterator[Finding]:
    """Findings of many bundles, in order (a bad bundle yields its ``input.bad_line`` finding)."""
    ctx = context_for(spec)
    for index, bundle in enumerate(bundles, start=1):
        try:
            yield from audit_bundle(bundle, ctx).findings
        except XuejiRulesError as exc:
            yield bad_line_finding("<bundles>", index, exc.message, _record_id(bundle))
