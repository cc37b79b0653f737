"""Checks on the snapshot's side data: term verifications (O04), accounts (O12), staff (O15)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from xueji_rules.audit._checks import make_finding
from xueji_rules.audit.context import AuditContext
from xueji_rules.calendar import add_months
from xueji_rules.errors import CalendarUnavailable
from xueji_rules.findings import Finding

__all__ = ["account_findings", "staff_findings", "verification_findings"]


def verification_findings(
    school_terms: Iterable[tuple[str, str]],
    verifications: Iterable[tuple[str, dt.date]],
    ctx: AuditContext,
) -> Iterator[Finding]:
    """O04: every school with students on its rosters in a finished term verified in that term.

    The term's dates come from the audited pack's school calendar; the rule from the pack in
    force on the term's opening day: the national rules ask for one verification in the term
    (教基〔2025〕1号 第二十五条), Shanxi's for one on or after the day a month after the opening
    (晋教〔2026〕1号 第四十九条, parameter ``verification_offset_months``; catalog §5.1 Q15).
    """
    dates: dict[str, list[dt.date]] = defaultdict(list)
    for school, day in verifications:
        dates[school].append(day)
    for school, start_text in sorted(set(school_terms)):
        start = dt.date.fromisoformat(start_text)
        try:
            term = ctx.school.term_at(start)
        except CalendarUnavailable:
            continue
        if term.end >= ctx.as_of:
            continue  # the term is not over: it may still be verified
        pack = ctx.pack_on(term.start)
        if pack is None:
            continue
        offset = ctx.param(term.start, "verification_offset_months")
        earliest = add_months(term.start, int(offset)) if offset is not None else term.start
        if any(earliest <= d <= term.end for d in dates.get(school, ())):
            continue
        evidence = {
            "school": school,
            "term_start": term.start.isoformat(),
            "term_end": term.end.isoformat(),
            "earliest_date": earliest.isoformat(),
            "verifications_in_term": sorted(
                d.isoformat() for d in dates.get(school, ()) if term.start <= d <= term.end
            ),
        }
        yield make_finding("O04.verification_missing", (), evidence, pack)


def account_findings(rows: Iterable[dict[str, Any]], ctx: AuditContext) -> Iterator[Finding]:
    """O12: an account unused for six months or more must be sealed (半年以上未使用)."""
    pack = ctx.pack_on(ctx.as_of)
    months = ctx.spec.account_dormancy_months
    for row in rows:
        if row["status"] != "active":
            continue
        last = row.get("last_login_on") or row.get("created_on")
        if last is None:
            continue
        if add_months(last, months) <= ctx.as_of:
            evidence = {
                "account": row["id"],
                "last_used_on": last.isoformat(),
                "unused_months_at_least": months,
                "as_of": ctx.as_of.isoformat(),
            }
            yield make_finding("O12.account_not_sealed", (), evidence, pack)


def staff_findings(rows: Iterable[dict[str, Any]], ctx: AuditContext) -> Iterator[Finding]:
    """O15: registry staff filed with the level above, trained first, in Shanxi on the establishment."""
    pack = ctx.pack_on(ctx.as_of)
    shanxi = pack is not None and "jinjiao_2026_1" in pack.documents
    for row in rows:
        base = {
            "staff": row["id"],
            "school": row.get("school"),
            "started_on": row["started_on"].isoformat(),
        }
        if row.get("filed_with_superior") is False:
            yield make_finding("O15.staff_not_filed", (), base, pack)
        trained = row.get("trained_on")
        if trained is None or trained > row["started_on"]:
            yield make_finding(
                "O15.staff_untrained",
                (),
                {**base, "trained_on": trained.isoformat() if trained else None},
                pack,
            )
        if (
            shanxi
            and row.get("school_ownership") == "public"
            and row.get("role", "registry_admin") == "registry_admin"
            and row.get("on_establishment") is False
        ):
            yield make_finding("O15.staff_not_on_establishment", (), base, pack)
