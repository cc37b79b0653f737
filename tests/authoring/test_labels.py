"""Field names come from the schemas' x-label and the pack's inputs.yaml; the table only covers
what no schema labels; the input contract names school fields as the engine does."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.packs.conftest import write_files
from xueji_rules.authoring.labels import UNLABELLED, Labels, field_text
from xueji_rules.engine._compile import _inlined, input_label
from xueji_rules.packs.contract import _schema_node, transition_contract, transition_contracts
from xueji_rules.packs.loader import load_pack
from xueji_rules.packs.model import Text


def _node(path: str) -> Mapping[str, Any] | None:
    kind, *parts = path.split(".")
    return _schema_node(_inlined(kind), parts)


@pytest.mark.parametrize("path", sorted(UNLABELLED))
def test_the_table_names_only_real_fields_no_schema_labels(path: str) -> None:
    node = _node(path)
    assert node is not None, f"{path} is not a field of the schemas: drop it from UNLABELLED"
    assert "x-label" not in node and "x-label-part" not in node, (
        f"the schema now labels {path}: drop it from UNLABELLED"
    )


def test_every_field_a_transition_reads_has_a_name() -> None:
    pack = load_pack("shanxi")
    unnamed = {
        row["path"]
        for contract in transition_contracts(pack).values()
        for stage in contract["stages"].values()
        for row in stage["fields"]
        if field_text(pack, row["path"]) is None
    }
    assert unnamed == set()


def test_names_are_the_engines_and_the_contracts() -> None:
    pack = load_pack("shanxi")
    for path in ("record.grade", "request.to_school.vacancies", "record.school.city"):
        found = field_text(pack, path)
        assert found is not None and found == input_label(path)
    # the contract (show --transition) names a school's fields like the engine does
    contract = transition_contract(pack, "transfer")
    rows = {r["path"]: r for r in contract["stages"]["primary"]["fields"]}
    assert (
        rows["request.to_school.city"]["label"] == input_label("request.to_school.city").to_json()
    )
    labels = Labels(pack, "en")
    assert labels.field("params.transfer_window_days").startswith("parameter “")
    assert (
        Labels(pack, "zh").value("request.ground", "illness")
        == pack.label_of("grounds", "illness").zh
    )  # type: ignore[union-attr]


def test_a_packs_own_fields_take_its_labels(tmp_path: Path) -> None:
    from tests.engine.test_pack_inputs import INPUTS, PROVINCE_PACK, RULES, VOCAB

    root = write_files(
        tmp_path / "thirdprov",
        {
            "pack.yaml": PROVINCE_PACK,
            "inputs.yaml": INPUTS,
            "vocabularies.yaml": VOCAB,
            "rules/transfer.yaml": RULES,
        },
    )
    pack = load_pack(root)
    assert field_text(pack, "request.guardian_job_move_scope") == Text(
        "监护人工作调动范围", "how far the guardian's job moved"
    )
    assert Labels(pack, "en").field("record.boarding_days") == "boarding days a week"
