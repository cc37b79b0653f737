"""Rule cards and the article-by-article pages."""

from __future__ import annotations

from xueji_rules.authoring.labels import MODALITY, RELATION, UNIT
from xueji_rules.authoring.site.context import SiteContext, doc_page
from xueji_rules.authoring.site.html import esc, table
from xueji_rules.packs.model import Document, ObligationSpec, Rule

__all__ = ["article_index", "document_page", "obligation_clock", "obligation_text", "rule_card"]


def obligation_clock(ctx: SiteContext, o: ObligationSpec) -> str:
    """When an obligation falls due, in words: from what, how long."""
    if o.clock is None:
        return esc(ctx.t("无期限", "no time limit"))
    trigger = ctx.condition(o.clock.trigger)
    amount = o.clock.amount
    length = esc(amount) if isinstance(amount, int) else ctx.condition(amount)
    unit = UNIT.get(o.clock.unit)
    unit_text = esc(unit.in_lang(ctx.lang) if unit else o.clock.unit)
    if ctx.lang == "en":
        return f"within {length}{unit_text} of {trigger}"
    return f"自{trigger}起 {length}{unit_text}内"


def obligation_text(ctx: SiteContext, o: ObligationSpec) -> str:
    """An obligation in one line: who, what, by when, on what condition, under which article."""
    cond = f"{esc(ctx.t('；条件：', '; if '))}{ctx.condition(o.when)}" if o.when else ""
    return (
        f"{ctx.vocab('parties', o.party)}{ctx.colon}{ctx.message(o.action)}{ctx.semi}"
        f"{esc(ctx.t('时限：', 'time limit: '))}{obligation_clock(ctx, o)}{cond}"
        f"{ctx.paren(ctx.cite(o.citation))} <code class='id'>{esc(o.id)}</code>"
    )


def _dl(rows: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows if v) + "</dl>"


def _documents(ctx: SiteContext, rule: Rule) -> str:
    docs = []
    for d in rule.documents:
        alt = ""
        if d.alternatives:
            others = ctx.sep.join(ctx.vocab("documents", a) for a in d.alternatives)
            alt = ctx.t("（或：", " (or: ") + others + ctx.t("）", ")")
        docs.append(ctx.vocab("documents", d.id, d.label) + alt)
    return "<br>".join(docs)


def _rows(ctx: SiteContext, rule: Rule) -> list[tuple[str, str]]:
    t = ctx.t
    stages = (
        ctx.sep.join(ctx.stage_name(s) for s in rule.stages)
        if rule.stages
        else esc(t("全部学段", "every stage"))
    )
    rows: list[tuple[str, str]] = [
        (
            t("学籍业务", "transitions"),
            ctx.semi.join(ctx.transition_link(x) for x in rule.transitions),
        ),
        (t("学段", "stages"), stages),
        (t("适用条件", "applies when"), ctx.condition(rule.when)),
        (t("须具备的输入", "needs"), ctx.needs(rule) if rule.needs else ""),
        (t("要求", "requires"), ctx.condition(rule.require)),
    ]
    for n in rule.narrowings:
        rows.append(
            (
                t("收紧", "narrowed"),
                f"{ctx.condition(n.require)}<br>{ctx.message(n.message)}"
                + ctx.paren(f"{ctx.cite(n.citation)}{ctx.t('，', ', ')}{esc(n.source_pack)}"),
            )
        )
    if rule.exception is not None:
        rows.append((t("例外", "exception"), ctx.exception(rule.exception)))
    rows.append((t("须提交材料", "documents"), _documents(ctx, rule)))
    if rule.approval is not None:
        label = f" {ctx.text(rule.approval.label)}" if rule.approval.label else ""
        body = ctx.vocab("approval_bodies", rule.approval.body)
        rows.append((t("批准", "approval"), f"{body}（{esc(rule.approval.kind)}）{label}"))
    for o in rule.obligations:
        rows.append((t("义务", "duty"), obligation_text(ctx, o)))
    rows.append((t("依据", "under"), ctx.cites(rule.citation, rule.also_cites)))
    if rule.effective_from or rule.effective_until:
        since = rule.effective_from.isoformat() if rule.effective_from else ""
        until = rule.effective_until.isoformat() if rule.effective_until else t("（无止期）", "—")
        rows.append((t("生效", "in force"), esc(f"{since} {t('至', 'to')} {until}")))
    source = esc(rule.source_pack)
    for h in rule.history:
        cited = ctx.paren(ctx.cite(h.citation)) if h.citation else ""
        source += f"{ctx.semi}{esc(h.source_pack)} {esc(h.action)}{cited}"
    rows.append((t("来源", "from"), source))
    return rows


