"""A diff report as Markdown, for a person at a terminal (the JSON form is the data itself)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from xueji_rules.authoring.structure import is_empty

__all__ = ["render_markdown"]


def _v(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Mapping) and set(value) <= {"zh", "en"} and "zh" in value:
        return str(value["zh"]) + (f" / {value['en']}" if value.get("en") else "")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _code(value: Any) -> str:
    text = _v(value)
    return f"`{text}`" if "`" not in text else text


def _fields(fields: Mapping[str, Any], indent: str = "  ") -> list[str]:
    lines = []
    for name, change in fields.items():
        before, after = change["before"], change["after"]
        if name in ("when", "require"):
            lines.append(f"{indent}- {name}: {_code(before)} → {_code(after)}")
        else:
            lines.append(f"{indent}- {name}: {_v(before)} → {_v(after)}")
    return lines


def _keyed_section(title: str, part: Mapping[str, Any], label: str = "label") -> list[str]:
    if is_empty(part):
        return []
    lines = [f"### {title}", ""]
    for item in part["added"]:
        extra = f" {_v(item.get(label))}" if item.get(label) is not None else ""
        lines.append(f"- added `{item['id']}`{extra}")
    for item in part["removed"]:
        extra = f" {_v(item.get(label))}" if item.get(label) is not None else ""
        lines.append(f"- removed `{item['id']}`{extra}")
    for item in part["changed"]:
        lines.append(f"- changed `{item['id']}`")
        lines += _fields(item["fields"])
    return [*lines, ""]


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
            lines.append(f"- added `{t['id']}` {t['label']} ({len(t['edges'])} edges)")
        for t in tr["removed"]:
            lines.append(f"- removed `{t['id']}` {t['label']}")
        for t in tr["changed"]:
            lines.append(f"- changed `{t['id']}` {t['label']}")
            lines += _fields(t["fields"])
            for kind in ("added", "removed"):
                for e in t[f"edges_{kind}"]:
                    where = f" ({', '.join(e['stages'])})" if e["stages"] else ""
                    cond = f" when `{e['when']}`" if e["when"] else ""
                    lines.append(
                        f"  - edge {kind}: {', '.join(e['from'])} → {e['to']}{where}{cond}"
                    )
            if t["edges_reordered"]:
                lines.append("  - edges reordered (the first matching edge wins)")
        lines.append("")
    lines += _keyed_section("Documents", s["documents"], "number")
    lines += _keyed_section("Vocabularies", s["vocabularies"])
    cal = s["calendars"]
    if not is_empty(cal):
        lines += ["### Calendars", ""]
        for kind in ("added", "removed", "changed"):
            lines += [f"- {kind} `{f}`" for f in cal[kind]]
        lines.append("")
    return lines


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
