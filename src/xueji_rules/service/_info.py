"""Read-only routes: health, packs, a transition's inputs, calendar queries, admin reload."""

from __future__ import annotations

import datetime as dt
import hmac
import os
import signal
from typing import TYPE_CHECKING, Any

from xueji_rules.errors import XuejiRulesError
from xueji_rules.service._http import DIGEST_HEADER, json_response
from xueji_rules.service.problems import HttpProblem, problem_from_error

if TYPE_CHECKING:
    from xueji_rules.service._service import Service
    from xueji_rules.service.state import Snapshot

__all__ = [
    "add_workdays",
    "healthz",
    "is_workday",
    "list_packs",
    "reload_pack",
    "show_pack",
    "term",
    "transition_inputs",
]


def _headers(snap: Snapshot) -> dict[str, str]:
    return {DIGEST_HEADER: snap.digest}


async def healthz(service: Service, request: Any) -> Any:
    """Liveness and the pack in use."""
    snap = service.holder.current
    return json_response({"status": "ok", "pack": snap.pack_json}, headers=_headers(snap))


def _summary(snap: Snapshot) -> dict[str, Any]:
    pack = snap.engine.pack
    return {
        **snap.pack_json,
        "name": pack.name.to_json(),
        "chain": list(pack.chain),
        "valid_from": pack.valid_from.isoformat(),
        "valid_until": pack.valid_until.isoformat() if pack.valid_until else None,
        "transitions": sorted(pack.lifecycle.transitions),
    }


async def list_packs(service: Service, request: Any) -> Any:
    """The packs this service decides with (one, fixed at start; reloads replace it)."""
    snap = service.holder.current
    return json_response({"packs": [_summary(snap)]}, headers=_headers(snap))


def _served(snap: Snapshot, pack_id: str) -> None:
    if pack_id != snap.engine.pack.id:
        raise HttpProblem(
            "not-found",
            f"this service decides with pack '{snap.engine.pack.id}', not {pack_id!r}",
        )


async def show_pack(service: Service, request: Any) -> Any:
    """The effective pack with the provenance of every rule and parameter, and its digest."""
    from xueji_rules.packs.show import effective_pack_json

    snap = service.holder.current
    _served(snap, request.path_params["pack_id"])
    data = {**effective_pack_json(snap.engine.pack), "digest": snap.digest}
    return json_response(data, headers=_headers(snap))


async def transition_inputs(service: Service, request: Any) -> Any:
    """The input contract of one transition (``packs.contract.transition_contract``)."""
    snap = service.holder.current
    _served(snap, request.path_params["pack_id"])
    transition = request.path_params["transition_id"]
    if transition not in snap.engine.pack.lifecycle.transitions:
        known = ", ".join(sorted(snap.engine.pack.lifecycle.transitions))
        raise HttpProblem("not-found", f"no transition {transition!r} in the pack (known: {known})")
    from xueji_rules.packs.contract import transition_contract as contract

    try:
        data = contract(snap.engine.pack, transition)
    except XuejiRulesError as exc:
        raise problem_from_error(exc) from None
    return json_response(data, headers=_headers(snap))


def _date(request: Any, name: str = "date") -> dt.date:
    text = request.query_params.get(name)
    if text is None:
        raise HttpProblem("bad-input", f"{name}: a required query parameter (yyyy-mm-dd)")
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HttpProblem("bad-input", f"{name}: not a date (yyyy-mm-dd): {text!r}") from None


def _count(request: Any) -> int:
    text = request.query_params.get("n")
    if text is None:
        raise HttpProblem("bad-input", "n: a required query parameter (a whole number)")
    try:
        value = int(text)
    except ValueError:
        raise HttpProblem("bad-input", f"n: not a whole number: {text!r}") from None
    if not -10_000 <= value <= 10_000:
        raise HttpProblem("bad-input", f"n: working-day count out of range (±10000): {value}")
    return value


async def _calendar(service: Service, work: Any) -> Any:
    snap = service.holder.current
    try:
        data = await service.executor.run(lambda: work(snap.engine.time), service.config.timeout)
    except XuejiRulesError as exc:
        raise problem_from_error(exc) from None
    return json_response(data, headers=_headers(snap))


async def is_workday(service: Service, request: Any) -> Any:
    """Is the date a working day under the pack's calendars (调休 counted)?"""
    day = _date(request)

    def work(time: Any) -> dict[str, Any]:
        return {
            "date": day.isoformat(),
            "workday": bool(time.workdays.is_workday(day)),
            "holiday": bool(time.workdays.is_holiday(day)),
        }

    return await _calendar(service, work)


async def add_workdays(service: Service, request: Any) -> Any:
    """The n-th working day after a date, under the pack's counting conventions."""
    day, n = _date(request), _count(request)

    def work(time: Any) -> dict[str, Any]:
        due = time.workdays.add_workdays(day, n, time.conventions)
        return {
            "trigger": day.isoformat(),
            "workdays": n,
            "date": due.isoformat(),
            "trigger_day_counts": bool(time.conventions.trigger_day_counts),
        }

    return await _calendar(service, work)


async def term(service: Service, request: Any) -> Any:
    """The school term of a date (the one in session, or the next one in a vacation)."""
    day = _date(request)

    def work(time: Any) -> dict[str, Any]:
        t = time.school.term_at(day)
        return {
            "date": day.isoformat(),
            "school_year": t.school_year,
            "term": t.number,
            "start": t.start.isoformat(),
            "end": t.end.isoformat(),
            "in_session": t.start <= day <= t.end,
            "days_since_term_start": (day - t.start).days,
            "estimated": bool(t.estimated),
        }

    return await _calendar(service, work)


async def reload_pack(service: Service, request: Any) -> Any:
    """Load the pack again and swap it in (``--admin-token``; Bearer authentication)."""
    token = service.config.admin_token
    if token is None:
        raise HttpProblem(
            "not-found", "the admin API is off (start the service with --admin-token)"
        )
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise HttpProblem(
            "unauthorized",
            "send 'Authorization: Bearer <token>' with the service's admin token",
            headers=(("WWW-Authenticate", "Bearer"),),
        )
    try:
        result = await service.reload()
    except XuejiRulesError as exc:
        raise problem_from_error(exc) from None
    if service.config.supervised:
        os.kill(os.getppid(), signal.SIGHUP)  # the other workers reload too
    snap = service.holder.current
    return json_response(
        {"previous": result.previous, "current": result.current, "changed": result.changed},
        headers=_headers(snap),
    )
