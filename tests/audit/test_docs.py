"""docs/audit.md lists every check the audit can report, with its severity; and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from xueji_rules.audit._checks import CHECKS

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def test_every_check_is_documented_with_its_severity() -> None:
    rows = re.findall(
        r"^\| `([A-Za-z0-9_.]+)` \| (error|warning|info) \|", DOC.read_text(encoding="utf-8"), re.M
    )
    assert dict(rows) == {c.id: c.severity for c in CHECKS.values()}


def test_every_check_has_articles_or_reads_them_from_the_rules() -> None:
    for check in CHECKS.values():
        if check.catalog.startswith("O"):
            assert check.articles, check.id
            assert check.id.startswith(check.catalog + "."), check.id
        else:
            assert not check.articles, check.id  # history findings cite the rules involved
        assert check.message.zh and check.message.en
