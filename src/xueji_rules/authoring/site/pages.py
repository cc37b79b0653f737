"""The site's other pages: index, parameters, transitions, lifecycle, layers, coverage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xueji_rules.authoring.contract import transition_contract
from xueji_rules.authoring.labels import MODALITY, RELATION, UNIT
from xueji_rules.authoring.site.context import SiteContext
from xueji_rules.authoring.site.diagrams import stage_graph
from xueji_rules.authoring.site.html import esc, table, text_block
from xueji_rules.authoring.site.rules import obligation_clock
from xueji_rules.authoring.structure import rule_reads
from xueji_rules.packs.model import Parameter, chinese_numeral

__all__ = [
    "coverage_page",
    "index_page",
    "layers_page",
    "lifecycle_index",
    "parameters_page",
    "stage_page",
    "transition_page",
    "transitions_index",
]


def index_page(ctx: SiteContext) -> str:
    """The landing page: what the pack is, what it encodes, where to go."""
    pack = ctx.pack
    lc = pack.lifecycle
    cards = [
        ("articles.html", len(pack.documents), "部文件，逐条列出规则"),
        ("articles.html", len(pack.rules), "条规则"),
        ("parameters.html", len(pack.parameters), "个参数（按日期取值）"),
        ("transitions.html", len(lc.transitions), "项学籍业务"),
        ("lifecycle.html", len(lc.stages), "个学段的状态图"),
    ]
    body = [
        f"<p>规则包 <code class='id'>{esc(pack.id)}</code> 版本 {esc(pack.version)}；"
        f"层次：{' → '.join(esc(p) for p in pack.chain)}；"
        f"适用日期：{esc(pack.valid_from.isoformat())} 至 "
        f"{esc(pack.valid_until.isoformat() if pack.valid_until else '（无止期）')}。</p>",
    ]
    digest = getattr(pack, "digest", None)
    if isinstance(digest, str):
        body.append(f"<p class='muted'>内容摘要：<code>{esc(digest)}</code></p>")
    body.append('<div class="cards">')
    for href, n, what in cards:
        body.append(f'<a class="card" href="{href}"><span class="n">{n}</span> {esc(what)}</a>')
    body.append("</div><h2>所编码的文件</h2>")
    from xueji_rules.authoring.site.rules import article_index

    body.append(article_index(ctx))
    return "\n".join(body)


def _value(p: Parameter, value: Any) -> str:
    unit = UNIT.get(p.unit or "", "")
    return f"{esc(value)}{esc(unit)}" if unit and p.unit != "ratio" else esc(value)


def parameters_page(ctx: SiteContext) -> str:
    """Every parameter with its dated values, their citations, and the rules that read it."""
    readers: dict[str, list[str]] = {}
    for rule in ctx.pack.rules:
        for pid in sorted(rule_reads(rule)):
            readers.setdefault(pid, []).append(rule.id)
    rows = []
    for pid, p in sorted(ctx.pack.parameters.items()):
        values = "<br>".join(
            f"自 {esc(v.since.isoformat())} 起：<strong>{_value(p, v.value)}</strong>"
            f"（{ctx.cite(v.citation)}，{esc(v.source_pack)}）"
            for v in p.values
        )
        overridden = (
            f"<br><span class='muted'>由 {esc('、'.join(p.overridden_by))} 覆盖</span>"
            if p.overridden_by
            else ""
        )
        rows.append(
            (
                f'<span id="param-{esc(pid)}">{text_block(p.label)}</span><br>'
                f'<code class="id">params.{esc(pid)}</code>',
                esc(p.type) + (f"，{esc(p.unit)}" if p.unit else ""),
                values + overridden,
                "<br>".join(ctx.rule_link(r) for r in readers.get(pid, [])) or "—",
            )
        )
    return "<p>参数的取值随日期变化：决定按申请受理日适用当日有效的值。</p>" + table(
        ("参数", "类型与单位", "取值（自何日起）与依据", "读取它的规则"), rows
    )


def transitions_index(ctx: SiteContext) -> str:
    """Every transition with its label, citation and how many rules govern it."""
    rows = []
    lc = ctx.pack.lifecycle
    for tid, t in sorted(lc.transitions.items()):
        stages = sorted({s for e in t.edges for s in (e.stages or lc.stages)})
        rules = sum(1 for r in ctx.pack.rules if tid in r.transitions)
        rows.append(
            (
                ctx.transition_link(tid),
                "、".join(esc(ctx.stage_name(s)) for s in stages),
                str(rules),
                ctx.cite(t.citation) if t.citation else "—",
            )
        )
    return table(("学籍业务", "学段", "规则数", "依据"), rows)


def transition_page(ctx: SiteContext, tid: str) -> str:
    """One transition: its lifecycle edges, the inputs it reads, and what its rules ask for."""
    pack = ctx.pack
    t = pack.lifecycle.transitions[tid]
    contract = transition_contract(pack, tid)
    parts = [f"<p>{ctx.cite(t.citation)}</p>" if t.citation else ""]
    parts.append("<h2>生命周期</h2>")
    edges = []
    for e in t.edges:
        stages = "、".join(esc(ctx.stage_name(s)) for s in e.stages) if e.stages else "全部学段"
        edges.append(
            (
                stages,
                "<br>".join(ctx.status_name(s) for s in e.from_statuses),
                ctx.status_name(e.to),
                ctx.status_name(e.pending) if e.pending else "—",
                ctx.condition(e.when) or "—",
                ctx.condition(e.to_stage) or "—",
            )
        )
    parts.append(table(("学段", "从状态", "办结后", "办理中", "条件", "办结后学段"), edges))
    parts.append("<h2>需要的输入</h2>")
    parts.append(
        "<p class='muted'>规则和生命周期读取的字段；“检查是否填写”表示有规则用 has() 先判断它是否存在。</p>"
    )
    rows = [
        (
            f"{esc(ctx.label(f.path))}<br><code class='id'>{esc(f.path)}</code>",
            "是" if f.guarded else "否",
            "、".join(f"<code>{esc(v)}</code>" for v in f.values) or "—",
            " ".join(
                ctx.rule_link(r) if not r.startswith("lifecycle") else esc(r) for r in f.rules
            ),
        )
        for f in contract.fields
    ]
    parts.append(table(("字段", "检查是否填写", "比较的取值", "读取它的规则"), rows))

    def listing(title: str, items: list[tuple[str, str]], empty: str = "无") -> None:
        parts.append(f"<h2>{esc(title)}</h2>")
        if not items:
            parts.append(f"<p class='muted'>{esc(empty)}</p>")
        else:
            parts.append(table(("内容", "规则"), items))

    listing(
        "须提交的材料",
        [
            (
                ctx.vocab("documents", d.id, d.label)
                + (
                    "（或：" + "、".join(ctx.vocab("documents", a) for a in d.alternatives) + "）"
                    if d.alternatives
                    else ""
                ),
                ctx.rule_link(rid),
            )
            for d, rid in contract.documents
        ],
    )
    listing(
        "审批机关",
        [
            (
                f"{ctx.vocab('approval_bodies', a.body)}（{esc(a.kind)}）"
                + (f" {text_block(a.label)}" if a.label else ""),
                ctx.rule_link(rid),
            )
            for a, rid in contract.approvals
        ],
    )
    listing(
        "例外的批准途径",
        [
            (ctx.vocab("exception_routes", x.route, x.label), ctx.rule_link(rid))
            for x, rid in contract.exceptions
        ],
    )
    parts.append("<h2>义务与时限</h2>")
    if contract.obligations:
        parts.append(
            table(
                ("义务", "责任方", "时限", "依据", "规则"),
                [
                    (
                        f"{text_block(o.action)}<br><code class='id'>{esc(o.id)}</code>",
                        ctx.vocab("parties", o.party),
                        obligation_clock(ctx, o)
                        + (f"；条件：{ctx.condition(o.when)}" if o.when else ""),
                        ctx.cite(o.citation),
                        ctx.rule_link(rid),
                    )
                    for o, rid in contract.obligations
                ],
            )
        )
    else:
        parts.append("<p class='muted'>无</p>")
    if contract.parameters:
        parts.append(
            "<h2>读取的参数</h2><p>"
            + "、".join(ctx.param_link(p) for p in contract.parameters)
            + "</p>"
        )
    parts.append("<h2>规则</h2>")
    by_modality: dict[str, list[str]] = {}
    for rule in contract.rules:
        by_modality.setdefault(rule.modality, []).append(
            f"<li>{ctx.rule_link(rule.id)} {text_block(rule.message)}</li>"
        )
    for modality in MODALITY:
        if modality in by_modality:
            parts.append(
                f"<h3>{esc(MODALITY[modality])}</h3><ul>{''.join(by_modality[modality])}</ul>"
            )
    if not contract.rules:
        parts.append("<p class='muted'>没有规则约束这项业务。</p>")
    return "\n".join(parts)


def lifecycle_index(ctx: SiteContext) -> str:
    """Stages (linked to their diagrams) and every status."""
    lc = ctx.pack.lifecycle
    stages = [
        (
            f'<a href="lifecycle-{esc(sid)}.html">{esc(s.label)}</a> <code class="id">{esc(sid)}</code>',
            "是" if s.compulsory else "否",
            f"{s.grades[0]}—{s.grades[1]}" if s.grades else "—",
            ctx.cite(s.citation) if s.citation else "—",
        )
        for sid, s in lc.stages.items()
    ]
    statuses = [
        (
            ctx.status_name(sid),
            "是" if s.terminal else "否",
            ctx.cite(s.citation) if s.citation else "—",
        )
        for sid, s in sorted(lc.statuses.items())
    ]
    return (
        table(("学段", "义务教育", "年级", "依据"), stages)
        + "<h2>学籍状态</h2>"
        + table(("状态", "终止状态", "依据"), statuses)
    )


def stage_page(ctx: SiteContext, stage: str, svg: str | None) -> str:
    """One stage's state diagram and the moves it draws."""
    graph = stage_graph(ctx.pack, stage)
    parts = []
    if svg is not None:
        parts.append(
            "<p class='muted'>方框为学籍状态（双线框为终止状态），箭头为学籍业务，虚线为办理中的状态；"
            f"点击箭头打开该业务。<a href='lifecycle-{esc(stage)}.svg'>SVG 文件</a></p>"
            f'<div class="diagram">{svg}</div>'
        )
    else:
        parts.append("<p class='note'>本站生成时未绘制状态图（--no-diagrams）。</p>")
    keep: dict[str, list[str]] = {}
    for origin, target, tid, _dashed in graph.moves:
        if origin == target:
            keep.setdefault(origin, []).append(tid)
    if keep:
        parts.append("<h2>不改变状态的业务</h2>")
        parts.append(
            table(
                ("状态", "学籍业务"),
                [
                    (ctx.status_name(sid), "；".join(ctx.transition_link(t) for t in tids))
                    for sid, tids in sorted(keep.items())
                ],
            )
        )
    rows = [
        (
            ctx.status_name(origin),
            ctx.status_name(target) + ("（办理中）" if dashed else ""),
            ctx.transition_link(tid),
        )
        for origin, target, tid, dashed in graph.moves
    ]
    parts.append("<h2>状态转移</h2>" + table(("从状态", "到状态", "学籍业务"), rows))
    return "\n".join(parts)


