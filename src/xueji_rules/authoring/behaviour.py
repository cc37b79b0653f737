"""The behavioural half of a pack diff: decide the same inputs under both packs and compare.

Each input is decided by both engines and reduced to a :class:`Snapshot` (outcome, next status,
stage, grade and school system, each rule's state, missing inputs, approvals, missing documents,
obligations with due dates, the articles a lifecycle refusal cites, or the error). Inputs whose
snapshots differ are grouped by the rules whose state changed (``passed``, ``failed``,
``exception`` — passed on a granted exception —, ``undecided`` — a needed input is absent — or
``not_applied``); a change with no rule flip is grouped by what did change (an obligation's due
date, the lifecycle's answer, an error). Each group says why, from the structure diff: the rule was added, removed or edited, or it
reads a parameter whose values changed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xueji_rules.authoring.diffing import is_empty
from xueji_rules.authoring.programs import PackPrograms
from xueji_rules.errors import InputError, Location, XuejiRulesError

__all__ = ["Case", "Snapshot", "compare_behaviour", "read_requests", "scenario_cases", "snapshot"]

_MAX_LINE = 1 << 20


@dataclass(frozen=True, slots=True)
class Case:
    """One input decided under both packs, and where it came from."""

    source: str  # "scenario", "variant", "generated" or "requests"
    where: str
    record: Mapping[str, Any]
    request: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a decision says, reduced to what a diff compares (messages and digests left out)."""

    outcome: str
    next_status: str = ""
    next_stage: str = ""
    extra: tuple[tuple[str, str], ...] = ()
    rules: tuple[tuple[str, str], ...] = ()
    approvals: tuple[tuple[str, str, str], ...] = ()
    missing_documents: tuple[tuple[str, str], ...] = ()
    obligations: tuple[tuple[str, str, str, str], ...] = ()
    allowed_transitions: tuple[str, ...] = ()
    missing_inputs: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path, rules needing it)
    citations: tuple[str, ...] = ()
    error: str | None = None
    rule_map: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def summary(self) -> dict[str, Any]:
        """The outcome side of an example: outcome and next status, or the error."""
        if self.error is not None:
            return {"outcome": "error", "error": self.error}
        return {"outcome": self.outcome, "next_status": self.next_status}


def _state(result: Any) -> str:
    if not result.passed:
        return "failed"
    return "exception" if getattr(result, "exception_granted", False) else "passed"


def snapshot(engine: Any, record: Mapping[str, Any], request: Mapping[str, Any]) -> Snapshot:
    """Decide and reduce; an input the engine refuses becomes an error snapshot."""
    try:
        d = engine.decide(record, request)
    except XuejiRulesError as exc:
        text = str(exc).replace(engine.pack.root, "<pack>")
        return Snapshot("error", error=f"{type(exc).__name__}: {text}")
    undecided = {(rule, "undecided") for m in d.missing_inputs for rule in m.rules}
    rules = tuple(sorted({(r.id, _state(r)) for r in d.rules} | undecided))
    extra = tuple(
        (name, str(value))
        for name, value in (
            ("next_grade", d.next_grade),
            ("next_school_system", d.next_school_system),
        )
        if value is not None
    )
    return Snapshot(
        outcome=d.outcome,
        next_status=d.next_status,
        next_stage=d.next_stage,
        extra=extra,
        rules=rules,
        approvals=tuple(sorted((a.body, a.kind, a.rule) for a in d.approvals)),
        missing_documents=tuple(sorted((m.id, m.rule) for m in d.missing_documents)),
        obligations=tuple(
            sorted(
                (o.id, o.party, o.due.isoformat() if o.due else "", o.due_status)
                for o in d.obligations
            )
        ),
        allowed_transitions=tuple(d.allowed_transitions or ()),
        missing_inputs=tuple(sorted((m.path, tuple(sorted(m.rules))) for m in d.missing_inputs)),
        citations=tuple(c.render() for c in d.citations),
        rule_map=dict(rules),
    )


# -- inputs -----------------------------------------------------------------------------------


def scenario_cases(files: Iterable[str], display: Any) -> list[Case]:
    """The record and request of every scenario in ``files`` (expectations ignored), each input
    once however many files repeat it."""
    from xueji_rules.testing.scenarios import load_scenarios

    seen: set[str] = set()
    out = []
    for file in files:
        for sc in load_scenarios(file):
            key = json.dumps([sc.record, sc.request], sort_keys=True, default=str)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Case("scenario", f"{display(sc.file)}:{sc.line} {sc.name}", sc.record, sc.request)
            )
    return out


