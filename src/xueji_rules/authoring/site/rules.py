"""Rule cards and the article-by-article pages."""

from __future__ import annotations

from xueji_rules.authoring.expressions import readable
from xueji_rules.authoring.labels import MODALITY, RELATION, UNIT
from xueji_rules.authoring.site.context import SiteContext
from xueji_rules.authoring.site.html import esc, table, text_block
from xueji_rules.packs.model import Document, ObligationSpec, Rule, chinese_numeral

__all__ = ["article_index", "document_page", "obligation_clock", "rule_card"]


def obligation_clock(ctx: SiteContext, o: ObligationSpec) -> str:
    """When an obligation falls due, in words: from what, how long."""
    if o.clock is None:
        return "无期限"
    trigger = "；".join(readable(o.clock.trigger, ctx.label))
    amount = o.clock.amount
    length = str(amount) if isinstance(amount, int) else "；".join(readable(amount, ctx.label))
    unit = UNIT.get(o.clock.unit, o.clock.unit)
    return f"自{esc(trigger)}起 {esc(length)} {esc(unit)}内"


def _dl(rows: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v) + "</dl>"


def rule_card(ctx: SiteContext, rule: Rule) -> str:
    """One rule as a card: its message, where it applies, its conditions in words, its data."""
    badges = f'<span class="badge">{esc(MODALITY.get(rule.modality, rule.modality))}</span>'
    if rule.relation:
        badges += (
            f'<span class="badge {esc(rule.relation)}">'
            f"{esc(RELATION.get(rule.relation, rule.relation))}</span>"
        )
    stages = "、".join(esc(ctx.stage_name(s)) for s in rule.stages) if rule.stages else "全部学段"
    rows: list[tuple[str, str]] = [
        ("学籍业务", "；".join(ctx.transition_link(t) for t in rule.transitions)),
        ("学段", stages),
        ("适用条件", ctx.condition(rule.when)),
        ("要求", ctx.condition(rule.require)),
    ]
    for n in rule.narrowings:
        rows.append(
            (
                "收紧",
                f"{ctx.condition(n.require)}<br>{text_block(n.message)}（{ctx.cite(n.citation)}，"
                f"{esc(n.source_pack)}）",
            )
        )
    if rule.exception is not None:
        rows.append(
            ("例外", ctx.vocab("exception_routes", rule.exception.route, rule.exception.label))
        )
    if rule.documents:
        docs = []
        for d in rule.documents:
            alt = (
                "（或：" + "、".join(ctx.vocab("documents", a) for a in d.alternatives) + "）"
                if d.alternatives
                else ""
            )
            docs.append(ctx.vocab("documents", d.id, d.label) + alt)
        rows.append(("须提交材料", "<br>".join(docs)))
    if rule.approval is not None:
        label = text_block(rule.approval.label) if rule.approval.label else ""
        rows.append(
            (
                "批准",
                f"{ctx.vocab('approval_bodies', rule.approval.body)}（{esc(rule.approval.kind)}）"
                f" {label}",
            )
        )
    for o in rule.obligations:
        cond = f"；条件：{ctx.condition(o.when)}" if o.when else ""
        rows.append(
            (
                "义务",
                f"{ctx.vocab('parties', o.party)}：{text_block(o.action)}；"
                f"时限：{obligation_clock(ctx, o)}{cond}（{ctx.cite(o.citation)}）"
                f' <code class="id">{esc(o.id)}</code>',
            )
        )
    cites = [ctx.cite(rule.citation)] + [ctx.cite(c) for c in rule.also_cites]
    rows.append(("依据", "；".join(cites)))
    if rule.effective_from or rule.effective_until:
        rows.append(
            (
                "生效",
                f"{rule.effective_from or ''} 至 {rule.effective_until or '（无止期）'}",
            )
        )
    source = esc(rule.source_pack)
    for h in rule.history:
        source += f"；{esc(h.source_pack)} {esc(h.action)}" + (
            f"（{ctx.cite(h.citation)}）" if h.citation else ""
        )
    rows.append(("来源", source))
    cel = "\n".join(
        f"{k}: {' '.join(v.split())}"
        for k, v in (("when", rule.when), ("require", rule.require))
        if v
    ) + "".join(f"\nnarrowing: {' '.join(n.require.split())}" for n in rule.narrowings)
    details = (
        f"<details><summary>CEL 表达式</summary><pre>{esc(cel)}</pre></details>" if cel else ""
    )
    return (
        f'<div class="rule {esc(rule.modality)}" id="rule-{esc(rule.id)}">'
        f'<h4><code class="id">{esc(rule.id)}</code> {badges}</h4>'
        f'<p class="message">{text_block(rule.message)}</p>{_dl(rows)}{details}</div>'
    )


def article_index(ctx: SiteContext) -> str:
    """The list of documents, with how many articles and rules each has."""
    rows = []
    for doc in sorted(ctx.pack.documents.values(), key=lambda d: (d.effective, d.id)):
        rules = sum(1 for r in ctx.pack.rules if r.citation.document == doc.id)
        rows.append(
            (
                f'<a href="{ctx.doc_page(doc.id)}">{esc(doc.number)}</a>',
                esc(doc.title),
                esc(doc.issuer),
                esc(doc.effective.isoformat()),
                str(len(doc.articles)) if doc.articles else "未列出",
                str(rules),
                esc(doc.source_pack),
            )
        )
    return table(("文号", "标题", "发文机关", "施行日期", "条数", "规则数", "规则包"), rows)


def document_page(ctx: SiteContext, doc: Document) -> str:
    """One document: each article's topic, its rules as cards, and what is not encoded."""
    head = (
        f"<p>{esc(doc.issuer)}，{esc(doc.issued.isoformat())} 印发，"
        f"{esc(doc.effective.isoformat())} 施行"
        + (f"，有效期至 {esc(doc.valid_until.isoformat())}" if doc.valid_until else "")
        + f"。规则包：{esc(doc.source_pack)}。</p>"
        '<p class="muted">条文原文不收录于本站；每条规则的说明是编写者自己的表述，依据栏给出条款。</p>'
    )
    articles = list(doc.articles)
    if not articles:
        numbers = sorted(
            {r.citation.article for r in ctx.pack.rules if r.citation.document == doc.id}
        )
        articles = [(n, "", None) for n in numbers]
    parts = [head]
    for number, topic, not_encoded in articles:
        primary, also = ctx.rules_citing(doc.id, number)
        title = f"第{chinese_numeral(number)}条" + (f" {topic}" if topic else "")
        block = [f'<div class="article" id="art-{esc(doc.id)}-{number}"><h3>{esc(title)}</h3>']
        if not_encoded:
            prefix = "部分未编码" if primary or also else "未编码"
            block.append(f'<p class="note">{prefix}：{esc(not_encoded)}</p>')
        elif not primary and not also:
            block.append('<p class="note">尚无规则编码本条，也未说明原因。</p>')
        block += [rule_card(ctx, r) for r in primary]
        if also:
            block.append(
                "<p>同时引用本条的规则：" + "、".join(ctx.rule_link(r.id) for r in also) + "</p>"
            )
        block.append("</div>")
        parts.append("".join(block))
    return "\n".join(parts)
