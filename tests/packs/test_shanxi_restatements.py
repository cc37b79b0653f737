"""Shanxi rules that restate a national rule stay copies of it (docs/decisions.md D-124).

Where 晋教〔2026〕1号 restates a national duty in its own article, the Shanxi layer replaces the
national rule with the same body (relation ``same``) so that the rule can cite the Shanxi article
beside the national one. A copy goes stale when the national rule changes; this test compares every
such copy with the national rule it replaced, field by field, leaving out only what the copy is
there to change (its citations and the wording of its message).
"""

from __future__ import annotations

from typing import Any

import pytest

from xueji_rules.packs import load_pack
from xueji_rules.packs.model import Rule

SHANXI_DOCUMENT = "jinjiao_2026_1"


def _substance(rule: Rule) -> dict[str, Any]:
    return {
        "transitions": rule.transitions,
        "stages": rule.stages,
        "when": rule.when,
        "require": rule.require,
        "modality": rule.modality,
        "exception": rule.exception.route if rule.exception else None,
        "documents": [(d.id, d.alternatives) for d in rule.documents],
        "approval": (rule.approval.body, rule.approval.kind) if rule.approval else None,
        "obligations": [(o.id, o.party, o.action.zh, o.clock, o.when) for o in rule.obligations],
        "effective": (rule.effective_from, rule.effective_until),
    }


def _restatements() -> list[tuple[Rule, Rule]]:
    national = {rule.id: rule for rule in load_pack("national").rules}
    return [
        (rule, national[rule.id])
        for rule in load_pack("shanxi").rules
        if rule.relation == "same" and rule.id in national
    ]


def test_there_are_restatements() -> None:
    assert len(_restatements()) >= 10


@pytest.mark.parametrize(("copy", "base"), _restatements(), ids=lambda r: r.id)
def test_a_restated_rule_keeps_the_national_body(copy: Rule, base: Rule) -> None:
    assert _substance(copy) == _substance(base)


@pytest.mark.parametrize(("copy", "base"), _restatements(), ids=lambda r: r.id)
def test_a_restated_rule_cites_both_texts(copy: Rule, base: Rule) -> None:
    cited = [copy.citation, *copy.also_cites]
    assert any(c.document == SHANXI_DOCUMENT for c in cited), "no Shanxi article cited"
    national = [
        (c.document, c.article, c.paragraph, c.item) for c in (base.citation, *base.also_cites)
    ]
    kept = {(c.document, c.article, c.paragraph, c.item) for c in cited}
    assert set(national) <= kept, "a national citation was dropped"