def read_requests(path: str) -> Iterator[Case]:
    """(record, request) pairs from a JSONL file: one object per line with ``record`` and
    ``request`` (and optionally ``id``); blank lines are skipped, a bad line is an InputError."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            yield from _request_lines(path, handle)
    except OSError as exc:
        raise InputError(f"cannot read requests: {exc.strerror}", Location(file=path)) from None


def _request_lines(path: str, handle: Iterable[str]) -> Iterator[Case]:
    lines = iter(handle)
    number = 0
    while True:
        number += 1
        where = Location(file=path, line=number)
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", where) from None
        if len(line) > _MAX_LINE:
            raise InputError("line longer than 1 MB", where)
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg} (column {exc.colno})", where) from None
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("record"), dict)
            or not isinstance(item.get("request"), dict)
        ):
            raise InputError(
                'each line must be an object {"record": {...}, "request": {...}}', where
            )
        label = f"{path}:{number}"
        if isinstance(item.get("id"), str | int):
            label += f" ({item['id']})"
        yield Case("requests", label, item["record"], item["request"])


# -- comparing --------------------------------------------------------------------------------


def request_summary(record: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    """One line: transition, date, stage and grade, and the request's telling fields."""
    parts = [f"{request.get('transition', '?')} {request.get('date', '?')}"]
    who = f"{record.get('stage', '?')}"
    if record.get("grade") is not None:
        who += f" grade {record['grade']}"
    parts.append(f"{who}, {record.get('status', '?')}")
    for key in ("applicant", "ground", "hukou_move_scope"):
        if key in request:
            parts.append(f"{key}={request[key]}")
    if isinstance(request.get("to_school"), Mapping):
        school = request["to_school"]
        bits = [str(school[k]) for k in ("city", "county") if k in school]
        if "vacancies" in school:
            bits.append(f"vacancies {school['vacancies']}")
        parts.append("to " + " ".join(bits) if bits else "to_school")
    for key in ("approvals", "exceptions", "documents"):
        if request.get(key):
            parts.append(f"{len(request[key])} {key}")
    return "; ".join(parts)


def _other_changes(a: Snapshot, b: Snapshot) -> list[str]:
    out = []
    if a.error != b.error:
        out.append("error")
        return out
    if (a.next_status, a.next_stage, a.extra, a.allowed_transitions) != (
        b.next_status,
        b.next_stage,
        b.extra,
        b.allowed_transitions,
    ):
        out.append("lifecycle")
    oa = {o[0]: o for o in a.obligations}
    ob = {o[0]: o for o in b.obligations}
    out += [f"obligation {oid}" for oid in sorted(set(oa) | set(ob)) if oa.get(oid) != ob.get(oid)]
    if a.approvals != b.approvals:
        out.append("approvals")
    if a.missing_documents != b.missing_documents:
        out.append("missing documents")
    if a.missing_inputs != b.missing_inputs:
        out.append("missing inputs")
    if a.citations != b.citations:
        out.append("citations")
    return out


def _change_text(a: Snapshot, b: Snapshot) -> list[str]:
    """What else changed in one decision, beside its rule results, in a few readable lines."""
    if a.error is not None or b.error is not None:
        return [f"error: {a.error or 'none'} → {b.error or 'none'}"] if a.error != b.error else []
    lines = []
    if (a.next_status, a.next_stage) != (b.next_status, b.next_stage):
        lines.append(f"next status {a.next_status}/{a.next_stage} → {b.next_status}/{b.next_stage}")
    if a.extra != b.extra:
        lines.append(f"{dict(a.extra)} → {dict(b.extra)}")
    if a.allowed_transitions != b.allowed_transitions:
        lines.append(
            f"allowed transitions {list(a.allowed_transitions)} → {list(b.allowed_transitions)}"
        )
    oa = {o[0]: o for o in a.obligations}
    ob = {o[0]: o for o in b.obligations}

    def due(o: tuple[str, str, str, str]) -> str:
        return f"{o[0]} ({o[2] or o[3]})"

    started = [due(ob[k]) for k in sorted(set(ob) - set(oa))]
    ended = [due(oa[k]) for k in sorted(set(oa) - set(ob))]
    moved = [
        f"{k} {oa[k][2] or oa[k][3]} → {ob[k][2] or ob[k][3]}"
        for k in sorted(set(oa) & set(ob))
        if oa[k] != ob[k]
    ]
    if started:
        lines.append("obligations now: " + ", ".join(started))
    if ended:
        lines.append("obligations no longer: " + ", ".join(ended))
    if moved:
        lines.append("obligations moved: " + ", ".join(moved))
    if a.approvals != b.approvals:
        lines.append(
            f"approvals needed {sorted({x[0] for x in a.approvals})} → "
            f"{sorted({x[0] for x in b.approvals})}"
        )
    if a.missing_documents != b.missing_documents:
        lines.append(
            f"missing documents {sorted({x[0] for x in a.missing_documents})} → "
            f"{sorted({x[0] for x in b.missing_documents})}"
        )
    if a.missing_inputs != b.missing_inputs:
        lines.append(f"missing inputs {_needed(a)} → {_needed(b)}")
    if a.citations != b.citations:
        lines.append(f"refusal cites {list(a.citations)} → {list(b.citations)}")
    return lines


def _needed(s: Snapshot) -> str:
    return "; ".join(f"{path} ({', '.join(rules)})" for path, rules in s.missing_inputs) or "none"


