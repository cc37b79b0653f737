"""The structural half of a pack diff: what changed in the text of the packs.

Rules are matched by id, parameters by id and their values by the date they take effect, stages,
statuses and transitions by id, a transition's edges by their content (and order, which matters:
the first matching edge wins), documents by id, vocabulary entries by kind and id, calendar files
by layer and path. Expressions are compared by their canonical form, so re-wrapping a condition is
not a change. Everything is returned as JSON-ready data in a fixed order.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from xueji_rules._safeio import read_bytes
from xueji_rules.authoring.expressions import canonical, reads
from xueji_rules.errors import XuejiRulesError
from xueji_rules.packs.model import (
    Citation,
    Edge,
    ObligationSpec,
    Pack,
    Parameter,
    Rule,
    Text,
)

__all__ = [
    "is_empty",
    "parameter_readers",
    "rule_reads",
    "structure_diff",
    "touched_transitions",
]


def _text(value: Any) -> Any:
    if isinstance(value, Text):
        return value.to_json()
    if isinstance(value, Mapping):
        return {str(k): _text(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    if hasattr(value, "zh"):  # a label-like value from a newer model
        return {"zh": value.zh, "en": getattr(value, "en", None)}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _cite(c: Citation | None) -> str | None:
    return c.render() if c is not None else None


def _expr(source: str | None) -> str | None:
    return " ".join(source.split()) if source else None


def _obligation(o: ObligationSpec) -> dict[str, Any]:
    clock = None
    if o.clock is not None:
        amount = o.clock.amount if isinstance(o.clock.amount, int) else _expr(o.clock.amount)
        clock = {"trigger": _expr(o.clock.trigger), "amount": amount, "unit": o.clock.unit}
    return {
        "id": o.id,
        "party": o.party,
        "action": o.action.to_json(),
        "clock": clock,
        "when": _expr(o.when),
        "citation": _cite(o.citation),
    }


def _obligation_key(o: ObligationSpec) -> Any:
    out = _obligation(o)
    if o.clock is not None:
        amount = o.clock.amount
        out["clock"] = {
            "trigger": canonical(o.clock.trigger),
            "amount": amount if isinstance(amount, int) else canonical(amount),
            "unit": o.clock.unit,
        }
    out["when"] = canonical(o.when)
    return out


# field name -> (shown value, compared value)
_RuleField = Callable[[Rule], tuple[Any, Any]]


def _same(get: Callable[[Rule], Any]) -> _RuleField:
    def both(rule: Rule) -> tuple[Any, Any]:
        value = get(rule)
        return value, value

    return both


def _expression(get: Callable[[Rule], str | None]) -> _RuleField:
    return lambda rule: (_expr(get(rule)), canonical(get(rule)))


_RULE_FIELDS: dict[str, _RuleField] = {
    "transitions": _same(lambda r: list(r.transitions)),
    "stages": _same(lambda r: list(r.stages) if r.stages else None),
    "modality": _same(lambda r: r.modality),
    "when": _expression(lambda r: r.when),
    "require": _expression(lambda r: r.require),
    "needs": _same(lambda r: list(getattr(r, "needs", ()) or ())),
    "exception": _same(
        lambda r: (
            {"route": r.exception.route, "label": _text(r.exception.label)} if r.exception else None
        )
    ),
    "message": _same(lambda r: r.message.to_json()),
    "citation": _same(lambda r: _cite(r.citation)),
    "also_cites": _same(lambda r: [_cite(c) for c in r.also_cites]),
    "documents": _same(
        lambda r: [
            {"id": d.id, "alternatives": list(d.alternatives), "label": _text(d.label)}
            for d in r.documents
        ]
    ),
    "approval": _same(
        lambda r: (
            {
                "body": r.approval.body,
                "kind": r.approval.kind,
                "label": _text(r.approval.label),
            }
            if r.approval
            else None
        )
    ),
    "obligations": lambda r: (
        [_obligation(o) for o in r.obligations],
        [_obligation_key(o) for o in r.obligations],
    ),
    "relation": _same(lambda r: r.relation),
    "effective": _same(
        lambda r: {
            "from": r.effective_from.isoformat() if r.effective_from else None,
            "until": r.effective_until.isoformat() if r.effective_until else None,
        }
    ),
    "narrowings": lambda r: (
        [
            {
                "by": n.source_pack,
                "require": _expr(n.require),
                "message": n.message.to_json(),
                "citation": _cite(n.citation),
            }
            for n in r.narrowings
        ],
        [(n.source_pack, canonical(n.require), n.message, _cite(n.citation)) for n in r.narrowings],
    ),
    "overrides": _same(
        lambda r: [
            {"action": h.action, "by": h.source_pack, "citation": _cite(h.citation)}
            for h in r.history
        ]
    ),
    "source_pack": _same(lambda r: r.source_pack),
}


def _rule_summary(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "transitions": list(rule.transitions),
        "modality": rule.modality,
        "citation": _cite(rule.citation),
        "message": rule.message.to_json(),
        "source_pack": rule.source_pack,
    }


def _rules(before: Pack, after: Pack) -> dict[str, Any]:
    old = {r.id: r for r in before.rules}
    new = {r.id: r for r in after.rules}
    disabled = dict(after.disabled_rules)
    removed = []
    for rid in sorted(set(old) - set(new)):
        item = _rule_summary(old[rid])
        if rid in disabled:
            item["disabled_by"] = {
                "pack": disabled[rid].source_pack,
                "citation": _cite(disabled[rid].citation),
            }
        removed.append(item)
    changed = []
    for rid in sorted(set(old) & set(new)):
        fields: dict[str, Any] = {}
        for name, get in _RULE_FIELDS.items():
            (shown_a, key_a), (shown_b, key_b) = get(old[rid]), get(new[rid])
            if key_a != key_b:
                fields[name] = {"before": shown_a, "after": shown_b}
        if fields:
            changed.append({"id": rid, "fields": fields})
    return {
        "added": [_rule_summary(new[rid]) for rid in sorted(set(new) - set(old))],
        "removed": removed,
        "changed": changed,
    }


def _values(p: Parameter) -> dict[str, dict[str, Any]]:
    return {
        v.since.isoformat(): {
            "value": v.value,
            "citation": _cite(v.citation),
            "pack": v.source_pack,
        }
        for v in p.values
    }


def _param_summary(p: Parameter) -> dict[str, Any]:
    return {
        "id": p.id,
        "label": p.label.to_json(),
        "unit": p.unit,
        "values": [{"since": k, **v} for k, v in sorted(_values(p).items())],
    }


def _parameters(before: Pack, after: Pack) -> dict[str, Any]:
    old, new = before.parameters, after.parameters
    changed = []
    for pid in sorted(set(old) & set(new)):
        a, b = old[pid], new[pid]
        fields = {
            name: {"before": x, "after": y}
            for name, x, y in (
                ("type", a.type, b.type),
                ("unit", a.unit, b.unit),
                ("label", a.label.to_json(), b.label.to_json()),
            )
            if x != y
        }
        va, vb = _values(a), _values(b)
        values = [
            {"since": since, "before": va.get(since), "after": vb.get(since)}
            for since in sorted(set(va) | set(vb))
            if va.get(since) != vb.get(since)
        ]
        if fields or values:
            changed.append(
                {
                    "id": pid,
                    "label": b.label.to_json(),
                    "unit": b.unit,
                    "fields": fields,
                    "values": values,
                }
            )
    return {
        "added": [_param_summary(new[p]) for p in sorted(set(new) - set(old))],
        "removed": [_param_summary(old[p]) for p in sorted(set(old) - set(new))],
        "changed": changed,
    }


def _keyed(
    old: Mapping[str, Any], new: Mapping[str, Any], shape: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    changed = []
    for key in sorted(set(old) & set(new)):
        a, b = shape(old[key]), shape(new[key])
        fields = {k: {"before": a[k], "after": b.get(k)} for k in sorted(a) if a[k] != b.get(k)}
        if fields:
            changed.append({"id": key, "fields": fields})
    return {
        "added": [{"id": k, **shape(new[k])} for k in sorted(set(new) - set(old))],
        "removed": [{"id": k, **shape(old[k])} for k in sorted(set(old) - set(new))],
        "changed": changed,
    }


def _edge(e: Edge) -> dict[str, Any]:
    return {
        "stages": list(e.stages) if e.stages else None,
        "from": list(e.from_statuses),
        "to": e.to,
        "pending": e.pending,
        "when": _expr(e.when),
        "to_stage": _expr(e.to_stage),
    }


def _edge_key(e: Edge) -> tuple[Any, ...]:
    return (
        tuple(e.stages or ()),
        tuple(e.from_statuses),
        e.to,
        e.pending,
        canonical(e.when),
        canonical(e.to_stage),
    )


def _lifecycle(before: Pack, after: Pack) -> dict[str, Any]:
    la, lb = before.lifecycle, after.lifecycle
    stages = _keyed(
        la.stages,
        lb.stages,
        lambda s: {
            "label": s.label,
            "compulsory": s.compulsory,
            "grades": list(s.grades) if s.grades else None,
            "citation": _cite(s.citation),
        },
    )
    statuses = _keyed(
        la.statuses,
        lb.statuses,
        lambda s: {"label": s.label, "terminal": s.terminal, "citation": _cite(s.citation)},
    )
    ta, tb = la.transitions, lb.transitions
    changed = []
    for tid in sorted(set(ta) & set(tb)):
        a, b = ta[tid], tb[tid]
        fields = {
            k: {"before": x, "after": y}
            for k, x, y in (
                ("label", a.label, b.label),
                ("citation", _cite(a.citation), _cite(b.citation)),
            )
            if x != y
        }
        keys_a = [_edge_key(e) for e in a.edges]
        keys_b = [_edge_key(e) for e in b.edges]
        added = [_edge(e) for e, k in zip(b.edges, keys_b, strict=True) if k not in keys_a]
        removed = [_edge(e) for e, k in zip(a.edges, keys_a, strict=True) if k not in keys_b]
        common_a = [k for k in keys_a if k in keys_b]
        common_b = [k for k in keys_b if k in keys_a]
        if fields or added or removed or common_a != common_b:
            changed.append(
                {
                    "id": tid,
                    "label": b.label,
                    "fields": fields,
                    "edges_added": added,
                    "edges_removed": removed,
                    "edges_reordered": common_a != common_b,
                }
            )
    transitions = {
        "added": [
            {"id": t, "label": tb[t].label, "edges": [_edge(e) for e in tb[t].edges]}
            for t in sorted(set(tb) - set(ta))
        ],
        "removed": [{"id": t, "label": ta[t].label} for t in sorted(set(ta) - set(tb))],
        "changed": changed,
    }
    return {"stages": stages, "statuses": statuses, "transitions": transitions}


def _documents(before: Pack, after: Pack) -> dict[str, Any]:
    def shape(d: Any) -> dict[str, Any]:
        return {
            "number": d.number,
            "title": d.title,
            "issuer": d.issuer,
            "issued": d.issued.isoformat(),
            "effective": d.effective.isoformat(),
            "valid_until": d.valid_until.isoformat() if d.valid_until else None,
            "articles": [
                {"article": n, "topic": topic, "not_encoded": why} for n, topic, why in d.articles
            ],
        }

    return _keyed(before.documents, after.documents, shape)


def _vocabularies(before: Pack, after: Pack) -> dict[str, Any]:
    def flat(pack: Pack) -> dict[str, Any]:
        vocab = getattr(pack, "vocabularies", None) or {}
        return {
            f"{kind}.{key}": _text(label)
            for kind, entries in vocab.items()
            for key, label in entries.items()
        }

    return _keyed(flat(before), flat(after), lambda label: {"label": label})


def _layer_files(pack: Pack, files: Iterable[str]) -> dict[str, str]:
    roots = [(pack.chain[0], Path(pack.root))] + [
        (pid, Path(root)) for pid, root in zip(pack.chain[1:], pack.base_roots, strict=False)
    ]
    out = {}
    for file in files:
        path = Path(file)
        for layer, root in roots:
            try:
                rel = path.resolve().relative_to(root.resolve())
            except ValueError:
                continue
            try:
                digest = hashlib.sha256(read_bytes(path, root=root)).hexdigest()
            except XuejiRulesError:
                digest = "unreadable"
            out[f"{layer}:{rel.as_posix()}"] = digest
            break
    return out


def _calendars(before: Pack, after: Pack) -> dict[str, Any]:
    a = _layer_files(before, before.calendar_files)
    b = _layer_files(after, after.calendar_files)
    return {
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "changed": sorted(k for k in set(a) & set(b) if a[k] != b[k]),
    }


def _pack_fields(before: Pack, after: Pack) -> dict[str, Any]:
    def shape(p: Pack) -> dict[str, Any]:
        return {
            "id": p.id,
            "version": p.version,
            "name": p.name.to_json(),
            "chain": list(p.chain),
            "valid_from": p.valid_from.isoformat(),
            "valid_until": p.valid_until.isoformat() if p.valid_until else None,
        }

    a, b = shape(before), shape(after)
    return {k: {"before": a[k], "after": b[k]} for k in a if a[k] != b[k]}


def _settings(before: Pack, after: Pack) -> dict[str, Any]:
    a, b = before.settings, after.settings
    return {
        k: {"before": _text(a.get(k)), "after": _text(b.get(k))}
        for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    }


def structure_diff(before: Pack, after: Pack) -> dict[str, Any]:
    """Every structural difference between two effective packs, as JSON-ready data."""
    return {
        "pack": _pack_fields(before, after),
        "settings": _settings(before, after),
        "documents": _documents(before, after),
        "parameters": _parameters(before, after),
        "rules": _rules(before, after),
        "lifecycle": _lifecycle(before, after),
        "vocabularies": _vocabularies(before, after),
        "calendars": _calendars(before, after),
    }


def is_empty(node: Any) -> bool:
    """Whether a structure diff (or part of one) records no change."""
    if isinstance(node, Mapping):
        return all(is_empty(v) for v in node.values())
    if isinstance(node, list):
        return not node
    return node is None or node is False


def rule_reads(rule: Rule) -> set[str]:
    """The parameters a rule reads in any of its expressions (conditions, narrowings, clocks)."""
    sources = [rule.when, rule.require, *(n.require for n in rule.narrowings)]
    for o in rule.obligations:
        sources.append(o.when)
        if o.clock is not None:
            sources.append(o.clock.trigger)
            if isinstance(o.clock.amount, str):
                sources.append(o.clock.amount)
    found: set[str] = set()
    for source in sources:
        found |= reads(source).params
    return found


def parameter_readers(pack: Pack, params: Iterable[str]) -> dict[str, list[str]]:
    """For each parameter, the rules of ``pack`` that read it (sorted)."""
    wanted = set(params)
    out: dict[str, list[str]] = {p: [] for p in sorted(wanted)}
    for rule in pack.rules:
        for p in sorted(rule_reads(rule) & wanted):
            out[p].append(rule.id)
    return out


def _edge_params(pack: Pack) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for tid, t in pack.lifecycle.transitions.items():
        for e in t.edges:
            out.setdefault(tid, set()).update(reads(e.when).params | reads(e.to_stage).params)
    return out


def touched_transitions(
    structure: Mapping[str, Any], before: Pack, after: Pack
) -> list[str] | None:
    """The transitions a structural change can move, or ``None`` when it can move any (settings,
    calendars, validity, documents or stages changed)."""
    if not is_empty(structure["pack"]) or not is_empty(structure["settings"]):
        return None
    if not is_empty(structure["calendars"]) or not is_empty(structure["lifecycle"]["stages"]):
        return None
    if not is_empty(structure["vocabularies"]) or not is_empty(structure["lifecycle"]["statuses"]):
        return None
    found: set[str] = set()
    rules = structure["rules"]
    old = {r.id: r for r in before.rules}
    new = {r.id: r for r in after.rules}
    for item in rules["added"] + rules["removed"] + rules["changed"]:
        for pack_rules in (old, new):
            if item["id"] in pack_rules:
                found.update(pack_rules[item["id"]].transitions)
    params = structure["parameters"]
    changed_params = {p["id"] for p in params["added"] + params["removed"] + params["changed"]}
    for pack in (before, after):
        for rule in pack.rules:
            if rule_reads(rule) & changed_params:
                found.update(rule.transitions)
        for tid, used in _edge_params(pack).items():
            if used & changed_params:
                found.add(tid)
    lc = structure["lifecycle"]["transitions"]
    found.update(t["id"] for t in lc["added"] + lc["removed"] + lc["changed"])
    return sorted(found)


def relative(path: str) -> str:
    """A path relative to the current directory when it is below it, else as given."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
