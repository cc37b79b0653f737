"""The site's overview pages: index, parameters, layers, coverage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xueji_rules.authoring.labels import RELATION
from xueji_rules.authoring.programs import rule_texts, shown_parameters
from xueji_rules.authoring.site.context import SiteContext, doc_page
from xueji_rules.authoring.site.html import esc, table
from xueji_rules.authoring.site.rules import article_index
from xueji_rules.packs.model import Text

__all__ = ["coverage_page", "index_page", "layers_page", "parameters_page"]


def index_page(ctx: SiteContext) -> str:
    """The landing page: what the pack is, what it encodes, where to go."""
    pack = ctx.pack
    lc = pack.lifecycle
    t = ctx.t
    vocab = sum(len(v) for v in pack.vocabularies.values())
    cards = [
        (
            "articles.html",
            len(pack.documents),
            t("部文件，逐条列出规则", "documents, article by article"),
        ),
        ("articles.html", len(pack.rules), t("条规则", "rules")),
        (
            "parameters.html",
            len(pack.parameters),
            t("个参数（按日期取值）", "parameters (dated values)"),
        ),
        ("transitions.html", len(lc.transitions), t("项学籍业务", "transitions")),
        ("lifecycle.html", len(lc.stages), t("个学段的状态图", "stages with state diagrams")),
        ("lifecycle.html#forbidden", len(lc.forbidden), t("种禁止的情形", "forbidden moves")),
        ("vocabularies.html", vocab, t("个已声明的标识", "declared ids")),
        (
            "inputs.html",
            len(pack.inputs),
            t("个规则包自有的输入字段", "input fields of the pack's own"),
        ),
        (
            "form.html",
            len(ctx.data.records.form.fields),
            t("个采集表信息项", "collection form fields"),
        ),
    ]
    until = pack.valid_until.isoformat() if pack.valid_until else t("（无止期）", "open-ended")
    chain = " → ".join(esc(p) for p in pack.chain)
    line = t(
        f"规则包 <code class='id'>{esc(pack.id)}</code> 版本 {esc(pack.version)}；层次：{chain}；"
        f"适用日期：{esc(pack.valid_from.isoformat())} 至 {esc(until)}。",
        f"Pack <code class='id'>{esc(pack.id)}</code> version {esc(pack.version)}; layers: {chain}; "
        f"valid from {esc(pack.valid_from.isoformat())} to {esc(until)}.",
    )
    body = [
        f"<p>{line}</p>",
        f"<p class='muted'>{esc(t('内容摘要：', 'Digest: '))}<code>{esc(pack.digest)}</code></p>",
        '<div class="cards">',
    ]
    for href, n, what in cards:
        body.append(f'<a class="card" href="{href}"><span class="n">{n}</span> {esc(what)}</a>')
    body.append(f"</div><h2>{esc(t('所编码的文件', 'Documents encoded'))}</h2>")
    body.append(article_index(ctx))
    return "\n".join(body)


def parameters_page(ctx: SiteContext) -> str:
    """Every parameter with its dated values, their citations, and the rules that read it or
    show it in their messages."""
    t = ctx.t
    shown: dict[str, list[str]] = {}
    for rule in ctx.pack.rules:
        for pid in sorted(shown_parameters(rule_texts(rule))):
            shown.setdefault(pid, []).append(rule.id)
    rows = []
    for pid, p in sorted(ctx.pack.parameters.items()):
        values = "<br>".join(
            t(
                f"自 {esc(v.since.isoformat())} 起：<strong>{ctx.value(p, v.value)}</strong>",
                f"from {esc(v.since.isoformat())}: <strong>{ctx.value(p, v.value)}</strong>",
            )
            + ctx.paren(f"{ctx.cite(v.citation)}{ctx.t('，', ', ')}{esc(v.source_pack)}")
            for v in p.values
        )
        if p.overridden_by:
            by = ctx.sep.join(p.overridden_by)
            values += (
                f"<br><span class='muted'>{esc(t(f'由 {by} 覆盖', f'overridden by {by}'))}</span>"
            )
        readers = "<br>".join(ctx.rule_link(r) for r in ctx.data.programs.readers(pid)) or "—"
        messages = "<br>".join(ctx.rule_link(r) for r in shown.get(pid, [])) or "—"
        rows.append(
            (
                f'<span id="param-{esc(pid)}">{ctx.text(p.label)}</span><br>'
                f'<code class="id">params.{esc(pid)}</code>',
                esc(p.type) + (f"，{esc(p.unit)}" if p.unit else ""),
                values,
                readers,
                messages,
            )
        )
    intro = t(
        "参数的取值随日期变化：决定按申请受理日适用当日有效的值；规则说明中的数字取自参数，本站显示其最新取值。",
        "A parameter's value depends on the date: a decision uses the value in force on the "
        "request's date. Figures in messages come from parameters; this site shows the latest.",
    )
    headers = (
        t("参数", "parameter"),
        t("类型与单位", "type and unit"),
        t("取值（自何日起）与依据", "values (from) and citations"),
        t("读取它的规则", "rules reading it"),
        t("在说明中显示它的规则", "messages showing it"),
    )
    return f"<p>{esc(intro)}</p>" + table(headers, rows)


def _layer(ctx: SiteContext, layer: str) -> list[str]:
    pack = ctx.pack
    t = ctx.t
    parts = []
    groups: dict[str, list[str]] = {}
    for rule in (r for r in pack.rules if r.source_pack == layer):
        replaced = any(h.action == "replace" and h.source_pack == layer for h in rule.history)
        key = "replaces" if replaced else (rule.relation or "unlabelled")
        groups.setdefault(key, []).append(
            f"<li>{ctx.rule_link(rule.id)} {ctx.message(rule.message)}{ctx.paren(ctx.cite(rule.citation))}</li>"
        )
    for rule in pack.rules:
        for n in rule.narrowings:
            if n.source_pack == layer:
                groups.setdefault("narrows", []).append(
                    f"<li>{ctx.rule_link(rule.id)}{ctx.colon}{ctx.message(n.message)}{ctx.paren(ctx.cite(n.citation))}</li>"
                )
    titles = [(k, RELATION[k]) for k in ("adds", "narrows", "fills", "replaces", "same")]
    titles.append(("unlabelled", Text("未标注关系", "no relation given")))
    for key, title in titles:
        if key in groups:
            parts.append(
                f"<h3>{ctx.text(title)}{ctx.paren(str(len(groups[key])))}</h3><ul>{''.join(groups[key])}</ul>"
            )
    disabled = [(rid, o) for rid, o in pack.disabled_rules if o.source_pack == layer]
    if disabled:
        items = "".join(
            f"<li><code class='id'>{esc(rid)}</code>"
            + (ctx.paren(ctx.cite(o.citation)) if o.citation else "")
            + "</li>"
            for rid, o in disabled
        )
        parts.append(
            f"<h3>{esc(t('停用', 'disables'))}{ctx.paren(str(len(disabled)))}</h3><ul>{items}</ul>"
        )
    params = sorted(
        (p for p in pack.parameters.values() if layer in p.overridden_by), key=lambda p: p.id
    )
    if params:
        rows = [
            (
                ctx.param_link(p.id),
                "<br>".join(
                    f"{esc(v.since.isoformat())}{ctx.colon}{ctx.value(p, v.value)}"
                    + ctx.paren(f"{esc(v.source_pack)}{ctx.t('，', ', ')}{ctx.cite(v.citation)}")
                    for v in p.values
                ),
            )
            for p in params
        ]
        heading = t("覆盖的参数", "parameters overridden")
        parts.append(
            f"<h3>{esc(heading)}{ctx.paren(str(len(params)))}</h3>"
            + table((t("参数", "parameter"), t("取值", "values")), rows)
        )
    forbidden = [f for f in pack.lifecycle.forbidden if f.source_pack == layer]
    if forbidden:
        items = "".join(
            f"<li>{ctx.transition_link(f.transition)}{ctx.colon}{ctx.message(f.message)}{ctx.paren(ctx.cites(f.citation, f.also_cites))}</li>"
            for f in forbidden
        )
        heading = t("新增的禁止情形", "forbidden moves added")
        parts.append(f"<h3>{esc(heading)}{ctx.paren(str(len(forbidden)))}</h3><ul>{items}</ul>")
    return parts


def layers_page(ctx: SiteContext) -> str:
    """What each layer does to the pack it extends: adds, narrows, fills, replaces, disables."""
    pack = ctx.pack
    t = ctx.t
    if len(pack.chain) == 1:
        return (
            "<p>"
            + esc(
                t(
                    f"规则包 {pack.id} 是基础规则包，没有上位规则包。省级规则包在此页列出它对全国规则的新增、收紧、细化和替换。",
                    f"Pack {pack.id} is a base pack: it extends no other. A province's pack lists here "
                    "what it adds to, narrows, fills in and replaces of the national rules.",
                )
            )
            + "</p>"
        )
    intro = t(
        "每一层规则包只能通过声明来改变其上位规则包：新增规则（adds）、收紧（narrows）、"
        "细化授权事项（fills）、替换（replaces）或停用（disable），并给出依据。",
        "A layer changes the pack it extends only by declaring it: it adds rules, narrows, fills "
        "in a delegated detail, replaces or disables a rule, each with its citation.",
    )
    parts = [f"<p>{esc(intro)}</p>"]
    for layer, base in zip(pack.chain, pack.chain[1:], strict=False):
        parts.append(f"<h2>{esc(t(f'{layer} 相对于 {base}', f'{layer} over {base}'))}</h2>")
        parts += _layer(ctx, layer)
    return "\n".join(parts)


def coverage_page(ctx: SiteContext, report: Any) -> str:
    """Rule coverage by the scenarios, article by article (``testing.coverage``)."""
    from xueji_rules.testing.coverage import article_rows

    t = ctx.t
    intro = t(
        f"场景测试覆盖了 {report.covered} / {len(report.rules)} 条规则的通过与不通过两面"
        f"（{report.percent:.1f}%）。✓ 已覆盖，✗ 未覆盖，– 该规则没有这一面，○ 单面规则在不适用时被覆盖。",
        f"The scenarios cover both sides, passed and failed, of {report.covered} of "
        f"{len(report.rules)} rules ({report.percent:.1f}%). ✓ covered, ✗ not covered, – the "
        "rule has no such side, ○ a one-sided rule covered where it did not apply.",
    )
    parts = [f"<p>{esc(intro)}</p>"]
    cell: Callable[[Any], str] = lambda r: f"{ctx.rule_link(r.rule.id)} {' '.join(r.marks())}"  # noqa: E731
    headers = (
        t("条", "article"),
        t("主题", "topic"),
        t("规则（通过 不通过）", "rules (passed failed)"),
        t("说明", "note"),
    )
    for pack, doc_id, rows in article_rows(report):
        doc = pack.documents[doc_id]
        parts.append(f"<h2>{esc(doc.number)} {esc(doc.title)}</h2>")
        if not rows:
            parts.append(f"<p class='muted'>{esc(t('未列出条目。', 'No articles listed.'))}</p>")
            continue
        table_rows = []
        for row in rows:
            if row.rules:
                note = (
                    esc(f"{t('部分未编码：', 'partly not encoded: ')}{row.not_encoded}")
                    if row.not_encoded
                    else ""
                )
            elif row.not_encoded:
                note = esc(f"{t('未编码：', 'not encoded: ')}{row.not_encoded}")
            else:
                note = f"<strong>{esc(t('缺失', 'missing'))}</strong>"
            table_rows.append(
                (
                    f'<a href="{doc_page(doc_id)}#art-{esc(doc_id)}-{row.article}">{esc(ctx.article_title(row.article))}</a>',
                    esc(row.topic),
                    "<br>".join(
                        [cell(r) for r in row.rules]
                        + [
                            f"{esc(t('参数', 'parameter'))} {ctx.param_link(p)}"
                            for p in row.parameters
                        ]
                    ),
                    note,
                )
            )
        parts.append(table(headers, table_rows))
    return "\n".join(parts)