@dataclass
class _Group:
    rules: tuple[str, ...]
    others: tuple[str, ...]
    count: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    transitions: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    flips: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)


def _why_rule(
    rule_id: str, structure: Mapping[str, Any], programs: Sequence[PackPrograms]
) -> dict[str, Any]:
    rules = structure["rules"]
    info: dict[str, Any] = {"id": rule_id}
    if any(r["id"] == rule_id for r in rules["added"]):
        info["change"] = "added"
    elif any(r["id"] == rule_id for r in rules["removed"]):
        item = next(r for r in rules["removed"] if r["id"] == rule_id)
        info["change"] = "disabled" if "disabled_by" in item else "removed"
    else:
        changed = next((r for r in rules["changed"] if r["id"] == rule_id), None)
        info["change"] = "changed" if changed else "unchanged"
        if changed:
            info["fields"] = sorted(changed["fields"])
    params = {
        p["id"] for part in ("added", "removed", "changed") for p in structure["parameters"][part]
    }
    used = frozenset().union(*(side.rule_parameters(rule_id) for side in programs))
    info["parameters"] = sorted(used & params)
    return info


def compare_behaviour(
    base: Any,
    draft: Any,
    cases: Iterable[Case],
    structure: Mapping[str, Any],
    programs: Sequence[PackPrograms],
    examples: int = 3,
) -> dict[str, Any]:
    """Decide every case under both engines; the JSON-ready ``behaviour`` part of a diff
    (``programs``: both packs' compiled expressions, to say which rules read a changed
    parameter)."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], _Group] = {}
    decided: Counter[str] = Counter()
    changed = 0
    outcome_changed = 0
    for case in cases:
        decided[case.source] += 1
        a = snapshot(base, case.record, case.request)
        b = snapshot(draft, case.record, case.request)
        if a == b:
            continue
        changed += 1
        flipped = tuple(
            rid
            for rid in sorted(set(a.rule_map) | set(b.rule_map))
            if a.rule_map.get(rid, "not_applied") != b.rule_map.get(rid, "not_applied")
        )
        others = () if flipped else tuple(_other_changes(a, b))
        key = (flipped, others)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(flipped, others)
        group.count += 1
        group.sources[case.source] += 1
        group.transitions[str(case.request.get("transition", "?"))] += 1
        before, after = a.summary()["outcome"], b.summary()["outcome"]
        if before != after:
            outcome_changed += 1
        group.outcomes[f"{before} → {after}"] += 1
        for rid in flipped:
            group.flips[
                f"{rid}: {a.rule_map.get(rid, 'not_applied')} → {b.rule_map.get(rid, 'not_applied')}"
            ] += 1
        if len(group.examples) < examples:
            group.examples.append(
                {
                    "source": case.source,
                    "where": case.where,
                    "record": str(case.record.get("id", "?")),
                    "request": request_summary(case.record, case.request),
                    "before": a.summary(),
                    "after": b.summary(),
                    "rules": [
                        {
                            "id": rid,
                            "before": a.rule_map.get(rid, "not_applied"),
                            "after": b.rule_map.get(rid, "not_applied"),
                        }
                        for rid in flipped
                    ],
                    "other": _change_text(a, b),
                }
            )
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.rules, g.others))
    out_groups = []
    for g in ordered:
        causes = [_why_rule(rid, structure, programs) for rid in g.rules]
        out_groups.append(
            {
                "rules": list(g.rules),
                "other": list(g.others),
                "count": g.count,
                "causes": causes,
                "context": _context(g, causes, structure),
                "flips": dict(sorted(g.flips.items())),
                "outcomes": dict(sorted(g.outcomes.items())),
                "sources": dict(sorted(g.sources.items())),
                "transitions": dict(sorted(g.transitions.items())),
                "examples": g.examples,
            }
        )
    return {
        "decided": dict(sorted(decided.items())),
        "changed": changed,
        "outcome_changed": outcome_changed,
        "groups": out_groups,
    }


def _context(g: _Group, causes: list[dict[str, Any]], structure: Mapping[str, Any]) -> list[str]:
    """Structural changes that explain a group whose rules themselves did not change."""
    notes = []
    unexplained = [c for c in causes if c["change"] == "unchanged" and not c["parameters"]]
    if unexplained or not causes:
        for part in ("calendars", "settings", "pack", "vocabularies", "inputs"):
            if not is_empty(structure[part]):
                notes.append(part)
        lc = structure["lifecycle"]
        changed_t = {
            t["id"] for part in ("added", "removed", "changed") for t in lc["transitions"][part]
        }
        forbidden = {
            item["id"].split(" ", 1)[0]
            for part in ("added", "removed", "changed")
            for item in lc["forbidden"][part]
        }
        if (
            (changed_t | forbidden) & set(g.transitions)
            or not is_empty(lc["stages"])
            or not is_empty(lc["statuses"])
        ):
            notes.append("lifecycle")
    return notes
