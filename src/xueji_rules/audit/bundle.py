"""The per-record function: one bundle (record + history + side data) → findings and facts.

:func:`audit_bundle` is pure: it reads only the bundle and the :class:`AuditContext` (built once
per process from an :class:`AuditSpec`), so the same call runs in the main process, in worker
processes, and inside Spark's ``mapInArrow``/``mapInPandas`` (see ``docs/scale.md``). Besides its
findings it returns small *facts* that cross-record checks need (hashed identity keys, the schools
whose rosters list the student per term); the caller partitions those by key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xueji_rules._json import DECODE_ERRORS, loads
from xueji_rules.audit._checks import make_finding
from xueji_rules.audit._record_checks import check_record
from xueji_rules.audit._replay import replay
from xueji_rules.audit.context import AuditContext, AuditSpec, context_for
from xueji_rules.audit.snapshot import Chunk
from xueji_rules.errors import XuejiRulesError
from xueji_rules.findings import Finding
from xueji_rules.records._numbers import check_registry_number
from xueji_rules.records._spill import SpillWriter
from xueji_rules.records.registry import DOCUMENT, NAME, NUMBER, Fact, registry_facts
from xueji_rules.records.validate import conditional_findings, report_finding, validate_record

__all__ = [
    "BundleResult",
    "ChunkResult",
    "Fact",
    "audit_bundle",
    "audit_chunk",
    "audit_converted",
    "audit_raw",
    "bad_bundle_finding",
    "bad_line_finding",
    "chunk_rows",
    "close_spill_writers",
    "iter_findings",
    "mask_finding",
]

_K12 = frozenset({"primary", "junior_secondary", "senior_secondary"})
_UNKNOWN = "O07.number_unknown_scheme"
_SIDE_IDS = ("account:", "staff:")  # ids of side rows, not 学籍号s: never personal


@dataclass(slots=True)
class BundleResult:
    """What one bundle yields: findings (sorted) and facts for the cross-record checks.

    ``persons`` are the records package's identity facts ``(kind, key, row)``
    (:func:`xueji_rules.records.registry.registry_facts`); group them by ``(kind, key)`` and pass
    each group to :func:`xueji_rules.audit.cross_findings`.
    """

    findings: list[Finding]
    persons: list[Fact] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)  # (school id, term start)


def mask_finding(
    finding: Finding,
    ctx: AuditContext,
    records: Iterable[Any] = (),
    values: list[tuple[str, str]] | None = None,
) -> Finding:
    """``finding`` as it may leave the registry: 学籍号s masked, personal values of ``records``
    scrubbed from its message and evidence (unless the spec reveals personal data).

    ``values`` (``ctx.masker.record_values(records)``) stand for ``records`` when given, so
    that several findings of one bundle look its personal values up once.
    """
    if ctx.reveal:
        return finding
    masker = ctx.masker
    shown = masker.mask_finding(finding, records, values=values)
    ids = tuple(r if r.startswith(_SIDE_IDS) else masker.mask_id(r) for r in finding.records)
    return dataclasses.replace(shown, records=ids)


def _raw_records(bundle: Mapping[str, Any]) -> list[Any]:
    """Every record of a bundle whose personal values must not show in its findings."""
    out: list[Any] = [bundle.get("record")]
    history = bundle.get("history")
    if isinstance(history, Mapping):
        out.append(history.get("start"))
        events = history.get("events")
        # a bundle that failed its schema check may hold anything here (a bad line's finding)
        for event in events if isinstance(events, list | tuple) else ():
            after = event.get("after") if isinstance(event, Mapping) else None
            if (
                isinstance(after, Mapping) and "id" in after
            ):  # a change holds no other personal field
                out.append({"id": after["id"]})
    return [r for r in out if isinstance(r, Mapping)]


def audit_bundle(bundle: Mapping[str, Any], ctx: AuditContext) -> BundleResult:
    """Audit one bundle (a JSON-like mapping valid against ``schemas/bundle.schema.json``).

    Raises :class:`~xueji_rules.errors.InputError` when the bundle does not match its schema.
    Findings are sorted, then masked unless the spec reveals personal data.
    """
    return audit_converted(ctx.bundles.convert(bundle), bundle, ctx)


def audit_raw(raw: Any, ctx: AuditContext) -> BundleResult:
    """Audit one bundle as a snapshot gives it: a JSONL line (bytes or text) or a mapping.

    A line goes to the context's typed decoder when there is one (msgspec, D-353) and, when
    that refuses it, is parsed and converted the general way, which takes it or words what is
    wrong. Raises one of :data:`BUNDLE_ERRORS` for a line that is not an auditable bundle.
    """
    # JSONL rows are bytes (a test on the class first: isinstance of a union costs more)
    if raw.__class__ is bytes or isinstance(raw, bytes | str):
        typed = ctx.typed_bundles
        if typed is not None:
            try:
                data = typed.decode(raw)
            except typed.rejected:
                pass  # the general path takes it, or words what is wrong
            else:
                return audit_converted(data, data, ctx, typed=True)
        raw = loads(raw)
    return audit_bundle(raw, ctx)


def audit_converted(
    data: Mapping[str, Any], bundle: Mapping[str, Any], ctx: AuditContext, *, typed: bool = False
) -> BundleResult:
    """:func:`audit_bundle` of a bundle already converted (``data``); ``bundle`` is the bundle
    as parsed, whose personal values the findings must not show (``data`` itself will do: its
    dates give the same texts). ``typed``: ``data`` came from the context's typed decoder, its
    history's start record and requests converted too (D-355)."""
    findings: list[Finding] = []
    final = replay(data, ctx, findings, typed=typed)
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
            make_finding("history.record_mismatch", (record["id"],), evidence, ctx.as_of_pack)
        )
    check_record(data, ctx, findings)
    spec = ctx.records
    if "form" in ctx.spec.checks:  # the whole collection form, identity numbers included
        findings += validate_record(bundle["record"], spec, as_of=ctx.as_of).findings
    else:  # the per-record checks of the records package that cost little
        findings += conditional_findings(record, spec)
        # a number of no known scheme is not reported: the schemes are assumptions (D-205) and a
        # registry whose numbers follow other rules would get a note on every record (D-282)
        numbers = [n for n in check_registry_number(spec, record, ctx.as_of) if n[0] != _UNKNOWN]
        if numbers:
            findings += report_finding(spec, record, numbers)
    if len(findings) > 1:  # the key writes the evidence out as JSON: not for one finding
        findings.sort(key=Finding.sort_key)
    if findings and not ctx.reveal:
        values = ctx.masker.record_values(_raw_records(bundle))
        findings = [mask_finding(f, ctx, values=values) for f in findings]
    persons = registry_facts(record, spec, ctx.hasher)
    # school x term pairs of the K-12 rosters (a kindergarten's 定期核验 has no set frequency)
    stage = record["stage"]
    schools = [
        (entry["school"], _ISO.get(entry["term_start"]) or _iso(entry["term_start"]))
        for entry in data.get("attendance", ())
        if "school" in entry and entry.get("stage", stage) in _K12
    ]
    return BundleResult(findings, persons, schools)


