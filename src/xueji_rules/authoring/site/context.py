"""What every page builder shares: the pack, labels, and where each rule and article lives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xueji_rules.authoring.expressions import readable
from xueji_rules.authoring.labels import pack_labeler
from xueji_rules.authoring.site.html import esc
from xueji_rules.packs.model import Citation, Pack, Rule, Text, chinese_numeral

__all__ = ["SiteContext"]


@dataclass
class SiteContext:
    """The pack being rendered and the cross-references between its pages."""

    pack: Pack
    label: Callable[[str], str] = field(init=False)
    rule_pages: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.label = pack_labeler(self.pack)
        self.rule_pages = {r.id: self.article_href(r.citation, r.id) for r in self.pack.rules}

    # -- links --------------------------------------------------------------------------------

    @staticmethod
    def doc_page(document: str) -> str:
        """The page of one document's articles."""
        return f"article-{document}.html"

    def article_href(self, c: Citation, rule_id: str | None = None) -> str:
        """A link to an article (or to a rule's card on its article's page)."""
        anchor = f"rule-{rule_id}" if rule_id else f"art-{c.document}-{c.article}"
        return f"{self.doc_page(c.document)}#{anchor}"

    def cite(self, c: Citation) -> str:
        """A citation linked to its article."""
        return f'<a href="{self.article_href(c)}">{esc(c.render())}</a>'

    def rule_link(self, rule_id: str) -> str:
        """A rule id linked to its card."""
        href = self.rule_pages.get(rule_id)
        code = f'<code class="id">{esc(rule_id)}</code>'
        return f'<a href="{href}">{code}</a>' if href else code

    def transition_link(self, tid: str) -> str:
        """A transition's label linked to its page."""
        spec = self.pack.lifecycle.transitions.get(tid)
        name = spec.label if spec else tid
        return f'<a href="transition-{esc(tid)}.html">{esc(name)}</a> <code class="id">{esc(tid)}</code>'

    def param_link(self, pid: str) -> str:
        """A parameter linked to its row on the parameters page."""
        param = self.pack.parameters.get(pid)
        name = param.label.zh if param else pid
        return f'<a href="parameters.html#param-{esc(pid)}">{esc(name)}</a>'

    # -- labels -------------------------------------------------------------------------------

    def vocab(self, kind: str, key: str, fallback: Text | None = None) -> str:
        """A vocabulary id with its label (from ``vocabularies.yaml`` when the pack has one)."""
        vocab: Any = getattr(self.pack, "vocabularies", None) or {}
        label = (vocab.get(kind) or {}).get(key) or fallback
        name = ""
        if label is not None:
            zh = getattr(label, "zh", None) or (label.get("zh") if isinstance(label, dict) else "")
            en = getattr(label, "en", None) or (label.get("en") if isinstance(label, dict) else "")
            name = esc(zh) + (f' <span class="en" lang="en">{esc(en)}</span>' if en else "")
        return (
            f'{name} <code class="id">{esc(key)}</code>'
            if name
            else f'<code class="id">{esc(key)}</code>'
        )

    def stage_name(self, sid: str) -> str:
        """A stage's Chinese label."""
        stage = self.pack.lifecycle.stages.get(sid)
        return stage.label if stage else sid

    def status_name(self, sid: str) -> str:
        """A status's Chinese label with its id."""
        status = self.pack.lifecycle.statuses.get(sid)
        return f'{esc(status.label if status else sid)} <code class="id">{esc(sid)}</code>'

    def condition(self, source: str | None) -> str:
        """A condition in Chinese words (a list when it is a conjunction)."""
        if not source:
            return ""
        items = readable(source, self.label)
        if len(items) == 1:
            return esc(items[0])
        return '<ul class="cond">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"

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

    @staticmethod
    def article_title(number: str, article: int) -> str:
        """``晋教〔2026〕1号 第十六条``."""
        return f"{number} 第{chinese_numeral(article)}条"
