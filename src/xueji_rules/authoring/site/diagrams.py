"""Lifecycle state diagrams: DOT built here, laid out and drawn as SVG by Graphviz.

The Python ``graphviz`` package (the ``[docs]`` extra) runs Graphviz's ``dot`` program, which
comes from the system (Debian: ``apt-get install graphviz``). Both are checked when a diagram is
first asked for, and their absence is an error that says how to install them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xueji_rules.errors import InputError, Location
from xueji_rules.packs.model import Pack

__all__ = ["DOCS_HINT", "StageGraph", "render_svg", "stage_graph", "to_dot"]

DOCS_HINT = (
    "pip install 'xueji-rules[docs]' and Graphviz's dot program (Debian: apt-get install graphviz)"
)
_FONT = "Noto Sans CJK SC"


@dataclass(frozen=True, slots=True)
class StageGraph:
    """The statuses and moves of one stage: (from, to, transition id, dashed: a pending move)."""

    stage: str
    statuses: tuple[str, ...]
    moves: tuple[tuple[str, str, str, bool], ...]


def stage_graph(pack: Pack, stage: str) -> StageGraph:
    """Every edge of every transition that applies to ``stage``, and the statuses they touch."""
    moves: set[tuple[str, str, str, bool]] = set()
    for tid, transition in sorted(pack.lifecycle.transitions.items()):
        for edge in transition.edges:
            if edge.stages is not None and stage not in edge.stages:
                continue
            for origin in edge.from_statuses:
                moves.add((origin, edge.to, tid, False))
                if edge.pending and edge.pending not in (origin, edge.to):
                    moves.add((origin, edge.pending, tid, True))
    statuses = sorted({m[0] for m in moves} | {m[1] for m in moves})
    return StageGraph(stage, tuple(statuses), tuple(sorted(moves)))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(
    pack: Pack, graph: StageGraph, lang: str = "zh", link: str = "transition-{}.html"
) -> str:
    """The DOT source of a stage's diagram (nodes labelled in ``lang``, Chinese where the pack
    has no English; edges linked to pages)."""
    lc = pack.lifecycle
    lines = [
        f"digraph {_quote(graph.stage)} {{",
        "  rankdir=LR; bgcolor=transparent; nodesep=0.25; ranksep=0.6;",
        f'  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", fontname={_quote(_FONT)}, fontsize=11];',
        f'  edge [fontname={_quote(_FONT)}, fontsize=9, color="#4a5568"];',
    ]
    moving = {m[0] for m in graph.moves if m[0] != m[1]} | {
        m[1] for m in graph.moves if m[0] != m[1]
    }
    for sid in (s for s in graph.statuses if s in moving):
        status = lc.statuses.get(sid)
        label = status.text.in_lang(lang) if status else sid
        extra = ", peripheries=2" if status is not None and status.terminal else ""
        lines.append(
            f"  {_quote(sid)} [label={_quote(label + chr(10) + sid)}, id={_quote('status-' + sid)}{extra}];"
        )
    # one arrow per (from, to, dashed) with every transition that makes it
    merged: dict[tuple[str, str, bool], list[str]] = {}
    for origin, target, tid, dashed in graph.moves:
        if origin != target:  # moves that keep the status are listed under the diagram instead
            merged.setdefault((origin, target, dashed), []).append(tid)
    for (origin, target, dashed), tids in sorted(merged.items()):
        names = [lc.transitions[t].text.in_lang(lang) for t in tids]
        label = "\n".join(names)
        style = ', style=dashed, color="#a0aec0"' if dashed else ""
        href = link.format(tids[0])
        sep = ", " if lang == "en" else "、"
        tooltip = sep.join(f"{lc.transitions[t].text.in_lang(lang)} ({t})" for t in tids)
        lines.append(
            f"  {_quote(origin)} -> {_quote(target)} [label={_quote(label)}, "
            f"URL={_quote(href)}, tooltip={_quote(tooltip)}{style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


def render_svg(dot_source: str) -> str:
    """Lay out and draw ``dot_source``; the SVG element alone (no XML prolog or comments)."""
    try:
        import graphviz
    except ImportError:
        raise InputError(f"state diagrams need Graphviz: {DOCS_HINT}", Location()) from None
    try:
        raw = graphviz.Source(dot_source).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise InputError(
            f"state diagrams need Graphviz's dot program: {DOCS_HINT}", Location()
        ) from None
    except graphviz.CalledProcessError as exc:  # a layout the program refused
        raise InputError(f"Graphviz failed to draw a diagram: {exc}", Location()) from None
    svg = _COMMENT.sub("", _PROLOG.sub("", raw, count=1))
    return svg.strip() + "\n"
