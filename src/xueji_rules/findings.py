"""Findings: what a check on records, histories or registry data reports (DESIGN decision 11).

A :class:`Finding` is the audit's unit of output, and the record checks of
:mod:`xueji_rules.records` produce the same values, so one registry run yields one kind of line
(``schemas/finding.schema.json``). Like a decision, a finding is data: immutable, deterministic
and JSON-serialisable. Its ``evidence`` holds dates, values and ids that back it, never personal
data in clear (names, document numbers, phones, addresses are masked before they get here).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from xueji_rules.packs.model import Citation, Text

__all__ = ["SEVERITIES", "Finding", "Severity"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in registry data.

    ``check`` is a stable id (``O01.duplicate_registry``, ``history.late_obligation``, …) that
    tools can filter on; ``records`` names every record involved (sorted); ``citations`` the
    article(s) the check rests on; ``evidence`` a JSON-compatible mapping of the facts behind it.
    """

    check: str
    severity: Severity
    records: tuple[str, ...]
    citations: tuple[Citation, ...]
    message: Text
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, tuple[str, ...], str]:
        """A total order for deterministic output: check, records, evidence."""
        return (self.check, self.records, json.dumps(self.evidence, sort_keys=True, default=str))

    def to_json(self) -> dict[str, Any]:
        """The JSON form (``schemas/finding.schema.json``), keys in a fixed order."""
        return {
            "check": self.check,
            "severity": self.severity,
            "records": list(self.records),
            "citations": [c.to_json() for c in self.citations],
            "message": self.message.to_json(),
            "evidence": dict(sorted(self.evidence.items())),
        }

    def to_json_text(self) -> str:
        """One JSON line (for JSONL output), Chinese unescaped."""
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=False, default=str)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from its JSON form."""
        citations = tuple(Citation.from_json(c) for c in data["citations"])
        message = Text(zh=data["message"]["zh"], en=data["message"].get("en"))
        return cls(
            check=data["check"],
            severity=data["severity"],
            records=tuple(data["records"]),
            citations=citations,
            message=message,
            evidence=dict(data.get("evidence", {})),
        )
