"""Rule expressions read the pack's effective settings through the ``settings`` constant."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK, write_files
from xueji_rules import Engine
from xueji_rules.errors import PackError

RULES = """
rules:
  - id: base.suspend.five_four_only
    transitions: [suspend]
    modality: mandatory
    require: "settings.default_school_system == '5-4' && !settings.trigger_day_counts"
    message: {zh: 仅在五四学制默认时适用}
    citation: {document: doc_a, article: 1}
"""
RECORD = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
REQUEST = {"transition": "suspend", "date": "2026-03-09", "applicant": "guardian"}


def _pack(tmp_path: Path, settings: str, rules: str = RULES) -> Path:
    files = {
        "pack.yaml": BASE_PACK + settings,
        "lifecycle.yaml": BASE_LIFECYCLE,
        "rules/r.yaml": rules,
    }
    return write_files(tmp_path / "base", files)


def test_a_rule_reads_a_setting(tmp_path: Path) -> None:
    five_four = Engine(_pack(tmp_path / "a", 'settings: {default_school_system: "5-4"}\n'))
    assert five_four.decide(RECORD, REQUEST).outcome == "allowed"
    six_three = Engine(_pack(tmp_path / "b", "settings: {}\n"))  # the default, 6-3
    assert six_three.decide(RECORD, REQUEST).outcome == "denied"


def test_an_unknown_setting_in_an_expression_is_a_load_error(tmp_path: Path) -> None:
    typo = RULES.replace("settings.default_school_system", "settings.default_school_sytem")
    with pytest.raises(PackError) as info:
        Engine(_pack(tmp_path, "settings: {}\n", typo))
    text = str(info.value)
    assert "default_school_sytem" in text and "r.yaml" in text
