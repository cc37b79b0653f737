"""Checks on the snapshot's side data: term verifications (O04).

Accounts (O12) and staff (O15) are checked by the records package
(:func:`xueji_rules.records.check_accounts`, :func:`~xueji_rules.records.check_staff`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from xueji_rules.audit._checks import make_finding
from xueji_rules.audit.context import AuditContext
from xueji_rules.calendar import add_months
from xueji_rules.errors import CalendarUnavailable
from xueji_rules.findings import Finding

__all__ = ["verification_findings"]


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
