"""Decisions as data (SD3): every scenario's decision fits decision.schema.json and rebuilds from its
JSON; the JSON text is compact by default; the pack digest tells two packs apart."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from xueji_rules import Engine
from xueji_rules._schemas import validator_for
from xueji_rules.engine.decision import Decision
from xueji_rules.errors import InputError, XuejiRulesError
from xueji_rules.testing.scenarios import load_scenarios

ROOT = Path(__file__).resolve().parents[2]
PACKS = ("national", "shanxi")


@pytest.mark.parametrize("pack", PACKS)
def test_every_scenario_decision_fits_the_schema_and_round_trips(pack: str) -> None:
    engine = Engine(pack)
    validator = validator_for("decision.schema.json")
    decided = 0
    for file in sorted((ROOT / "rulepacks" / pack / "tests").glob("*.yaml")):
        for s in load_scenarios(file):
            try:
                decision = engine.decide(s.record, s.request)
            except XuejiRulesError:
                continue  # scenarios that expect an input error
            decided += 1
            data = decision.to_json()
            errors = [e.message for e in validator.iter_errors(data)]
            assert errors == [], (s.test_id, errors)
            again = Decision.from_json(data)
            assert again.to_json() == data, s.test_id
            assert Decision.from_json_text(decision.to_json_text()).to_json() == data
    assert decided > 200


def test_round_trip_keeps_every_field() -> None:
    engine = Engine("shanxi")
    record = {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 5}
    request = {
        "transition": "transfer",
        "date": "2026-03-10",
        "applicant": "guardian",
        "target_school_system": "5-4",
        "to_school": {"id": "B", "city": "大同市", "county": "平城区"},
        "approvals": [{"body": "sending_school", "kind": "consent", "date": "2026-03-11"}],
    }
    d = engine.decide(record, request)
    assert d.missing_inputs and d.obligations and d.approvals
    again = Decision.from_json(d.to_json())
    assert again == d
    assert again.missing_inputs == d.missing_inputs
    assert again.approvals == d.approvals
    assert again.pack_digest == d.pack_digest == engine.pack.digest
    assert [o.due for o in again.obligations] == [o.due for o in d.obligations]
    assert [r.message for r in again.rules] == [r.message for r in d.rules]


def test_refusal_round_trips_with_its_citations() -> None:
    engine = Engine("shanxi")
    junior = {"id": "J1", "status": "enrolled", "stage": "junior_secondary", "grade": 8}
    d = engine.decide(junior, {"transition": "withdraw", "date": "2026-03-09"})
    data = d.to_json()
    assert [c["text"] for c in data["citations"]] == [
        "教基〔2025〕1号 第十八条",
        "晋教〔2026〕1号 第三十四条",
    ]
    assert Decision.from_json(data).to_json() == data
    assert Decision.from_json(data) == d
    # the number as issued for people, the pack's id of the document for programs
    assert [c["document_id"] for c in data["citations"]] == ["jiaoji_2025_1", "jinjiao_2026_1"]


def test_citation_json_without_document_id_still_reads() -> None:
    """JSON written before ``document_id`` existed names the document by its number."""
    from xueji_rules.packs.model import Citation

    old = {"document": "教基〔2025〕1号", "article": 18, "text": "教基〔2025〕1号 第十八条"}
    citation = Citation.from_json(old)
    assert citation.render() == old["text"]
    assert citation.to_json()["document"] == old["document"]


def test_json_text_is_compact_unless_asked() -> None:
    engine = Engine("national")
    d = engine.decide(
        {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3},
        {"transition": "transfer", "date": "2026-03-10"},
    )
    compact = d.to_json_text()
    assert "\n" not in compact
    assert compact == json.dumps(d.to_json(), ensure_ascii=False, separators=(",", ":"))
    pretty = d.to_json_text(indent=2)
    assert pretty.startswith('{\n  "outcome"')
    assert json.loads(compact) == json.loads(pretty) == d.to_json()


def test_not_a_decision_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a decision's JSON form"):
        Decision.from_json({"outcome": "allowed"})
    with pytest.raises(InputError, match="not JSON text"):
        Decision.from_json_text("{")
    with pytest.raises(InputError, match="is an object"):
        Decision.from_json_text("[]")


def test_the_digest_tells_a_changed_draft_from_the_bundled_pack(tmp_path: Path) -> None:
    bundled = Engine("national").pack.digest
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", bundled)
    draft = tmp_path / "national"
    shutil.copytree(ROOT / "rulepacks" / "national", draft)
    assert Engine(draft).pack.digest == bundled  # same files, same digest
    params = draft / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert Engine(draft).pack.digest != bundled
    scenario = draft / "tests" / "entry.yaml"
    before = Engine(draft).pack.digest
    scenario.write_text(scenario.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert Engine(draft).pack.digest == before  # scenarios cannot change a decision


def test_the_engines_builder_makes_ordinary_frozen_decisions() -> None:
    """``build_decision`` (the engine's fast constructor) gives exactly what ``Decision(...)``
    gives: same class, equal, same hash, still frozen, picklable."""
    import dataclasses
    import datetime as dt
    import pickle

    from xueji_rules.engine.decision import build_decision

    values = [
        "denied", "transfer", "enrolled", "enrolled", dt.date(2026, 3, 9), "shanxi", "0.1.0",
        "G1", "primary", "primary", (), (), (), (), None, None, "sha256:00", 3, None, (), (),
    ]  # fmt: skip
    built, made = build_decision(*values), Decision(*values)
    assert type(built) is Decision
    assert built == made and hash(built) == hash(made) and built.to_json() == made.to_json()
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.outcome = "allowed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(built)) == built
    assert [f.name for f in dataclasses.fields(Decision)][:3] == [
        "outcome",
        "transition",
        "from_status",
    ]
