"""The site's page frame, stylesheet and small HTML helpers (standard library only).

The site is written twice: in Chinese at the top of the output directory and in English under
``en/``, page for page with the same names, so every link inside a language stays as it is and
the switch in each page's header points to the same page in the other language. No script is
needed for either.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from xueji_rules.packs.model import Text

__all__ = ["CSS", "LANGS", "NAV", "esc", "page", "table"]

LANGS = ("zh", "en")
"""The languages of the site; Chinese pages at the top, English ones under ``en/``."""

NAV: tuple[tuple[str, Text], ...] = (
    ("index.html", Text("首页", "Overview")),
    ("articles.html", Text("条文与规则", "Articles and rules")),
    ("parameters.html", Text("参数", "Parameters")),
    ("transitions.html", Text("学籍业务", "Transitions")),
    ("lifecycle.html", Text("生命周期", "Lifecycle")),
    ("vocabularies.html", Text("词表", "Vocabularies")),
    ("inputs.html", Text("输入字段", "Inputs")),
    ("records.html", Text("学籍信息", "Records data")),
    ("layers.html", Text("省级与上位规则", "Layers")),
    ("coverage.html", Text("测试覆盖", "Coverage")),
)

CSS = """\
:root { --ink: #1a202c; --muted: #4a5568; --line: #e2e8f0; --accent: #2b6cb0; --soft: #f7fafc; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.6;
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", sans-serif; }
header { background: #1a365d; color: #fff; padding: 0.8rem 1.5rem; }
header .pack { font-size: 1.15rem; font-weight: 600; }
header .line { color: #cbd5e0; }
header a.lang { float: right; color: #ebf8ff; border: 1px solid #90cdf4; border-radius: 4px;
  padding: 0.1rem 0.6rem; text-decoration: none; }
nav { background: #2c5282; padding: 0 1.5rem; }
nav a { display: inline-block; color: #ebf8ff; padding: 0.5rem 0.8rem; text-decoration: none; }
nav a.here { background: #fff; color: #1a365d; border-radius: 4px 4px 0 0; }
main { max-width: 1180px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.6rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
a { color: var(--accent); }
code, .id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; }
.zh-only { color: var(--muted); }
a.figure { font-weight: 600; text-decoration: underline dotted; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid var(--line); padding: 0.35rem 0.5rem; vertical-align: top; text-align: left; }
th { background: var(--soft); }
table.vocab td:nth-child(2), table.vocab td:nth-child(3) { min-width: 10em; }
.rule { border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 4px;
  padding: 0.6rem 0.9rem; margin: 0.8rem 0; background: #fff; }
.rule.mandatory { border-left-color: #c53030; }
.rule.default { border-left-color: #dd6b20; }
.rule.documents { border-left-color: #805ad5; }
.rule.approval { border-left-color: #2f855a; }
.rule.obligation { border-left-color: #2b6cb0; }
.rule h4 { margin: 0 0 0.3rem; font-size: 1rem; }
.rule .message { font-size: 1.02rem; margin: 0.2rem 0 0.4rem; }
.rule dl { display: grid; grid-template-columns: 7.5rem 1fr; gap: 0.15rem 0.8rem; margin: 0.3rem 0; }
.rule dt { color: var(--muted); }
.rule dd { margin: 0; }
.badge { display: inline-block; font-size: 0.78rem; padding: 0 0.45rem; border-radius: 999px;
  background: var(--soft); border: 1px solid var(--line); margin-right: 0.3rem; }
.badge.adds { background: #f0fff4; } .badge.narrows { background: #fffaf0; }
.badge.fills { background: #ebf8ff; } .badge.replaces { background: #fff5f5; }
ul.cond { margin: 0.1rem 0; padding-left: 1.2rem; }
details summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
details pre { background: var(--soft); padding: 0.4rem 0.6rem; white-space: pre-wrap; font-size: 0.82rem; }
.article { margin: 1.2rem 0 1.6rem; }
.article > h3 { background: var(--soft); padding: 0.3rem 0.6rem; border-radius: 4px; }
.note { background: #fffff0; border: 1px solid #faf089; padding: 0.4rem 0.7rem; border-radius: 4px; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; padding: 0.5rem; }
.diagram svg { max-width: none; height: auto; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 0.8rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.7rem 0.9rem; }
.card .n { font-size: 1.6rem; font-weight: 600; }
.needs { background: #f0fff4; border: 1px solid #c6f6d5; padding: 0.3rem 0.6rem; border-radius: 4px; }
.forbidden { border-left: 4px solid #c53030; padding-left: 0.6rem; }
footer { color: var(--muted); font-size: 0.8rem; text-align: center; padding: 2rem 0 1rem; }
"""


def esc(value: object) -> str:
    """HTML-escaped text of ``value``."""
    return escape(str(value), quote=True)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """A table whose cells are already HTML."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_FOOTER = Text(
    "由 xueji-rules docs 生成；条文原文不在本站，规则说明为编写者自己的表述。",
    "Written by xueji-rules docs. The texts of the law are not on this site; each rule's "
    "message is its author's own wording.",
)


def page(lang: str, name: str, title: str, here: str, pack_name: Text, line: str, body: str) -> str:
    """A whole page of the site in ``lang``: header with the pack's name and the switch to the
    same page (``name``) in the other language, navigation, the body, a footer."""
    current = ' class="here"'
    nav = "".join(
        f'<a href="{href}"{current if href == here else ""}>{esc(label.in_lang(lang))}</a>'
        for href, label in NAV
    )
    if lang == "en":
        switch = f'<a class="lang" href="../{name}" hreflang="zh-CN" lang="zh-CN">中文</a>'
        style, html_lang = "../style.css", "en"
    else:
        switch = f'<a class="lang" href="en/{name}" hreflang="en" lang="en">English</a>'
        style, html_lang = "style.css", "zh-CN"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} · {esc(pack_name.in_lang(lang))}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f'<link rel="stylesheet" href="{style}">\n</head>\n<body>\n'
        f'<header>{switch}<div class="pack">{esc(pack_name.in_lang(lang))}</div>'
        f'<div class="line">{line}</div></header>\n'
        f"<nav>{nav}</nav>\n<main>\n<h1>{esc(title)}</h1>\n{body}\n</main>\n"
        f"<footer>{esc(_FOOTER.in_lang(lang))}</footer>\n"
        "</body>\n</html>\n"
    )
