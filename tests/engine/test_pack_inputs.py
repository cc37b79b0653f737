"""A pack's own input fields (inputs.yaml), and message figures from parameters (SD6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK, write_files
from tests.test_cli import run
from xueji_rules import Engine
from xueji_rules.errors import InputError, PackError

ROOT = Path(__file__).resolve().parents[2]

# the third-province report's case: a guardian's job move "across province/city/county" (own words)
PROVINCE_PACK = f"""
id: thirdprov
version: 0.1.0
name: {{zh: 第三省学籍规则}}
extends: {ROOT / "rulepacks" / "national"}
validity: {{from: 2026-03-01, until: 2030-12-31}}
documents:
  - {{id: third_2026_1, number: 丙教〔2026〕1号, title: 实施细则, issuer: 丙省教育厅,
      issued: 2026-02-01, effective: 2026-03-01, implements: [jiaoji_2025_1]}}
"""
INPUTS = """
inputs:
  request.guardian_job_move_scope:
    type: string
    label: {zh: 监护人工作调动范围, en: how far the guardian's job moved}
    enum: [province, city, county, none]
    description: 监护人因工作调动跨省、市、县迁移
  record.boarding_days:
    type: integer
    label: {zh: 每周寄宿天数, en: boarding days a week}
    minimum: 0
    maximum: 7
"""
RULES = """
rules:
  - id: thirdprov.transfer.job_move
    transitions: [transfer]
    stages: [primary, junior_secondary, senior_secondary]
    when: "has(request.ground) && request.ground == 'guardian_job_move'"
    needs: [request.guardian_job_move_scope]
    modality: mandatory
    relation: adds
    require: "request.guardian_job_move_scope in ['province', 'city', 'county']"
    message:
      zh: 因监护人工作调动转学的，调动须跨省、市或县。
      en: A transfer for a guardian's job move needs a move across province, city or county.
    citation: {document: third_2026_1, article: 1}
"""
VOCAB = """
vocabularies:
  grounds:
    guardian_job_move: {zh: 监护人工作调动, en: the guardian's job moved}
"""
RECORD: dict[str, Any] = {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3}
REQUEST: dict[str, Any] = {
    "transition": "transfer",
    "date": "2026-03-10",
    "applicant": "guardian",
    "ground": "guardian_job_move",
}


@pytest.fixture
def province(tmp_path: Path) -> Path:
    return write_files(
        tmp_path / "thirdprov",
        {
            "pack.yaml": PROVINCE_PACK,
            "inputs.yaml": INPUTS,
            "vocabularies.yaml": VOCAB,
            "rules/transfer.yaml": RULES,
        },
    )


def _rule(d: Any, rule_id: str) -> Any:
    return next(r for r in d.rules if r.id == rule_id)


def test_a_pack_declares_its_own_input_and_a_rule_reads_it(province: Path) -> None:
    engine = Engine(province)
    assert [f.path for f in engine.pack.inputs] == [
        "record.boarding_days",
        "request.guardian_job_move_scope",
    ]
    assert {f.source_pack for f in engine.pack.inputs} == {"thirdprov"}
    across = engine.decide(RECORD, {**REQUEST, "guardian_job_move_scope": "city"})
    assert _rule(across, "thirdprov.transfer.job_move").passed
    local = engine.decide(RECORD, {**REQUEST, "guardian_job_move_scope": "none"})
    assert not _rule(local, "thirdprov.transfer.job_move").passed and local.outcome == "denied"
    unknown = engine.decide(RECORD, REQUEST)
    assert unknown.outcome == "incomplete"
    (missing,) = unknown.missing_inputs
    assert (missing.path, missing.label.zh) == (
        "request.guardian_job_move_scope",
        "监护人工作调动范围",
    )
    assert engine.decide({**RECORD, "boarding_days": 5}, REQUEST).outcome == "incomplete"


def test_a_pack_field_is_checked_like_a_bundled_one(province: Path) -> None:
    engine = Engine(province)
    with pytest.raises(InputError) as info:
        engine.decide(RECORD, {**REQUEST, "guardian_job_move_scope": "citty"})
    assert "request.guardian_job_move_scope: 'citty' is not one of" in str(info.value)
    assert "(did you mean 'city'?)" in str(info.value)
    with pytest.raises(InputError, match=r"record\.boarding_days"):
        engine.decide({**RECORD, "boarding_days": 9}, REQUEST)
    with pytest.raises(InputError, match="unknown field 'guardian_job_move_scope'"):
        Engine("national").decide(
            RECORD, {**REQUEST, "ground": "illness", "guardian_job_move_scope": "city"}
        )


def test_lint_and_decide_from_the_cli(province: Path, tmp_path: Path) -> None:
    code, out, _ = run(["lint", str(province)])
    assert code == 0, out
    rec, req = tmp_path / "rec.json", tmp_path / "req.json"
    rec.write_text('{"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3}')
    req.write_text(
        '{"transition": "transfer", "date": "2026-03-10", "applicant": "guardian", '
        '"ground": "guardian_job_move", "guardian_job_move_scope": "county"}'
    )
    code, out, err = run(
        ["decide", "--pack", str(province), "--record", str(rec), "--request", str(req)]
    )
    assert code == 0, err
    assert '"id": "thirdprov.transfer.job_move"' in out


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("inputs:\n  request.ground: {type: string, label: {zh: 事由}}\n",
         "input field 'request.ground' is already a field of the bundled request schema"),
        ("inputs:\n  request.x: {type: integer, label: {zh: 甲}, enum: [a]}\n",
         "input field 'request.x': every enum value must be of type integer"),
        ("inputs:\n  request.x: {type: text, label: {zh: 甲}}\n", "inputs/request.x/type"),
        ("inputs:\n  request.to_school.x: {type: string, label: {zh: 甲}}\n", "inputs"),
    ],
)  # fmt: skip
def test_bad_input_declarations_are_load_errors(tmp_path: Path, inputs: str, message: str) -> None:
    files = {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "inputs.yaml": inputs}
    with pytest.raises(PackError) as info:
        Engine(write_files(tmp_path / "base", files))
    assert message in str(info.value)


def test_a_layer_may_not_redeclare_a_base_field(province: Path, tmp_path: Path) -> None:
    city = write_files(
        tmp_path / "city",
        {
            "pack.yaml": PROVINCE_PACK.replace("id: thirdprov", "id: thirdcity")
            .replace(f"extends: {ROOT / 'rulepacks' / 'national'}", f"extends: {province}")
            .replace("third_2026_1", "city_2026_1"),
            "inputs.yaml": "inputs:\n  record.boarding_days: {type: integer, label: {zh: 寄宿}}\n",
        },
    )
    with pytest.raises(PackError, match="already declared by pack 'thirdprov'"):
        Engine(city)


# -- message figures (SD6) --------------------------------------------------------------------

PARAMS = """
parameters:
  window_days:
    type: int
    label: {zh: 受理天数}
    values:
      - {since: 2025-01-01, value: 15, citation: {document: doc_a, article: 3}}
      - {since: 2026-09-01, value: 20, citation: {document: doc_a, article: 3}}
"""
WINDOW_RULE = """
rules:
  - id: base.suspend.window
    transitions: [suspend]
    modality: mandatory
    require: "record.grade < params.window_days"
    message: {zh: "只在每月前{params.window_days}天受理", en: "Only in the first {params.window_days} days of a month"}
    citation: {document: doc_a, article: 1}
"""


def test_a_message_shows_the_value_in_force_on_the_decision_date(tmp_path: Path) -> None:
    files = {
        "pack.yaml": BASE_PACK,
        "lifecycle.yaml": BASE_LIFECYCLE,
        "parameters.yaml": PARAMS,
        "rules/r.yaml": WINDOW_RULE,
    }
    engine = Engine(write_files(tmp_path / "base", files))
    record = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
    for use_plans in (True, False):
        engine._use_plans = use_plans
        before = engine.decide(record, {"transition": "suspend", "date": "2026-03-09"})
        after = engine.decide(record, {"transition": "suspend", "date": "2026-09-09"})
        assert before.rules[0].message.zh == "只在每月前15天受理"
        assert after.rules[0].message.en == "Only in the first 20 days of a month"


def test_an_unknown_parameter_in_a_message_is_a_load_error(tmp_path: Path) -> None:
    files = {
        "pack.yaml": BASE_PACK,
        "lifecycle.yaml": BASE_LIFECYCLE,
        "parameters.yaml": PARAMS,
        "rules/r.yaml": WINDOW_RULE.replace("{params.window_days}天", "{params.window_dys}天"),
    }
    with pytest.raises(
        PackError,
        match="message shows unknown parameter 'window_dys' \\(did you mean 'window_days'\\?\\)",
    ):
        Engine(write_files(tmp_path / "base", files))


def test_bundled_messages_follow_their_parameters(tmp_path: Path) -> None:
    import shutil

    draft = tmp_path / "shanxi"
    shutil.copytree(ROOT / "rulepacks" / "shanxi", draft)
    pack_yaml = draft / "pack.yaml"
    pack_yaml.write_text(
        pack_yaml.read_text(encoding="utf-8").replace(
            "extends: national", f"extends: {ROOT / 'rulepacks' / 'national'}"
        ),
        encoding="utf-8",
    )
    params = draft / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    start = text.index("  transfer_window_days:")
    value = text.index("value: 15", start)
    params.write_text(
        text[:value] + "value: 20" + text[value + len("value: 15") :], encoding="utf-8"
    )
    record = {"id": "P1", "status": "enrolled", "stage": "primary", "grade": 3}
    request = {"transition": "transfer", "date": "2026-04-20", "applicant": "guardian"}
    for pack, days in (("shanxi", "15"), (str(draft), "20")):
        d = Engine(pack).decide(record, request)
        window = _rule(d, "shanxi.transfer.window")
        assert f"开学后的{days}天内" in window.message.zh, pack
        assert f"first {days} days" in (window.message.en or "")


def test_a_layer_overriding_only_a_parameter_changes_the_base_messages_in_both_languages(
    tmp_path: Path,
) -> None:
    """Third-province report item 4: a one-month archive deadline printed "两个月" / "within two
    months" beside a one-month due date. Both languages now follow the parameter."""
    layer = write_files(
        tmp_path / "thirdprov",
        {
            "pack.yaml": PROVINCE_PACK,
            "parameters.yaml": """
overrides:
  - target: archive_deadline_months
    values: [{since: 2026-03-01, value: 1, citation: {document: third_2026_1, article: 6}}]
""",
        },
    )
    record = {"id": "C0002", "status": "admitted", "stage": "primary", "grade": 1}
    request = {"transition": "enroll", "date": "2026-09-01", "applicant": "school",
               "documents": ["id_document"], "information_verified": True}  # fmt: skip
    for pack, months, due in (("national", 2, "2026-11-02"), (str(layer), 1, "2026-10-08")):
        d = Engine(pack).decide(record, request)
        rule = _rule(d, "national.enroll.archive_deadline")
        assert f"须在{months}个月内建立学籍档案" in rule.message.zh, pack
        assert f"archive within {months} month(s)." in (rule.message.en or ""), pack
        assert [str(o.due) for o in d.obligations if o.id == "enroll.archive"] == [due], pack


def test_a_pattern_from_the_input_that_re2_refuses_is_bad_input(tmp_path: Path) -> None:
    # issue 10.3: a pattern can come from request data; RE2 refusing it is the input's fault
    pack = write_files(
        tmp_path / "thirdprov",
        {
            "pack.yaml": PROVINCE_PACK,
            "inputs.yaml": """
inputs:
  request.id_pattern:
    type: string
    label: {zh: 学籍号格式, en: registry number pattern}
""",
            "vocabularies.yaml": VOCAB,
            "rules/transfer.yaml": RULES.replace(
                """    needs: [request.guardian_job_move_scope]
    modality: mandatory
    relation: adds
    require: "request.guardian_job_move_scope in ['province', 'city', 'county']\"""",
                """    needs: [request.id_pattern]
    modality: mandatory
    relation: adds
    require: "record.id.matches(request.id_pattern)\"""",
            ),
        },
    )
    engine = Engine(pack)
    assert engine.decide(RECORD, {**REQUEST, "id_pattern": "^P[0-9]+$"}).outcome != "denied"
    refused = engine.decide(RECORD, {**REQUEST, "id_pattern": "^Q"})
    assert _rule(refused, "thirdprov.transfer.job_move").passed is False
    with pytest.raises(InputError, match="not valid RE2") as info:
        engine.decide(RECORD, {**REQUEST, "id_pattern": "(?<=P)1"})
    assert info.value.location.rule_id == "thirdprov.transfer.job_move"
