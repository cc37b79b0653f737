"""Rule coverage and article coverage.

*Rule coverage* says, for every rule of the packs a suite ran against, whether some scenario made
it pass and some scenario made it fail (read from each decision's rule results). A rule is
*covered* when both sides were seen. Some rules have one side only: an ``obligation`` rule never
fails, a rule whose ``require`` is the constant ``true`` cannot fail, and a standing prohibition
(``require: "false"``, e.g. a transition the national text leaves to the provinces) never passes;
for them the one side is enough, unless the rule has a ``when``: then its other side is a
scenario in which the rule was in scope (its transition and stage, a lifecycle edge, in force on
the date) but its ``when`` was false, so the condition that starts the duty is tested both ways.

A rule a province inherits unchanged is one definition shared by both packs: the scenarios of
either pack count for it, and it is counted once in the percentage. When only a layer's own
scenarios are run (``xueji-rules test --coverage ./shanxi``), the scenarios of the packs it
extends are run as well and count for the definitions the layer shares with them; the base
packs' own rules that the layer replaced or disabled are not part of the report.

*Article coverage* lists every article of every document of the packs (``articles/<doc>.yaml``),
the rules that encode it (by ``citation`` and ``also_cites``, or by reading a parameter whose dated
value cites it) with their rule coverage, and for an article without rules the reason it is not
encoded, or ``MISSING``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xueji_rules.packs.model import Citation, Pack, Rule, chinese_numeral

if TYPE_CHECKING:
    from xueji_rules.testing.scenarios import Suite

__all__ = [
    "ArticleRow",
    "CoverageReport",
    "RuleCoverage",
    "article_rows",
    "definition_key",
    "pack_coverage",
    "render_markdown",
    "rule_coverage",
]

DefinitionKey = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def definition_key(rule: Rule) -> DefinitionKey:
    """Identifies a rule's definition: the same in a base pack and a layer that left it alone."""
    return (
        rule.id,
        rule.source_pack,
        tuple(n.source_pack for n in rule.narrowings),
        tuple(f"{h.action}:{h.source_pack}" for h in rule.history),
    )


@dataclass
class RuleCoverage:
    """How often one rule definition passed and failed across the suite."""

    rule: Rule
    pack: str  # the first pack (in run order) whose effective rules hold this definition
    passed: int = 0
    failed: int = 0
    skipped: int = 0  # in scope but its ``when`` was false (counted for one-sided rules only)
    packs: list[str] = field(default_factory=list)

    @property
    def can_fail(self) -> bool:
        """Whether the rule has a fail side (an obligation, or ``require: "true"``, has none)."""
        return self.rule.modality != "obligation" and not self._constant("true")

    @property
    def can_pass(self) -> bool:
        """Whether the rule has a pass side (a standing prohibition, ``require: "false"``, has none)."""
        return not self._constant("false")

    def _constant(self, value: str) -> bool:
        require = (self.rule.require or "").strip()
        return (
            self.rule.modality in ("mandatory", "default")
            and require == value
            and not self.rule.narrowings
        )

    @property
    def one_sided_conditional(self) -> bool:
        """A rule with one side and a ``when``: not applying is its other side."""
        return self.rule.when is not None and not (self.can_pass and self.can_fail)

    @property
    def covered(self) -> bool:
        """Every side the rule has was seen."""
        if self.one_sided_conditional:
            seen = self.passed > 0 if self.can_pass else self.failed > 0
            return seen and self.skipped > 0
        return (self.passed > 0 or not self.can_pass) and (self.failed > 0 or not self.can_fail)

    def marks(self) -> tuple[str, str]:
        """``'✓'`` (seen), ``'✗'`` (not seen) or ``'–'`` (no such side) for pass and fail.

        For a one-sided rule with a ``when`` the missing side is ``'○'`` when a scenario had the
        rule in scope with its ``when`` false, ``'✗'`` when none did.
        """
        other = ("○" if self.skipped else "✗") if self.one_sided_conditional else "–"
        passed = ("✓" if self.passed else "✗") if self.can_pass else other
        failed = ("✓" if self.failed else "✗") if self.can_fail else other
        return passed, failed


def _article_key(c: Citation) -> tuple[str, int]:
    return (c.number or c.document, c.article)


def _article_text(c: Citation) -> str:
    return f"{c.number or c.document} 第{chinese_numeral(c.article)}条"


