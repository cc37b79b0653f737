"""The effective pack as JSON: provenance of every rule and parameter, the lifecycle, the logic.

:func:`show_pack` refuses a pack whose expressions do not type-check (a view of a pack that
cannot decide would mislead); :func:`effective_pack_json` renders an already loaded pack.
"""

from __future__ import annotations

import os
from typing import Any

from xueji_rules.packs.model import Citation, Edge, Pack, Rule, Text

__all__ = ["effective_pack_json", "show_pack"]


def _where(rule: Rule) -> str:
    loc = rule.location
    return f"{loc.file}:{loc.line}" if loc.file else ""


def _cite(citation: Citation | None) -> str | None:
    return citation.render() if citation is not None else None


def _text(text: Text | None) -> dict[str, str] | None:
    return text.to_json() if text is not None else None


def _edge(edge: Edge) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stages": list(edge.stages) if edge.stages else "all",
        "from": list(edge.from_statuses),
        "to": edge.to,
    }
    for key in ("pending", "when", "to_stage", "to_grade", "to_school_system"):
        value = getattr(edge, key, None)
        if value is not None:
            out[key] = value
    return out


def _lifecycle(pack: Pack) -> dict[str, Any]:
    life = pack.lifecycle
    return {
        "stages": {
            sid: {
                "label": s.label,
                "compulsory": s.compulsory,
                "grades": list(s.grades) if s.grades else None,
                "citation": _cite(s.citation),
            }
            for sid, s in life.stages.items()
        },
        "statuses": {
            sid: {"label": s.label, "terminal": s.terminal, "citation": _cite(s.citation)}
            for sid, s in life.statuses.items()
        },
        "transitions": {
            tid: {
                "label": tr.label,
                "citation": _cite(tr.citation),
                "source_pack": tr.source_pack,
                "edges": [_edge(e) for e in tr.edges],
            }
            for tid, tr in sorted(life.transitions.items())
        },
    }


def _rule(r: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "transitions": list(r.transitions),
        "stages": list(r.stages) if r.stages else "all",
        "modality": r.modality,
        "relation": r.relation,
        "citation": r.citation.render(),
        "also_cites": [c.render() for c in r.also_cites],
        "when": r.when,
        "require": r.require,
        "needs": list(r.needs),
        "message": r.message.zh,
        "message_en": r.message.en,
        "effective": {
            "from": r.effective_from.isoformat() if r.effective_from else None,
            "until": r.effective_until.isoformat() if r.effective_until else None,
        },
        "source_pack": r.source_pack,
        "defined_at": _where(r),
        "overrides": [
            {"action": h.action, "by": h.source_pack, "citation": _cite(h.citation)}
            for h in r.history
        ],
        "narrowed_by": [
            {
                "by": n.source_pack,
                "citation": n.citation.render(),
                "require": n.require,
                "message": n.message.zh,
            }
            for n in r.narrowings
        ],
    }
    if r.exception is not None:
        out["exception"] = {"route": r.exception.route, "label": _text(r.exception.label)}
    if r.approval is not None:
        out["approval"] = {
            "body": r.approval.body,
            "kind": r.approval.kind,
            "label": _text(r.approval.label),
        }
    if r.documents:
        out["documents"] = [
            {"id": d.id, "alternatives": list(d.alternatives), "label": _text(d.label)}
            for d in r.documents
        ]
    if r.obligations:
        out["obligations"] = [
            {
                "id": o.id,
                "party": o.party,
                "action": o.action.zh,
                "when": o.when,
                "clock": {
                    "trigger": o.clock.trigger,
                    "amount": o.clock.amount,
                    "unit": o.clock.unit,
                }
                if o.clock is not None
                else None,
                "citation": o.citation.render(),
            }
            for o in r.obligations
        ]
    return out


def effective_pack_json(pack: Pack) -> dict[str, Any]:
    """Every rule (with its conditions), parameter and lifecycle entry of the effective pack,
    with where each came from."""
    return {
        "id": pack.id,
        "version": pack.version,
        "name": pack.name.to_json(),
        "chain": list(pack.chain),
        "validity": {
            "from": pack.valid_from.isoformat(),
            "until": pack.valid_until.isoformat() if pack.valid_until else None,
        },
        "documents": [
            {"id": d.id, "number": d.number, "title": d.title, "source_pack": d.source_pack}
            for d in sorted(pack.documents.values(), key=lambda d: d.id)
        ],
        "settings": dict(sorted(pack.settings.items())),
        "parameters": {
            pid: {
                "type": p.type,
                "unit": p.unit,
                "label": p.label.zh,
                "source_pack": p.source_pack,
                "overridden_by": list(p.overridden_by),
                "values": [
                    {
                        "since": v.since.isoformat(),
                        "value": v.value,
                        "citation": v.citation.render(),
                        "source_pack": v.source_pack,
                    }
                    for v in p.values
                ],
            }
            for pid, p in sorted(pack.parameters.items())
        },
        "lifecycle": _lifecycle(pack),
        "rules": [_rule(r) for r in pack.rules],
        "disabled_rules": [
            {"id": rid, "by": o.source_pack, "citation": _cite(o.citation)}
            for rid, o in pack.disabled_rules
        ],
    }


def show_pack(ref: str | os.PathLike[str], transition: str | None = None) -> dict[str, Any]:
    """The effective pack as :func:`effective_pack_json` gives it, or with ``transition`` that
    transition's input contract (:func:`xueji_rules.packs.contract.transition_contract`).

    Raises :class:`~xueji_rules.errors.PackError` when the pack does not load or its expressions
    do not type-check, and :class:`~xueji_rules.errors.InputError` for an unknown transition.
    """
    from xueji_rules.engine import Engine
    from xueji_rules.packs.contract import transition_contract
    from xueji_rules.packs.loader import load_pack

    pack = load_pack(ref)
    Engine(pack)  # compiles every expression: a pack that cannot decide is refused
    if transition is not None:
        return transition_contract(pack, transition)
    return effective_pack_json(pack)
