"""A decision is data: immutable, deterministic and JSON-serialisable (DESIGN decision 6)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from xueji_rules.errors import InputError
from xueji_rules.packs.model import Citation, Text

__all__ = [
    "OUTCOMES",
    "ApprovalNeeded",
    "Decision",
    "MissingDocument",
    "MissingInput",
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
    # the other articles the rule rests on (a province's restatement cites the national article
    # here, docs/decisions.md D-124, D-169); empty when the rule cites one article
    also_cites: tuple[Citation, ...] = ()

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
        if self.also_cites:
            out["also_cites"] = [c.to_json() for c in self.also_cites]
        if self.exception_route is not None:
            out["exception_route"] = self.exception_route
        if self.exception_granted:
            out["exception_granted"] = True
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleResult:
        """The value of :meth:`to_json`."""
        return cls(
            id=data["id"],
            passed=data["passed"],
            modality=data["modality"],
            citation=Citation.from_json(data["citation"]),
            message=Text.from_json(data["message"]),
            source_pack=data["source_pack"],
            exception_granted=data.get("exception_granted", False),
            exception_route=data.get("exception_route"),
            also_cites=tuple(Citation.from_json(c) for c in data.get("also_cites", ())),
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ApprovalNeeded:
        """The value of :meth:`to_json`."""
        label = data.get("label")
        return cls(
            data["body"], data["kind"], data["rule"], Text.from_json(label) if label else None
        )


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MissingDocument:
        """The value of :meth:`to_json`."""
        return cls(
            data["id"], Text.from_json(data["label"]), data["rule"], tuple(data["alternatives"])
        )


@dataclass(frozen=True, slots=True)
class MissingInput:
    """An input the request or record lacks, which the listed rules need to be decided."""

    path: str
    label: Text
    rules: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"path": self.path, "label": self.label.to_json(), "rules": list(self.rules)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MissingInput:
        """The value of :meth:`to_json`."""
        return cls(data["path"], Text.from_json(data["label"]), tuple(data["rules"]))


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
    party_label: Text | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {
            "id": self.id,
            "party": self.party,
        }
        if self.party_label is not None:
            out["party_label"] = self.party_label.to_json()
        out |= {
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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Obligation:
        """The value of :meth:`to_json`."""
        clock = data.get("clock")
        party = data.get("party_label")
        due = data.get("due")
        return cls(
            id=data["id"],
            party=data["party"],
            action=Text.from_json(data["action"]),
            citation=Citation.from_json(data["citation"]),
            rule=data["rule"],
            due=dt.date.fromisoformat(due) if due else None,
            due_status=data["due_status"],
            trigger=dt.date.fromisoformat(clock["trigger"]) if clock else None,
            amount=clock["amount"] if clock else None,
            unit=clock["unit"] if clock else None,
            detail=data.get("detail"),
            party_label=Text.from_json(party) if party else None,
        )


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
    pack_digest: str = ""
    next_grade: int | None = None
    next_school_system: str | None = None
    missing_inputs: tuple[MissingInput, ...] = ()
    citations: tuple[Citation, ...] = ()

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
            "next_grade": self.next_grade,
            "next_school_system": self.next_school_system,
            "as_of": self.as_of.isoformat(),
            "pack": {"id": self.pack, "version": self.pack_version, "digest": self.pack_digest},
            "rules": [r.to_json() for r in self.rules],
            "approvals": [a.to_json() for a in self.approvals],
            "missing_documents": [d.to_json() for d in self.missing_documents],
            "missing_inputs": [m.to_json() for m in self.missing_inputs],
            "obligations": [o.to_json() for o in self.obligations],
        }
        if self.allowed_transitions is not None:
            out["allowed_transitions"] = list(self.allowed_transitions)
        if self.reason is not None:
            out["reason"] = self.reason.to_json()
        if self.citations:
            out["citations"] = [c.to_json() for c in self.citations]
        return out

    def to_json_text(self, indent: int | None = None) -> str:
        """The JSON text, keys in a fixed order, Chinese unescaped.

        Compact by default (one line, what a service or a batch writes); pass ``indent=2`` for
        people. The CLI's ``decide`` prints it indented on a terminal.
        """
        separators = (",", ":") if indent is None else None
        return json.dumps(self.to_json(), ensure_ascii=False, indent=indent, separators=separators)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Decision:
        """Rebuild a decision from its JSON form (``to_json``); ``from_json(d.to_json())``
        gives back ``d`` except that citations keep only the rendered document number."""
        try:
            return cls._from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"not a decision's JSON form: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _from_json(cls, data: Mapping[str, Any]) -> Decision:
        pack = data["pack"]
        allowed = data.get("allowed_transitions")
        reason = data.get("reason")
        return cls(
            outcome=data["outcome"],
            transition=data["transition"],
            from_status=data["from_status"],
            next_status=data["next_status"],
            as_of=dt.date.fromisoformat(data["as_of"]),
            pack=pack["id"],
            pack_version=pack["version"],
            record_id=data["record_id"],
            from_stage=data["from_stage"],
            next_stage=data["next_stage"],
            rules=tuple(RuleResult.from_json(r) for r in data["rules"]),
            approvals=tuple(ApprovalNeeded.from_json(a) for a in data["approvals"]),
            missing_documents=tuple(
                MissingDocument.from_json(d) for d in data["missing_documents"]
            ),
            obligations=tuple(Obligation.from_json(o) for o in data["obligations"]),
            allowed_transitions=tuple(allowed) if allowed is not None else None,
            reason=Text.from_json(reason) if reason is not None else None,
            pack_digest=pack.get("digest", ""),
            next_grade=data.get("next_grade"),
            next_school_system=data.get("next_school_system"),
            missing_inputs=tuple(MissingInput.from_json(m) for m in data.get("missing_inputs", ())),
            citations=tuple(Citation.from_json(c) for c in data.get("citations", ())),
        )

    @classmethod
    def from_json_text(cls, text: str) -> Decision:
        """Rebuild a decision from its JSON text."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"not JSON text: {exc}") from None
        if not isinstance(data, dict):
            raise InputError("a decision's JSON form is an object")
        return cls.from_json(data)


