"""Helpers to write small packs in a temporary directory."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

BASE_PACK = """
id: base
version: 1.0.0
name: {zh: 基础包}
validity: {from: 2025-01-01}
documents:
  - {id: doc_a, number: 甲〔2025〕1号, title: 甲办法, issuer: 甲部, issued: 2025-01-01, effective: 2025-01-01}
"""
BASE_LIFECYCLE = """
stages:
  primary: {label: 小学, compulsory: true}
statuses:
  enrolled: {label: 在籍}
  suspended: {label: 休学}
transitions:
  suspend:
    label: 休学
    edges: [{from: [enrolled], to: suspended}]
"""
BASE_RULES = """
rules:
  - id: base.suspend.guardian
    transitions: [suspend]
    modality: mandatory
    require: "has(request.applicant) && request.applicant == 'guardian'"
    message: {zh: 须由监护人申请}
    citation: {document: doc_a, article: 1}
  - id: base.suspend.school
    transitions: [suspend]
    modality: approval
    approval: {body: school, kind: confirm}
    message: {zh: 学校确认}
    citation: {document: doc_a, article: 2}
"""
BASE_PARAMS = """
parameters:
  cap:
    type: int
    label: {zh: 上限}
    values: [{since: 2025-01-01, value: 10, citation: {document: doc_a, article: 3}}]
"""
LAYER_PACK = """
id: layer
version: 1.0.0
name: {zh: 省级包}
extends: ../base
validity: {from: 2026-01-01, until: 2030-12-31}
documents:
  - {id: doc_b, number: 乙〔2026〕1号, title: 乙细则, issuer: 乙厅, issued: 2026-01-01, effective: 2026-01-01}
"""

Writer = Callable[..., Path]


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path to YAML text, dedented) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def write_pack(tmp_path: Path) -> Writer:
    """Write a pack directory: ``write_pack("name", {"pack.yaml": text, "rules/x.yaml": text})``."""

    def write(name: str, files: dict[str, str]) -> Path:
        return write_files(tmp_path / name, files)

    return write


@pytest.fixture
def base_pack(write_pack: Writer) -> Path:
    """A small valid base pack."""
    return write_pack(
        "base",
        {
            "pack.yaml": BASE_PACK,
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/suspend.yaml": BASE_RULES,
            "parameters.yaml": BASE_PARAMS,
        },
    )
