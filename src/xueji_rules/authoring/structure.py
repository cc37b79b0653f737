"""The structural half of a pack diff: what changed in the text of the packs.

Rules are matched by id, parameters by id and their values by the date they take effect, stages,
statuses and transitions by id, a transition's edges by their content (and order, which matters:
the first matching edge wins), forbidden moves by what they forbid (transition, stages, statuses,
condition, layer), documents by id, vocabulary entries by kind and id, a pack's own input fields
by path, the records data (collection form, personal fields, checks) by id, calendar files by layer
and path. Expressions are compared by their canonical form, so re-wrapping a condition is not a
change. Everything is returned as JSON-ready data in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xueji_rules.authoring.diffing import is_empty, jsonable, keyed, shown
from xueji_rules.authoring.programs import PackPrograms, rule_texts, shown_parameters
from xueji_rules.authoring.structure_data import calendars, inputs, records, vocabularies
from xueji_rules.packs.model import Forbidden, Pack, Parameter

__all__ = ["structure_diff", "touched_transitions"]


def _pack_fields(before: Pack, after: Pack) -> dict[str, Any]:
    def shape(p: Pack) -> dict[str, Any]:
        out: dict[str, Any] = jsonable(
            {
                "id": p.id,
                "version": p.version,
                "name": p.name,
                "chain": p.chain,
                "valid_from": p.valid_from,
                "valid_until": p.valid_until,
            }
        )
        return out

    a, b = shape(before), shape(after)
    return {k: {"before": a[k], "after": b[k]} for k in a if a[k] != b[k]}


def _settings(before: Pack, after: Pack) -> dict[str, Any]:
    a, b = jsonable(before.settings), jsonable(after.settings)
    return {
        k: {"before": a.get(k), "after": b.get(k)}
        for k in sorted(set(a) | set(b))
        if a.get(k) != b.get(k)
    }


def _values(p: Parameter) -> dict[str, dict[str, Any]]:
    return {
        v.since.isoformat(): {
            "value": v.value,
            "citation": v.citation.render(),
            "pack": v.source_pack,
        }
        for v in p.values
    }


def _parameter(p: Parameter) -> dict[str, Any]:
    return {
        "id": p.id,
        "label": p.label.to_json(),
        "unit": p.unit,
        "values": [{"since": k, **v} for k, v in sorted(_values(p).items())],
    }


def _parameters(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    old, new = before.pack.parameters, after.pack.parameters
    changed = []
    for pid in sorted(set(old) & set(new)):
        a, b = jsonable(old[pid]), jsonable(new[pid])
        fields = {
            name: {"before": a[name], "after": b[name]}
            for name in a
            if name not in ("id", "values") and a[name] != b[name]
        }
        va, vb = _values(old[pid]), _values(new[pid])
        values = [
            {"since": since, "before": va.get(since), "after": vb.get(since)}
            for since in sorted(set(va) | set(vb))
            if va.get(since) != vb.get(since)
        ]
        if fields or values:
            changed.append(
                {
                    **_parameter(new[pid]),
                    "fields": fields,
                    "values": values,
                    "read_by": sorted(set(before.readers(pid)) | set(after.readers(pid))),
                    "shown_in": _shown_in(after.pack, pid),
                }
            )
    return {
        "added": [_parameter(new[p]) for p in sorted(set(new) - set(old))],
        "removed": [_parameter(old[p]) for p in sorted(set(old) - set(new))],
        "changed": changed,
    }


def _shown_in(pack: Pack, parameter: str) -> list[str]:
    """The rules (and forbidden moves, by transition) whose messages show the parameter."""
    rules = [r.id for r in pack.rules if parameter in shown_parameters(rule_texts(r))]
    moves = [
        f"forbidden {f.transition}"
        for f in pack.lifecycle.forbidden
        if parameter in shown_parameters([f.message])
    ]
    return rules + sorted(set(moves))


def _rules(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    def by_id(pack: Pack) -> dict[str, Any]:
        return {r.id: jsonable(r) for r in pack.rules}

    out = keyed(by_id(before.pack), by_id(after.pack), before.canonical, after.canonical)
    disabled = dict(after.pack.disabled_rules)
    for item in out["removed"]:
        if item["id"] in disabled:
            how = disabled[item["id"]]
            item["disabled_by"] = {"pack": how.source_pack, "citation": jsonable(how.citation)}
    return out


def _edge_changes(
    a: list[dict[str, Any]], b: list[dict[str, Any]], before: PackPrograms, after: PackPrograms
) -> dict[str, Any]:
    from xueji_rules.authoring.diffing import comparable

    keys_a = [repr(comparable(e, before.canonical)) for e in a]
    keys_b = [repr(comparable(e, after.canonical)) for e in b]
    common_a = [k for k in keys_a if k in keys_b]
    common_b = [k for k in keys_b if k in keys_a]
    return {
        "edges_added": [shown(e) for e, k in zip(b, keys_b, strict=True) if k not in keys_a],
        "edges_removed": [shown(e) for e, k in zip(a, keys_a, strict=True) if k not in keys_b],
        "edges_reordered": common_a != common_b,
    }


def _transitions(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    ta, tb = before.pack.lifecycle.transitions, after.pack.lifecycle.transitions
    changed = []
    for tid in sorted(set(ta) & set(tb)):
        a, b = jsonable(ta[tid]), jsonable(tb[tid])
        fields = {
            k: {"before": a[k], "after": b[k]}
            for k in a
            if k not in ("id", "edges") and a[k] != b[k]
        }
        edges = _edge_changes(a["edges"], b["edges"], before, after)
        if fields or not is_empty(edges):
            changed.append({"id": tid, "label": tb[tid].text.to_json(), "fields": fields, **edges})
    return {
        "added": [
            {"id": t, "label": tb[t].text.to_json(), "edges": shown(jsonable(tb[t].edges))}
            for t in sorted(set(tb) - set(ta))
        ],
        "removed": [{"id": t, "label": ta[t].text.to_json()} for t in sorted(set(ta) - set(tb))],
        "changed": changed,
    }


def forbidden_key(entry: Forbidden, canonical: Any) -> str:
    """What a forbidden move forbids, as the id a diff matches it by (the transition first)."""
    stages = ", ".join(entry.stages) if entry.stages else "every stage"
    statuses = ", ".join(entry.from_statuses) if entry.from_statuses else "any status"
    when = f" when {canonical(entry.when)}" if entry.when else ""
    return f"{entry.transition} [{stages}] from [{statuses}]{when} ({entry.source_pack})"


def _forbidden(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    def by_key(side: PackPrograms) -> dict[str, Any]:
        return {
            forbidden_key(f, side.canonical): jsonable(f) for f in side.pack.lifecycle.forbidden
        }

    return keyed(by_key(before), by_key(after), before.canonical, after.canonical)


def _lifecycle(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    la, lb = before.pack.lifecycle, after.pack.lifecycle
    return {
        "stages": keyed(
            jsonable(la.stages), jsonable(lb.stages), before.canonical, after.canonical
        ),
        "statuses": keyed(
            jsonable(la.statuses), jsonable(lb.statuses), before.canonical, after.canonical
        ),
        "transitions": _transitions(before, after),
        "forbidden": _forbidden(before, after),
    }


def _documents(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    return keyed(
        jsonable(before.pack.documents),
        jsonable(after.pack.documents),
        before.canonical,
        after.canonical,
    )


def structure_diff(before: PackPrograms, after: PackPrograms) -> dict[str, Any]:
    """Every structural difference between two effective packs, as JSON-ready data."""
    return {
        "pack": _pack_fields(before.pack, after.pack),
        "settings": _settings(before.pack, after.pack),
        "documents": _documents(before, after),
        "parameters": _parameters(before, after),
        "rules": _rules(before, after),
        "lifecycle": _lifecycle(before, after),
        "vocabularies": vocabularies(before.pack, after.pack),
        "inputs": inputs(before.pack, after.pack),
        "records": records(before.pack, after.pack),
        "calendars": calendars(before.pack, after.pack),
    }


_EVERYTHING = ("pack", "settings", "calendars", "vocabularies", "inputs")


def touched_transitions(
    structure: Mapping[str, Any], before: PackPrograms, after: PackPrograms
) -> list[str] | None:
    """The transitions a structural change can move, or ``None`` when it can move any (the pack's
    validity, settings, calendars, vocabularies, input fields, stages or statuses changed). The
    records data does not take part in decisions."""
    lc = structure["lifecycle"]
    if not all(is_empty(structure[part]) for part in _EVERYTHING):
        return None
    if not is_empty(lc["stages"]) or not is_empty(lc["statuses"]):
        return None
    found: set[str] = set()
    rules = structure["rules"]
    for item in rules["added"] + rules["removed"] + rules["changed"]:
        for side in (before, after):
            try:
                found.update(side.pack.rule(item["id"]).transitions)
            except KeyError:
                continue
    params = structure["parameters"]
    changed = {p["id"] for p in params["added"] + params["removed"] + params["changed"]}
    for side in (before, after):
        for rule in side.pack.rules:
            if side.rule_parameters(rule.id) & changed:
                found.update(rule.transitions)
        for tid in side.pack.lifecycle.transitions:
            if side.edge_parameters(tid) & changed:
                found.add(tid)
    tr = lc["transitions"]
    found.update(t["id"] for t in tr["added"] + tr["removed"] + tr["changed"])
    fb = lc["forbidden"]
    found.update(
        item["id"].split(" ", 1)[0] for item in fb["added"] + fb["removed"] + fb["changed"]
    )
    return sorted(found)
