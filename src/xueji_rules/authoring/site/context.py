"""What every page builder shares: the pack and what is computed from it once, the language of
the page, names, links, conditions in words and messages with their figures."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from xueji_rules.authoring.expressions import readable
from xueji_rules.authoring.labels import Labels, field_text
from xueji_rules.authoring.programs import PackPrograms
from xueji_rules.authoring.site.html import esc
from xueji_rules.packs.model import (
    NOT_SPECIFIED,
    NOT_SPECIFIED_LABEL,
    Citation,
    ExceptionRoute,
    Pack,
    Parameter,
    Rule,
    Text,
    chinese_numeral,
)

__all__ = ["SiteContext", "SiteData"]


class SiteData:
    """What the site computes once from the pack, for both languages: the compiled expressions,
    every transition's input contract (``packs.contract.transition_contracts``), the records
    data, and where each rule's card is."""

    def __init__(self, pack: Pack) -> None:
        from xueji_rules.packs.contract import transition_contracts
        from xueji_rules.records import records_spec

        self.pack = pack
        self.programs = PackPrograms(pack)
        self.contracts: dict[str, dict[str, Any]] = transition_contracts(
            pack, declarations=self.programs.declarations
        )
        self.records = records_spec(pack)
        self.rule_pages = {r.id: _article_href(r.citation, r.id) for r in pack.rules}

    @functools.cached_property
    def field_uses(self) -> dict[str, dict[str, Any]]:
        """Every input path some transition reads, across the contracts: its type, whether a
        schema-valid input always has it, the transitions and the rules that read, test or need
        it."""
        out: dict[str, dict[str, Any]] = {}
        for tid, contract in self.contracts.items():
            for stage in contract["stages"].values():
                for row in stage["fields"]:
                    use = out.setdefault(
                        row["path"],
                        {"type": row["type"], "always": row["always_present"], "by": {}},
                    )
                    use["by"].setdefault(tid, set()).update(
                        who
                        for how in ("read_by", "tested_by", "needed_by")
                        for who in row.get(how, ())
                    )
        return dict(sorted(out.items()))


def doc_page(document: str) -> str:
    """The page of one document's articles."""
    return f"article-{document}.html"


def _article_href(c: Citation, rule_id: str | None = None) -> str:
    anchor = f"rule-{rule_id}" if rule_id else f"art-{c.document}-{c.article}"
    return f"{doc_page(c.document)}#{anchor}"


