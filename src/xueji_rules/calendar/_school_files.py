"""``kind: school_calendar`` files: dated school years and terms of one region."""

from __future__ import annotations

import re
from typing import Any

from xueji_rules._safeio import excerpt
from xueji_rules._yaml import YamlDocument
from xueji_rules.calendar._checks import Checker
from xueji_rules.calendar._terms import SchoolYear, Term
from xueji_rules.errors import LoadError

__all__ = ["school_years"]

_LABEL = re.compile(r"^(\d{4})-(\d{4})$")


def school_years(doc: YamlDocument, check: Checker) -> list[SchoolYear]:
    """The school years of one file; problems go to ``check`` with their locations."""
    data = doc.data
    if not check.mapping(data, (), {"kind", "source", "school_years"}, {"region", "note"}):
        return []
    if "region" in data:
        check.text(data["region"], ("region",))
    file_source = check.text(data["source"], ("source",)) or ""
    result: list[SchoolYear] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(check.seq(data["school_years"], ("school_years",))):
        at = ("school_years", i)
        before = len(check.problems)
        sy = _school_year(entry, at, file_source, check)
        if sy is None or len(check.problems) > before:
            continue
        if sy.year in seen:
            check.fail((*at, "year"), f"school year {sy.year} is listed twice")
            continue
        seen[sy.year] = i
        result.append(sy)
    return result


def _school_year(
    entry: Any, at: tuple[str | int, ...], file_source: str, check: Checker
) -> SchoolYear | None:
    required = {"year", "start", "terms"}
    before = len(check.problems)
    if not check.mapping(entry, at, required, {"estimated", "source", "note"}):
        return None
    label = entry["year"]
    match = _LABEL.match(label) if isinstance(label, str) else None
    if match is None or int(match[2]) != int(match[1]) + 1:
        check.fail((*at, "year"), f"a school year reads like '2025-2026', not {excerpt(label)}")
        return None
    start = check.date(entry["start"], (*at, "start"))
    if start is not None and (start.year != int(match[1]) or start.month not in (8, 9)):
        check.fail(
            (*at, "start"), f"the school year {label} must start in August or September {match[1]}"
        )
    estimated = (
        check.flag(entry["estimated"], (*at, "estimated")) if "estimated" in entry else False
    )
    source = check.text(entry["source"], (*at, "source")) if "source" in entry else file_source
    listed = check.seq(entry["terms"], (*at, "terms"))
    terms: list[Term] = []
    for j, raw in enumerate(listed):
        term = _term(raw, (*at, "terms", j), label, estimated, check)
        if term is not None:
            terms.append(term)
    if [t.number for t in terms] != [1, 2]:
        if isinstance(entry["terms"], list) and len(terms) == len(listed):
            # every term was readable, so the problem is which terms there are
            check.fail((*at, "terms"), "list term 1 and term 2, in that order")
        return None
    one, two = terms
    if start is not None and one.start < start:
        check.fail((*at, "terms", 0, "start"), "term 1 opens before the school year starts")
    if two.start <= one.end:
        check.fail((*at, "terms", 1, "start"), "term 2 opens before term 1 ends")
    if start is None or len(check.problems) > before:
        return None
    try:
        return SchoolYear(label, start, (one, two), estimated, source or "")
    except LoadError as exc:
        check.fail(at, exc.message)
        return None


def _term(
    raw: Any, at: tuple[str | int, ...], label: str, estimated: bool, check: Checker
) -> Term | None:
    if not check.mapping(raw, at, {"term", "start", "end"}, {"estimated", "note"}):
        return None
    number = check.integer(raw["term"], (*at, "term"))
    if number is not None and number not in (1, 2):
        check.fail((*at, "term"), f"a term is 1 (autumn) or 2 (spring), not {number}")
        number = None
    first = check.date(raw["start"], (*at, "start"))
    last = check.date(raw["end"], (*at, "end"))
    if first is not None and last is not None and last < first:
        check.fail((*at, "end"), f"term ends on {last.isoformat()}, before it starts")
        return None
    flag = check.flag(raw["estimated"], (*at, "estimated")) if "estimated" in raw else estimated
    if number is None or first is None or last is None:
        return None
    return Term(label, number, first, last, flag)
