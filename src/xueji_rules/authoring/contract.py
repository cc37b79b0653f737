"""What each transition reads and asks for, computed from the pack's rules and lifecycle edges.

For one transition: the input fields its rules and edges read (and which of them they only test
with ``has()``, i.e. treat as optional), the values a field is compared with (ground codes, move
scopes…), the documents, approval bodies and exception routes its rules name, and the
obligations with their clocks. The site shows it on each transition's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xueji_rules.authoring.expressions import Reads, reads
from xueji_rules.packs.model import (
    Approval,
    DocumentRequirement,
    ExceptionRoute,
    ObligationSpec,
    Pack,
    Rule,
)

__all__ = ["FieldUse", "TransitionContract", "contracts", "transition_contract"]


@dataclass(frozen=True, slots=True)
class FieldUse:
    """One input path a transition reads: by which rules, whether some rule tests it with
    ``has()`` (the rules expect it may be absent) and the literal values it is compared with."""

    path: str
    rules: tuple[str, ...]
    guarded: bool
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TransitionContract:
    """Everything a request for one transition may need to carry, and what it starts."""

    transition: str
    rules: tuple[Rule, ...]
    fields: tuple[FieldUse, ...]
    documents: tuple[tuple[DocumentRequirement, str], ...]
    approvals: tuple[tuple[Approval, str], ...]
    exceptions: tuple[tuple[ExceptionRoute, str], ...]
    obligations: tuple[tuple[ObligationSpec, str], ...]
    parameters: tuple[str, ...]


def _rule_reads(rule: Rule) -> Reads:
    found = reads(rule.when) | reads(rule.require)
    for n in rule.narrowings:
        found |= reads(n.require)
    for o in rule.obligations:
        found |= reads(o.when)
        if o.clock is not None:
            found |= reads(o.clock.trigger)
            if isinstance(o.clock.amount, str):
                found |= reads(o.clock.amount)
    for path in getattr(rule, "needs", ()) or ():
        found |= Reads(fields=frozenset({path}))
    return found


def transition_contract(pack: Pack, transition: str) -> TransitionContract:
    """The contract of ``transition`` under ``pack`` (KeyError for an unknown transition)."""
    spec = pack.lifecycle.transitions[transition]
    rules = tuple(r for r in pack.rules if transition in r.transitions)
    uses: dict[str, set[str]] = {}
    tested: set[str] = set()
    values: dict[str, set[str]] = {}
    params: set[str] = set()

    def add(found: Reads, who: str) -> None:
        for path in found.fields | found.tested:
            uses.setdefault(path, set()).add(who)
        tested.update(found.tested)
        for path, value in found.literals:
            values.setdefault(path, set()).add(value)
        params.update(found.params)

    for rule in rules:
        add(_rule_reads(rule), rule.id)
    for index, edge in enumerate(spec.edges, 1):
        add(reads(edge.when) | reads(edge.to_stage), f"lifecycle edge {index}")
    fields = []
    for path in sorted(uses):
        fields.append(
            FieldUse(
                path, tuple(sorted(uses[path])), path in tested, tuple(sorted(values.get(path, ())))
            )
        )
    return TransitionContract(
        transition=transition,
        rules=rules,
        fields=tuple(fields),
        documents=tuple((d, r.id) for r in rules for d in r.documents),
        approvals=tuple((r.approval, r.id) for r in rules if r.approval is not None),
        exceptions=tuple((r.exception, r.id) for r in rules if r.exception is not None),
        obligations=tuple((o, r.id) for r in rules for o in r.obligations),
        parameters=tuple(sorted(params)),
    )


def contracts(pack: Pack) -> Mapping[str, TransitionContract]:
    """Every transition's contract, by transition id (sorted)."""
    return {t: transition_contract(pack, t) for t in sorted(pack.lifecycle.transitions)}