@dataclass
class SiteContext:
    """One language of the site: names, links and words for its pages."""

    data: SiteData
    lang: str = "zh"
    labels: Labels = field(init=False)

    def __post_init__(self) -> None:
        self.labels = Labels(self.data.pack, self.lang)

    @property
    def pack(self) -> Pack:
        """The pack the site shows."""
        return self.data.pack

    # -- words --------------------------------------------------------------------------------

    def t(self, zh: str, en: str) -> str:
        """The page's language: ``zh`` or ``en`` (plain text, not escaped)."""
        return en if self.lang == "en" else zh

    @property
    def colon(self) -> str:
        """``：`` or ``: ``."""
        return self.t("：", ": ")

    @property
    def semi(self) -> str:
        """``；`` or ``; ``."""
        return self.t("；", "; ")

    @property
    def sep(self) -> str:
        """``、`` or ``, ``: between the items of a list."""
        return self.t("、", ", ")

    def paren(self, html: str) -> str:
        """``html`` in brackets of the page's language."""
        return self.t(f"（{html}）", f" ({html})")

    def text(self, value: Text | None, fallback: str = "") -> str:
        """A label or message in the page's language, escaped; Chinese marked as such on an
        English page when the pack has no English for it."""
        if value is None:
            return esc(fallback)
        if self.lang == "en" and value.en is None:
            return f'<span lang="zh-CN" class="zh-only">{esc(value.zh)}</span>'
        return esc(value.in_lang(self.lang))

    def message(self, value: Text) -> str:
        """A message with each ``{params.NAME}`` shown as the parameter's latest value, linked to
        the parameter (every dated value in the link's title)."""
        from xueji_rules.engine._compile import placeholders, render

        names = placeholders(value)
        if not names:
            return self.text(value)
        marks = {name: f"\x00{name}\x00" for name in names}
        html = self.text(render(value, marks))
        for name, mark in marks.items():
            html = html.replace(mark, self.figure(name))
        return html

    def figure(self, pid: str) -> str:
        """A parameter's latest value, linked to it; every dated value in the title."""
        from xueji_rules.engine._compile import render

        param = self.pack.parameters.get(pid)
        if param is None or not param.values:
            return esc(f"{{params.{pid}}}")

        def shown(value: Any) -> str:
            return render(Text(f"{{params.{pid}}}"), {pid: value}).zh

        title = "; ".join(
            self.t(
                f"自 {v.since.isoformat()} 起 {shown(v.value)}", f"{shown(v.value)} from {v.since}"
            )
            for v in param.values
        )
        return (
            f'<a class="figure" href="parameters.html#param-{esc(pid)}" '
            f'title="params.{esc(pid)}: {esc(title)}">{esc(shown(param.values[-1].value))}</a>'
        )

    def value(self, param: Parameter, value: Any) -> str:
        """A parameter's value with its unit."""
        from xueji_rules.authoring.labels import UNIT

        unit = UNIT.get(param.unit or "")
        if unit is None or param.unit == "ratio":
            return esc(value)
        return esc(f"{value}{unit.in_lang(self.lang)}")

    # -- links --------------------------------------------------------------------------------

    def cite(self, c: Citation) -> str:
        """A citation linked to its article."""
        return f'<a href="{_article_href(c)}">{esc(c.render_in(self.lang))}</a>'

    def cites(self, citation: Citation, also: tuple[Citation, ...]) -> str:
        """A citation and, beside it, the articles also cited."""
        out = self.cite(citation)
        if also:
            out += self.t("；另引", "; also ") + self.sep.join(self.cite(c) for c in also)
        return out

    def rule_link(self, rule_id: str) -> str:
        """A rule id linked to its card."""
        href = self.data.rule_pages.get(rule_id)
        code = f'<code class="id">{esc(rule_id)}</code>'
        return f'<a href="{href}">{code}</a>' if href else code

    def who_link(self, who: str) -> str:
        """A rule id linked to its card, or the lifecycle (``lifecycle:T``) as words."""
        if who.startswith("lifecycle:"):
            return esc(self.t("生命周期", "lifecycle"))
        return self.rule_link(who)

    def transition_link(self, tid: str) -> str:
        """A transition's label linked to its page."""
        spec = self.pack.lifecycle.transitions.get(tid)
        name = self.text(spec.text) if spec else esc(tid)
        return f'<a href="transition-{esc(tid)}.html">{name}</a> <code class="id">{esc(tid)}</code>'

    def param_link(self, pid: str) -> str:
        """A parameter linked to its row on the parameters page."""
        param = self.pack.parameters.get(pid)
        name = self.text(param.label) if param else esc(pid)
        return f'<a href="parameters.html#param-{esc(pid)}">{name}</a>'

    # -- names --------------------------------------------------------------------------------

    def vocab(self, kind: str, key: str, fallback: Text | None = None) -> str:
        """A vocabulary id with its declared label, linked to the vocabularies page."""
        label = self.pack.label_of(kind, key) or fallback
        code = f'<code class="id">{esc(key)}</code>'
        if label is None:
            return code
        return f'<a href="vocabularies.html#vocab-{esc(kind)}-{esc(key)}">{self.text(label)}</a> {code}'

    def exception(self, route: ExceptionRoute) -> str:
        """Who may grant an exception to a default rule, in words."""
        if route.route == NOT_SPECIFIED:
            return self.text(NOT_SPECIFIED_LABEL) + esc(
                self.t(
                    "；规则包认可的任何机关准予的例外均可采信。",
                    "; an exception granted by any body the pack knows counts.",
                )
            )
        return self.vocab("exception_routes", route.route, route.label) + esc(
            self.t("可准予例外", " may grant an exception")
        )

    def stage_name(self, sid: str) -> str:
        """A stage's label."""
        stage = self.pack.lifecycle.stages.get(sid)
        return self.text(stage.text) if stage else esc(sid)

    def status_name(self, sid: str) -> str:
        """A status's label with its id."""
        status = self.pack.lifecycle.statuses.get(sid)
        name = self.text(status.text) if status else esc(sid)
        return f'{name} <code class="id">{esc(sid)}</code>'

    def field(self, path: str) -> str:
        """An input path by its name, with the path itself."""
        return f"{esc(self.labels.field(path))}<br><code class='id'>{esc(path)}</code>"

    def field_name(self, path: str) -> Text | None:
        """The label of an input path in both languages."""
        return field_text(self.pack, path)

    def condition(self, source: str | None) -> str:
        """A condition in words (a list when it is a conjunction)."""
        if not source:
            return ""
        program = self.data.programs.program(source)
        items = readable(program, self.labels) if program else [" ".join(source.split())]
        if len(items) == 1:
            return esc(items[0])
        return '<ul class="cond">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"

    def needs(self, rule: Rule) -> str:
        """A rule's needed inputs and what their absence does to a decision."""
        fields = self.sep.join(
            f"{esc(self.labels.field(p))} <code class='id'>{esc(p)}</code>" for p in rule.needs
        )
        return f"{fields}<br><span class='muted'>{esc(self.t(NEEDS_ZH, NEEDS_EN))}</span>"

    def rules_citing(self, document: str, article: int) -> tuple[list[Rule], list[Rule]]:
        """Rules whose own citation is the article, and rules that also cite it."""
        primary = [
            r
            for r in self.pack.rules
            if r.citation.document == document and r.citation.article == article
        ]
        also = [
            r
            for r in self.pack.rules
            if r not in primary
            and any(c.document == document and c.article == article for c in r.also_cites)
        ]
        return primary, also

    def article_title(self, article: int) -> str:
        """``第十六条`` / ``Art. 16``."""
        return self.t(f"第{chinese_numeral(article)}条", f"Art. {article}")


NEEDS_ZH = (
    "缺少其中任何一项时，本规则不作判定（既不通过也不拒绝），决定至少为“材料不全”（incomplete），"
    "并在 missing_inputs 中列出缺少的输入。"
)
NEEDS_EN = (
    "When one of them is absent the rule is not decided (neither passed nor failed): the "
    "decision is at least incomplete and its missing_inputs names the input."
)
