"""Needed inputs (SD5), forbidden moves with citations, and lifecycle edge targets (SD3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.packs.conftest import BASE_PACK, write_files
from xueji_rules import Engine
from xueji_rules.errors import InputError, PackError

LIFECYCLE = """
stages:
  primary: {label: {zh: 小学, en: primary school}, compulsory: true}
  junior_secondary: {label: 初中}
statuses:
  enrolled: {label: {zh: 在籍, en: enrolled}}
  suspended: {label: 休学}
  withdrawn: {label: 退学}
transitions:
  suspend:
    label: {zh: 休学, en: suspend}
    edges: [{from: [enrolled], to: suspended}]
  move:
    label: 转学
    edges:
      - from: [enrolled]
        to: enrolled
        to_grade: "has(request.target_grade) ? request.target_grade : record.grade"
        to_school_system: "has(request.target_school_system) ? request.target_school_system : null"
        to_stage: >-
          has(request.target_grade) ? stage_of_grade(request.target_grade,
          has(request.target_school_system) ? request.target_school_system : school_system(record)) : record.stage
  withdraw:
    label: 退学
    edges: [{stages: [junior_secondary], from: [enrolled], to: withdrawn}]
forbidden:
  - transition: withdraw
    stages: [primary]
    citation: {document: doc_a, article: 4}
    message: {zh: 小学不予退学, en: No withdrawal in primary school.}
  - transition: move
    from: [suspended]
    when: "!has(request.ground) || request.ground != 'special'"
    citation: {document: doc_a, article: 5}
    also_cites: [{document: doc_a, article: 6}]
    message: {zh: 休学期间不予转学, en: No move while suspended.}
"""
RULES = """
rules:
  - id: base.suspend.needs_grade
    transitions: [suspend]
    needs: [record.grade, request.period_start]
    modality: mandatory
    require: "record.grade < 6"
    message: {zh: 六年级以下才可, en: Below grade 6 only.}
    citation: {document: doc_a, article: 1}
    obligations:
      - {id: suspend.keep, party: school, action: {zh: 保留学籍, en: keep the registry}}
  - id: base.suspend.guardian
    transitions: [suspend]
    modality: mandatory
    require: "has(request.applicant) && request.applicant == 'guardian'"
    message: {zh: 须由监护人申请, en: The guardian applies.}
    citation: {document: doc_a, article: 2}