# term start -> its ISO text: every record repeats the same few opening days; bounded
_ISO: dict[dt.date, str] = {}


def _iso(day: dt.date) -> str:
    text = _ISO.get(day)
    if text is None:
        if len(_ISO) >= 4096:
            _ISO.clear()
        text = _ISO[day] = day.isoformat()
    return text


def bad_line_finding(source: str, line: int, message: str, record_id: str | None = None) -> Finding:
    """The ``input.bad_line`` finding for a snapshot line that could not be audited."""
    evidence = {"file": source, "line": line, "error": message[:500]}
    return make_finding("input.bad_line", (record_id,) if record_id else (), evidence, None)


@dataclass(slots=True)
class ChunkResult:
    """A chunk's output: finding lines (JSON text, in input order) and facts.

    ``persons`` is empty when the facts went to a spill directory instead (``audit_chunk``'s
    ``spill``); then ``schools`` holds only the pairs this process has not returned before in
    that run (their union over the run's chunks is the same).
    """

    lines: list[str]
    persons: list[Fact]
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
    return chunk.rows()


_WRITERS: dict[str, SpillWriter] = {}
# a fact's spill key: its kind, a unit separator, its key (as cross-record checks split it)
_SPILL_PREFIX = {kind: f"{kind}\x1f" for kind in (DOCUMENT, NAME, NUMBER)}
_ERRORS: tuple[type[Exception], ...] = (*DECODE_ERRORS, XuejiRulesError)
BUNDLE_ERRORS = _ERRORS  # what makes a bundle a bad line rather than a crash


def _spill_writer(directory: str, partitions: int) -> SpillWriter:
    """This process's writer into a run's spill directory (one per process and run)."""
    writer = _WRITERS.get(directory)
    if writer is None:
        close_spill_writers()
        writer = _WRITERS[directory] = SpillWriter(directory, partitions, writer=f"p{os.getpid()}")
    return writer


