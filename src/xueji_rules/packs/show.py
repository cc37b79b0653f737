"""The effective pack as JSON, with the provenance of every rule and parameter."""

from __future__ import annotations

from typing import Any

from xueji_rules.packs.model import Pack, Rule

__all__ = ["effective_pack_json"]


def _where(rule: Rule) -> str:
    loc = rule.location
    return f"{loc.file}:{loc.line}" if loc.file else ""


def effective_pack_json(pack: Pack) -> dict[str, Any]:
    """Every rule and parameter of the effective pack, with where it came from."""
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
        "rules": [
            {
                "id": r.id,
                "transitions": list(r.transitions),
                "stages": list(r.stages) if r.stages else "all",
                "modality": r.modality,
                "relation": r.relation,
                "citation": r.citation.render(),
                "message": r.message.zh,
                "source_pack": r.source_pack,
                "defined_at": _where(r),
                "overrides": [
                    {
                        "action": h.action,
                        "by": h.source_pack,
                        "citation": h.citation.render() if h.citation else None,
                    }
                    for h in r.history
                ],
                "narrowed_by": [
                    {"by": n.source_pack, "citation": n.citation.render(), "require": n.require}
                    for n in r.narrowings
                ],
            }
            for r in pack.rules
        ],
        "disabled_rules": [
            {
                "id": rid,
                "by": o.source_pack,
                "citation": o.citation.render() if o.citation else None,
            }
            for rid, o in pack.disabled_rules
        ],
    }
