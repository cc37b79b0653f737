"""A diff report as Markdown, for a person at a terminal (the JSON form is the data itself)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from xueji_rules.authoring.diffing import EXPRESSION_KEYS, is_empty
from xueji_rules.packs.model import NOT_SPECIFIED

__all__ = ["render_markdown"]


def _v(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Mapping) and set(value) <= {"zh", "en"} and "zh" in value:
        return str(value["zh"]) + (f" / {value['en']}" if value.get("en") else "")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _exception(value: Any) -> str:
    """An exception route in words: who may grant it, or that the text names no one."""
    if not isinstance(value, Mapping):
        return "none (no exception)"
    if value.get("route") == NOT_SPECIFIED:
        return "not specified by the text (any body the pack knows may grant it)"
    label = f" {_v(value['label'])}" if value.get("label") else ""
    return f"granted by `{value.get('route')}`{label}"


def _code(value: Any) -> str:
    text = _v(value)
    return f"`{text}`" if "`" not in text else text


def _fields(fields: Mapping[str, Any], indent: str = "  ") -> list[str]:
    lines = []
    for name, change in fields.items():
        before, after = change["before"], change["after"]
        if name in EXPRESSION_KEYS:
            lines.append(f"{indent}- {name}: {_code(before)} → {_code(after)}")
        elif name == "exception":
            lines.append(f"{indent}- {name}: {_exception(before)} → {_exception(after)}")
        else:
            lines.append(f"{indent}- {name}: {_v(before)} → {_v(after)}")
    return lines


def _keyed_section(title: str, part: Mapping[str, Any], label: str = "label") -> list[str]:
    if is_empty(part):
        return []
    return [f"### {title}", "", *_keyed_lines(part, label), ""]


def _keyed_lines(part: Mapping[str, Any], label: str = "label") -> list[str]:
    lines = []
    for item in part["added"]:
        extra = f" {_v(item.get(label))}" if item.get(label) is not None else ""
        lines.append(f"- added `{item['id']}`{extra}")
    for item in part["removed"]:
        extra = f" {_v(item.get(label))}" if item.get(label) is not None else ""
        lines.append(f"- removed `{item['id']}`{extra}")
    for item in part["changed"]:
        lines.append(f"- changed `{item['id']}`")
        lines += _fields(item["fields"])
    return lines


def _structure(s: Mapping[str, Any]) -> list[str]:
    if is_empty(s):
        return ["No structural differences.", ""]
    lines: list[str] = []
    if s["pack"]:
        lines += ["### Pack", "", *_fields(s["pack"], ""), ""]
    if s["settings"]:
        lines += ["### Settings", "", *_fields(s["settings"], ""), ""]
    params = s["parameters"]
    if not is_empty(params):
        lines += ["### Parameters", ""]
        for p in params["added"]:
            values = "; ".join(f"since {v['since']}: {_v(v['value'])}" for v in p["values"])
            lines.append(f"- added `{p['id']}` {_v(p['label'])}: {values}")
        for p in params["removed"]:
            lines.append(f"- removed `{p['id']}` {_v(p['label'])}")
        for p in params["changed"]:
            lines.append(f"- changed `{p['id']}` {_v(p['label'])}")
            lines += _fields(p["fields"])
            for v in p["values"]:
                a, b = v["before"], v["after"]
                before = f"{_v(a['value'])} ({a['citation']})" if a else "no value"
                after = f"{_v(b['value'])} ({b['citation']})" if b else "no value"
                lines.append(f"  - since {v['since']}: {before} → {after}")
            if p["read_by"]:
                lines.append(f"  - read by {', '.join(p['read_by'])}")
            if p["shown_in"]:
                lines.append(f"  - shown in the messages of {', '.join(p['shown_in'])}")
        lines.append("")
    rules = s["rules"]
    if not is_empty(rules):
        lines += ["### Rules", ""]
        for r in rules["added"]:
            lines.append(
                f"- added `{r['id']}` ({r['modality']}, {', '.join(r['transitions'])}; "
                f"{r['citation']}): {_v(r['message'])}"
            )
        for r in rules["removed"]:
            how = "removed"
            if "disabled_by" in r:
                d = r["disabled_by"]
                how = f"disabled by {d['pack']} ({d['citation']})"
            lines.append(f"- {how}: `{r['id']}` ({r['citation']})")
        for r in rules["changed"]:
            lines.append(f"- changed `{r['id']}`")
            lines += _fields(r["fields"])
        lines.append("")
    lc = s["lifecycle"]
    lines += _keyed_section("Stages", lc["stages"])
    lines += _keyed_section("Statuses", lc["statuses"])
    tr = lc["transitions"]
    if not is_empty(tr):
        lines += ["### Transitions", ""]
        for t in tr["added"]:
            lines.append(f"- added `{t['id']}` {_v(t['label'])} ({len(t['edges'])} edges)")
        for t in tr["removed"]:
            lines.append(f"- removed `{t['id']}` {_v(t['label'])}")
        for t in tr["changed"]:
            lines.append(f"- changed `{t['id']}` {_v(t['label'])}")
            lines += _fields(t["fields"])
            for kind in ("added", "removed"):
                lines += [f"  - edge {kind}: {_edge(e)}" for e in t[f"edges_{kind}"]]
            if t["edges_reordered"]:
                lines.append("  - edges reordered (the first matching edge wins)")
        lines.append("")
    lines += _keyed_section("Forbidden moves", lc["forbidden"], "message")
    lines += _keyed_section("Documents", s["documents"], "number")
    lines += _keyed_section("Vocabularies", s["vocabularies"])
    lines += _keyed_section("Input fields (inputs.yaml)", s["inputs"], "x-label")
    lines += _records(s["records"])
    cal = s["calendars"]
    if not is_empty(cal):
        lines += ["### Calendars", ""]
        for kind in ("added", "removed", "changed"):
            lines += [f"- {kind} `{f}`" for f in cal[kind]]
        lines.append("")
    return lines


def _edge(e: Mapping[str, Any]) -> str:
    """An edge in one line: statuses, stages, condition and targets."""
    where = f" ({', '.join(e['stages'])})" if e.get("stages") else ""
    text = f"{', '.join(e['from_statuses'])} → {e['to']}{where}"
    if e.get("pending"):
        text += f", pending {e['pending']}"
    for key in ("when", "to_stage", "to_grade", "to_school_system"):
        if e.get(key):
            text += f"; {key} `{e[key]}`"
    return text


_RECORDS = (
    ("groups", "form groups", "label"),
    ("fields", "form fields", "label"),
    ("code_lists", "code lists", "label"),
    ("schemes", "registry-number schemes", "label"),
    ("personal_fields", "personal fields", "label"),
    ("checks", "checks", "label"),
)


def _records(part: Mapping[str, Any]) -> list[str]:
    if is_empty(part):
        return []
    lines = ["### Records data", ""]
    if part["form"]:
        lines += ["- collection form", *_fields(part["form"])]
    for key, title, label in _RECORDS:
        if not is_empty(part[key]):
            lines += [f"- {title}:", *("  " + line for line in _keyed_lines(part[key], label))]
    quasi = part["quasi_identifiers"]
    for kind in ("added", "removed"):
        if quasi[kind]:
            lines.append(f"- quasi-identifiers {kind}: {', '.join(quasi[kind])}")
    return [*lines, ""]


def _counts(counter: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.items())


def _behaviour(b: Mapping[str, Any]) -> list[str]:
    decided = b["decided"]
    total = sum(decided.values())
    pop = b["population"]
    lines = [
        f"Decided {total} inputs under both packs ({_counts(decided) or 'none'}; population seed "
        f"{pop['seed']}, transitions: {', '.join(pop['transitions']) or 'none'}).",
    ]
    if pop.get("note"):
        lines.append(f"Note: {pop['note']}.")
    lines.append(
        f"**{b['changed']} decisions changed**, {b['outcome_changed']} of them in their outcome."
        if b["changed"]
        else "No decision changed."
    )
    lines.append("")
    for g in b["groups"]:
        title = ", ".join(g["rules"]) if g["rules"] else "no rule flipped: " + ", ".join(g["other"])
        lines += [f"### {title} — {g['count']}", ""]
        for c in g["causes"]:
            why = c["change"]
            if c.get("fields"):
                why += f" ({', '.join(c['fields'])})"
            if c["parameters"]:
                why += f"; reads changed parameter {', '.join(c['parameters'])}"
            lines.append(f"- `{c['id']}`: {why}")
        if g["context"]:
            lines.append(f"- also changed in the packs: {', '.join(g['context'])}")
        if g["flips"]:
            lines.append(f"- rule results: {_counts(g['flips'])}")
        lines.append(f"- outcomes: {_counts(g['outcomes'])}")
        lines.append(f"- inputs: {_counts(g['sources'])}; transitions: {_counts(g['transitions'])}")
        if g["examples"]:
            lines.append("- examples:")
        for ex in g["examples"]:
            a, z = ex["before"], ex["after"]
            before = a.get("error") or f"{a['outcome']} ({a['next_status']})"
            after = z.get("error") or f"{z['outcome']} ({z['next_status']})"
            lines.append(f"  - {ex['where']} — record `{ex['record']}`: {ex['request']}")
            lines.append(f"    {before} → {after}")
            for r in ex["rules"]:
                lines.append(f"    `{r['id']}` {r['before']} → {r['after']}")
            for other in ex["other"]:
                lines.append(f"    {other}")
        lines.append("")
    return lines


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown: a header, the structure, then the behaviour."""
    a, b = report["base"], report["draft"]
    lines = [
        f"# diff {a['ref']} → {b['ref']}",
        "",
        f"base: {a['id']} {a['version']} ({' → '.join(a['chain'])}); "
        f"draft: {b['id']} {b['version']} ({' → '.join(b['chain'])})",
        "",
        "## Structure",
        "",
        *_structure(report["structure"]),
        "## Behaviour",
        "",
        *_behaviour(report["behaviour"]),
    ]
    verdict = "changed" if report["changed"] else "no differences"
    lines.append(f"Result: {verdict}.")
    return "\n".join(lines).rstrip("\n") + "\n"