# spill directory (one per run) -> the (school, term) pairs this process already returned
_SENT: dict[str, set[tuple[str, str]]] = {}
_SENT_MAX = 1 << 20  # pairs remembered at most (a province has some 10^5); past it, sent again


def close_spill_writers() -> None:
    """Close this process's spill writers (their files stay; a worker's close when it ends)."""
    writers = list(_WRITERS.values())
    _WRITERS.clear()
    _SENT.clear()
    for writer in writers:
        writer.close()


def bad_bundle_finding(
    source: str, line: int, exc: Exception, raw: Any, ctx: AuditContext
) -> Finding:
    """The ``input.bad_line`` finding of a bundle that could not be parsed or audited (``raw``:
    as :func:`audit_raw` took it), worded the same whichever JSON parser read it and masked
    unless the spec reveals personal data."""
    message = getattr(exc, "message", None) or _decode_problem(exc, raw)
    parsed = raw
    if raw.__class__ is bytes or isinstance(raw, bytes | str):
        with contextlib.suppress(*DECODE_ERRORS):  # the record's id and personal values
            parsed = loads(raw)
    finding = bad_line_finding(source, line, message, _record_id(parsed))
    if ctx.reveal:
        return finding
    return mask_finding(finding, ctx, _raw_records(parsed) if isinstance(parsed, Mapping) else ())


def _decode_problem(exc: Exception, raw: Any) -> str:
    """The same words whichever JSON parser is installed (the output must not depend on it).

    The encoding comes first: msgspec reads bytes and text together and may stop at a syntax
    error before the bad byte the standard library's path reports first (D-360)."""
    if isinstance(exc, UnicodeError) or not _utf8(raw):
        return "not UTF-8 text"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return "not valid JSON"


def _utf8(raw: Any) -> bool:
    """Whether ``raw`` is UTF-8 text (bytes that decode, or text that encodes); ``True`` for a
    mapping, which was never text."""
    try:
        if isinstance(raw, bytes):
            raw.decode("utf-8")
        elif isinstance(raw, str) and not raw.isascii():
            raw.encode("utf-8")
    except UnicodeError:
        return False
    return True


def audit_chunk(spec: AuditSpec, chunk: Chunk, spill: tuple[str, int] | None = None) -> ChunkResult:
    """Audit one chunk of a snapshot (JSONL lines or an Arrow batch).

    The unit of work of worker processes: the context comes from :func:`context_for` (built once
    per process), and the result holds only JSON text and small tuples, cheap to send back. With
    ``spill`` (a spill directory and its partition count) the identity facts are appended to
    that directory's partition files by this process instead of being returned.
    """
    ctx = context_for(spec)
    source = chunk.source
    rows = chunk_rows(chunk)
    out = ChunkResult([], [], set())
    lines, by_check, persons = out.lines, out.by_check, out.persons
    schools = out.schools
    count = 0
    for line, raw in rows:
        count += 1
        try:
            result = audit_raw(raw, ctx)
        except _ERRORS as exc:
            finding = bad_bundle_finding(source, line, exc, raw, ctx)
            message = finding.evidence["error"]
            out.bad_lines.append((source, line, message[:200]))
            lines.append(finding.to_json_text())
            by_check[finding.check] = by_check.get(finding.check, 0) + 1
            continue
        for finding in result.findings:
            lines.append(finding.to_json_text())
            by_check[finding.check] = by_check.get(finding.check, 0) + 1
        persons += result.persons
        schools.update(result.schools)
    out.bundles = count
    if spill is not None:
        writer = _spill_writer(*spill)
        # a run's schools repeat in every chunk: each process returns a pair once per run
        sent = _SENT.setdefault(spill[0], set())
        if len(sent) > _SENT_MAX:
            sent.clear()
        schools -= sent
        sent |= schools
        prefix = _SPILL_PREFIX
        writer.add_many((prefix[kind] + key, row) for kind, key, row in persons)
        writer.flush()
        out.persons = []
    return out


def iter_findings(bundles: Iterable[Mapping[str, Any]], spec: AuditSpec) -> Iterator[Finding]:
    """Findings of many bundles, in order (a bad bundle yields its ``input.bad_line`` finding)."""
    ctx = context_for(spec)
    for index, bundle in enumerate(bundles, start=1):
        try:
            yield from audit_bundle(bundle, ctx).findings
        except XuejiRulesError as exc:
            finding = bad_line_finding("<bundles>", index, exc.message, _record_id(bundle))
            yield mask_finding(finding, ctx, _raw_records(bundle))
