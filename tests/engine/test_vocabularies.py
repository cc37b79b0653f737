"""Vocabularies (SD4): ids a request names must be ones the pack knows; labels come from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK, LAYER_PACK, write_files
from tests.test_cli import run
from xueji_rules import Engine
from xueji_rules.errors import InputError, PackError

SENIOR: dict[str, Any] = {
    "id": "G1",
    "status": "enrolled",
    "stage": "senior_secondary",
    "grade": 12,
}
SUSPEND: dict[str, Any] = {
    "transition": "suspend",
    "date": "2026-03-20",
    "applicant": "guardian",
    "ground": "illness",
    "period_start": "2026-03-23",
    "period_end": "2026-07-10",
}


@pytest.fixture(scope="module")
def shanxi() -> Engine:
    return Engine("shanxi")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transition": "suspnd"}, "request.transition: unknown transition 'suspnd' (did you mean 'suspend'?)"),
        ({"ground": "ilness"}, "request.ground: unknown ground 'ilness' (did you mean 'illness'?"),
        ({"documents": ["hospital_recrod"]}, "request.documents[0]: unknown document 'hospital_recrod'"),
        (
            {"approvals": [{"body": "sending_scool"}]},
            "request.approvals[0].body: unknown approving body 'sending_scool' (did you mean 'sending_school'?)",
        ),
        (
            {"exceptions": [{"rule": "shanxi.suspend.graduating_periood", "granted_by": "superior_registry_dept"}]},
            "request.exceptions[0].rule: unknown rule 'shanxi.suspend.graduating_periood' "
            "(did you mean 'shanxi.suspend.graduating_period'?)",
        ),
        (
            {"exceptions": [{"rule": "shanxi.suspend.graduating_period", "granted_by": "superior_registy_dept"}]},
            "request.exceptions[0].granted_by: unknown granting body 'superior_registy_dept' "
            "(did you mean 'superior_registry_dept'?)",
        ),
        (
            {"exceptions": [{"rule": "national.suspend.guardian_applies", "granted_by": "school"}]},
            "rule 'national.suspend.guardian_applies' is a mandatory rule: only a default rule",
        ),
    ],
)  # fmt: skip
def test_an_unknown_id_is_an_input_error(
    shanxi: Engine, change: dict[str, Any], message: str
) -> None:
    # report defects 3 and 9: never a refusal under the law, never a silently failing rule
    with pytest.raises(InputError) as info:
        shanxi.decide(SENIOR, {**SUSPEND, **change})
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"approvals": [{"body": "sending_school", "kind": "consnt"}]},
         "request.approvals[0].kind: 'consnt' is not one of"),
        ({"exceptions": [{"rule": "shanxi.suspend.graduating_period"}]},
         "request.exceptions[0]: 'granted_by' is a required property"),
        ({"documents": ["county_hospital_record", 3]},
         "request.documents[1]: 3 is not of type 'string'"),
    ],
)  # fmt: skip
def test_schema_problems_write_list_indexes_as_the_id_checks_do(
    shanxi: Engine, change: dict[str, Any], message: str
) -> None:
    """One path style in every input error: request.approvals[0].kind, never approvals.0.kind."""
    with pytest.raises(InputError) as info:
        shanxi.decide(SENIOR, {**SUSPEND, **change})
    assert message in str(info.value)


def test_known_ids_decide(shanxi: Engine) -> None:
    grant = [{"rule": "shanxi.suspend.graduating_period", "granted_by": "superior_registry_dept"}]
    d = shanxi.decide(
        SENIOR, {**SUSPEND, "exceptions": grant, "documents": ["county_hospital_record"]}
    )
    assert d.outcome in ("needs_approval", "incomplete")


def test_an_exception_for_a_rule_a_layer_disabled_is_accepted(shanxi: Engine) -> None:
    disabled = next(rule_id for rule_id, _ in shanxi.pack.disabled_rules)
    grant = [{"rule": disabled, "granted_by": "superior_registry_dept"}]
    shanxi.decide(SENIOR, {**SUSPEND, "exceptions": grant})  # no error: the id is the pack's


def test_cli_exits_2_on_an_unknown_transition(tmp_path: Path) -> None:
    rec, req = tmp_path / "rec.json", tmp_path / "req.json"
    rec.write_text('{"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}')
    req.write_text('{"transition": "tranfer", "date": "2026-03-10"}')
    code, out, err = run(
        ["decide", "--pack", "shanxi", "--record", str(rec), "--request", str(req)]
    )
    assert code == 2 and out == ""
    assert "unknown transition 'tranfer' (did you mean 'transfer'?)" in err
    assert "Traceback" not in err


VOCAB = """
vocabularies:
  approval_bodies:
    school: {zh: 学校, en: the school}
  documents:
    form: {zh: 申请表, en: application form}
  parties:
    school: {zh: 学校, en: the school}