"""
RECORD: dict[str, Any] = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": LIFECYCLE, "rules/r.yaml": RULES}
    return Engine(write_files(tmp_path / "base", files))


def _both(engine: Engine) -> tuple[Engine, Engine]:
    reference = Engine(engine.pack)
    reference._use_plans = False
    return engine, reference


def test_a_missing_needed_input_makes_the_decision_incomplete(engine: Engine) -> None:
    request = {"transition": "suspend", "date": "2026-03-09", "applicant": "guardian"}
    for e in _both(engine):
        d = e.decide({k: v for k, v in RECORD.items() if k != "grade"}, request)
        assert d.outcome == "incomplete"
        assert [(m.path, m.label.zh, m.rules) for m in d.missing_inputs] == [
            ("record.grade", "年级", ("base.suspend.needs_grade",)),
            ("request.period_start", "申请期限开始日", ("base.suspend.needs_grade",)),
        ]
        assert "base.suspend.needs_grade" not in {r.id for r in d.rules}  # undecided, not failed
        assert d.obligations == ()  # the undecided rule's duty is not started


def test_with_the_inputs_the_rule_is_decided(engine: Engine) -> None:
    request = {
        "transition": "suspend",
        "date": "2026-03-09",
        "applicant": "guardian",
        "period_start": "2026-03-10",
    }
    for e in _both(engine):
        d = e.decide(RECORD, request)
        assert d.outcome == "allowed" and d.missing_inputs == ()
        assert [o.id for o in d.obligations] == ["suspend.keep"]
        assert e.decide({**RECORD, "grade": 6}, request).outcome == "denied"


def test_a_refusal_on_other_grounds_stands_and_still_names_the_missing_input(
    engine: Engine,
) -> None:
    d = engine.decide({"id": "G1", "status": "enrolled", "stage": "primary"}, {
        "transition": "suspend", "date": "2026-03-09", "period_start": "2026-03-10"
    })  # fmt: skip
    assert d.outcome == "denied"
    assert [m.path for m in d.missing_inputs] == ["record.grade"]


def test_needs_names_a_known_field(tmp_path: Path) -> None:
    bad = RULES.replace("needs: [record.grade, request.period_start]", "needs: [record.grde]")
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": LIFECYCLE, "rules/r.yaml": bad}
    with pytest.raises(PackError) as info:
        Engine(write_files(tmp_path / "base", files))
    assert (
        "needs: 'record.grde' is not a field of the record schema (did you mean 'record.grade'?)"
        in str(info.value)
    )
    assert "r.yaml:" in str(info.value)
    in_list = RULES.replace(
        "needs: [record.grade, request.period_start]", "needs: [record.suspensions.start]"
    )
    files["rules/r.yaml"] = in_list
    with pytest.raises(PackError, match="is not a field of the record schema"):
        Engine(write_files(tmp_path / "other", files))


def test_a_forbidden_move_cites_its_articles(engine: Engine) -> None:
    d = engine.decide(RECORD, {"transition": "withdraw", "date": "2026-03-09"})
    assert d.outcome == "denied" and d.rules == ()
    assert [c.render() for c in d.citations] == ["甲〔2025〕1号 第四条"]
    assert d.reason is not None and d.reason.en == "No withdrawal in primary school."
    suspended = {**RECORD, "status": "suspended"}
    d = engine.decide(suspended, {"transition": "move", "date": "2026-03-09"})
    assert [c.article for c in d.citations] == [5, 6]


def test_a_move_no_text_speaks_of_says_so(engine: Engine) -> None:
    suspended = {**RECORD, "status": "suspended"}
    # the forbidden entry's condition excludes this request, so nothing cites
    d = engine.decide(suspended, {"transition": "move", "date": "2026-03-09", "ground": "special"})
    assert d.outcome == "denied" and d.citations == ()
    assert d.reason is not None
    assert (
        d.reason.zh
        == "本规则包所依据的条文没有规定小学学生在“休学”状态下办理“转学”，因此不予办理。"
    )
    assert d.reason.en is not None and "make no provision" in d.reason.en
    assert "citations" not in d.to_json()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - {transition: mvoe, citation: {document: doc_a, article: 1}, message: {zh: 否}}",
         "forbidden move of unknown transition 'mvoe' (did you mean 'move'?)"),
        ("  - {transition: suspend, from: [enrolled], citation: {document: doc_a, article: 1}, message: {zh: 否}}",
         "forbidden move of 'suspend' can never apply"),
        ("  - {transition: suspend, from: [gone], citation: {document: doc_a, article: 1}, message: {zh: 否}}",
         "forbidden move names unknown status 'gone'"),
        ("  - {transition: suspend, from: [suspended], citation: {document: doc_z, article: 1}, message: {zh: 否}}",
         "citation names unknown document 'doc_z'"),
    ],
)  # fmt: skip
def test_forbidden_entries_are_checked_at_load(tmp_path: Path, entry: str, message: str) -> None:
    lifecycle = LIFECYCLE + entry + "\n"
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": lifecycle, "rules/r.yaml": RULES}
    with pytest.raises(PackError) as info:
        Engine(write_files(tmp_path / "base", files))
    assert message in str(info.value)


def test_edge_targets_move_stage_grade_and_system(engine: Engine) -> None:
    d = engine.decide(
        {**RECORD, "grade": 6},
        {
            "transition": "move",
            "date": "2026-03-09",
            "target_grade": 6,
            "target_school_system": "5-4",
        },
    )
    assert (d.next_stage, d.next_grade, d.next_school_system) == ("junior_secondary", 6, "5-4")
    d = engine.decide(RECORD, {"transition": "move", "date": "2026-03-09"})
    assert (d.next_stage, d.next_grade, d.next_school_system) == ("primary", 3, None)


def test_an_edge_target_outside_the_new_stage_is_an_input_error(engine: Engine) -> None:
    # a grade with no stage of the pack's lifecycle (senior) cannot be reached by this move
    with pytest.raises(InputError, match="moves the record to unknown stage 'senior_secondary'"):
        engine.decide(RECORD, {"transition": "move", "date": "2026-03-09", "target_grade": 11})


def test_edge_targets_are_type_checked(tmp_path: Path) -> None:
    bad = LIFECYCLE.replace(
        'to_grade: "has(request.target_grade) ? request.target_grade : record.grade"',
        "to_grade: \"'seven'\"",
    )
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": bad, "rules/r.yaml": RULES}
    with pytest.raises(PackError, match="transition 'move' to_grade must be of type int"):
        Engine(write_files(tmp_path / "base", files))
