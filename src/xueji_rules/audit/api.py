"""The Python entry point of an audit (``Engine.audit`` and :func:`audit_snapshot`)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from xueji_rules.audit.context import spec_from
from xueji_rules.audit.run import AuditSummary, run_audit
from xueji_rules.bulk._pairs import check_count
from xueji_rules.findings import Finding

__all__ = ["AuditResult", "audit_snapshot"]


@dataclass(slots=True)
class AuditResult:
    """The run's summary, and the findings themselves when no ``out`` was given."""

    summary: AuditSummary
    findings: list[Finding] = field(default_factory=list)


def audit_snapshot(
    snapshot: str | os.PathLike[str],
    *,
    pack: str | os.PathLike[str],
    as_of: dt.date | str,
    out: str | os.PathLike[str] | TextIO | None = None,
    jobs: int = 1,
    calendar_files: tuple[str, ...] = (),
    chunk_size: int = 1000,
    **settings: Any,
) -> AuditResult:
    """Audit a snapshot directory under ``pack`` as of ``as_of``.

    Findings go to ``out`` as JSONL (a path or a text stream); without ``out`` they are collected
    into :attr:`AuditResult.findings` (meant for small snapshots). ``settings`` are the optional
    fields of :class:`~xueji_rules.audit.context.AuditSpec`: ``reveal_personal_data=True`` shows
    学籍号s and personal values in clear (masked by default), ``checks=["form"]`` adds the whole
    collection-form check of every record.
    """
    check_count("jobs", jobs)
    check_count("chunk_size", chunk_size)
    spec = spec_from(pack, as_of, calendar_files=tuple(calendar_files), **settings)
    if out is None:
        import json

        collected: list[Finding] = []
        summary = run_audit(
            Path(snapshot), spec, lambda line: collected.append(Finding.from_json(json.loads(line))),
            jobs=jobs, chunk_size=chunk_size,
        )  # fmt: skip
        return AuditResult(summary, collected)
    if isinstance(out, str | os.PathLike):
        with open(out, "w", encoding="utf-8") as handle:
            summary = run_audit(
                Path(snapshot), spec, handle.write, jobs=jobs, chunk_size=chunk_size
            )
        return AuditResult(summary)
    summary = run_audit(Path(snapshot), spec, out.write, jobs=jobs, chunk_size=chunk_size)
    return AuditResult(summary)