"""
RULES = """
rules:
  - id: base.suspend.school
    transitions: [suspend]
    modality: approval
    approval: {body: school, kind: confirm}
    message: {zh: 学校确认, en: The school confirms.}
    citation: {document: doc_a, article: 2}
  - id: base.suspend.form
    transitions: [suspend]
    modality: documents
    documents: [{id: form}]
    message: {zh: 须交申请表, en: The form is needed.}
    citation: {document: doc_a, article: 2}
    obligations:
      - {id: suspend.keep, party: school, action: {zh: 保留学籍, en: keep the registry}}
"""


def test_labels_come_from_the_vocabulary_when_the_rule_gives_none(tmp_path: Path) -> None:
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "rules/r.yaml": RULES}
    engine = Engine(write_files(tmp_path / "base", {**files, "vocabularies.yaml": VOCAB}))
    d = engine.decide(
        {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3},
        {"transition": "suspend", "date": "2026-03-09"},
    )
    assert [a.label.to_json() for a in d.approvals if a.label] == [
        {"zh": "学校", "en": "the school"}
    ]
    assert [m.label.en for m in d.missing_documents] == ["application form"]
    assert engine.pack.vocabularies["documents"]["form"].zh == "申请表"


def test_a_document_without_any_label_is_a_load_error(tmp_path: Path) -> None:
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "rules/r.yaml": RULES}
    with pytest.raises(PackError, match="document 'form' has no label"):
        Engine(write_files(tmp_path / "base", files))


def test_a_layer_adds_ids_and_may_not_redefine_one(tmp_path: Path) -> None:
    base = {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "rules/r.yaml": RULES}
    write_files(tmp_path / "base", {**base, "vocabularies.yaml": VOCAB})
    adds = "vocabularies:\n  documents:\n    other: {zh: 其他, en: other}\n"
    layer = Engine(
        write_files(tmp_path / "layer", {"pack.yaml": LAYER_PACK, "vocabularies.yaml": adds})
    )
    assert set(layer.pack.vocabularies["documents"]) == {"form", "other"}
    clash = "vocabularies:\n  documents:\n    form: {zh: 表格}\n"
    bad = write_files(tmp_path / "bad", {"pack.yaml": LAYER_PACK, "vocabularies.yaml": clash})
    with pytest.raises(PackError) as info:
        Engine(bad)
    assert "documents id 'form' is already declared by pack 'base'" in str(info.value)
    assert "vocabularies.yaml:3:" in str(info.value)


def test_bundled_vocabularies_declare_every_id_the_rules_name() -> None:
    for name in ("national", "shanxi"):
        pack = Engine(name).pack
        vocab = pack.vocabularies
        for rule in pack.rules:
            if rule.approval:
                assert rule.approval.body in vocab["approval_bodies"], rule.id
            for d in rule.documents:
                for doc in (d.id, *d.alternatives):
                    assert doc in vocab["documents"], (rule.id, doc)
            for o in rule.obligations:
                assert o.party in vocab["parties"], (rule.id, o.party)
            if rule.exception and rule.exception.route != "not_specified":
                assert rule.exception.route in vocab["exception_routes"], rule.id
        labels = [t for kind in vocab.values() for t in kind.values()]
        assert all(t.en for t in labels)  # bilingual


def test_obligations_carry_the_party_label() -> None:
    d = Engine("national").decide(
        {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3},
        {"transition": "transfer", "date": "2026-03-10"},
    )
    assert d.obligations and all(o.party_label is not None for o in d.obligations)
    assert d.to_json()["obligations"][0]["party_label"]["en"]
