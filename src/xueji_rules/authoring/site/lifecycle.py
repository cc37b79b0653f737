"""The lifecycle pages: stages and statuses, a state diagram per stage, the moves the law forbids,
and the edge tables the transition pages show."""

from __future__ import annotations

from collections.abc import Sequence

from xueji_rules.authoring.site.context import SiteContext
from xueji_rules.authoring.site.diagrams import stage_graph
from xueji_rules.authoring.site.html import esc, table
from xueji_rules.packs.model import Edge, Forbidden

__all__ = ["edge_rows", "forbidden_table", "lifecycle_index", "stage_page"]


def _targets(ctx: SiteContext, edge: Edge) -> str:
    t = ctx.t
    parts = [
        f"{esc(word)}{ctx.colon}{ctx.condition(source)}"
        for source, word in (
            (edge.to_stage, t("学段", "stage")),
            (edge.to_grade, t("年级", "grade")),
            (edge.to_school_system, t("学制", "school system")),
        )
        if source
    ]
    return "<br>".join(parts) or esc(t("不变", "unchanged"))


def edge_rows(ctx: SiteContext, edges: Sequence[Edge]) -> str:
    """A transition's edges: stages, from statuses, the status after and while pending, the
    condition, and the stage, grade and school system the record moves to."""
    t = ctx.t
    rows = [
        (
            ctx.sep.join(ctx.stage_name(s) for s in e.stages)
            if e.stages
            else esc(t("全部学段", "every stage")),
            "<br>".join(ctx.status_name(s) for s in e.from_statuses),
            ctx.status_name(e.to),
            ctx.status_name(e.pending) if e.pending else "—",
            ctx.condition(e.when) or "—",
            _targets(ctx, e),
        )
        for e in edges
    ]
    headers = (
        t("学段", "stages"),
        t("从状态", "from"),
        t("办结后", "to"),
        t("办理中", "while pending"),
        t("条件", "condition"),
        t("办结后的学段、年级、学制", "stage, grade, school system after"),
    )
    note = t(
        "按顺序取第一条符合学段、状态和条件的路径。",
        "The first edge that matches stage, status and condition is used.",
    )
    return f"<p class='muted'>{esc(note)}</p>" + table(headers, rows)


def forbidden_table(
    ctx: SiteContext, entries: Sequence[Forbidden], *, with_transition: bool = True
) -> str:
    """Moves the texts forbid: when no edge allows a request, a matching entry makes the refusal
    give its message and cite its articles."""
    t = ctx.t
    rows = []
    for f in entries:
        row = [ctx.transition_link(f.transition)] if with_transition else []
        row += [
            ctx.sep.join(ctx.stage_name(s) for s in f.stages)
            if f.stages
            else esc(t("全部学段", "every stage")),
            "<br>".join(ctx.status_name(s) for s in f.from_statuses)
            if f.from_statuses
            else esc(t("任何状态", "any status")),
            ctx.condition(f.when) or "—",
            ctx.message(f.message),
            ctx.cites(f.citation, f.also_cites),
            esc(f.source_pack),
        ]
        rows.append(row)
    headers = [t("学籍业务", "transition")] if with_transition else []
    headers += [
        t("学段", "stages"),
        t("从状态", "from"),
        t("条件", "condition"),
        t("拒绝理由", "reason given"),
        t("依据", "under"),
        t("规则包", "pack"),
    ]
    note = t(
        "没有任何路径允许该申请时，符合的条目使拒绝给出其理由并引用其条款；"
        "其他不被允许的申请只说明所编码的文件未规定该变动，不引用条款。",
        "When no edge allows a request, a matching entry makes the refusal give its reason and "
        "cite its articles; any other move the lifecycle does not allow is refused saying the "
        "encoded texts make no provision for it, citing nothing.",
    )
    return f"<p class='muted'>{esc(note)}</p>" + table(headers, rows, "forbidden")


