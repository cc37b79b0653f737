"""``show``: the lifecycle and the logic of the effective pack, refused when its expressions do
not type-check; ``show --transition``: the input contract built from the compiled rules."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK, BASE_PARAMS, BASE_RULES, Writer
from xueji_rules.cli import main
from xueji_rules.errors import InputError, PackError
from xueji_rules.packs.contract import transition_contract
from xueji_rules.packs.loader import load_pack
from xueji_rules.packs.show import show_pack


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_show_has_the_lifecycle_and_the_logic() -> None:
    data = show_pack("shanxi")
    life = data["lifecycle"]
    assert {"primary", "senior_secondary"} <= set(life["stages"])
    assert life["statuses"]["enrolled"]["label"]
    transfer = life["transitions"]["transfer"]
    assert transfer["edges"] and {"from", "to"} <= set(transfer["edges"][0])
    window = next(r for r in data["rules"] if r["id"] == "shanxi.transfer.window")
    assert "params.transfer_window_days" in window["require"]
    assert window["when"].startswith("!(has(request.ground)")
    assert window["exception"]["route"]
    narrowed = [r for r in data["rules"] if r["narrowed_by"]]
    assert all(n["require"] for r in narrowed for n in r["narrowed_by"])
    with_clock = next(r for r in data["rules"] if r.get("obligations"))
    assert {"id", "party", "clock"} <= set(with_clock["obligations"][0])


ILL_TYPED = """
rules:
  - id: base.suspend.broken
    transitions: [suspend]
    modality: mandatory
    require: "record.grdae > 'x'"
    message: {zh: 坏}
    citation: {document: doc_a, article: 1}
"""


def _pack(write_pack: Writer, rules: str) -> Path:
    return write_pack(
        "base",
        {
            "pack.yaml": BASE_PACK,
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/suspend.yaml": BASE_RULES,
            "rules/extra.yaml": rules,
            "parameters.yaml": BASE_PARAMS,
        },
    )


def test_show_refuses_a_pack_that_does_not_type_check(write_pack: Writer) -> None:
    pack = _pack(write_pack, ILL_TYPED)
    with pytest.raises(PackError, match=r"unknown field 'record\.grdae'"):
        show_pack(pack)
    code, out, err = run(["show", str(pack)])
    assert code == 2 and out == ""
    assert "rule 'base.suspend.broken': require: unknown field 'record.grdae'" in err


CONTRACT_RULES = """
rules:
  - id: base.suspend.ground
    transitions: [suspend]
    when: "has(record.grade)"
    modality: default
    require: "has(request.ground) && request.ground in ['illness', 'family']"
    exception: {route: bureau, label: {zh: 教育局同意}}
    message: {zh: 理由}
    citation: {document: doc_a, article: 1}
  - id: base.suspend.papers
    transitions: [suspend]
    modality: documents
    documents: [{id: hospital_certificate, label: {zh: 医院证明}, alternatives: [clinic_note]}]
    message: {zh: 证明}
    citation: {document: doc_a, article: 1}
  - id: base.suspend.long
    transitions: [suspend]
    modality: obligation
    message: {zh: 报告}
    citation: {document: doc_a, article: 1}
    obligations:
      - id: long.report
        party: school
        action: {zh: 报告}
        when: "has(request.approvals) && request.approvals.exists(a, a.body == 'bureau' && has(a.date))"
        clock: {trigger: "request.date", amount: "params.cap", unit: days}
