"""Running an audit over a whole snapshot: streamed, optionally in worker processes.

Output order (deterministic, the same for any ``jobs``): first the findings of each bundle in
snapshot order (each bundle's sorted by :meth:`Finding.sort_key`, an unreadable line's
``input.bad_line`` in its place), then the cross-record and side-data findings (O01, O04, O07,
O12, O15) sorted by :meth:`Finding.sort_key`.

With ``jobs > 1`` chunks go to a pool of worker processes whose initializer builds the
:class:`AuditContext` once; at most ``2 * jobs + 1`` chunks are in flight, and results are taken
in submission order, so memory stays bounded and the output equals ``jobs=1``'s byte for byte.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xueji_rules.audit._cross import SpillDir, partition_findings, partitions_for
from xueji_rules.audit._side import verification_findings
from xueji_rules.audit.bundle import (
    ChunkResult,
    audit_chunk,
    bad_line_finding,
    close_spill_writers,
    mask_finding,
)
from xueji_rules.audit.context import AuditContext, AuditSpec, context_for
from xueji_rules.audit.snapshot import Snapshot, iter_chunks, iter_side_rows, open_snapshot
from xueji_rules.errors import InputError
from xueji_rules.findings import Finding
from xueji_rules.records.side_data import check_accounts, check_staff

__all__ = ["AuditSummary", "run_audit"]

_MAX_LISTED_ERRORS = 1000


@dataclass(slots=True)
class AuditSummary:
    """What an audit run saw and found."""

    bundles: int = 0
    findings: int = 0
    by_check: dict[str, int] = field(default_factory=dict)
    bad_lines: list[tuple[str, int, str]] = field(default_factory=list)
    bad_line_count: int = 0
    seconds: float = 0.0

    def count(self, check: str, n: int = 1) -> None:
        """Add ``n`` findings of ``check``."""
        self.by_check[check] = self.by_check.get(check, 0) + n
        self.findings += n

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON (checks sorted)."""
        return {
            "bundles": self.bundles,
            "findings": self.findings,
            "by_check": dict(sorted(self.by_check.items())),
            "bad_lines": self.bad_line_count,
            "bad_line_examples": [{"file": f, "line": n, "error": e} for f, n, e in self.bad_lines],
            "seconds": round(self.seconds, 3),
        }

    def render(self) -> str:
        """A short human-readable summary (Chinese and English labels)."""
        lines = [
            f"audited {self.bundles} records in {self.seconds:.1f} s: {self.findings} findings",
        ]
        lines += [f"  {check}: {n}" for check, n in sorted(self.by_check.items())]
        if self.bad_line_count:
            lines.append(f"  {self.bad_line_count} bad line(s) skipped:")
            lines += [f"    {f}:{n}: {e}" for f, n, e in self.bad_lines[:20]]
        return "\n".join(lines)


def _init_worker(spec: AuditSpec) -> None:
    context_for(spec)


def _pool(spec: AuditSpec, jobs: int) -> ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(spec,),
    )


def _results(
    spec: AuditSpec,
    snapshot: Snapshot,
    pool: ProcessPoolExecutor | None,
    jobs: int,
    chunk_size: int,
    spill: tuple[str, int],
) -> Iterator[ChunkResult]:
    # workers read their chunk's lines themselves: only a byte range goes through the pipe
    chunks = iter_chunks(snapshot, chunk_size, by_range=pool is not None)
    if pool is None:
        for chunk in chunks:
            yield audit_chunk(spec, chunk, spill)
        return
    window: deque[Future[ChunkResult]] = deque()
    for chunk in chunks:
        window.append(pool.submit(audit_chunk, spec, chunk, spill))
        if len(window) > 2 * jobs:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def _cross(spec: AuditSpec, pool: ProcessPoolExecutor | None, spill: SpillDir) -> list[Finding]:
    """O01 and O07 over the spill directory, one partition per task."""
    parts = range(spill.partitions)
    if pool is None:
        return [f for i in parts for f in partition_findings(spec, spill.path, i)]
    futures = [pool.submit(partition_findings, spec, spill.path, i) for i in parts]
    return [f for future in futures for f in future.result()]


def run_audit(
    snapshot: str | Path | Snapshot,
    spec: AuditSpec,
    write: Callable[[str], Any],
    *,
    jobs: int = 1,
    chunk_size: int = 1000,
    spill_dir: str | None = None,
) -> AuditSummary:
    """Audit ``snapshot`` under ``spec``, calling ``write`` with each finding's JSON line.

    Raises :class:`~xueji_rules.errors.InputError` when the snapshot cannot be opened at all; a
    bad line is reported (summary and an ``input.bad_line`` finding) and skipped. Findings are
    masked unless ``spec.reveal_personal_data``.
    """
    started = time.perf_counter()
    snap = snapshot if isinstance(snapshot, Snapshot) else open_snapshot(snapshot)
    ctx = context_for(spec)
    summary = AuditSummary()
    spill = SpillDir(spill_dir, partitions_for(snap.bundle_files))
    school_terms: set[tuple[str, str]] = set()
    pool = _pool(spec, jobs) if jobs > 1 else None
    try:
        target = (spill.path, spill.partitions)
        for result in _results(spec, snap, pool, jobs, chunk_size, target):
            summary.bundles += result.bundles
            for line in result.lines:
                write(line + "\n")
            for check, n in result.by_check.items():
                summary.count(check, n)
            for bad in result.bad_lines:
                summary.bad_line_count += 1
                if len(summary.bad_lines) < _MAX_LISTED_ERRORS:
                    summary.bad_lines.append(bad)
            school_terms.update(result.schools)
        late: list[Finding] = _cross(spec, pool, spill)
    finally:
        if pool is not None:
            pool.shutdown()
        close_spill_writers()
        spill.close()
    late += _side_findings(snap, ctx, school_terms, summary)
    late.sort(key=Finding.sort_key)  # in clear, so that the order never depends on the masks
    for finding in late:
        write(mask_finding(finding, ctx).to_json_text() + "\n")
        summary.count(finding.check)
    summary.seconds = time.perf_counter() - started
    return summary


def _side_findings(
    snap: Snapshot, ctx: AuditContext, school_terms: set[tuple[str, str]], summary: AuditSummary
) -> list[Finding]:
    """Findings of the side files; accounts and staff are checked row by row as they stream."""

    def rows(kind: str) -> Iterator[dict[str, Any]]:
        for number, row in iter_side_rows(snap, kind):
            if isinstance(row, InputError):
                source = snap.display(snap.side_files[kind])
                out.append(bad_line_finding(source, number, row.message))
                summary.bad_line_count += 1
                if len(summary.bad_lines) < _MAX_LISTED_ERRORS:
                    summary.bad_lines.append((source, number, row.message[:200]))
                continue
            yield row

    out: list[Finding] = []
    verifications = [(r["school"], r["date"]) for r in rows("verifications")]
    if school_terms:
        out += verification_findings(school_terms, verifications, ctx)
    spec, as_of = ctx.records, ctx.as_of
    out += check_accounts(rows("accounts"), spec, as_of=as_of)
    out += check_staff(rows("staff"), spec, as_of=as_of)
    return out
