"""The records data of a pack: what the packs hold, and every problem a layer can make."""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules import Engine, PackError
from xueji_rules.packs import load_pack
from xueji_rules.packs.lint import lint_pack
from xueji_rules.records import RecordsSpec, records_spec

NATIONAL = Path(__file__).resolve().parents[2] / "rulepacks" / "national"


def test_the_form_of_the_packs(national: RecordsSpec, shanxi: RecordsSpec) -> None:
    form = national.form
    assert [f.number for f in form.fields] == list(range(1, 38))
    marks = [f.required for f in form.fields]
    assert marks.count("star") == 26 and marks.count("asterisk") == 3 and marks.count("none") == 8
    assert [f.number for f in form.fields if f.required == "asterisk"] == [10, 11, 35]
    assert [f.number for f in form.fields if f.required_when] == [36, 37]
    # Shanxi adds only its citation (附件1 via 第九条)
    assert shanxi.form.fields == form.fields
    assert [c.render() for c in shanxi.form.citations][-1] == "晋教〔2026〕1号 第九条第一款"
    assert (
        "O15.staff_not_on_establishment" in shanxi.checks
        and "O15.staff_not_on_establishment" not in national.checks
    )
    assert national.live_statuses >= {"enrolled", "suspended", "deferred_in_kindergarten"}
    assert "graduated" not in national.live_statuses


def layer(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "layer"
    (root / "records").mkdir(parents=True)
    (root / "pack.yaml").write_text(
        f"id: layer\nversion: 0.1.0\nname: {{zh: 测试层}}\nextends: {NATIONAL}\n"
        "validity: {from: 2026-01-01}\ndocuments: []\n",
        encoding="utf-8",
    )
    for name, text in files.items():
        (root / "records" / name).write_text(text, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(PackError) as caught:
        records_spec(load_pack(root))
    return [str(p) for p in caught.value.problems]


def test_a_layer_adds_a_field_and_a_code_list(tmp_path: Path) -> None:
    root = layer(
        tmp_path,
        {
            "extra.yaml": """
form_layer:
  fields:
    - {number: 38, id: health, group: student, path: person.health, type: code, codes: health, required: none,
       label: {zh: 健康状况}}
code_lists:
  health: {label: {zh: 健康状况}, values: [{id: good, zh: 健康或良好}]}
"""
        },
    )
    spec = records_spec(load_pack(root))
    assert (
        spec.form.field("health").number == 38 and spec.code_lists["health"].get("good") is not None
    )


def test_a_layer_cannot_redefine(tmp_path: Path) -> None:
    root = layer(
        tmp_path,
        {
            "again.yaml": """
registry_numbers:
  schemes: [{id: x, prefix: X, label: {zh: 新方案}, body: gb11643, temporary: false}]
code_lists:
  sex: {label: {zh: 性别}, values: [{id: "9", zh: 未说明}]}
checks:
  O01.duplicate_registry: {label: {zh: 重复}, severity: warning, citations: {k12: [{document: jiaoji_2025_1, article: 9}]}}
"""
        },
    )
    found = problems(root)
    assert any(
        "records/again.yaml:2:1" in p
        and "'registry_numbers' is already defined by pack 'national'" in p
        for p in found
    )
    assert any("code list 'sex' is already defined" in p for p in found)
    assert any("check 'O01.duplicate_registry' is already defined" in p for p in found)


def test_references_are_checked(tmp_path: Path) -> None:
    root = layer(
        tmp_path,
        {
            "refs.yaml": """
form_layer:
  fields:
    - {number: 38, id: pet, group: pets, path: person.pet, type: code, codes: animals, required: none, label: {zh: 宠物}}
    - {number: 1, id: name2, group: student, path: person.name2, type: text, required: none, label: {zh: 重号}}
check_citations:
  O99.unknown: {k12: [{document: jiaoji_2025_1, article: 9}]}
  O01.duplicate_registry: {k12: [{document: jiaoji_2025_1, article: 99}, {document: nowhere, article: 1}]}
"""
        },
    )
    found = " | ".join(problems(root))
    for words in (
        "unknown group 'pets'",
        "unknown code list 'animals'",
        "(number 1) is defined twice",
        "unknown check 'O99.unknown'",
        "教基〔2025〕1号 has no article 99",
        "unknown document 'nowhere'",
    ):
        assert words in found, words


def test_schema_problems_name_file_and_line(tmp_path: Path) -> None:
    root = layer(
        tmp_path,
        {
            "bad.yaml": "privacy:\n  personal_fields:\n    - {path: person.name, kind: nickname, deidentify: remove, label: {zh: 名}}\n"
        },
    )
    with pytest.raises(PackError) as caught:
        load_pack(root)
    text = str(caught.value)
    assert "records/bad.yaml:3" in text and "nickname" in text
    assert any("records/bad.yaml" in str(p) for p in lint_pack(root))


def test_engine_fails_at_load_on_bad_records_data(tmp_path: Path) -> None:
    root = layer(
        tmp_path, {"acc.yaml": "accounts:\n  dormancy_months: {k12: params.no_such_parameter}\n"}
    )
    with pytest.raises(PackError) as caught:
        Engine(root)
    assert "'accounts' is already defined" in str(caught.value)


def test_personal_request_fields(national: RecordsSpec, tmp_path: Path) -> None:
    paths = {f.path: f.kind for f in national.personal_request_fields}
    assert paths["new_hukou.city"] == "address"
    assert paths["exceptions[].reference"] == "free_text"
    assert "transition" not in paths and "to_school.id" not in paths  # not personal
    root = layer(
        tmp_path,
        {
            "privacy.yaml": """
privacy:
  request_fields:
    - {path: new_hukou.town, kind: address, label: {zh: 乡镇}}
    - {path: new_hukou.city, kind: address, label: {zh: 重复}}
    - {path: "exceptions[].referee", kind: name, label: {zh: 批准人}}
"""
        },
    )
    found = " | ".join(problems(root))
    for words in (
        "personal request field 'new_hukou.town': the request has no field 'new_hukou.town'",
        "personal request field 'new_hukou.city' is already declared",
        "the request has no field 'exceptions.referee'",
    ):
        assert words in found, words
    assert "records/privacy.yaml:4" in found  # the first problem is located in its file


def test_a_pack_input_can_be_a_personal_request_field(tmp_path: Path) -> None:
    root = layer(
        tmp_path,
        {
            "privacy.yaml": """
privacy:
  request_fields:
    - {path: guardian_employer, kind: free_text, label: {zh: 监护人工作单位}}
"""
        },
    )
    (root / "inputs.yaml").write_text(
        "inputs:\n  request.guardian_employer: {type: string, label: {zh: 监护人工作单位}}\n",
        encoding="utf-8",
    )
    spec = records_spec(load_pack(root))
    assert spec.personal_request_fields[-1].path == "guardian_employer"
