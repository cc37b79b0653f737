"""``xueji-rules calendar``: working days and school terms under a pack's calendars and conventions.

xueji-rules calendar is-workday 2026-10-10 --pack national
xueji-rules calendar add-workdays 2026-09-24 10 --pack national
xueji-rules calendar between 2026-09-24 2026-10-15 --pack national
xueji-rules calendar term 2026-03-09 --pack shanxi --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any, TextIO

from xueji_rules.errors import InputError, Location

__all__ = ["register"]


def _date(text: str) -> dt.date:
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"not a date (yyyy-mm-dd): {text!r}", Location(path="argument")) from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"not a whole number: {text!r}", Location(path="argument")) from None
    if not -10_000 <= value <= 10_000:
        raise InputError(
            f"working-day count out of range (±10000): {value}", Location(path="argument")
        )
    return value


def _service(args: argparse.Namespace) -> Any:
    from xueji_rules.engine._time import TimeService
    from xueji_rules.packs.loader import load_pack

    return TimeService.for_pack(load_pack(args.pack), extra_files=args.calendar or ())


def _emit(out: TextIO, as_json: bool, plain: str, data: dict[str, Any]) -> int:
    out.write((json.dumps(data, ensure_ascii=False, sort_keys=True) if as_json else plain) + "\n")
    return 0


def _is_workday(args: argparse.Namespace, out: TextIO) -> int:
    day = _date(args.date)
    service = _service(args)
    value = service.workdays.is_workday(day)
    holiday = service.workdays.is_holiday(day)
    plain = (
        f"{day.isoformat()} {'工作日' if value else '休息日'}{'（法定节假日）' if holiday else ''}"
    )
    return _emit(
        out, args.json, plain, {"date": day.isoformat(), "workday": value, "holiday": holiday}
    )


def _add_workdays(args: argparse.Namespace, out: TextIO) -> int:
    day, n = _date(args.date), _count(args.n)
    service = _service(args)
    due = service.workdays.add_workdays(day, n, service.conventions)
    data = {
        "trigger": day.isoformat(),
        "workdays": n,
        "date": due.isoformat(),
        "trigger_day_counts": service.conventions.trigger_day_counts,
    }
    return _emit(out, args.json, due.isoformat(), data)


def _between(args: argparse.Namespace, out: TextIO) -> int:
    start, end = _date(args.start), _date(args.end)
    count = _service(args).workdays.workdays_between(start, end)
    data = {"start": start.isoformat(), "end": end.isoformat(), "workdays": count}
    return _emit(out, args.json, str(count), data)


def _term(args: argparse.Namespace, out: TextIO) -> int:
    day = _date(args.date)
    school = _service(args).school
    term = school.term_at(day)
    in_session = term.start <= day <= term.end
    data = {
        "date": day.isoformat(),
        "school_year": term.school_year,
        "term": term.number,
        "start": term.start.isoformat(),
        "end": term.end.isoformat(),
        "in_session": in_session,
        "days_since_term_start": (day - term.start).days,
        "estimated": term.estimated,
    }
    where = "在学期中" if in_session else "假期中，下一学期"
    plain = (
        f"{term.school_year} 学年第{term.number}学期（{term.start.isoformat()} 至 {term.end.isoformat()}）"
        f"，{where}，距开学 {(day - term.start).days} 天"
        + ("（估计日期）" if term.estimated else "")
    )
    return _emit(out, args.json, plain, data)


def register(sub: Any) -> None:
    """Add the ``calendar`` command and its sub-commands to the CLI's sub-parsers."""
    cal = sub.add_parser("calendar", help="working days and school terms under a pack's calendars")
    cal_sub = cal.add_subparsers(dest="calendar_command", required=True, parser_class=type(cal))

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--pack", default="national", help="pack whose calendars and conventions apply"
        )
        p.add_argument("--calendar", action="append", help="extra holiday-year file (repeatable)")
        p.add_argument("--json", action="store_true", help="JSON output")

    for name, handler, params, text in (
        ("is-workday", _is_workday, ("date",), "is DATE a working day (调休 counted)?"),
        ("add-workdays", _add_workdays, ("date", "n"), "the N-th working day after DATE"),
        ("between", _between, ("start", "end"), "working days in (START, END]"),
        ("term", _term, ("date",), "the school term of DATE (in session or next)"),
    ):
        p = cal_sub.add_parser(name, help=text)
        for param in params:
            p.add_argument(param)
        common(p)
        p.set_defaults(handler=lambda args, out, stdin, h=handler: h(args, out))
