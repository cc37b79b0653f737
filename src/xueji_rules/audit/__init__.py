"""Registry audits: snapshots read as streams, per-record checks, history replay (DESIGN 11).

>>> from xueji_rules.audit import audit_snapshot
>>> summary = audit_snapshot("snapshot/", pack="shanxi", as_of="2026-12-31",
...                          out="findings.jsonl", jobs=2)          # doctest: +SKIP

The per-record function :func:`audit_bundle` (one bundle + an :class:`AuditContext` → findings
and cross-record facts) is what worker processes and Spark executors run; ``docs/scale.md``
describes the snapshot layout and ``docs/audit.md`` every check.
"""

from __future__ import annotations

from xueji_rules.audit._arrow import batch_from_bundles, bundles_from_batch
from xueji_rules.audit._cross import cross_findings
from xueji_rules.audit.api import AuditResult, audit_snapshot
from xueji_rules.audit.bundle import (
    BundleResult,
    audit_bundle,
    audit_chunk,
    iter_findings,
    mask_finding,
)
from xueji_rules.audit.context import AuditContext, AuditSpec, context_for, spec_from
from xueji_rules.audit.run import AuditSummary, run_audit
from xueji_rules.audit.snapshot import Snapshot, iter_chunks, open_snapshot

__all__ = [
    "AuditContext",
    "AuditResult",
    "AuditSpec",
    "AuditSummary",
    "BundleResult",
    "Snapshot",
    "audit_bundle",
    "audit_chunk",
    "audit_snapshot",
    "batch_from_bundles",
    "bundles_from_batch",
    "context_for",
    "cross_findings",
    "iter_chunks",
    "iter_findings",
    "mask_finding",
    "open_snapshot",
    "run_audit",
    "spec_from",
]
