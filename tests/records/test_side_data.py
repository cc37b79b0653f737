"""Accounts (O12) and registry staff (O15) as side data of a snapshot."""

from __future__ import annotations

import datetime as dt

from xueji_rules.records import RecordsSpec, check_accounts, check_staff
from xueji_rules.records.side_data import add_months


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 6) == dt.date(2026, 6, 15)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)


def account(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "u1",
        "system": "k12",
        "status": "active",
        "created_on": "2024-01-10",
    }
    row.update(kw)
    return row


def test_six_calendar_months_unused_must_be_sealed(shanxi: RecordsSpec) -> None:
    as_of = dt.date(2026, 3, 2)
    exactly = account(
        last_used_on="2025-09-02"
    )  # 2025-09-02 + 6 months = 2026-03-02: "以上" includes it
    one_day_less = account(id="u2", last_used_on="2025-09-03")
    sealed = account(id="u3", last_used_on="2024-01-01", status="sealed")
    never_used = account(id="u4", created_on="2025-08-31", last_used_on=None)
    found = list(check_accounts([exactly, one_day_less, sealed, never_used], shanxi, as_of=as_of))
    assert [f.records for f in found] == [("account:u1",), ("account:u4",)]
    assert found[0].evidence["seal_due"] == "2026-03-02" and found[0].evidence["months"] == 6
    assert found[1].evidence["seal_due"] == "2026-02-28"
    cites = [c.render() for c in found[0].citations]
    assert cites == ["教基〔2025〕1号 第二十四条第一款", "晋教〔2026〕1号 第五十条第一款"]


def test_the_threshold_is_the_pack_parameter_in_force(national: RecordsSpec) -> None:
    months, citation = national.dormancy_months("k12", dt.date(2025, 6, 1)) or (0, None)
    assert months == 6 and citation is not None and citation.article == 24
    # 8号 took effect on 2025-12-22: no preschool threshold before it
    assert national.dormancy_months("preschool", dt.date(2025, 12, 1)) is None
    row = account(system="preschool", last_used_on="2025-01-01")
    assert list(check_accounts([row], national, as_of=dt.date(2025, 12, 1))) == []
    found = list(check_accounts([row], national, as_of=dt.date(2025, 12, 22)))
    assert [c.render() for c in found[0].citations] == ["教基〔2025〕8号 第二十二条第一款"]


def staff(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "s1", "system": "k12", "org_kind": "school", "ownership": "public",
        "start_date": "2025-09-01", "filed_with_superior_on": "2025-09-05", "trained_on": "2025-08-20",
        "on_establishment": True,
    }  # fmt: skip
    row.update(kw)
    return row


def test_staff_filed_and_trained_before_start(national: RecordsSpec) -> None:
    as_of = dt.date(2026, 3, 2)
    rows = [
        staff(),
        staff(id="late_training", trained_on="2025-09-10"),
        staff(id="not_filed", filed_with_superior_on=None),
        staff(id="left", end_date="2025-12-31", trained_on=None),
        staff(id="future", start_date="2026-04-01", trained_on=None),
    ]
    found = [(f.check, f.records[0]) for f in check_staff(rows, national, as_of=as_of)]
    assert found == [
        ("O15.staff_not_trained_before_start", "staff:late_training"),
        ("O15.staff_not_filed", "staff:not_filed"),
    ]


def test_establishment_only_in_shanxi_public_units(
    national: RecordsSpec, shanxi: RecordsSpec
) -> None:
    as_of = dt.date(2026, 3, 2)
    rows = [
        staff(id="contract", on_establishment=False),
        staff(id="unknown", on_establishment=None),
        staff(id="private", ownership="private", on_establishment=False),
        staff(id="bureau", org_kind="education_department", ownership=None, on_establishment=False),
        staff(id="kg", system="preschool", org_kind="kindergarten", on_establishment=False),
    ]
    assert list(check_staff(rows, national, as_of=as_of)) == []
    found = [f.records[0] for f in check_staff(rows, shanxi, as_of=as_of)]
    assert found == ["staff:contract", "staff:unknown", "staff:bureau"]
    finding = next(check_staff(rows[:1], shanxi, as_of=as_of))
    assert [c.render() for c in finding.citations] == ["晋教〔2026〕1号 第四十八条第一款"]


def test_shanxi_adds_its_articles_to_national_staff_checks(shanxi: RecordsSpec) -> None:
    finding = next(check_staff([staff(trained_on=None)], shanxi, as_of=dt.date(2026, 3, 2)))
    assert [c.render() for c in finding.citations] == [
        "教基〔2025〕1号 第二十二条第四款",
        "晋教〔2026〕1号 第四十八条第三款",
    ]
