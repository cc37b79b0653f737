"""A decision is data: immutable, deterministic and JSON-serialisable (DESIGN decision 6)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from xueji_rules.packs.model import Citation, Text

__all__ = [
    "OUTCOMES",
    "ApprovalNeeded",
    "Decision",
    "MissingDocument",
    "Obligation",
    "Outcome",
    "RuleResult",
]

Outcome = Literal["allowed", "needs_approval", "denied", "denied_by_default", "incomplete"]
OUTCOMES: tuple[Outcome, ...] = (
    "allowed",
    "needs_approval",
    "denied",
    "denied_by_default",
    "incomplete",
)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule that applied to the request, and whether it passed."""

    id: str
    passed: bool
    modality: str
    citation: Citation
    message: Text
    source_pack: str
    exception_granted: bool = False
    exception_route: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see ``schemas/decision.schema.json``)."""
        out: dict[str, Any] = {
            "id": self.id,
            "passed": self.passed,
            "modality": self.modality,
            "citation": self.citation.to_json(),
            "message": self.message.to_json(),
            "source_pack": self.source_pack,
        }
        if self.exception_route is not None:
            out["exception_route"] = self.exception_route
        if self.exception_granted:
            out["exception_granted"] = True
        return out


@dataclass(frozen=True, slots=True)
class ApprovalNeeded:
    """An approval the request still needs."""

    body: str
    kind: str
    rule: str
    label: Text | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {"body": self.body, "kind": self.kind, "rule": self.rule}
        if self.label is not None:
            out["label"] = self.label.to_json()
        return out


@dataclass(frozen=True, slots=True)
class MissingDocument:
    """A document the request still lacks (any of ``id`` and ``alternatives`` will do)."""

    id: str
    label: Text
    rule: str
    alternatives: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "id": self.id,
            "label": self.label.to_json(),
            "alternatives": list(self.alternatives),
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Obligation:
    """A duty the decision starts, with its due date when it has a clock."""

    id: str
    party: str
    action: Text
    citation: Citation
    rule: str
    due: dt.date | None = None
    due_status: Literal["computed", "calendar_unavailable", "no_deadline"] = "no_deadline"
    trigger: dt.date | None = None
    amount: int | None = None
    unit: str | None = None
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {
            "id": self.id,
            "party": self.party,
            "action": self.action.to_json(),
            "due": self.due.isoformat() if self.due else None,
            "due_status": self.due_status,
            "citation": self.citation.to_json(),
            "rule": self.rule,
        }
        if self.trigger is not None:
            out["clock"] = {
                "trigger": self.trigger.isoformat(),
                "amount": self.amount,
                "unit": self.unit,
            }
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request against one record, as of the request's date."""

    outcome: Outcome
    transition: str
    from_status: str
    next_status: str
    as_of: dt.date
    pack: str
    pack_version: str
    record_id: str
    from_stage: str = ""
    next_stage: str = ""
    rules: tuple[RuleResult, ...] = ()
    approvals: tuple[ApprovalNeeded, ...] = ()
    missing_documents: tuple[MissingDocument, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    allowed_transitions: tuple[str, ...] | None = None
    reason: Text | None = None

    @property
    def failed_rules(self) -> tuple[RuleResult, ...]:
        """The rules that did not pass."""
        return tuple(r for r in self.rules if not r.passed)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (``schemas/decision.schema.json``), with a stable key order."""
        out: dict[str, Any] = {
            "outcome": self.outcome,
            "transition": self.transition,
            "record_id": self.record_id,
            "from_status": self.from_status,
            "from_stage": self.from_stage,
            "next_status": self.next_status,
            "next_stage": self.next_stage,
            "as_of": self.as_of.isoformat(),
            "pack": {"id": self.pack, "version": self.pack_version},
            "rules": [r.to_json() for r in self.rules],
            "approvals": [a.to_json() for a in self.approvals],
            "missing_documents": [d.to_json() for d in self.missing_documents],
            "obligations": [o.to_json() for o in self.obligations],
        }
        if self.allowed_transitions is not None:
            out["allowed_transitions"] = list(self.allowed_transitions)
        if self.reason is not None:
            out["reason"] = self.reason.to_json()
        return out

    def to_json_text(self, indent: int | None = 2) -> str:
        """The JSON text, keys in a fixed order, Chinese unescaped."""
        return json.dumps(self.to_json(), ensure_ascii=False, indent=indent)