@dataclass
class CoverageReport:
    """Rule coverage of a suite: one :class:`RuleCoverage` per distinct rule definition."""

    packs: list[Pack]
    rules: list[RuleCoverage]

    @property
    def covered(self) -> int:
        """Rule definitions covered on both sides."""
        return sum(1 for r in self.rules if r.covered)

    @property
    def percent(self) -> float:
        """Share of rule definitions covered on both sides, in percent (100 with no rules)."""
        return 100.0 * self.covered / len(self.rules) if self.rules else 100.0

    def by_article(self) -> list[tuple[str, list[RuleCoverage]]]:
        """Rules grouped by the article of their citation, in document and article order."""
        groups: dict[tuple[str, int], tuple[str, list[RuleCoverage]]] = {}
        for item in self.rules:
            key = _article_key(item.rule.citation)
            groups.setdefault(key, (_article_text(item.rule.citation), []))[1].append(item)
        return [groups[k] for k in sorted(groups)]

    def render_text(self) -> str:
        """The report as plain text: per pack, per rule, per article, then the total."""
        lines = [
            "rule coverage (✓ exercised, ✗ not, – the rule has no such side, ○ a one-sided rule "
            "seen not applying): pass | fail"
        ]
        for pack in self.packs:
            own = [r for r in self.rules if r.pack == pack.id]
            inherited = sum(1 for r in self.rules if r.pack != pack.id and pack.id in r.packs)
            based = sum(1 for r in own if r.rule.source_pack != pack.id and not r.rule.history)
            note = f" ({based} of them inherited from the packs it extends)" if based else ""
            lines.append(f"pack {pack.id}: {len(own)} rules{note}")
            width = max((len(r.rule.id) for r in own), default=0)
            for r in own:
                p, f = r.marks()
                lines.append(
                    f"  {p} | {f}  {r.rule.id:<{width}}  {r.rule.citation.render()}"
                    f"  (passed {r.passed}, failed {r.failed})"
                )
            if inherited:
                lines.append(f"  + {inherited} rules inherited unchanged (listed under their pack)")
        lines.append("by article:")
        for text, items in self.by_article():
            both = sum(1 for r in items if r.covered)
            lines.append(f"  {text}: {both}/{len(items)} rules covered ({_pct(both, len(items))})")
        lines.append(
            f"total: {self.covered}/{len(self.rules)} rules covered on both sides "
            f"({self.percent:.1f}%)"
        )
        return "\n".join(lines) + "\n"


def _pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.0f}%" if d else "–"


def rule_coverage(suite: Suite) -> CoverageReport:
    """The rule coverage of a suite run (see :func:`xueji_rules.testing.runner.run_suite`)."""
    packs = [engine.pack for engine in suite.engines.values()]
    runs = [(suite.engines[key].pack, r) for key, r in suite.runs]
    runs += [(suite.base_engines[key].pack, r) for key, r in suite.base_runs]
    return coverage_of(packs, runs)


def coverage_of(packs: Sequence[Pack], runs: Iterable[tuple[Pack, object]]) -> CoverageReport:
    """Rule coverage from ``(pack, ScenarioResult)`` pairs over the effective rules of ``packs``.

    Packs are listed base first, so an inherited rule is reported under the pack defining it. A
    run against a pack that is not in ``packs`` (a base of one of them) counts for the rule
    definitions it shares with them.
    """
    ordered = sorted(packs, key=lambda p: (len(p.chain), p.id))
    table: dict[DefinitionKey, RuleCoverage] = {}
    by_pack: dict[str, dict[str, DefinitionKey]] = {}
    for pack in ordered:
        ids: dict[str, DefinitionKey] = {}
        for rule in pack.rules:
            key = definition_key(rule)
            ids[rule.id] = key
            item = table.get(key)
            if item is None:
                item = table[key] = RuleCoverage(rule=rule, pack=pack.id)
            if pack.id not in item.packs:
                item.packs.append(pack.id)
        by_pack[pack.root] = ids
    stages = {pack.root: tuple(pack.lifecycle.stages) for pack in ordered}
    conditional: dict[str, list[DefinitionKey]] = {}

    def shared(pack: Pack) -> dict[str, DefinitionKey]:
        """The rule ids of a pack mapped to the report's definitions (a base pack: shared ones)."""
        ids = by_pack.get(pack.root)
        if ids is None:
            keys = ((rule.id, definition_key(rule)) for rule in pack.rules)
            ids = by_pack[pack.root] = {rid: key for rid, key in keys if key in table}
            stages[pack.root] = tuple(pack.lifecycle.stages)
        if pack.root not in conditional:
            conditional[pack.root] = [k for k in ids.values() if table[k].one_sided_conditional]
        return ids

    for pack, result in runs:
        decision = getattr(result, "decision", None)
        if decision is None:
            continue
        ids = shared(pack)
        applied = set()
        for rr in decision.rules:
            found = ids.get(rr.id)
            if found is None:
                continue
            applied.add(found)
            if rr.passed:
                table[found].passed += 1
            else:
                table[found].failed += 1
        if (
            decision.reason is None
        ):  # a lifecycle edge was found: the rules of the key were in scope
            for key in conditional[pack.root]:
                item = table[key]
                if key not in applied and _in_scope(item.rule, decision, stages[pack.root]):
                    item.skipped += 1
    rules = sorted(table.values(), key=lambda r: ([p.id for p in ordered].index(r.pack), r.rule.id))
    return CoverageReport(packs=list(ordered), rules=rules)


