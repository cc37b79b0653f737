"""One page per transition, built from its input contract (``packs.contract``): the lifecycle
edges and forbidden moves, the inputs it reads, the ids its rules name, duties and rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xueji_rules.authoring.labels import MODALITY
from xueji_rules.authoring.site.context import SiteContext
from xueji_rules.authoring.site.html import esc, table
from xueji_rules.authoring.site.lifecycle import edge_rows, forbidden_table
from xueji_rules.authoring.site.rules import obligation_clock
from xueji_rules.packs.model import Text

__all__ = ["transition_page", "transitions_index"]


def transitions_index(ctx: SiteContext) -> str:
    """Every transition with its label, stages, citation and how many rules govern it."""
    rows = []
    lc = ctx.pack.lifecycle
    for tid, t in sorted(lc.transitions.items()):
        stages = sorted({s for e in t.edges for s in (e.stages or lc.stages)})
        rules = sum(1 for r in ctx.pack.rules if tid in r.transitions)
        forbidden = sum(1 for f in lc.forbidden if f.transition == tid)
        rows.append(
            (
                ctx.transition_link(tid),
                ctx.sep.join(ctx.stage_name(s) for s in stages),
                str(rules),
                str(forbidden) if forbidden else "—",
                ctx.cite(t.citation) if t.citation else "—",
            )
        )
    headers = (
        ctx.t("学籍业务", "transition"),
        ctx.t("学段", "stages"),
        ctx.t("规则数", "rules"),
        ctx.t("禁止的情形", "forbidden moves"),
        ctx.t("依据", "under"),
    )
    return table(headers, rows)


def _merged(
    contract: Mapping[str, Any], part: str, key: str
) -> list[tuple[dict[str, Any], list[str]]]:
    """The rows of one part of the contract (``fields``, ``documents``…) over every stage, each
    with the stages it is read in."""
    rows: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for sid, stage in contract["stages"].items():
        for row in stage[part]:
            merged, stages = rows.setdefault(str(row[key]), ({**row}, []))
            stages.append(sid)
            for how in ("read_by", "tested_by", "needed_by", "used_by", "compared_with"):
                if how in row:
                    merged[how] = sorted(set(merged.get(how, ())) | set(row[how]))
    return [rows[k] for k in sorted(rows)]


def _stages(ctx: SiteContext, contract: Mapping[str, Any], stages: list[str]) -> str:
    if len(stages) == len(contract["stages"]):
        return esc(ctx.t("全部", "all"))
    return ctx.sep.join(ctx.stage_name(s) for s in stages)


def _fields(ctx: SiteContext, contract: Mapping[str, Any]) -> str:
    t = ctx.t
    rows = []
    for row, stages in _merged(contract, "fields", "path"):
        who = []
        for how, word in (
            ("read_by", t("读取", "read")),
            ("tested_by", t("has() 检查", "has() test")),
            ("needed_by", t("needs（缺少则不作判定）", "needs (undecided without it)")),
        ):
            if row.get(how):
                links = " ".join(ctx.who_link(w) for w in row[how])
                who.append(f"{esc(word)}{ctx.colon}{links}")
        rows.append(
            (
                ctx.field(row["path"]),
                esc(row["type"]),
                esc(t("是", "yes") if row["always_present"] else t("否", "no")),
                _stages(ctx, contract, stages),
                "<br>".join(who),
                ctx.sep.join(f"<code>{esc(v)}</code>" for v in row.get("compared_with", ())) or "—",
            )
        )
    headers = (
        t("字段", "field"),
        t("类型", "type"),
        t("必有", "always present"),
        t("学段", "stages"),
        t("谁读取", "read by"),
        t("比较的取值", "compared with"),
    )
    intro = t(
        "规则和生命周期读取的字段（由编译后的表达式得出）。“必有”表示符合 JSON Schema 的输入一定带有该字段；"
        "规则以 needs 声明的字段缺少时，该规则不作判定，决定为“材料不全”（incomplete）并列出缺少的输入。",
        "The fields the rules and the lifecycle read (from the compiled expressions). “Always "
        "present”: a schema-valid input always has it. When a field a rule declares in needs is "
        "absent, the rule is not decided and the decision is incomplete, naming the input.",
    )
    return f"<p class='muted'>{esc(intro)}</p>" + table(headers, rows)


def _ids(ctx: SiteContext, contract: Mapping[str, Any], part: str, title: Text) -> str:
    rows = []
    for row, stages in _merged(contract, part, "id"):
        label = Text.from_json(row["label"]) if row.get("label") else None
        name = ctx.vocab(part, row["id"], label)
        if row.get("alternatives"):
            others = ctx.sep.join(ctx.vocab(part, a) for a in row["alternatives"])
            name += ctx.t("（或：", " (or: ") + others + ctx.t("）", ")")
        if row.get("kinds"):
            name += ctx.paren(esc(", ".join(row["kinds"])))
        users = " ".join(ctx.who_link(w) for w in row["used_by"])
        rows.append((name, _stages(ctx, contract, stages), users))
    body = (
        table((ctx.t("内容", "item"), ctx.t("学段", "stages"), ctx.t("规则", "rules")), rows)
        if rows
        else f"<p class='muted'>{esc(ctx.t('无', 'none'))}</p>"
    )
    return f"<h2>{ctx.text(title)}</h2>{body}"


_ID_PARTS = (
    ("grounds", Text("申请理由", "Grounds")),
    ("applicants", Text("申请人", "Applicants")),
    ("documents", Text("须提交的材料", "Documents")),
    ("approval_bodies", Text("审批机关", "Approving bodies")),
)


def _exceptions(ctx: SiteContext, contract: Mapping[str, Any]) -> str:
    rows: dict[str, tuple[str, str]] = {}
    for stage in contract["stages"].values():
        for item in stage["exception_rules"]:
            rule = ctx.pack.rule(item["rule"])
            if rule.exception is not None:
                rows[rule.id] = (ctx.rule_link(rule.id), ctx.exception(rule.exception))
    title = esc(ctx.t("例外的批准途径", "Who may grant exceptions"))
    if not rows:
        return f"<h2>{title}</h2><p class='muted'>{esc(ctx.t('无', 'none'))}</p>"
    headers = (ctx.t("原则性规则", "default rule"), ctx.t("例外", "exception"))
    return f"<h2>{title}</h2>" + table(headers, [rows[k] for k in sorted(rows)])


def _obligations(ctx: SiteContext, rules: list[Any]) -> str:
    t = ctx.t
    rows = [
        (
            f"{ctx.message(o.action)}<br><code class='id'>{esc(o.id)}</code>",
            ctx.vocab("parties", o.party),
            obligation_clock(ctx, o)
            + (f"{esc(t('；条件：', '; if '))}{ctx.condition(o.when)}" if o.when else ""),
            ctx.cite(o.citation),
            ctx.rule_link(rule.id),
        )
        for rule in rules
        for o in rule.obligations
    ]
    title = f"<h2>{esc(t('义务与时限', 'Duties and time limits'))}</h2>"
    if not rows:
        return title + f"<p class='muted'>{esc(t('无', 'none'))}</p>"
    headers = (
        t("义务", "duty"),
        t("责任方", "party"),
        t("时限", "time limit"),
        t("依据", "under"),
        t("规则", "rule"),
    )
    return title + table(headers, rows)


def _rules(ctx: SiteContext, rules: list[Any]) -> str:
    parts = [f"<h2>{esc(ctx.t('规则', 'Rules'))}</h2>"]
    by_modality: dict[str, list[str]] = {}
    for rule in rules:
        by_modality.setdefault(rule.modality, []).append(
            f"<li>{ctx.rule_link(rule.id)} {ctx.message(rule.message)}</li>"
        )
    for modality, label in MODALITY.items():
        if modality in by_modality:
            parts.append(f"<h3>{ctx.text(label)}</h3><ul>{''.join(by_modality[modality])}</ul>")
    if not rules:
        parts.append(
            f"<p class='muted'>{esc(ctx.t('没有规则约束这项业务。', 'No rule governs this transition.'))}</p>"
        )
    return "\n".join(parts)


def transition_page(ctx: SiteContext, tid: str) -> str:
    """One transition: its edges and forbidden moves, the inputs it reads, and what its rules
    ask for."""
    pack = ctx.pack
    spec = pack.lifecycle.transitions[tid]
    contract = ctx.data.contracts[tid]
    rules = [r for r in pack.rules if tid in r.transitions]
    t = ctx.t
    parts = [f"<p>{ctx.cite(spec.citation)}</p>" if spec.citation else ""]
    parts.append(f"<h2>{esc(t('生命周期', 'Lifecycle'))}</h2>")
    parts.append(edge_rows(ctx, spec.edges))
    forbidden = [f for f in pack.lifecycle.forbidden if f.transition == tid]
    if forbidden:
        parts.append(f"<h2>{esc(t('禁止的情形', 'Forbidden moves'))}</h2>")
        parts.append(forbidden_table(ctx, forbidden, with_transition=False))
    parts.append(f"<h2>{esc(t('需要的输入', 'Inputs it reads'))}</h2>")
    parts.append(_fields(ctx, contract))
    parts += [_ids(ctx, contract, part, title) for part, title in _ID_PARTS]
    parts.append(_exceptions(ctx, contract))
    parts.append(_obligations(ctx, rules))
    params = set(ctx.data.programs.edge_parameters(tid))
    for rule in rules:
        params |= ctx.data.programs.rule_parameters(rule.id)
    if params:
        links = ctx.sep.join(ctx.param_link(p) for p in sorted(params))
        parts.append(f"<h2>{esc(t('读取的参数', 'Parameters it reads'))}</h2><p>{links}</p>")
    parts.append(_rules(ctx, rules))
    return "\n".join(parts)
