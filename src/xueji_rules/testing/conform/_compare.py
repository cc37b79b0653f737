"""Comparing a system's answer with a scenario's expectation, and the articles behind each
difference (from the pack and the engine's own decision)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xueji_rules._schemas import iter_problems, validator_for
from xueji_rules.errors import Location
from xueji_rules.testing.conform._systems import SystemFailure
from xueji_rules.testing.scenarios import Scenario

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = ["SCALARS", "Citer", "Difference", "check_answer", "compare", "from_decision_form"]

SCALARS = ("outcome", "next_status", "next_stage", "next_grade", "next_school_system")
# the modality of the failed rules that give each outcome
_DECIDING_MODALITY = {
    "denied": "mandatory",
    "denied_by_default": "default",
    "incomplete": "documents",
    "needs_approval": "approval",
}


@dataclass(frozen=True, slots=True)
class Difference:
    """One field where the system's answer differs from the scenario's expectation."""

    field: str
    expected: Any
    actual: Any
    rules: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()

    def render(self) -> str:
        """``field: expected X, the system answered Y [articles: rules]``."""
        text = f"{self.field}: expected {_show(self.expected)}, the system answered {_show(self.actual)}"
        if self.articles or self.rules:
            text += f" [{'; '.join(self.articles)}{': ' if self.articles and self.rules else ''}{', '.join(self.rules)}]"
        return text


def _show(value: Any) -> str:
    if isinstance(value, (set, frozenset, list, tuple)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return repr(value)


def from_decision_form(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A decision's JSON read as an answer: its lists of objects become lists of ids."""
    out = dict(answer)
    for key, id_key in (("approvals", "body"), ("missing_documents", "id")):
        items = out.get(key)
        if isinstance(items, list) and all(isinstance(i, Mapping) and id_key in i for i in items):
            out[key] = sorted({str(i[id_key]) for i in items})
    missing = out.get("missing_inputs")
    undecided: dict[str, str] = {}
    if isinstance(missing, list) and all(isinstance(m, Mapping) and "path" in m for m in missing):
        out["missing_inputs"] = sorted({str(m["path"]) for m in missing})
        undecided = {str(r): "undecided" for m in missing for r in m.get("rules", ())}
    rules = out.get("rules")
    if isinstance(rules, list) and all(isinstance(r, Mapping) and "id" in r for r in rules):
        decided = {str(r["id"]): "passed" if r.get("passed") else "failed" for r in rules}
        out["rules"] = {**undecided, **decided}
    citations = out.get("citations")
    if isinstance(citations, list) and all(
        isinstance(c, Mapping) and "text" in c for c in citations
    ):
        out["citations"] = sorted({str(c["text"]) for c in citations})
    obligations = out.get("obligations")
    if isinstance(obligations, list):
        out["obligations"] = [
            {k: v for k, v in o.items() if not (k == "due" and v is None)}
            if isinstance(o, Mapping)
            else o
            for o in obligations
        ]
    return out


def check_answer(answer: Mapping[str, Any]) -> None:
    """Raise :class:`SystemFailure` unless ``answer`` fits ``conformance-answer.schema.json``."""
    problems = list(
        iter_problems(
            validator_for("conformance-answer.schema.json"),
            dict(answer),
            lambda p: Location(path="answer"),
            "answer",
        )
    )
    if problems:
        raise SystemFailure(
            "the answer does not match conformance-answer.schema.json: "
            + "; ".join(p.message for p in problems)
        )


