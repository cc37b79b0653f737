"""Every move a lifecycle forbids is exercised by a scenario that asserts its citations (issue 12.2;
docs/decisions.md D-105, D-168).

A ``forbidden:`` entry turns a lifecycle refusal into one that cites the law. Each entry of the
national and Shanxi lifecycles must be matched (transition, stage, status) by at least one scenario
of the pack that defines it whose expected ``citations`` include the entry's own article, and the
decision must then really cite it; a refusal with no entry must cite nothing and say that no text
provides for the move.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules import Engine
from xueji_rules.errors import XuejiRulesError
from xueji_rules.packs.model import Forbidden
from xueji_rules.testing.scenarios import load_scenarios

ROOT = Path(__file__).resolve().parents[2]
PACKS = ("national", "shanxi")


def _cited_refusals(pack: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(transition, stage, status, citations) of each scenario that expects a cited refusal."""
    engine = Engine(pack)
    out = []
    for file in sorted((ROOT / "rulepacks" / pack / "tests").glob("*.yaml")):
        for s in load_scenarios(file):
            if not s.expect.get("citations"):
                continue
            try:
                decision = engine.decide(s.record, s.request)
            except XuejiRulesError:
                continue
            cited = tuple(c.render() for c in decision.citations)
            assert list(cited) == list(s.expect["citations"]), s.test_id
            out.append((s.request["transition"], s.record["stage"], s.record["status"], cited))
    return out


def _entries(pack: str) -> list[Forbidden]:
    return [f for f in Engine(pack).pack.lifecycle.forbidden if f.source_pack == pack]


@pytest.mark.parametrize("pack", PACKS)
def test_every_forbidden_entry_has_a_scenario_asserting_its_citation(pack: str) -> None:
    refusals = _cited_refusals(pack)
    missing = []
    for entry in _entries(pack):
        own = entry.citation.render()
        if not any(
            entry.matches(transition, stage, status) and own in cited
            for transition, stage, status, cited in refusals
        ):
            missing.append(f"{entry.transition} {entry.stages} {entry.from_statuses} ({own})")
    assert missing == [], missing


def test_a_refusal_no_text_speaks_of_cites_nothing_and_says_so() -> None:
    engine = Engine("national")
    record = {"id": "J1", "status": "abroad", "stage": "junior_secondary", "grade": 8}
    d = engine.decide(record, {"transition": "transfer", "date": "2026-03-09"})
    assert d.outcome == "denied" and d.citations == () and d.rules == ()
    assert d.reason is not None and "没有规定" in d.reason.zh
    assert d.reason.en is not None and "make no provision" in d.reason.en