"""


def test_the_contract_of_a_transition(write_pack: Writer) -> None:
    pack = load_pack(_pack(write_pack, CONTRACT_RULES))
    contract = transition_contract(pack, "suspend")
    assert contract["transition"] == {"id": "suspend", "label": "休学", "citation": None}
    stage = contract["stages"]["primary"]
    assert stage["rules"] == [
        "base.suspend.ground",
        "base.suspend.guardian",
        "base.suspend.long",
        "base.suspend.papers",
        "base.suspend.school",
    ]
    fields = {f["path"]: f for f in stage["fields"]}
    assert set(fields) == {
        "record.grade",
        "request.applicant",
        "request.approvals",
        "request.approvals[].body",
        "request.approvals[].date",
        "request.date",
        "request.ground",
    }
    assert fields["record.grade"] == {
        "path": "record.grade",
        "type": "int",
        "label": fields["record.grade"]["label"],
        "always_present": False,
        "tested_by": ["base.suspend.ground"],
    }
    assert fields["request.date"]["always_present"] is True
    assert fields["request.date"]["read_by"] == ["base.suspend.long"]
    assert fields["request.approvals"]["type"] == "list(object)"
    assert stage["grounds"] == [
        {"id": "family", "used_by": ["base.suspend.ground"], "label": None},
        {"id": "illness", "used_by": ["base.suspend.ground"], "label": None},
    ]
    assert stage["applicants"] == [
        {"id": "guardian", "used_by": ["base.suspend.guardian"], "label": None}
    ]
    assert stage["documents"] == [
        {
            "id": "hospital_certificate",
            "used_by": ["base.suspend.papers"],
            "label": {"zh": "医院证明"},
            "alternatives": ["clinic_note"],
        }
    ]
    bodies = {b["id"]: b for b in stage["approval_bodies"]}
    assert bodies["school"]["kinds"] == ["confirm"]
    assert bodies["bureau"]["used_by"] == ["base.suspend.long"]
    assert stage["exception_rules"] == [
        {"rule": "base.suspend.ground", "route": "bureau", "label": {"zh": "教育局同意"}}
    ]
    assert stage["edges"] == [{"from": ["enrolled"], "to": "suspended"}]


def test_the_contract_of_the_bundled_shanxi_transfer() -> None:
    contract = transition_contract(load_pack("shanxi"), "transfer")
    senior = contract["stages"]["senior_secondary"]
    fields = {f["path"]: f for f in senior["fields"]}
    assert "shanxi.transfer.capacity" in fields["request.to_school.vacancies"]["read_by"]
    assert fields["request.to_school.vacancies"]["type"] == "int"
    assert fields["request.hukou_move_scope"]["compared_with"] == ["city", "county", "province"]
    assert "special_education_placement" in {g["id"] for g in senior["grounds"]}
    assert "sending_school" in {b["id"] for b in senior["approval_bodies"]}
    assert "shanxi.transfer.window" in {e["rule"] for e in senior["exception_rules"]}
    # the senior-only rules are not in the primary contract
    primary = contract["stages"]["primary"]
    assert "shanxi.transfer.senior_hukou_ground" not in primary["rules"]


def test_unknown_transition_is_an_input_error() -> None:
    with pytest.raises(
        InputError, match="no transition 'tranfer' \\(did you mean 'transfer'\\?\\)"
    ):
        transition_contract(load_pack("shanxi"), "tranfer")
    code, _, err = run(["show", "shanxi", "--transition", "tranfer"])
    assert code == 2 and "did you mean 'transfer'" in err


def test_show_transition_on_the_command_line() -> None:
    code, out, _ = run(["show", "national", "--transition", "enroll"])
    data = json.loads(out)
    assert code == 0 and data["transition"]["id"] == "enroll"
    assert data["stages"]["primary"]["fields"]


@pytest.mark.parametrize("name", ["national", "shanxi"])
def test_compiling_every_bundled_expression_emits_no_warning(name: str) -> None:
    """Generated code once made Python print a SyntaxWarning for ``'x' != null`` (issue 10.5)."""
    import warnings

    from xueji_rules import Engine
    from xueji_rules.packs._expressions import compile_expressions, iter_expressions

    pack = load_pack(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Engine(pack)
        compiled = compile_expressions(pack)
    assert len(compiled) == len(list(iter_expressions(pack))) > 100
