"""docs/audit.md lists every check the audit can report, with its severity; and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from xueji_rules import Engine
from xueji_rules.audit._checks import CHECKS

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


# the records package's checks that the audit runs (their severities are pack data)
RECORDS_CHECKS = (
    "O01.duplicate_registry", "O01.probable_duplicate_registry", "O07.number_reused",
    "O07.number_changed", "O07.preschool_number_not_continued", "O07.number_format",
    "O07.number_document_mismatch", "O08.temporary_number", "O12.dormant_account_not_sealed",
    "O15.staff_not_filed", "O15.staff_not_trained_before_start", "O15.staff_not_on_establishment",
    "O17.special_education_fields",
)  # fmt: skip


def test_every_check_is_documented_with_its_severity() -> None:
    rows = re.findall(
        r"^\| `([A-Za-z0-9_.]+)` \| (error|warning|info) \|", DOC.read_text(encoding="utf-8"), re.M
    )
    pack = Engine("shanxi").records.checks
    expected = {c.id: c.severity for c in CHECKS.values()}
    expected |= {check: pack[check].severity for check in RECORDS_CHECKS}
    assert dict(rows) == expected


def test_each_check_is_defined_once() -> None:
    # the audit's own checks and the records package's (pack data) never share an id
    for pack in ("national", "shanxi"):
        assert not set(CHECKS) & set(Engine(pack).records.checks), pack


def test_every_check_has_articles_or_reads_them_from_the_rules() -> None:
    for check in CHECKS.values():
        if check.catalog.startswith("O"):
            assert check.articles, check.id
            assert check.id.startswith(check.catalog + "."), check.id
        else:
            assert not check.articles, check.id  # history findings cite the rules involved
        assert check.message.zh and check.message.en