def _in_scope(rule: Rule, decision: Any, all_stages: tuple[str, ...]) -> bool:
    return (
        decision.transition in rule.transitions
        and decision.from_stage in (rule.stages or all_stages)
        and rule.in_force(decision.as_of)
    )


def pack_coverage(refs: Sequence[str]) -> CoverageReport:
    """Run the bundled scenarios of the packs ``refs`` (and of the packs they extend).

    With no ``refs``, every bundled pack. One engine per pack.
    """
    from xueji_rules.engine import Engine
    from xueji_rules.packs.loader import bundled_packs, load_pack
    from xueji_rules.testing.scenarios import load_scenarios, run_scenario

    packs: dict[str, Pack] = {}
    for ref in refs or bundled_packs():
        pack = load_pack(ref)
        for base in reversed(pack.base_roots):
            base_pack = load_pack(base)
            packs.setdefault(base_pack.root, base_pack)
        packs.setdefault(pack.root, pack)
    runs: list[tuple[Pack, object]] = []
    for pack in packs.values():
        engine = Engine(pack)
        for file in pack.scenario_files:
            runs.extend((pack, run_scenario(engine, s)) for s in load_scenarios(file))
    return coverage_of(list(packs.values()), runs)


# -- article coverage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleRow:
    """One article of a document: the rules that encode it, or why it has none (or, for an
    article encoded in part, which part has no rule and why)."""

    document: str  # document id
    number: str  # document number, e.g. 晋教〔2026〕1号
    article: int
    topic: str
    rules: tuple[RuleCoverage, ...]
    not_encoded: str | None
    # parameters with a value citing the article: a layer that only changes a figure (a
    # one-month archive deadline) encodes its article through the rules that read the figure
    parameters: tuple[str, ...] = ()

    @property
    def missing(self) -> bool:
        """No rule encodes the article and no reason says why."""
        return not self.rules and self.not_encoded is None


def _cites(rule: Rule, document: str, article: int) -> bool:
    return any(
        c.document == document and c.article == article for c in (rule.citation, *rule.also_cites)
    )


def _parameter_readers(pack: Pack) -> dict[str, set[str]]:
    """Parameter id -> the ids of the rules of ``pack`` whose expressions read it."""
    from xueji_rules.packs._expressions import compile_expressions

    readers: dict[str, set[str]] = {}
    for item, program in compile_expressions(pack):
        if item.rule is not None:
            for path in program.reads:
                if path.startswith("params."):
                    readers.setdefault(path.split(".")[1], set()).add(item.rule.id)
    return readers


def _cited_parameters(
    report: CoverageReport,
) -> dict[tuple[str, int], list[tuple[str, RuleCoverage]]]:
    """(document, article) -> (parameter, rule reading it) for every parameter value citing the
    article, taken in each pack where the value is in force (a layer's override in the layer)."""
    out: dict[tuple[str, int], list[tuple[str, RuleCoverage]]] = {}
    for pack in report.packs:
        readers: dict[str, set[str]] | None = None
        for pid, param in sorted(pack.parameters.items()):
            cited = {(v.citation.document, v.citation.article) for v in param.values}
            if not cited:
                continue
            readers = _parameter_readers(pack) if readers is None else readers
            rules = [
                r for r in report.rules if r.rule.id in readers.get(pid, ()) and pack.id in r.packs
            ]
            for key in sorted(cited):
                out.setdefault(key, []).extend((pid, r) for r in rules)
    return out


