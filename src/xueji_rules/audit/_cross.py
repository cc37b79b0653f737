"""Cross-record checks by hash partitioning: never the whole snapshot in memory.

Per-record work emits small facts keyed by a hashed identity (or the registry number). They are
appended to ``partitions`` spill files chosen by a stable hash of the key; afterwards each file
is read alone (about 1/``partitions`` of the facts), grouped by key, and checked: two live
registries of one person (O01), one registry number on two records, and a preschool number not
continued in primary school (O07).
"""

from __future__ import annotations

import json
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from xueji_rules.audit._checks import make_finding
from xueji_rules.audit.bundle import LIVE_STATUSES, PersonFact
from xueji_rules.audit.identity import DOCUMENT, PROBABLE
from xueji_rules.findings import Finding
from xueji_rules.packs.model import Pack

__all__ = ["Spill", "person_findings"]

_K12 = frozenset({"primary", "junior_secondary", "senior_secondary"})


class Spill:
    """Facts spilled to ``partitions`` temporary files by key hash; removed on :meth:`close`."""

    def __init__(self, partitions: int = 32, directory: str | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="xueji-audit-", dir=directory)
        self.partitions = partitions
        self._files: list[IO[str]] = [
            open(Path(self._tmp.name) / f"part-{i:03d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            for i in range(partitions)
        ]

    def add(self, facts: Iterable[PersonFact]) -> None:
        """Append facts to their partitions."""
        files, n = self._files, self.partitions
        for fact in facts:
            files[zlib.crc32(fact[1].encode("utf-8")) % n].write(
                json.dumps(fact, ensure_ascii=False) + "\n"
            )

    def groups(self) -> Iterator[list[PersonFact]]:
        """Every key's facts, partition by partition (keys sorted within a partition)."""
        for handle in self._files:
            handle.close()
        for i in range(self.partitions):
            by_key: dict[tuple[str, str], list[PersonFact]] = defaultdict(list)
            with open(Path(self._tmp.name) / f"part-{i:03d}.jsonl", encoding="utf-8") as handle:
                for line in handle:
                    fact: Any = tuple(json.loads(line))
                    by_key[(fact[0], fact[1])].append(fact)
            for key in sorted(by_key):
                yield by_key[key]

    def close(self) -> None:
        """Remove the spill files."""
        for handle in self._files:
            if not handle.closed:
                handle.close()
        self._tmp.cleanup()


def _evidence(facts: list[PersonFact]) -> dict[str, Any]:
    ordered = sorted(facts, key=lambda f: f[2])
    return {
        "statuses": [f[3] for f in ordered],
        "stages": [f[4] for f in ordered],
        "schools": [f[5] for f in ordered],
    }


def person_findings(groups: Iterable[list[PersonFact]], pack: Pack | None) -> Iterator[Finding]:
    """Findings of O01 and O07 from facts grouped by key."""
    for facts in groups:
        kind = facts[0][0]
        if kind == "number":
            if len(facts) > 1:
                evidence = {"copies": len(facts), **_evidence(facts)}
                yield make_finding("O07.number_reused", (facts[0][2],), evidence, pack)
            continue
        live: dict[str, PersonFact] = {}
        for fact in facts:
            if fact[3] in LIVE_STATUSES:
                live.setdefault(fact[2], fact)
        if len(live) > 1:
            check = "O01.duplicate_registry" if kind == DOCUMENT else "O01.probable_duplicate"
            yield make_finding(check, tuple(live), _evidence(list(live.values())), pack)
        if kind == PROBABLE:
            continue
        promoted = {f[2] for f in facts if f[3] == "promoted_to_primary"}
        others = {f[2] for f in facts if f[4] in _K12 and f[2] not in promoted}
        if promoted and others:
            involved = [f for f in facts if f[2] in promoted | others]
            evidence = {"preschool_numbers": sorted(promoted), "school_numbers": sorted(others)}
            yield make_finding(
                "O07.number_not_continued",
                tuple(sorted(promoted | others)),
                evidence | _evidence(involved),
                pack,
            )
