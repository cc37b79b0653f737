"""Loading and layering: provenance kept, every problem reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packs.conftest import LAYER_PACK, Writer
from xueji_rules.errors import PackError
from xueji_rules.packs import load_pack


def _problems(ref: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack(ref)
    return [str(p) for p in info.value.problems]


def test_bundled_shanxi_extends_national_with_provenance() -> None:
    pack = load_pack("shanxi")
    assert pack.chain == ("shanxi", "national")
    replaced = pack.rule("national.transfer.processing_deadlines")
    assert replaced.source_pack == "shanxi"
    assert [h.action for h in replaced.history] == ["replace"]
    assert replaced.citation.render() == "晋教〔2026〕1号 第十九条"
    kept = pack.rule("national.transfer.sending_school_processing")
    assert kept.source_pack == "national"
    param = pack.parameters["transfer_processing_workdays"]
    assert param.overridden_by == ("shanxi",)
    assert [v.source_pack for v in param.values] == ["national", "shanxi"]


def test_layer_overrides_replace_narrow_disable(base_pack: Path, write_pack: Writer) -> None:
    layer = write_pack(
        "layer",
        {
            "pack.yaml": LAYER_PACK,
            "rules/x.yaml": """
                overrides:
                  - target: base.suspend.guardian
                    action: narrow
                    require: "request.date >= date('2026-01-01')"
                    message: {zh: 收窄}
                    citation: {document: doc_b, article: 5}
                  - target: base.suspend.school
                    action: disable
                    citation: {document: doc_b, article: 6}
                rules:
                  - id: layer.suspend.extra
                    transitions: [suspend]
                    modality: obligation
                    message: {zh: 新增义务}
                    citation: {document: doc_b, article: 7}
                    obligations: [{id: keep, party: school, action: {zh: 保留学籍}}]
            """,
            "parameters.yaml": """
                overrides:
                  - target: cap
                    values: [{since: 2026-01-01, value: 20, citation: {document: doc_b, article: 8}}]
            """,
        },
    )
    pack = load_pack(layer)
    guardian = pack.rule("base.suspend.guardian")
    assert guardian.source_pack == "base"
    assert [n.source_pack for n in guardian.narrowings] == ["layer"]
    assert [rid for rid, _ in pack.disabled_rules] == ["base.suspend.school"]
    assert {r.id for r in pack.rules} == {"base.suspend.guardian", "layer.suspend.extra"}
    import datetime as dt

    assert pack.parameters["cap"].value_on(dt.date(2025, 6, 1)).value == 10  # type: ignore[union-attr]
    assert pack.parameters["cap"].value_on(dt.date(2026, 6, 1)).value == 20  # type: ignore[union-attr]
    assert pack.valid_from == dt.date(2026, 1, 1)


def test_undeclared_shadowing_is_an_error(base_pack: Path, write_pack: Writer) -> None:
    layer = write_pack(
        "layer",
        {
            "pack.yaml": LAYER_PACK,
            "rules/x.yaml": """
                rules:
                  - id: base.suspend.guardian
                    transitions: [suspend]
                    modality: mandatory
                    require: "true"
                    message: {zh: 遮蔽}
                    citation: {document: doc_b, article: 1}
            """,
            "parameters.yaml": """
                parameters:
                  cap:
                    type: int
                    label: {zh: 上限}
                    values: [{since: 2026-01-01, value: 5, citation: {document: doc_b, article: 2}}]
            """,
        },
    )
    problems = _problems(layer)
    assert any(
        "rules/x.yaml:2:" in p and "shadows" in p and "base.suspend.guardian" in p for p in problems
    )
    assert any("parameters.yaml" in p and "parameter 'cap' shadows" in p for p in problems)


def test_override_of_unknown_target(base_pack: Path, write_pack: Writer) -> None:
    layer = write_pack(
        "layer",
        {
            "pack.yaml": LAYER_PACK,
            "rules/x.yaml": """
                overrides:
                  - target: base.suspend.nothing
                    action: disable
                    citation: {document: doc_b, article: 1}
            """,
        },
    )
    assert any("override of unknown rule 'base.suspend.nothing'" in p for p in _problems(layer))


def test_one_layer_overriding_a_rule_twice_names_both_places(
    base_pack: Path, write_pack: Writer
) -> None:
    # the second override would silently win over the first; it is an error naming both files
    layer = write_pack(
        "layer",
        {
            "pack.yaml": LAYER_PACK,
            "rules/a.yaml": """
                overrides:
                  - target: base.suspend.guardian
                    action: narrow
                    require: "true"
                    message: {zh: 收紧}
                    citation: {document: doc_b, article: 1}
            """,
            "rules/b.yaml": """
                overrides:
                  - target: base.suspend.guardian
                    action: disable
                    citation: {document: doc_b, article: 2}
            """,
        },
    )
    problems = _problems(layer)
    twice = [p for p in problems if "already overridden by this layer" in p]
    assert len(twice) == 1, problems
    assert twice[0].startswith("rules/b.yaml:2:") or "rules/b.yaml:2:" in twice[0]
    assert "rules/a.yaml:2:" in twice[0] and "base.suspend.guardian" in twice[0]


def test_layers_of_a_chain_may_each_override_a_rule_once(
    base_pack: Path, write_pack: Writer
) -> None:
    # one override per layer: a city layer over a province layer may override the same base rule
    write_pack(
        "layer",
        {
            "pack.yaml": LAYER_PACK,
            "rules/a.yaml": """
                overrides:
                  - target: base.suspend.guardian
                    action: narrow
                    require: "true"
                    message: {zh: 收紧}
                    citation: {document: doc_b, article: 1}
            """,
        },
    )
    city = write_pack(
        "city",
        {
            "pack.yaml": """
                id: city
                version: 1.0.0
                name: {zh: 市级包}
                extends: ../layer
                validity: {from: 2026-01-01, until: 2030-12-31}
                documents:
                  - {id: doc_c, number: 丙〔2026〕1号, title: 丙办法, issuer: 丙局, issued: 2026-01-01, effective: 2026-01-01}
            """,
            "rules/c.yaml": """
                overrides:
                  - target: base.suspend.guardian
                    action: narrow
                    require: "true"
                    message: {zh: 再收紧}
                    citation: {document: doc_c, article: 1}
            """,
        },
    )
    rule = load_pack(city).rule("base.suspend.guardian")
    assert [(h.source_pack, h.action) for h in rule.history] == [
        ("layer", "narrow"),
        ("city", "narrow"),
    ]


def test_typo_in_field_gets_suggestion_with_file_and_line(write_pack: Writer) -> None:
    from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK

    pack = write_pack(
        "base",
        {
            "pack.yaml": BASE_PACK,
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/a.yaml": """
                rules:
                  - id: base.suspend.guardian
                    transitions: [suspend]
                    modality: mandatory
                    requir: "true"
                    message: {zh: 缺}
                    citation: {document: doc_a, article: 1}
            """,
            "rules/b.yaml": """
                rules:
                  - id: base.suspend.other
                    transitions: [suspnd]
                    modality: mandatory
                    require: "true"
                    message: {zh: 缺}
                    citation: {document: doc_x, article: 1}
            """,
        },
    )
    problems = _problems(pack)
    assert any(
        "rules/a.yaml:5:" in p and "unknown field 'requir'" in p and "did you mean 'require'" in p
        for p in problems
    ), problems


def test_reference_errors_are_all_reported(write_pack: Writer) -> None:
    from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK

    pack = write_pack(
        "base",
        {
            "pack.yaml": BASE_PACK,
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/b.yaml": """
                rules:
                  - id: base.suspend.other
                    transitions: [suspnd]
                    stages: [primry]
                    modality: mandatory
                    require: "true"
                    message: {zh: 缺}
                    citation: {document: doc_x, article: 1}
            """,
        },
    )
    problems = _problems(pack)
    assert any("unknown transition 'suspnd' (did you mean 'suspend'?)" in p for p in problems)
    assert any("unknown stage 'primry' (did you mean 'primary'?)" in p for p in problems)
    assert any("unknown document 'doc_x'" in p for p in problems)
    assert all("rules/b.yaml:2:" in p for p in problems)


def test_article_not_in_document(base_pack: Path) -> None:
    (base_pack / "articles").mkdir()
    (base_pack / "articles" / "doc_a.yaml").write_text(
        "document: doc_a\narticles:\n  - {article: 1, topic: 申请}\n  - {article: 3, topic: 上限}\n",
        encoding="utf-8",
    )
    assert any("has no article 2" in p for p in _problems(base_pack))


def test_extends_cycle(write_pack: Writer) -> None:
    a = write_pack(
        "a", {"pack.yaml": LAYER_PACK.replace("id: layer", "id: a").replace("../base", "../b")}
    )
    write_pack(
        "b", {"pack.yaml": LAYER_PACK.replace("id: layer", "id: b").replace("../base", "../a")}
    )
    assert any("cycle" in p for p in _problems(a))


def test_unknown_pack_name() -> None:
    with pytest.raises(PackError) as info:
        load_pack("no_such_pack")
    assert "bundled packs: national, shanxi" in str(info.value)


def test_lifecycle_citation_to_unknown_document(write_pack: Writer) -> None:
    from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK

    lifecycle = BASE_LIFECYCLE.replace(
        "label: 休学\n", "label: 休学\n    citation: {document: doc_z, article: 1}\n"
    )
    pack = write_pack("base", {"pack.yaml": BASE_PACK, "lifecycle.yaml": lifecycle})
    problems = _problems(pack)
    assert any("lifecycle.yaml" in p and "unknown document 'doc_z'" in p for p in problems), (
        problems
    )


@pytest.mark.parametrize(
    ("kind", "value"), [("int", '"ten"'), ("int", "true"), ("date", "2026-02-30"), ("bool", "1")]
)
def test_parameter_value_must_have_its_declared_type(
    write_pack: Writer, kind: str, value: str
) -> None:
    from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK

    params = f"""
        parameters:
          cap:
            type: {kind}
            label: {{zh: 上限}}
            values: [{{since: 2025-01-01, value: {value}, citation: {{document: doc_a, article: 3}}}}]
    """
    pack = write_pack(
        "base",
        {"pack.yaml": BASE_PACK, "lifecycle.yaml": BASE_LIFECYCLE, "parameters.yaml": params},
    )
    assert any(f"parameter 'cap' is declared {kind}" in p for p in _problems(pack))