def rule_card(ctx: SiteContext, rule: Rule) -> str:
    """One rule as a card: its message, where it applies, its conditions in words, its data."""
    modality = MODALITY.get(rule.modality)
    badges = f'<span class="badge">{ctx.text(modality, rule.modality)}</span>'
    if rule.relation:
        relation = RELATION.get(rule.relation)
        badges += (
            f'<span class="badge {esc(rule.relation)}">{ctx.text(relation, rule.relation)}</span>'
        )
    sources = [("when", rule.when), ("needs", ", ".join(rule.needs)), ("require", rule.require)]
    sources += [("narrowing", n.require) for n in rule.narrowings]
    cel = "\n".join(f"{k}: {' '.join(v.split())}" for k, v in sources if v)
    details = (
        f"<details><summary>{esc(ctx.t('CEL 表达式', 'CEL'))}</summary><pre>{esc(cel)}</pre></details>"
        if cel
        else ""
    )
    return (
        f'<div class="rule {esc(rule.modality)}" id="rule-{esc(rule.id)}">'
        f'<h4><code class="id">{esc(rule.id)}</code> {badges}</h4>'
        f'<p class="message">{ctx.message(rule.message)}</p>{_dl(_rows(ctx, rule))}{details}</div>'
    )


def article_index(ctx: SiteContext) -> str:
    """The list of documents, with how many articles and rules each has."""
    rows = []
    for doc in sorted(ctx.pack.documents.values(), key=lambda d: (d.effective, d.id)):
        rules = sum(1 for r in ctx.pack.rules if r.citation.document == doc.id)
        rows.append(
            (
                f'<a href="{doc_page(doc.id)}">{esc(doc.number)}</a>',
                esc(doc.title),
                esc(doc.issuer),
                esc(doc.effective.isoformat()),
                str(len(doc.articles)) if doc.articles else esc(ctx.t("未列出", "not listed")),
                str(rules),
                esc(doc.source_pack),
            )
        )
    t = ctx.t
    headers = (
        t("文号", "number"),
        t("标题", "title"),
        t("发文机关", "issuer"),
        t("施行日期", "in force from"),
        t("条数", "articles"),
        t("规则数", "rules"),
        t("规则包", "pack"),
    )
    return table(headers, rows)


def _head(ctx: SiteContext, doc: Document) -> str:
    until = doc.valid_until.isoformat() if doc.valid_until else None
    if ctx.lang == "en":
        text = (
            f"{doc.issuer}, issued {doc.issued}, in force from {doc.effective}"
            + (f", valid until {until}" if until else "")
            + f". Pack: {doc.source_pack}."
        )
        note = (
            "The texts of the articles are not on this site; each rule's message is its "
            "author's own wording, and its citation names the article."
        )
    else:
        text = (
            f"{doc.issuer}，{doc.issued} 印发，{doc.effective} 施行"
            + (f"，有效期至 {until}" if until else "")
            + f"。规则包：{doc.source_pack}。"
        )
        note = "条文原文不收录于本站；每条规则的说明是编写者自己的表述，依据栏给出条款。"
    return f'<p>{esc(text)}</p><p class="muted">{esc(note)}</p>'


def document_page(ctx: SiteContext, doc: Document) -> str:
    """One document: each article's topic, its rules as cards, and what is not encoded."""
    articles = list(doc.articles)
    if not articles:
        numbers = sorted(
            {r.citation.article for r in ctx.pack.rules if r.citation.document == doc.id}
        )
        articles = [(n, "", None) for n in numbers]
    parts = [_head(ctx, doc)]
    for number, topic, not_encoded in articles:
        primary, also = ctx.rules_citing(doc.id, number)
        title = ctx.article_title(number) + (f" {topic}" if topic else "")
        block = [f'<div class="article" id="art-{esc(doc.id)}-{number}"><h3>{esc(title)}</h3>']
        if not_encoded:
            prefix = ctx.t("部分未编码", "partly not encoded") if primary or also else None
            prefix = prefix or ctx.t("未编码", "not encoded")
            block.append(f'<p class="note">{esc(prefix)}{ctx.colon}{esc(not_encoded)}</p>')
        elif not primary and not also:
            block.append(
                f'<p class="note">{esc(ctx.t("尚无规则编码本条，也未说明原因。", "No rule encodes this article and no reason is given."))}</p>'
            )
        block += [rule_card(ctx, r) for r in primary]
        if also:
            block.append(
                f"<p>{esc(ctx.t('同时引用本条的规则：', 'Rules that also cite it: '))}"
                + ctx.sep.join(ctx.rule_link(r.id) for r in also)
                + "</p>"
            )
        block.append("</div>")
        parts.append("".join(block))
    return "\n".join(parts)
