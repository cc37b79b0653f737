"""Checks on one record as it stands on the as-of date (catalog §4: O02, O03, O05, O16, O18, O19).

O08 and O17 are the records package's (``bundle.audit_bundle`` calls them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xueji_rules.audit._checks import make_finding
from xueji_rules.audit.context import AuditContext, request_day
from xueji_rules.errors import CalendarUnavailable
from xueji_rules.findings import Finding

__all__ = ["check_record"]

# 记过 and above (晋教〔2026〕1号 第四十五条): the record schema's sanction levels from 记过 up
_RECORDED_SANCTIONS = frozenset({"demerit", "probation", "expulsion"})
_PRESCHOOL = frozenset({"preschool", "preschool_toddler"})
_REGISTERING = frozenset({"enroll", "kindergarten_enroll"})


def _latest_term(bundle: Mapping[str, Any], as_of: dt.date) -> Mapping[str, Any] | None:
    latest = None
    for entry in bundle.get("attendance", ()):
        if entry["term_start"] <= as_of and (
            latest is None or entry["term_start"] > latest["term_start"]
        ):
            latest = entry
    return latest


def _term_evidence(term: Mapping[str, Any], school: str | None) -> dict[str, Any]:
    """The evidence every roster finding starts with (built only for a finding)."""
    return {"term_start": term["term_start"].isoformat(), "registry_school": school}


def _events(bundle: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((bundle.get("history") or {}).get("events", ()))


def _transition(event: Mapping[str, Any]) -> str | None:
    """The transition an event's request names, if it names one by a string (requests are not
    checked before the replay decides them, and the replay words their problems)."""
    transition = (event.get("request") or {}).get("transition")
    return transition if isinstance(transition, str) else None


def check_record(bundle: Mapping[str, Any], ctx: AuditContext, out: list[Finding]) -> None:
    """Append the findings of the per-record checks for ``bundle`` to ``out``."""
    record = bundle["record"]
    rid: str = record["id"]
    as_of = ctx.as_of
    pack = ctx.as_of_pack
    status, stage = record["status"], record["stage"]
    school = (record.get("school") or {}).get("id")

    def emit(check: str, evidence: dict[str, Any]) -> None:
        out.append(make_finding(check, (rid,), evidence, pack))

    # O02 / O03 / O19: the latest term's roster against the registry (人籍一致)
    term = _latest_term(bundle, as_of)
    if term is not None and status == "enrolled":
        where = term.get("school")
        stopped = term.get("stopped_attending_on")
        if where is None:
            emit("O02.phantom_registry", _term_evidence(term, school))
        elif school is not None and where != school:
            emit(
                "O03.person_record_mismatch",
                {**_term_evidence(term, school), "roster_school": where},
            )
        if (
            stopped is not None
            and stage in ctx.compulsory
            and (as_of - stopped).days > ctx.spec.dropout_report_days
            and not any(
                _transition(e) == "report_dropout"
                and (request_day(e["request"]) or stopped) >= stopped
                for e in _events(bundle)
            )
        ):
            emit(
                "O19.dropout_not_reported",
                {
                    **_term_evidence(term, school),
                    "stopped_attending_on": stopped.isoformat(),
                    "report_within_days": ctx.spec.dropout_report_days,
                },
            )

    # O05 without the registering event in the history: the record's own registration date
    # (a record carrying an earlier registry over, 升学, builds no new archive)
    enrolled_on = record.get("enrolled_on")
    if (
        enrolled_on is not None
        and not record.get("has_registry")
        and not any(_transition(e) in _REGISTERING for e in _events(bundle))
    ):
        _archive_clock(bundle, ctx, enrolled_on, stage, emit)

    # O16 (Shanxi 第四十五条): sanctions of 记过 and above in the archive, specialized education never
    archive = bundle.get("archive")
    if archive is not None and pack is not None and "jinjiao_2026_1" in pack.documents:
        entries = archive.get("entries", ())
        recorded = {e["date"] for e in entries if e["kind"] == "sanction"}
        for sanction in record.get("sanctions", ()):
            if sanction["level"] in _RECORDED_SANCTIONS and sanction["start"] not in recorded:
                emit(
                    "O16.sanction_not_recorded",
                    {"level": sanction["level"], "start": sanction["start"].isoformat()},
                )
        for entry in entries:
            if entry["kind"] == "specialized_education":
                emit(
                    "O16.specialized_education_recorded", {"entry_date": entry["date"].isoformat()}
                )

    # O18: records are kept, never deleted
    deleted = bundle.get("deleted_on")
    if deleted is not None:
        emit("O18.record_deleted", {"deleted_on": deleted.isoformat(), "status": status})


def _archive_clock(
    bundle: Mapping[str, Any], ctx: AuditContext, enrolled_on: dt.date, stage: str, emit: Any
) -> None:
    engine = ctx.engine_on(enrolled_on)
    if engine is None:
        return  # registered before any pack of the chain was in force: not ours to judge
    name = "preschool_archive_deadline_months" if stage in _PRESCHOOL else "archive_deadline_months"
    months = ctx.param(enrolled_on, name)
    if months is None:
        return
    try:
        due = engine.time.due(enrolled_on, int(months), "months")
    except CalendarUnavailable:
        return  # the due date needs a year without holiday data; the replay reports such clocks
    created = (bundle.get("archive") or {}).get("created_on")
    evidence = {"enrolled_on": enrolled_on.isoformat(), "due": due.isoformat()}
    if created is not None and created > due:
        emit("O05.archive_late", {**evidence, "created_on": created.isoformat()})
    elif created is None and ctx.as_of > due:
        emit("O05.archive_overdue", {**evidence, "as_of": ctx.as_of.isoformat()})
