"""A rule's ``also_cites`` reach the decision (issue 12.3; docs/decisions.md D-124, D-169).

A Shanxi rule that restates a national duty cites the Shanxi article and keeps the national one in
``also_cites``; a Shanxi decision must show both. Every Shanxi scenario is decided, and each rule
result must carry exactly the citations of its rule; every restated rule must appear with both texts
in at least one scenario's decision, in the JSON, after a round trip and in ``explain``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules import Engine
from xueji_rules.engine import explain
from xueji_rules.engine.decision import Decision
from xueji_rules.errors import XuejiRulesError
from xueji_rules.packs.model import Citation, Rule
from xueji_rules.testing.scenarios import load_scenarios

ROOT = Path(__file__).resolve().parents[2]
SHANXI = "jinjiao_2026_1"
NATIONAL = ("jiaoji_2025_1", "jiaoji_2025_8")


def _key(c: Citation) -> tuple[str, int, int | None, int | None]:
    return (c.render(), c.article, c.paragraph, c.item)


def _decisions(pack: str) -> list[Decision]:
    engine = Engine(pack)
    out = []
    for file in sorted((ROOT / "rulepacks" / pack / "tests").glob("*.yaml")):
        for s in load_scenarios(file):
            try:
                out.append(engine.decide(s.record, s.request))
            except XuejiRulesError:
                continue  # scenarios that expect an input error
    return out


@pytest.fixture(scope="module")
def shanxi_decisions() -> list[Decision]:
    return _decisions("shanxi")


def _restated() -> list[Rule]:
    pack = Engine("shanxi").pack
    return [
        r
        for r in pack.rules
        if r.relation == "same"
        and any(c.document == SHANXI for c in (r.citation, *r.also_cites))
        and any(c.document in NATIONAL for c in (r.citation, *r.also_cites))
    ]


def test_every_rule_result_carries_its_rules_citations(shanxi_decisions: list[Decision]) -> None:
    rules = {r.id: r for r in Engine("shanxi").pack.rules}
    checked = 0
    for decision in shanxi_decisions:
        for result in decision.rules:
            rule = rules[result.id]
            if result.citation != rule.citation:
                continue  # failed on a layer's narrowing, which cites its own article
            assert [_key(c) for c in result.also_cites] == [_key(c) for c in rule.also_cites]
            checked += bool(rule.also_cites)
    assert checked > 100


@pytest.mark.parametrize("rule", _restated(), ids=lambda r: r.id)
def test_a_restated_rule_shows_both_texts_in_a_decision(
    rule: Rule, shanxi_decisions: list[Decision]
) -> None:
    shown = [(d, r) for d in shanxi_decisions for r in d.rules if r.id == rule.id and r.also_cites]
    assert shown, f"no Shanxi scenario decides {rule.id} with its also_cites"
    decision, result = shown[0]
    texts = [c.render() for c in (result.citation, *result.also_cites)]
    assert any(t.startswith("晋教〔2026〕1号") for t in texts), texts
    assert any(t.startswith("教基〔2025〕") for t in texts), texts
    data = decision.to_json()
    entry = next(r for r in data["rules"] if r["id"] == rule.id)
    assert [c["text"] for c in [entry["citation"], *entry["also_cites"]]] == texts
    again = Decision.from_json(data)
    assert again.to_json() == data
    trace = explain(decision, Engine("shanxi").pack)
    assert "同时依据：" + "、".join(texts[1:]) in trace
    trace_en = explain(decision, Engine("shanxi").pack, lang="en")
    assert "Also under: " in trace_en


def test_there_are_restated_rules() -> None:
    assert len(_restated()) >= 10


def test_a_rule_without_also_cites_has_no_key() -> None:
    engine = Engine("national")
    record = {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3}
    d = engine.decide(record, {"transition": "suspend", "date": "2026-03-10"})
    entry = next(r for r in d.to_json()["rules"] if r["id"] == "national.suspend.guardian_applies")
    assert "also_cites" not in entry
    cited = next(r for r in d.to_json()["rules"] if r["id"] == "national.change.record_update")
    assert [c["text"] for c in cited["also_cites"]] == ["教基〔2025〕1号 第十三条第一款"]