class Citer:
    """The articles behind a difference, from the pack and the engine's own decision."""

    def __init__(
        self, engine: Engine | None, scenario: Scenario, decision: Decision | None
    ) -> None:
        self.engine, self.scenario, self.decision = engine, scenario, decision

    def rule_articles(self, rule_ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(rule ids, the articles they cite)``, each once, in order."""
        rules = tuple(dict.fromkeys(rule_ids))
        articles: list[str] = []
        if self.engine is not None:
            for rule_id in rules:
                try:
                    text = self.engine.pack.rule(rule_id).citation.render()
                except KeyError:
                    continue
                if text not in articles:
                    articles.append(text)
        return rules, tuple(articles)

    def outcome(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The covered rules, and the failed rules that make the expected outcome what it is."""
        modality = _DECIDING_MODALITY.get(str(self.scenario.expect.get("outcome")))
        failed = [
            r.id
            for r in (self.decision.rules if self.decision else ())
            if not r.passed and r.modality == modality
        ]
        rules, articles = self.rule_articles([*self.scenario.covers, *failed])
        if not articles and self.engine is not None:
            transition = self.engine.pack.lifecycle.transitions.get(
                str(self.scenario.request.get("transition"))
            )
            if transition is not None and transition.citation is not None:
                articles = (transition.citation.render(),)
        return rules, articles

    def of(self, kind: str, ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rules (and articles) behind the approvals, documents, inputs or obligations
        ``ids`` of ``kind`` in the engine's decision; the covered rules when none is found."""
        wanted = set(ids)
        found: list[str] = []
        if self.decision is not None:
            if kind == "missing_inputs":
                for missing in self.decision.missing_inputs:
                    if missing.path in wanted:
                        found.extend(missing.rules)
                return self.rule_articles(found or self.scenario.covers)
            items: Sequence[Any] = {
                "approvals": self.decision.approvals,
                "missing_documents": self.decision.missing_documents,
                "obligations": self.decision.obligations,
            }[kind]
            for item in items:
                key = item.body if kind == "approvals" else item.id
                if key in wanted:
                    found.append(item.rule)
        return self.rule_articles(found or self.scenario.covers)


def compare(
    scenario: Scenario, answer: Mapping[str, Any], cite: Citer
) -> tuple[list[Difference], list[str]]:
    """The differences between ``answer`` and the scenario's expectation, and the fields
    compared (only those both answer and expectation hold; an ``error`` on either side decides
    alone)."""
    expect = scenario.expect
    diffs: list[Difference] = []
    compared: list[str] = []
    if "error" in expect or "error" in answer:
        compared.append("error")
        if "error" in expect and "error" not in answer:
            got = {k: answer[k] for k in SCALARS if k in answer} or "an answer"
            diffs.append(
                Difference(
                    "error", f"a refusal of the input ({expect['error']})", got, *cite.outcome()
                )
            )
        elif "error" in answer and "error" not in expect:
            wanted = {k: expect[k] for k in SCALARS if k in expect} or "a decision"
            diffs.append(
                Difference("error", wanted, f"a refusal: {answer['error']}", *cite.outcome())
            )
        return diffs, compared
    for key in SCALARS:
        if key in expect and key in answer:
            compared.append(key)
            if expect[key] != answer[key]:
                diffs.append(Difference(key, expect[key], answer[key], *cite.outcome()))
    for key in (
        "approvals",
        "missing_documents",
        "missing_inputs",
        "citations",
        "allowed_transitions",
    ):
        if key in expect and key in answer:
            compared.append(key)
            want_ids: set[str] = set(expect[key])
            got_ids: set[str] = set(answer[key])
            if want_ids != got_ids:
                by_item = key in ("approvals", "missing_documents", "missing_inputs")
                rules, articles = cite.of(key, want_ids ^ got_ids) if by_item else cite.outcome()
                diffs.append(Difference(key, want_ids, got_ids, rules, articles))
    if "rules" in expect and "rules" in answer:
        compared.append("rules")
        states: Mapping[str, str] = answer["rules"]
        for rule_id, state in expect["rules"].items():
            got_state = states.get(rule_id, "not_applied")
            if got_state != state:
                diffs.append(
                    Difference(f"rule {rule_id}", state, got_state, *cite.rule_articles([rule_id]))
                )
    if ("obligations" in expect or "no_obligations" in expect) and "obligations" in answer:
        compared.append("obligations")
        got_obs = {o["id"]: o for o in answer["obligations"]}
        for want in expect.get("obligations", []):
            where = cite.of("obligations", [want["id"]])
            have = got_obs.get(want["id"])
            if have is None:
                diffs.append(Difference(f"obligation {want['id']}", "present", "absent", *where))
                continue
            for key in ("due", "party"):
                if key in want and key in have and want[key] != have[key]:
                    diffs.append(
                        Difference(f"obligation {want['id']} {key}", want[key], have[key], *where)
                    )
        for absent in expect.get("no_obligations", []):
            if absent in got_obs:
                diffs.append(
                    Difference(
                        f"obligation {absent}",
                        "absent",
                        "present",
                        *cite.rule_articles(scenario.covers),
                    )
                )
    return diffs, compared
