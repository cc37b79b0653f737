"""Shared fixtures: a policy author's draft of Shanxi with the transfer window at 20 days."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from tests.engine.test_pack_inputs import INPUTS, RULES, VOCAB
from xueji_rules._resources import packs_root
from xueji_rules.cli import main


def run(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI with swapped streams: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


def copy_pack(name: str, into: Path) -> Path:
    """A copy of a bundled pack, as a policy author starts a draft."""
    target = into / name
    shutil.copytree(packs_root() / name, target)
    return target


def set_window(pack_dir: Path, days: int) -> None:
    """Change the value of ``transfer_window_days`` in a copy of Shanxi's parameters.yaml."""
    path = pack_dir / "parameters.yaml"
    text = path.read_text(encoding="utf-8")
    block = re.search(r"  transfer_window_days:\n(?:    .*\n)+", text)
    assert block is not None
    new_block = re.sub(r"value: \d+", f"value: {days}", block.group(0), count=1)
    assert new_block != block.group(0) or f"value: {days}" in block.group(0)
    path.write_text(text.replace(block.group(0), new_block), encoding="utf-8")


@pytest.fixture
def draft_window(tmp_path: Path) -> Path:
    """A copy of the bundled Shanxi pack whose transfer window is 20 days instead of 15."""
    draft = copy_pack("shanxi", tmp_path / "drafts")
    set_window(draft, 20)
    return draft


# A third province's layer over the national pack, as the third-province report wrote one: its own
# input field and ground with a rule that needs the field (the engine tests' own), a rule whose
# message shows a parameter and that also cites the national article, and a forbidden move.
NATIONAL = packs_root() / "national"
PROVINCE_FILES = {
    "pack.yaml": f"""
        id: thirdprov
        version: 0.1.0
        name: {{zh: 第三省学籍规则, en: Third province registry rules}}
        extends: {NATIONAL}
        validity: {{from: 2026-03-01, until: 2030-12-31}}
        documents:
          - {{id: third_2026_1, number: 丙教〔2026〕1号, title: 实施细则, issuer: 丙省教育厅,
              issued: 2026-02-01, effective: 2026-03-01, implements: [jiaoji_2025_1]}}
        """,
    "articles/third_2026_1.yaml": """
        document: third_2026_1
        articles:
          - {article: 1, topic: 监护人工作调动转学}
          - {article: 2, topic: 休学期间不得转学}
          - {article: 3, topic: 转学的期限}
        """,
    "inputs.yaml": INPUTS,
    "vocabularies.yaml": VOCAB,
    "parameters.yaml": """
        parameters:
          job_move_window_days:
            type: int
            unit: days
            label: {zh: 工作调动后申请转学的天数, en: days to apply after a job move}
            values:
              - {since: 2026-03-01, value: 30, citation: {document: third_2026_1, article: 3}}
        """,
    "lifecycle.yaml": """
        forbidden:
          - transition: transfer
            from: [suspended]
            citation: {document: third_2026_1, article: 2}
            also_cites:
              - {document: jiaoji_2025_1, article: 15}
            message: {zh: 休学期间不得转学。, en: No transfer while suspended.}
        """,
    "rules/transfer.yaml": RULES,
    "rules/window.yaml": """
        rules:
          - id: thirdprov.transfer.job_move_window
            transitions: [transfer]
            stages: [primary, junior_secondary, senior_secondary]
            when: "has(request.ground) && request.ground == 'guardian_job_move'"
            modality: mandatory
            relation: adds
            require: "days_since_term_start(request.date) < params.job_move_window_days"
            message:
              zh: 因监护人工作调动转学的，须在开学后{params.job_move_window_days}天内申请。
              en: A transfer for a guardian's job move is asked for within {params.job_move_window_days} days of the term's start.
            citation: {document: third_2026_1, article: 3}
            also_cites:
              - {document: jiaoji_2025_1, article: 15}
        """,
}


@pytest.fixture
def province(tmp_path: Path) -> Path:
    """The third province's layer (see ``PROVINCE_FILES``), written under ``tmp_path``."""
    from tests.packs.conftest import write_files

    return write_files(tmp_path / "thirdprov", PROVINCE_FILES)
