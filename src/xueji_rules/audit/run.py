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

from xueji_rules.audit._cross import Spill, person_findings
from xueji_rules.audit._side import account_findings, staff_findings, verification_findings
from xueji_rules.audit.bundle import ChunkResult, audit_chunk, bad_line_finding
from xueji_rules.audit.context import AuditContext, AuditSpec, context_for
from xueji_rules.audit.snapshot import Snapshot, iter_chunks, iter_side_rows, open_snapshot
from xueji_rules.errors import InputError
from xueji_rules.findings import Finding

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


def _results(
    spec: AuditSpec, snapshot: Snapshot, jobs: int, chunk_size: int
) -> Iterator[ChunkResult]:
    chunks = iter_chunks(snapshot, chunk_size)
    if jobs <= 1:
        for chunk in chunks:
            yield audit_chunk(spec, chunk)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(spec,),
    ) as pool:
        window: deque[Future[ChunkResult]] = deque()
        for chunk in chunks:
            window.append(pool.submit(audit_chunk, spec, chunk))
            if len(window) > 2 * jobs:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


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
    bad line is reported (summary and an ``input.bad_line`` finding) and skipped.
    """
    started = time.perf_counter()
    snap = snapshot if isinstance(snapshot, Snapshot) else open_snapshot(snapshot)
    ctx = context_for(spec)
    summary = AuditSummary()
    spill = Spill(directory=spill_dir)
    school_terms: set[tuple[str, str]] = set()
    try:
        for result in _results(spec, snap, jobs, chunk_size):
            summary.bundles += result.bundles
            for line in result.lines:
                write(line + "\n")
            for check, n in result.by_check.items():
                summary.count(check, n)
            for bad in result.bad_lines:
                summary.bad_line_count += 1
                if len(summary.bad_lines) < _MAX_LISTED_ERRORS:
                    summary.bad_lines.append(bad)
            spill.add(result.persons)
            school_terms.update(result.schools)
        late: list[Finding] = list(person_findings(spill.groups(), ctx.pack_on(ctx.as_of)))
    finally:
        spill.close()
    late += _side_findings(snap, ctx, school_terms, summary)
    late.sort(key=Finding.sort_key)
    for finding in late:
        write(finding.to_json_text() + "\n")
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
    out += account_findings(rows("accounts"), ctx)
    out += staff_findings(rows("staff"), ctx)
    return out
