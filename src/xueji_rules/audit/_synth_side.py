"""The side files of a synthetic snapshot: verifications, accounts and staff, with planted gaps."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xueji_rules.audit._population import School
from xueji_rules.audit._stories import SPRING_26
from xueji_rules.audit._synth_io import line

if TYPE_CHECKING:
    from xueji_rules.audit._synth_gen import Generator

__all__ = ["write_side"]


def write_side(gen: Generator, root: Path) -> None:
    rates = gen.config.rates
    rng = gen.rng
    with (
        open(root / "verifications.jsonl", "w", encoding="utf-8") as ver,
        open(root / "accounts.jsonl", "w", encoding="utf-8") as acc,
        open(root / "staff.jsonl", "w", encoding="utf-8") as staff,
    ):
        for stage, schools in gen.schools.items():
            for school in schools:
                if stage != "preschool":
                    ver.write(line({"school": school.id, "date": "2025-10-20"}))
                    if (
                        rng.random() < rates.get("O04.verification_missing", 0)
                        and school.id in gen.spring_schools
                    ):
                        # too early under Shanxi's "开学1个月后" (or not at all)
                        if rng.random() < 0.5 and gen.shanxi:
                            ver.write(line({"school": school.id, "date": "2026-03-20"}))
                        gen.planted("O04.verification_missing", f"school:{school.id}@{SPRING_26}")
                    else:
                        ver.write(line({"school": school.id, "date": "2026-04-15"}))
                    ver.write(line({"school": school.id, "date": "2026-10-15"}))
                _accounts(gen, acc, school, rates)
                _staff(gen, staff, school, rates)


def _accounts(gen: Generator, out: IO[str], school: School, rates: Mapping[str, float]) -> None:
    rng = gen.rng
    preschool = school.stage == "preschool"
    account = {"id": f"A-{school.id}", "system": "preschool" if preschool else "k12",
               "level": "kindergarten" if preschool else "school", "org_id": school.id,
               "status": "active", "created_on": "2024-09-01", "last_used_on": "2026-12-01"}  # fmt: skip
    if rng.random() < rates.get("O12.dormant_account_not_sealed", 0):
        account["last_used_on"] = "2026-05-20"
        gen.planted("O12.dormant_account_not_sealed", f"account:{account['id']}")
    out.write(line(account))
    # a dormant account that was sealed, as it should be
    out.write(line({"id": f"A-{school.id}-old", "system": account["system"], "org_id": school.id,
                     "status": "sealed", "created_on": "2022-09-01", "last_used_on": "2025-10-01",
                     "sealed_on": "2026-04-01"}))  # fmt: skip


def _staff(gen: Generator, out: IO[str], school: School, rates: Mapping[str, float]) -> None:
    preschool = school.stage == "preschool"
    row: dict[str, Any] = {"id": f"T-{school.id}", "system": "preschool" if preschool else "k12",
                           "org_id": school.id, "org_kind": "kindergarten" if preschool else "school",
                           "ownership": school.ownership, "level": "kindergarten" if preschool else "school",
                           "start_date": "2024-09-01", "trained_on": "2024-08-20",
                           "filed_with_superior_on": "2024-09-10",
                           "on_establishment": school.ownership == "public"}  # fmt: skip
    r = gen.rng.random()
    for check in (
        "O15.staff_not_filed",
        "O15.staff_not_trained_before_start",
        "O15.staff_not_on_establishment",
    ):
        rate = rates.get(check, 0)
        if r < rate:
            if check == "O15.staff_not_filed":
                del row["filed_with_superior_on"]
            elif check == "O15.staff_not_trained_before_start":
                row["trained_on"] = "2024-10-08"
            elif school.ownership == "public" and not preschool and gen.shanxi:
                row["on_establishment"] = False  # 晋 第四十八条: public schools, not kindergartens
            else:
                break
            gen.planted(check, f"staff:{row['id']}")
            break
        r -= rate
    out.write(line(row))