def lifecycle_index(ctx: SiteContext) -> str:
    """Stages (linked to their diagrams), every status, and the forbidden moves."""
    t = ctx.t
    lc = ctx.pack.lifecycle
    stages = [
        (
            f'<a href="lifecycle-{esc(sid)}.html">{ctx.stage_name(sid)}</a> <code class="id">{esc(sid)}</code>',
            esc(t("是", "yes") if s.compulsory else t("否", "no")),
            f"{s.grades[0]}—{s.grades[1]}" if s.grades else "—",
            ctx.cite(s.citation) if s.citation else "—",
        )
        for sid, s in lc.stages.items()
    ]
    statuses = [
        (
            ctx.status_name(sid),
            esc(t("是", "yes") if s.terminal else t("否", "no")),
            ctx.cite(s.citation) if s.citation else "—",
        )
        for sid, s in sorted(lc.statuses.items())
    ]
    parts = [
        table(
            (
                t("学段", "stage"),
                t("义务教育", "compulsory"),
                t("年级", "grades"),
                t("依据", "under"),
            ),
            stages,
        ),
        f"<h2>{esc(t('学籍状态', 'Statuses'))}</h2>",
        table((t("状态", "status"), t("终止状态", "terminal"), t("依据", "under")), statuses),
        f"<h2 id='forbidden'>{esc(t('禁止的情形', 'Forbidden moves'))}</h2>",
    ]
    if lc.forbidden:
        parts.append(forbidden_table(ctx, lc.forbidden))
    else:
        parts.append(f"<p class='muted'>{esc(t('无', 'none'))}</p>")
    return "\n".join(parts)


def stage_page(ctx: SiteContext, stage: str, svg: str | None) -> str:
    """One stage's state diagram, the moves it draws, and the moves forbidden in it."""
    t = ctx.t
    graph = stage_graph(ctx.pack, stage)
    parts = []
    if svg is not None:
        legend = t(
            "方框为学籍状态（双线框为终止状态），箭头为学籍业务，虚线为办理中的状态；点击箭头打开该业务。",
            "Boxes are statuses (double boxes: terminal), arrows are transitions, dashed arrows "
            "lead to the status while pending; an arrow opens its transition.",
        )
        parts.append(
            f"<p class='muted'>{esc(legend)} <a href='lifecycle-{esc(stage)}.svg'>SVG</a></p>"
            f'<div class="diagram">{svg}</div>'
        )
    else:
        parts.append(
            f"<p class='note'>{esc(t('本站生成时未绘制状态图（--no-diagrams）。', 'No diagrams were drawn for this site (--no-diagrams).'))}</p>"
        )
    keep: dict[str, list[str]] = {}
    for origin, target, tid, _dashed in graph.moves:
        if origin == target:
            keep.setdefault(origin, []).append(tid)
    if keep:
        parts.append(f"<h2>{esc(t('不改变状态的业务', 'Transitions that keep the status'))}</h2>")
        parts.append(
            table(
                (t("状态", "status"), t("学籍业务", "transitions")),
                [
                    (ctx.status_name(sid), ctx.semi.join(ctx.transition_link(x) for x in tids))
                    for sid, tids in sorted(keep.items())
                ],
            )
        )
    rows = [
        (
            ctx.status_name(origin),
            ctx.status_name(target) + (esc(t("（办理中）", " (pending)")) if dashed else ""),
            ctx.transition_link(tid),
        )
        for origin, target, tid, dashed in graph.moves
    ]
    parts.append(
        f"<h2>{esc(t('状态转移', 'Moves'))}</h2>"
        + table((t("从状态", "from"), t("到状态", "to"), t("学籍业务", "transition")), rows)
    )
    forbidden = [f for f in ctx.pack.lifecycle.forbidden if f.stages is None or stage in f.stages]
    if forbidden:
        parts.append(f"<h2>{esc(t('禁止的情形', 'Forbidden moves'))}</h2>")
        parts.append(forbidden_table(ctx, forbidden))
    return "\n".join(parts)