def unfrozen_twin(cls: type[Any]) -> type[Any]:
    """A private subclass of the frozen slotted dataclass ``cls`` that adds nothing but ordinary
    attribute assignment: fill an instance of it, then make it an instance of ``cls`` itself
    (``o.__class__ = cls``, allowed between classes of the same layout). See
    :func:`_slot_builder`; generated code that builds a ``cls`` inline uses the same twin."""
    if hasattr(cls, "__post_init__"):  # a builder would skip it
        raise TypeError(f"{cls.__name__} has __post_init__; build it with its constructor")
    twin: type[Any] | None = _TWINS.get(cls)
    if twin is None:
        twin = _TWINS[cls] = type(
            f"_{cls.__name__}Builder",
            (cls,),
            {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
        )
    return twin


_TWINS: dict[type[Any], type[Any]] = {}


def _slot_builder(cls: type[Any]) -> Callable[..., Any]:
    """A positional constructor for the frozen slotted dataclass ``cls`` (every field, in field
    order), several times faster than ``cls(...)``.

    A frozen dataclass's ``__init__`` assigns each field through ``object.__setattr__`` by name,
    about 85 ns a field; the engine builds a 21-field :class:`Decision` per call. The builder
    fills a new instance of a private subclass that adds nothing to ``cls`` but ordinary
    attribute assignment (Python compiles those stores to direct slot writes), then makes it an
    instance of ``cls`` itself (``__class__`` assignment, allowed between classes of the same
    layout). The result is an ordinary, frozen instance of ``cls``, equal to ``cls(*values)``
    (tests compare both). Only field names, identifiers of this module, reach the generated
    source.
    """
    unfrozen = unfrozen_twin(cls)
    names = [f.name for f in fields(cls)]
    if not all(name.isidentifier() for name in names):  # dataclass fields are; stay honest
        raise TypeError(f"{cls.__name__}: a field name is not an identifier")
    namespace: dict[str, Any] = {"_new": object.__new__, "_unfrozen": unfrozen, "_cls": cls}
    lines = [f"def build({', '.join(names)}):", "    o = _new(_unfrozen)"]
    lines += [f"    o.{name} = {name}" for name in names]
    lines += ["    o.__class__ = _cls", "    return o"]
    exec(compile("\n".join(lines) + "\n", f"<{cls.__name__} builder>", "exec"), namespace)
    build: Callable[..., Any] = namespace["build"]
    return build


#: ``build_decision(outcome, transition, from_status, next_status, as_of, pack, pack_version,
#: record_id, from_stage, next_stage, rules, approvals, missing_documents, obligations,
#: allowed_transitions, reason, pack_digest, next_grade, next_school_system, missing_inputs,
#: citations)``: a :class:`Decision` from every field, positionally (the engine's fast path)
build_decision: Callable[..., Decision] = _slot_builder(Decision)
