"""``diff``'s structure: forbidden moves, edge targets, input fields, records data, vocabularies,
English labels, needs, message figures — each change found, and nothing else reported."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.authoring.conftest import copy_pack, run, set_window
from xueji_rules._schemas import validator_for
from xueji_rules.authoring import diff_packs, render_markdown
from xueji_rules.authoring.diffing import is_empty
from xueji_rules.authoring.refs import _relative_base


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _structure(base: str, draft: Path) -> dict[str, Any]:
    report = diff_packs(base, str(draft), population=0, scenarios=False)
    errors = sorted(validator_for("diff.schema.json").iter_errors(report), key=str)
    assert not errors, errors[0]
    structure: dict[str, Any] = report["structure"]
    return structure


def _only(structure: dict[str, Any], *path: str) -> Any:
    """The part of the structure at ``path``; every other part must be empty."""
    node: Any = structure
    for key in path[:-1]:
        node = node[key]
    part = node[path[-1]]
    node[path[-1]] = {} if isinstance(part, dict) else []
    assert is_empty(structure), json.dumps(structure, ensure_ascii=False)[:2000]
    return part


def test_forbidden_moves_added_removed_and_reworded(province: Path, tmp_path: Path) -> None:
    draft = copy_pack("national", tmp_path)  # the base without the province's layer
    lifecycle = draft / "lifecycle.yaml"
    _edit(lifecycle, "zh: 义务教育阶段的学生不予办理退学。", "zh: 义务教育阶段不得退学。")
    structure = _structure("national", draft)
    changed = _only(structure, "lifecycle", "forbidden")["changed"]
    assert [c["id"] for c in changed] == [
        "withdraw [primary, junior_secondary] from [any status] (national)"
    ]
    assert changed[0]["fields"]["message"]["after"]["zh"] == "义务教育阶段不得退学。"
    # the province adds one: the diff of national → thirdprov lists it with its citations
    report = diff_packs("national", str(province), population=0, scenarios=False)
    added = report["structure"]["lifecycle"]["forbidden"]["added"]
    assert [a["id"] for a in added] == ["transfer [every stage] from [suspended] (thirdprov)"]
    assert added[0]["citation"] == "丙教〔2026〕1号 第二条"
    assert added[0]["also_cites"] == ["教基〔2025〕1号 第十五条"]
    text = render_markdown(report)
    assert (
        "### Forbidden moves" in text and "added `transfer [every stage] from [suspended]" in text
    )


def test_edge_targets_are_compared_by_meaning(tmp_path: Path) -> None:
    draft = copy_pack("national", tmp_path)
    lifecycle = draft / "lifecycle.yaml"
    # re-wrapping a target is no change
    _edit(
        lifecycle,
        'to_grade: &entry_grade "entry_grade(record.stage, school_system(record))"',
        "to_grade: &entry_grade >-\n          entry_grade(record.stage,\n          school_system(record))",
    )
    assert is_empty(_structure("national", draft))
    _edit(
        lifecycle,
        'to_stage: "has(request.to_stage) ? request.to_stage : record.stage"',
        'to_stage: "record.stage"',
    )
    transitions = _only(_structure("national", draft), "lifecycle", "transitions")
    (change,) = transitions["changed"]
    assert change["id"] == "admit" and change["label"]["en"] == "admission (notice of admission)"
    assert [e["to_stage"] for e in change["edges_added"]] == ["record.stage"]
    assert [e["to_stage"] for e in change["edges_removed"]] == [
        "has(request.to_stage) ? request.to_stage : record.stage"
    ]
    code, text, _ = run(["diff", "national", str(draft), "--population", "0", "--no-scenarios"])
    assert code == 1 and "to_stage `record.stage`" in text


def test_input_fields_vocabularies_and_english_labels(province: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft"
    shutil.copytree(province, draft)
    _edit(
        draft / "inputs.yaml",
        "enum: [province, city, county, none]",
        "enum: [province, city, none]",
    )
    _edit(draft / "vocabularies.yaml", "en: the guardian's job moved", "en: a job move")
    structure = _structure(str(province), draft)
    (change,) = structure["inputs"]["changed"]
    assert change["id"] == "request.guardian_job_move_scope" and set(change["fields"]) == {"enum"}
    assert change["fields"]["enum"]["after"] == ["province", "city", "none"]
    structure["inputs"]["changed"] = []
    vocab = _only(structure, "vocabularies")["changed"]
    assert vocab == [
        {
            "id": "grounds.guardian_job_move",
            "fields": {
                "label": {
                    "before": {"zh": "监护人工作调动", "en": "the guardian's job moved"},
                    "after": {"zh": "监护人工作调动", "en": "a job move"},
                }
            },
        }
    ]
    national = copy_pack("national", tmp_path)
    _edit(national / "lifecycle.yaml", "en: primary school}", "en: primary}")
    stages = _only(_structure("national", national), "lifecycle", "stages")["changed"]
    assert stages == [
        {"id": "primary", "fields": {"label_en": {"before": "primary school", "after": "primary"}}}
    ]


def test_records_data(tmp_path: Path) -> None:
    draft = copy_pack("national", tmp_path)
    records = draft / "records"
    _edit(
        records / "collection_form.yaml",
        "label: {zh: 曾用名, en: former name}",
        "label: {zh: 曾用名, en: previous name}",
    )
    _edit(
        records / "privacy.yaml",
        "{path: birth_date, kind: birth_date, deidentify: generalize_year_month,",
        "{path: birth_date, kind: birth_date, deidentify: generalize_year,",
    )
    _edit(records / "privacy.yaml", "    - person.ethnicity\n", "")
    part = _only(_structure("national", draft), "records")
    assert [f["id"] for f in part["fields"]["changed"]] == ["former_name"]
    assert part["personal_fields"]["changed"] == [
        {
            "id": "birth_date",
            "fields": {
                "deidentify": {"before": "generalize_year_month", "after": "generalize_year"}
            },
        }
    ]
    assert part["quasi_identifiers"] == {"added": [], "removed": ["person.ethnicity"]}
    assert is_empty(
        {
            k: v
            for k, v in part.items()
            if k not in ("fields", "personal_fields", "quasi_identifiers")
        }
    )
    text = render_markdown(diff_packs("national", str(draft), population=0, scenarios=False))
    assert "### Records data" in text and "quasi-identifiers removed: person.ethnicity" in text


def test_needs_also_cites_exception_and_message_figures(draft_window: Path) -> None:
    rules = draft_window / "rules" / "transfer.yaml"
    _edit(
        rules,
        "    exception: {route: not_specified}\n    message:\n      zh: 转学一般只在",
        "    needs: [record.grade]\n    exception: {route: superior_registry_dept}\n"
        "    message:\n      zh: 转学一般只在",
    )
    _edit(
        rules,
        "    also_cites:\n      - {document: jinjiao_2026_1, article: 23}\n\n  - id: shanxi.transfer.capacity",
        "\n  - id: shanxi.transfer.capacity",
    )
    structure = _structure("shanxi", draft_window)
    (param,) = structure["parameters"]["changed"]
    assert param["id"] == "transfer_window_days"
    assert param["read_by"] == ["shanxi.transfer.window"]
    assert param["shown_in"] == ["shanxi.transfer.window"]  # its message shows the figure
    structure["parameters"]["changed"] = []
    (rule,) = _only(structure, "rules")["changed"]
    assert rule["id"] == "shanxi.transfer.window"
    fields = rule["fields"]
    assert set(fields) == {"exception", "also_cites", "needs"}
    assert fields["needs"] == {"before": [], "after": ["record.grade"]}
    assert fields["also_cites"]["before"] == ["晋教〔2026〕1号 第二十三条"]
    text = render_markdown(diff_packs("shanxi", str(draft_window), population=0, scenarios=False))
    assert (
        "exception: not specified by the text (any body the pack knows may grant it) → granted by `superior_registry_dept`"
        in text
    )
    assert "shown in the messages of shanxi.transfer.window" in text


def test_an_input_made_needed_leaves_the_rule_undecided(tmp_path: Path) -> None:
    draft = copy_pack("shanxi", tmp_path)
    _edit(
        draft / "rules" / "transfer.yaml",
        "    exception: {route: not_specified}\n    message:\n      zh: 转学一般只在",
        "    needs: [request.to_school.vacancies]\n    exception: {route: not_specified}\n"
        "    message:\n      zh: 转学一般只在",
    )
    report = diff_packs("shanxi", str(draft), population=0)
    groups = {tuple(g["rules"]): g for g in report["behaviour"]["groups"]}
    group = groups[("shanxi.transfer.window",)]
    assert any(flip.endswith("→ undecided") for flip in group["flips"])
    assert any(o.endswith("→ incomplete") for o in group["outcomes"])
    example = group["examples"][0]
    # the capacity rule needed that input already; now the window rule needs it too
    assert any(
        o.startswith("missing inputs request.to_school.vacancies (shanxi.transfer.capacity) → ")
        and o.endswith("(shanxi.transfer.capacity, shanxi.transfer.window)")
        for o in example["other"]
    ), example["other"]


def test_same_pack_twice_reports_nothing_new(tmp_path: Path) -> None:
    draft = copy_pack("shanxi", tmp_path)
    set_window(draft, 15)
    assert is_empty(_structure("shanxi", draft))


@pytest.mark.parametrize(
    ("extends", "expected"),
    [
        ("../national", "../national"),
        ("./base", "base"),
        ("national", None),  # a bundled name is the installed pack, never a folder
        ("bundled:national", None),
        ("/srv/packs/national", None),
        ("~/packs/national", None),
        ("Not A Ref", None),
        (None, None),
    ],
)
def test_git_follows_only_relative_extends(extends: str | None, expected: str | None) -> None:
    found: Callable[[str | None], Any] = _relative_base
    result = found(extends)
    assert (str(result) if result is not None else None) == expected


def test_a_province_over_its_base_validates_and_renders() -> None:
    structure = _structure("national", Path(__file__).parents[2] / "rulepacks" / "shanxi")
    forbidden = structure["lifecycle"]["forbidden"]["added"]
    assert forbidden and all(f["source_pack"] == "shanxi" for f in forbidden)
    assert all(f["citation"].startswith("晋教〔2026〕1号") for f in forbidden)
    citations = structure["records"]["form"]["citations"]
    assert "晋教〔2026〕1号 第九条第一款" in set(citations["after"]) - set(citations["before"])
    disabled = [r for r in structure["rules"]["removed"] if "disabled_by" in r]
    assert disabled and all(r["disabled_by"]["pack"] == "shanxi" for r in disabled)
    text = render_markdown(diff_packs("national", "shanxi", population=0, scenarios=False))
    assert "### Forbidden moves" in text and "disabled by shanxi" in text