def article_rows(report: CoverageReport) -> list[tuple[Pack, str, list[ArticleRow]]]:
    """Per document of the packs (each document once): its articles with the rules that cite
    them, and the rules that read a parameter whose value cites them."""
    out: list[tuple[Pack, str, list[ArticleRow]]] = []
    seen: set[str] = set()
    through: dict[tuple[str, int], list[tuple[str, RuleCoverage]]] | None = None
    for pack in report.packs:
        for doc in pack.documents.values():
            if doc.id in seen:
                continue
            seen.add(doc.id)
            rows = []
            for article, topic, reason in doc.articles:
                rules = [r for r in report.rules if _cites(r.rule, doc.id, article)]
                through = _cited_parameters(report) if through is None else through
                params: list[str] = []
                for pid, r in through.get((doc.id, article), ()):
                    params += [pid] if pid not in params else []
                    rules += [r] if all(r is not x for x in rules) else []
                rows.append(
                    ArticleRow(
                        doc.id, doc.number, article, topic, tuple(rules), reason, tuple(params)
                    )
                )
            out.append((pack, doc.id, rows))
    return out


def render_markdown(report: CoverageReport, command: str) -> str:
    """The article coverage report as Markdown (deterministic: no dates, sorted everywhere)."""
    docs = article_rows(report)
    lines = [
        "# Article coverage",
        "",
        f"Generated by `{command}`; do not edit by hand (a test checks it is up to date).",
        "",
        "For every article of every document the packs encode: the rules that cite it (by",
        "`citation` or `also_cites`) or read a parameter whose dated value cites it (the parameter",
        "is named), and whether the scenarios exercised each rule's pass side and",
        "fail side (✓ seen, ✗ not seen, – no such side: an obligation never fails, a standing",
        'prohibition `require: "false"` never passes; ○ such a rule with a `when` seen not',
        "applying, its other side), or why the",
        "article is not encoded. **MISSING** marks an article with neither a rule nor a reason.",
        "See [testing.md](testing.md#rule-coverage) for how coverage is measured.",
        "",
        "## Summary",
        "",
        "| document | pack | articles | encoded | not encoded | missing |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for pack, doc_id, rows in docs:
        doc = pack.documents[doc_id]
        encoded = sum(1 for r in rows if r.rules)
        reasoned = sum(1 for r in rows if not r.rules and r.not_encoded is not None)
        missing = sum(1 for r in rows if r.missing)
        count = str(len(rows)) if rows else "not listed"
        lines.append(
            f"| {doc.number} {doc.title} | {doc.source_pack or pack.id} | {count} | {encoded} "
            f"| {reasoned} | {missing} |"
        )
    lines += [
        "",
        f"Rules covered on both sides: {report.covered} of {len(report.rules)} "
        f"({report.percent:.1f}%).",
    ]
    for pack, doc_id, rows in docs:
        doc = pack.documents[doc_id]
        lines += ["", f"## {doc.number} {doc.title}", ""]
        if not rows:
            lines.append(
                f"No article list yet: add `articles/{doc.id}.yaml` to pack "
                f"`{doc.source_pack or pack.id}`."
            )
            continue
        lines += ["| article | topic | rules (pass, fail) | note |", "|---|---|---|---|"]
        for row in rows:
            article = f"第{chinese_numeral(row.article)}条"
            if row.rules:
                cells = "<br>".join(
                    [f"`{r.rule.id}` {r.marks()[0]} {r.marks()[1]}" for r in row.rules]
                    + [f"parameter `{pid}`" for pid in row.parameters]
                )
                # an article encoded in part gives the part left out and why
                note = (
                    "" if row.not_encoded is None else f"partly not encoded: {_md(row.not_encoded)}"
                )
            elif row.not_encoded is not None:
                cells, note = "", f"not encoded: {_md(row.not_encoded)}"
            else:
                cells, note = "", "**MISSING**"
            lines.append(f"| {article} | {_md(row.topic)} | {cells} | {note} |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