def layers_page(ctx: SiteContext) -> str:
    """What each layer does to the pack it extends: adds, narrows, fills, replaces, disables."""
    pack = ctx.pack
    if len(pack.chain) == 1:
        return (
            f"<p>规则包 <code class='id'>{esc(pack.id)}</code> 是基础规则包，没有上位规则包。"
            "省级规则包在此页列出它对全国规则的新增、收紧、细化和替换。</p>"
        )
    parts = [
        "<p>每一层规则包只能通过声明来改变其上位规则包：新增规则（adds）、收紧（narrows）、"
        "细化授权事项（fills）、替换（replaces）或停用（disable），并给出依据。</p>"
    ]
    for layer, base in zip(pack.chain, pack.chain[1:], strict=False):
        parts.append(f"<h2>{esc(layer)} 相对于 {esc(base)}</h2>")
        own = [r for r in pack.rules if r.source_pack == layer]
        groups: dict[str, list[str]] = {}
        for rule in own:
            replaced = any(h.action == "replace" and h.source_pack == layer for h in rule.history)
            key = "replaces" if replaced else (rule.relation or "unlabelled")
            groups.setdefault(key, []).append(
                f"<li>{ctx.rule_link(rule.id)} {text_block(rule.message)}（{ctx.cite(rule.citation)}）</li>"
            )
        narrowed = [
            f"<li>{ctx.rule_link(rule.id)}：{text_block(n.message)}（{ctx.cite(n.citation)}）</li>"
            for rule in pack.rules
            for n in rule.narrowings
            if n.source_pack == layer
        ]
        if narrowed:
            groups.setdefault("narrows", []).extend(narrowed)
        order: list[tuple[str, str]] = [
            (k, RELATION[k]) for k in ("adds", "narrows", "fills", "replaces", "same")
        ]
        order.append(("unlabelled", "未标注关系"))
        for key, title in order:
            if key in groups:
                parts.append(
                    f"<h3>{esc(title)}（{len(groups[key])}）</h3><ul>{''.join(groups[key])}</ul>"
                )
        disabled = [(rid, o) for rid, o in pack.disabled_rules if o.source_pack == layer]
        if disabled:
            parts.append(
                f"<h3>停用（{len(disabled)}）</h3><ul>"
                + "".join(
                    f"<li><code class='id'>{esc(rid)}</code>"
                    + (f"（{ctx.cite(o.citation)}）" if o.citation else "")
                    + "</li>"
                    for rid, o in disabled
                )
                + "</ul>"
            )
        params = [p for p in pack.parameters.values() if layer in p.overridden_by]
        if params:
            rows = [
                (
                    ctx.param_link(p.id),
                    "<br>".join(
                        f"自 {esc(v.since.isoformat())}：{_value(p, v.value)}（{esc(v.source_pack)}，{ctx.cite(v.citation)}）"
                        for v in p.values
                    ),
                )
                for p in sorted(params, key=lambda p: p.id)
            ]
            parts.append(f"<h3>覆盖的参数（{len(params)}）</h3>" + table(("参数", "取值"), rows))
    return "\n".join(parts)


