"""Write a pack's site: every page in Chinese and in English, the stylesheet and the diagrams, in a
fixed order."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xueji_rules.authoring.site import data as data_pages
from xueji_rules.authoring.site import pages
from xueji_rules.authoring.site.context import SiteContext, SiteData, doc_page
from xueji_rules.authoring.site.diagrams import render_svg, stage_graph, to_dot
from xueji_rules.authoring.site.html import CSS, LANGS, page
from xueji_rules.authoring.site.lifecycle import lifecycle_index, stage_page
from xueji_rules.authoring.site.rules import article_index, document_page
from xueji_rules.authoring.site.transition import transition_page, transitions_index
from xueji_rules.errors import InputError, Location
from xueji_rules.packs.model import Pack

__all__ = ["MARKER", "SiteResult", "build_site", "render_site"]

MARKER = ".xueji-rules-site"
_GENERATED = (".html", ".svg", ".css")
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'


@dataclass(frozen=True, slots=True)
class SiteResult:
    """What was written: the number of HTML pages and the index file."""

    pages: int
    index: str


Body = Callable[[SiteContext], str]


def _bodies(ctx: SiteContext, coverage: Any) -> list[tuple[str, str, str, Body]]:
    """(file name, title, navigation entry, body builder) of every page but the diagrams'."""
    pack, t = ctx.pack, ctx.t
    out: list[tuple[str, str, str, Body]] = [
        ("index.html", t("规则包概览", "Pack overview"), "index.html", pages.index_page),
        ("articles.html", t("条文与规则", "Articles and rules"), "articles.html", article_index),
    ]
    for doc in sorted(pack.documents.values(), key=lambda d: d.id):
        out.append(
            (
                doc_page(doc.id),
                f"{doc.number} {doc.title}",
                "articles.html",
                functools.partial(document_page, doc=doc),
            )
        )
    out += [
        ("parameters.html", t("参数", "Parameters"), "parameters.html", pages.parameters_page),
        ("transitions.html", t("学籍业务", "Transitions"), "transitions.html", transitions_index),
    ]
    for tid, spec in sorted(pack.lifecycle.transitions.items()):
        title = spec.text.in_lang(ctx.lang) + ctx.t(f"（{tid}）", f" ({tid})")
        out.append(
            (
                f"transition-{tid}.html",
                title,
                "transitions.html",
                functools.partial(transition_page, tid=tid),
            )
        )
    out += [
        ("lifecycle.html", t("生命周期", "Lifecycle"), "lifecycle.html", lifecycle_index),
        (
            "vocabularies.html",
            t("词表", "Vocabularies"),
            "vocabularies.html",
            data_pages.vocabularies_page,
        ),
        ("inputs.html", t("输入字段", "Input fields"), "inputs.html", data_pages.inputs_page),
        ("records.html", t("学籍信息", "Records data"), "records.html", data_pages.records_page),
        ("form.html", t("学生信息采集表", "Collection form"), "records.html", data_pages.form_page),
        ("layers.html", t("省级与上位规则", "Layers"), "layers.html", pages.layers_page),
    ]
    if coverage is not None:
        cover: Body = lambda c: pages.coverage_page(c, coverage)  # noqa: E731
    else:
        note = t(
            "本站生成时未计算测试覆盖（--no-coverage）。",
            "Coverage was not computed for this site (--no-coverage).",
        )
        cover = lambda c: f"<p class='note'>{note}</p>"  # noqa: E731
    out.append(("coverage.html", t("测试覆盖", "Coverage"), "coverage.html", cover))
    return out


def _language(ctx: SiteContext, coverage: Any, diagrams: bool) -> dict[str, str]:
    pack = ctx.pack
    until = pack.valid_until.isoformat() if pack.valid_until else "—"
    line = f"{pack.id} {pack.version} · {' → '.join(pack.chain)} · {pack.valid_from.isoformat()} – {until}"
    files: dict[str, str] = {}

    def add(name: str, title: str, here: str, body: str) -> None:
        files[name] = page(ctx.lang, name, title, here, pack.name, line, body)

    for name, title, here, build in _bodies(ctx, coverage):
        add(name, title, here, build(ctx))
    for sid, stage in pack.lifecycle.stages.items():
        svg = None
        if diagrams:
            svg = render_svg(to_dot(pack, stage_graph(pack, sid), ctx.lang))
            files[f"lifecycle-{sid}.svg"] = _XML + svg
        title = ctx.t(f"{stage.label}的学籍状态图", f"Statuses of {stage.text.in_lang('en')}")
        add(f"lifecycle-{sid}.html", title, "lifecycle.html", stage_page(ctx, sid, svg))
    return files


def render_site(pack: Pack, *, diagrams: bool = True, coverage: bool = True) -> dict[str, str]:
    """Every file of the site as ``{relative name: text}`` (nothing written): Chinese pages at
    the top, English ones under ``en/``."""
    data = SiteData(pack)
    report = None
    if coverage:
        from xueji_rules.testing.coverage import pack_coverage

        report = pack_coverage([pack.root])
    files: dict[str, str] = {"style.css": CSS}
    for lang in LANGS:
        prefix = "" if lang == "zh" else f"{lang}/"
        for name, text in _language(SiteContext(data, lang), report, diagrams).items():
            files[prefix + name] = text
    return dict(sorted(files.items()))


def _check(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError("not a directory", Location(file=str(out)))
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise InputError(
            "directory is not empty and was not written by 'xueji-rules docs'; "
            "choose an empty or new directory",
            Location(file=str(out)),
        )


def _prepare(out: Path) -> None:
    for folder in (out, *(out / lang for lang in LANGS)):
        if folder.is_dir() and not folder.is_symlink():
            for old in sorted(folder.iterdir()):
                if old.is_file() and not old.is_symlink() and old.suffix in _GENERATED:
                    old.unlink()
    out.mkdir(parents=True, exist_ok=True)


def build_site(
    pack: str | os.PathLike[str] | Pack,
    out: str | os.PathLike[str],
    *,
    diagrams: bool = True,
    coverage: bool = True,
) -> SiteResult:
    """Write the site of ``pack`` (a name, a directory or a loaded pack) into ``out``.

    ``out`` is created if needed; a non-empty directory is reused only when an earlier run wrote
    it (its generated files are replaced). The same pack gives byte-identical files. A pack whose
    expressions do not type-check is refused with its errors
    (:class:`~xueji_rules.errors.PackError`), as ``show`` refuses it.
    """
    from xueji_rules.engine import Engine
    from xueji_rules.packs.loader import load_pack

    target = Path(out)
    _check(target)
    loaded = pack if isinstance(pack, Pack) else load_pack(pack)
    Engine(loaded)  # compiles every expression: a view of a pack that cannot decide would mislead
    files = render_site(loaded, diagrams=diagrams, coverage=coverage)
    try:
        _prepare(target)
        for name, text in files.items():
            (target / name).parent.mkdir(exist_ok=True)
            (target / name).write_text(text, encoding="utf-8", newline="\n")
        (target / MARKER).write_text("generated by xueji-rules docs\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the site: {exc.strerror}", Location(file=str(out))
        ) from None
    count = sum(1 for name in files if name.endswith(".html"))
    return SiteResult(count, str(target / "index.html"))
