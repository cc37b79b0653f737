"""Cross-record checks (O01, O07) by hash partitioning: never the whole snapshot in memory.

Each bundle yields the records package's identity facts
(:func:`xueji_rules.records.registry.registry_facts`). With worker processes every worker appends
its facts to the partition files of one spill directory (:class:`~xueji_rules.records._spill.
SpillWriter`); afterwards each partition is read alone, grouped by key and checked by
:func:`xueji_rules.records.registry.registry_findings` — in the worker pool too, one partition
per task. Spark groups the same facts with ``groupBy`` and calls :func:`cross_findings`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from xueji_rules.audit.context import AuditContext, AuditSpec, context_for
from xueji_rules.findings import Finding
from xueji_rules.records._spill import read_repeated
from xueji_rules.records.registry import registry_findings

__all__ = ["PARTITIONS", "SpillDir", "cross_findings", "partition_findings", "partitions_for"]

# at least this many partitions; more for a large snapshot, so that one partition holds some
# 100,000 facts (three per record at most) whatever the snapshot's size. The output does not
# depend on the number: findings are sorted at the end.
PARTITIONS = 64
_RECORDS_PER_PARTITION = 40_000
_BYTES_PER_RECORD = {".jsonl": 1300, ".parquet": 150}  # the synthetic snapshots' sizes


def partitions_for(files: Iterable[Path]) -> int:
    """How many partitions a snapshot's facts get, estimated from its bundle files' sizes."""
    estimate = 0
    for file in files:
        try:
            estimate += file.stat().st_size // _BYTES_PER_RECORD.get(file.suffix, 1300)
        except OSError:
            continue
    return min(4096, max(PARTITIONS, estimate // _RECORDS_PER_PARTITION))


def cross_findings(kind: str, rows: Sequence[Sequence[Any]], ctx: AuditContext) -> list[Finding]:
    """The findings of one ``(kind, key)`` group of facts, in clear (mask them on the way out)."""
    return registry_findings(kind, rows, ctx.records)


def partition_findings(spec: AuditSpec, directory: str, index: int) -> list[Finding]:
    """Every finding of partition ``index`` of a spill directory (a task for a worker)."""
    ctx = context_for(spec)
    out: list[Finding] = []
    # a key of one record is no finding (almost every key): only repeated keys are loaded
    for group, rows in read_repeated(directory, index).items():
        out += cross_findings(group.split("\x1f", 1)[0], rows, ctx)
    return out


class SpillDir:
    """A run's private spill directory (mode 0700), removed on :meth:`close`."""

    def __init__(self, directory: str | None = None, partitions: int = PARTITIONS) -> None:
        self.path = tempfile.mkdtemp(prefix="xueji-audit-", dir=directory)
        self.partitions = partitions

    def close(self) -> None:
        """Remove the directory and its files."""
        shutil.rmtree(self.path, ignore_errors=True)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in their output order."""
    return sorted(findings, key=Finding.sort_key)