def coverage_page(ctx: SiteContext, report: Any) -> str:
    """Rule coverage by the scenarios, article by article (``testing.coverage``)."""
    from xueji_rules.testing.coverage import article_rows

    parts = [
        f"<p>场景测试覆盖了 {report.covered} / {len(report.rules)} 条规则的通过与不通过两面"
        f"（{report.percent:.1f}%）。✓ 已覆盖，✗ 未覆盖，– 该规则没有这一面，○ 单面规则在不适用时被覆盖。</p>"
    ]
    cell: Callable[[Any], str] = lambda r: f"{ctx.rule_link(r.rule.id)} {' '.join(r.marks())}"  # noqa: E731
    for pack, doc_id, rows in article_rows(report):
        doc = pack.documents[doc_id]
        parts.append(f"<h2>{esc(doc.number)} {esc(doc.title)}</h2>")
        if not rows:
            parts.append("<p class='muted'>未列出条目。</p>")
            continue
        table_rows = []
        for row in rows:
            if row.rules:
                note = f"部分未编码：{esc(row.not_encoded)}" if row.not_encoded else ""
            elif row.not_encoded:
                note = f"未编码：{esc(row.not_encoded)}"
            else:
                note = "<strong>缺失</strong>"
            table_rows.append(
                (
                    f'<a href="{ctx.doc_page(doc_id)}#art-{esc(doc_id)}-{row.article}">第{chinese_numeral(row.article)}条</a>',
                    esc(row.topic),
                    "<br>".join(cell(r) for r in row.rules),
                    note,
                )
            )
        parts.append(table(("条", "主题", "规则（通过 不通过）", "说明"), table_rows))
    return "\n".join(parts)
