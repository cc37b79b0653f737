"""Checks on registry-system accounts and registry staff (catalog O12, O15), as findings.

Rows are optional side data of a registry snapshot; their shapes are
``schemas/account.schema.json`` and ``schemas/staff.schema.json``. Each function takes any
iterable of rows (read once) and yields findings in input order; the finding's ``records`` holds
the row's id (``account:ID`` / ``staff:ID``) and its evidence the dates behind it.

* accounts: an ``active`` account whose last use (or, never used, its creation) lies the pack's
  number of calendar months or more before ``as_of`` must have been sealed (1号 第二十四条第一款,
  8号 第二十二条第一款, 晋 第五十条第一款; the number is the parameter
  ``account_dormancy_months`` / ``preschool_account_dormancy_months``; D-209);
* staff in office on ``as_of``: filed with the level above (备案), trained before starting,
  and, where the pack says so (Shanxi 第四十八条第一款), on the establishment of the unit (在编).
  A fact the row does not record counts as not shown (D-210).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from xueji_rules.findings import Finding
from xueji_rules.packs.model import Citation, Text
from xueji_rules.records.spec import RecordsSpec, System

__all__ = ["add_months", "check_accounts", "check_staff"]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar ``months``; a day missing in the target month becomes its last."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _system(row: Mapping[str, Any]) -> System | None:
    value = row.get("system")
    return value if value in ("k12", "preschool") else None


def _finding(
    spec: RecordsSpec,
    check_id: str,
    system: System,
    record: str,
    zh: str,
    en: str,
    evidence: dict[str, Any],
    extra: tuple[Citation, ...] = (),
) -> Finding | None:
    check = spec.checks.get(check_id)
    if check is None or not check.applies_to(system):
        return None
    citations = tuple(dict.fromkeys((*check.citations[system], *extra)))
    return Finding(
        check=check_id,
        severity=check.severity,
        records=(record,),
        citations=citations,
        message=Text(f"{check.label.zh}：{zh}", f"{check.label.en or check_id}: {en}"),
        evidence=evidence,
    )


def check_accounts(
    rows: Iterable[Mapping[str, Any]], spec: RecordsSpec, *, as_of: dt.date
) -> Iterator[Finding]:
    """O12: every active account unused for the pack's number of months or more (calendar
    months, the day itself included: "以上" counts the figure)."""
    for row in rows:
        system = _system(row)
        if system is None or row.get("status") != "active":
            continue
        rule = spec.dormancy_months(system, as_of)
        if rule is None:
            continue
        months, citation = rule
        created = _date(row.get("created_on"))
        last = _date(row.get("last_used_on")) or created
        if last is None:
            continue
        due = add_months(last, months)
        if due > as_of:
            continue
        used = "最后使用于" if row.get("last_used_on") else "开通后从未使用，开通于"
        used_en = "last used on" if row.get("last_used_on") else "never used since it was opened on"
        finding = _finding(
            spec,
            "O12.dormant_account_not_sealed",
            system,
            f"account:{row.get('id')}",
            f"账号{used}{last.isoformat()}，至{due.isoformat()}已满{months}个月，应予封存，但状态仍为启用",
            f"the account was {used_en} {last.isoformat()}; by {due.isoformat()} it was unused for {months} months and should be sealed, but it is still active",
            {
                "last_used_on": row.get("last_used_on"),
                "created_on": row.get("created_on"),
                "seal_due": due.isoformat(),
                "months": months,
                "as_of": as_of.isoformat(),
            },
            (citation,),
        )
        if finding is not None:
            yield finding


def _org_kind(row: Mapping[str, Any]) -> str | None:
    kind = row.get("org_kind")
    if kind == "education_department":
        return "education_department"
    ownership = row.get("ownership")
    if kind in ("school", "kindergarten") and ownership in ("public", "private"):
        return f"{ownership}_{kind}"
    return None


def check_staff(
    rows: Iterable[Mapping[str, Any]], spec: RecordsSpec, *, as_of: dt.date
) -> Iterator[Finding]:
    """O15: registry staff in office on ``as_of`` — filed, trained before starting, 在编 where
    the pack requires it."""
    for row in rows:
        system = _system(row)
        start = _date(row.get("start_date"))
        end = _date(row.get("end_date"))
        if system is None or start is None or start > as_of or (end is not None and end < as_of):
            continue
        record = f"staff:{row.get('id')}"
        base = {"start_date": start.isoformat(), "as_of": as_of.isoformat()}
        filed = _date(row.get("filed_with_superior_on"))
        if filed is None or filed > as_of:
            finding = _finding(
                spec, "O15.staff_not_filed", system, record,
                "未记录其基本信息已报上级教育行政部门备案",
                "no record that the staff member's details were filed with the level above",
                {**base, "filed_with_superior_on": row.get("filed_with_superior_on")},
            )  # fmt: skip
            if finding is not None:
                yield finding
        trained = _date(row.get("trained_on"))
        if trained is None or trained > start:
            zh = (
                "未记录培训"
                if trained is None
                else f"培训于{trained.isoformat()}，晚于上岗日{start.isoformat()}"
            )
            en = (
                "no training recorded"
                if trained is None
                else f"trained on {trained.isoformat()}, after starting on {start.isoformat()}"
            )
            finding = _finding(
                spec, "O15.staff_not_trained_before_start", system, record, zh, en,
                {**base, "trained_on": row.get("trained_on")},
            )  # fmt: skip
            if finding is not None:
                yield finding
        check = spec.checks.get("O15.staff_not_on_establishment")
        kind = _org_kind(row)
        if (
            check is not None
            and check.org_kinds is not None
            and kind in check.org_kinds
            and row.get("on_establishment") is not True
        ):
            state = "不是" if row.get("on_establishment") is False else "未记录是否为"
            state_en = "is not" if row.get("on_establishment") is False else "is not recorded as"
            finding = _finding(
                spec, "O15.staff_not_on_establishment", system, record,
                f"该学籍管理员{state}本单位在编工作人员",
                f"the registry administrator {state_en} on the unit's establishment",
                {**base, "org_kind": kind, "on_establishment": row.get("on_establishment")},
            )  # fmt: skip
            if finding is not None:
                yield finding
