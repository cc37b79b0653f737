"""Hypothesis strategies for records, requests, event histories and tricky dates.

Every record and request drawn is valid against ``schemas/record.schema.json`` and
``schemas/request.schema.json`` and consistent with the pack's lifecycle (a stage and status that
the lifecycle has an edge for, a grade that exists in the stage and school system, dates in
order). Strategies take a loaded :class:`~xueji_rules.packs.model.Pack` or a pack name/directory;
what they need from the pack is computed once per pack and cached.

>>> from hypothesis import given
>>> from xueji_rules import Engine
>>> from xueji_rules.testing import strategies as xs
>>> engine = Engine("shanxi")                                            # doctest: +SKIP
>>> @given(xs.record_and_request("shanxi", "transfer"))                  # doctest: +SKIP
... def test_transfer_never_crashes(pair):
...     record, request = pair
...     engine.decide(record, request)

See docs/testing.md for every strategy and the properties the project checks with them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

if TYPE_CHECKING:
    from xueji_rules.packs.model import Pack

__all__ = [
    "Event",
    "EventHistory",
    "dates_near_deadline_boundaries",
    "dates_near_holidays",
    "dates_near_term_starts",
    "event_histories",
    "record_and_request",
    "records",
    "requests",
]

_K12 = ("primary", "junior_secondary", "senior_secondary")
_SCHOOL_KIND = {
    "preschool_toddler": ("kindergarten",),
    "preschool": ("kindergarten",),
    "primary": ("primary", "nine_year", "twelve_year", "special"),
    "junior_secondary": ("junior", "nine_year", "complete_secondary", "twelve_year"),
    "senior_secondary": ("senior", "complete_secondary", "twelve_year"),
}
_COUNTIES = ("小店区", "迎泽区", "杏花岭区", "榆次区", "平遥县", "大同市平城区")
_AREAS = ("taiyuan-1", "taiyuan-2", "jinzhong-1", "datong-1")
_SPAN_YEARS = 5  # how far after the start of a pack's validity dates are drawn


# -- what the strategies need from a pack, computed once ------------------------------------------


@dataclass(frozen=True)
class _Facts:
    pack_id: str
    valid_from: dt.date
    valid_until: dt.date
    stages: dict[str, tuple[int, int] | None]  # stage -> grade range (None: no grades)
    combos: tuple[tuple[str, str], ...]  # (stage, status) the lifecycle has an edge for
    edges: dict[str, tuple[tuple[str, str, str], ...]]  # transition -> (stage, from, to)
    terminal: frozenset[str]
    documents: tuple[str, ...]
    bodies: tuple[str, ...]
    defaults: tuple[tuple[str, str], ...]  # (rule id, exception route)
    grounds: tuple[str, ...]
    term_starts: tuple[dt.date, ...]


_GROUND = re.compile(r"request\.ground\s*(?:==|!=)\s*'([^']*)'|request\.ground\s+in\s+\[([^\]]*)\]")


def _grounds(texts: Iterable[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for text in texts:
        for m in _GROUND.finditer(text):
            if m.group(1) is not None:
                found.add(m.group(1))
            else:
                found.update(re.findall(r"'([^']*)'", m.group(2)))
    return tuple(sorted(found))


def _term_starts(pack: Pack, lo: dt.date, hi: dt.date) -> tuple[dt.date, ...]:
    """Term starts from the pack's calendar files; 1 March and 1 September where it has none."""
    from xueji_rules._yaml import load_yaml_file

    found: set[dt.date] = set()

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and "start" in key and re.fullmatch(r"\d{4}-\d\d-\d\d", node):
            found.add(dt.date.fromisoformat(node))

    for file in pack.calendar_files:
        try:
            walk(load_yaml_file(Path(file), file).data)
        except Exception:  # a calendar the loader accepted but this reader cannot walk
            continue
    if not found:
        for year in range(lo.year, hi.year + 1):
            found.update({dt.date(year, 3, 1), dt.date(year, 9, 1)})
    return tuple(sorted(d for d in found if lo <= d <= hi))


@functools.lru_cache(maxsize=16)
def _load(ref: str) -> Pack:
    from xueji_rules.packs.loader import load_pack

    return load_pack(ref)


_FACTS: dict[tuple[str, str, str], _Facts] = {}


def _facts(pack: Any) -> _Facts:
    from xueji_rules.packs.model import Pack

    if not isinstance(pack, Pack):
        pack = _load(str(pack))
    key = (pack.root, pack.id, pack.version)
    if key not in _FACTS:
        _FACTS[key] = _compute_facts(pack)
    return _FACTS[key]


def _compute_facts(pack: Pack) -> _Facts:
    lc = pack.lifecycle
    stages = {sid: s.grades for sid, s in lc.stages.items()}
    edges: dict[str, list[tuple[str, str, str]]] = {}
    combos: set[tuple[str, str]] = set()
    for tid, transition in lc.transitions.items():
        for edge in transition.edges:
            for stage in edge.stages or tuple(stages):
                for status in edge.from_statuses:
                    edges.setdefault(tid, []).append((stage, status, edge.to))
                    combos.add((stage, status))
                combos.add((stage, edge.to))
                if edge.pending:
                    combos.add((stage, edge.pending))
    texts: list[str] = []
    documents: set[str] = set()
    bodies: set[str] = set()
    defaults: list[tuple[str, str]] = []
    for rule in pack.rules:
        texts.extend(x for x in (rule.when, rule.require) if x)
        texts.extend(n.require for n in rule.narrowings)
        for doc in rule.documents:
            documents.add(doc.id)
            documents.update(doc.alternatives)
        if rule.approval is not None:
            bodies.add(rule.approval.body)
        if rule.exception is not None:
            defaults.append((rule.id, rule.exception.route))
    if not _granting_bodies(bodies, defaults):  # no one could grant an unrouted exception
        defaults = [(rule_id, route) for rule_id, route in defaults if route != _NOT_SPECIFIED]
    lo = pack.valid_from
    hi = pack.valid_until or dt.date(lo.year + _SPAN_YEARS, lo.month, 1)
    hi = min(hi, dt.date(lo.year + _SPAN_YEARS, 12, 31))
    return _Facts(
        pack_id=pack.id,
        valid_from=lo,
        valid_until=hi,
        stages=stages,
        combos=tuple(sorted(c for c in combos if c[1] in lc.statuses)),
        edges={k: tuple(sorted(set(v))) for k, v in sorted(edges.items())},
        terminal=frozenset(s for s, v in lc.statuses.items() if v.terminal),
        documents=tuple(sorted(documents)),
        bodies=tuple(sorted(bodies)),
        defaults=tuple(sorted(defaults)),
        grounds=_grounds(texts),
        term_starts=_term_starts(pack, lo, hi),
    )


# -- building blocks -------------------------------------------------------------------------------


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _grades(facts: _Facts, stage: str, system: str) -> tuple[int, int] | None:
    span = facts.stages.get(stage)
    if span is None:
        return None
    lo, hi = span
    if stage == "primary":
        hi = min(hi, 5 if system == "5-4" else 6)
    elif stage == "junior_secondary":
        lo = max(lo, 6 if system == "5-4" else 7)
    return (lo, hi) if lo <= hi else None


@st.composite
def _school(draw: st.DrawFn, stage: str) -> dict[str, Any]:
    school: dict[str, Any] = {
        "id": f"S{draw(st.integers(1000, 9999))}",
        "province": "山西省",
        "county": draw(st.sampled_from(_COUNTIES)),
        "kind": draw(st.sampled_from(_SCHOOL_KIND.get(stage, ("primary",)))),
    }
    if draw(st.booleans()):
        school["enrollment_area"] = draw(st.sampled_from(_AREAS))
    if draw(st.booleans()):
        school["ownership"] = draw(st.sampled_from(("public", "private")))
    if draw(st.booleans()):
        school["vacancies"] = draw(st.integers(0, 5))
    return school


@st.composite
def _periods(draw: st.DrawFn, before: dt.date, most: int) -> list[dict[str, Any]]:
    """Non-overlapping suspension periods that end before ``before``."""
    out: list[dict[str, Any]] = []
    end = before - dt.timedelta(days=draw(st.integers(1, 60)))
    for _ in range(draw(st.integers(0, most))):
        length = draw(st.integers(1, 365))
        start = end - dt.timedelta(days=length - 1)
        item = {"start": _iso(start), "end": _iso(end)}
        if draw(st.booleans()):
            item["ground"] = draw(st.sampled_from(("illness", "force_majeure")))
        out.insert(0, item)
        end = start - dt.timedelta(days=draw(st.integers(1, 400)))
    return out


@st.composite
def _record(
    draw: st.DrawFn, facts: _Facts, stage: str, status: str, ref: dt.date
) -> dict[str, Any]:
    system = draw(st.sampled_from(("6-3", "5-4")))
    record: dict[str, Any] = {
        "id": f"G14{draw(st.integers(10**15, 10**16 - 1))}",
        "status": status,
        "stage": stage,
    }
    grades = _grades(facts, stage, system)
    grade = draw(st.integers(*grades)) if grades else None
    if grade is not None:
        record["grade"] = grade
        # a 5-4 school says so on the record; 6-3 is the default (pack setting)
        if stage in ("primary", "junior_secondary") and (system == "5-4" or draw(st.booleans())):
            record["school_system"] = system
    age = (grade + 5) if grade is not None else (4 if stage == "preschool" else 2)
    if draw(st.integers(0, 9)) > 0:
        birth = dt.date(ref.year - age - draw(st.integers(0, 1)), 1, 1) + dt.timedelta(
            days=draw(st.integers(0, 364))
        )
        record["birth_date"] = _iso(birth)
    if draw(st.integers(0, 9)) > 0:
        record["nationality"] = "mainland"
    else:
        record["nationality"] = draw(st.sampled_from(("hk_mo_tw", "foreign", "overseas_chinese")))
    if status not in ("unregistered", "admitted") and draw(st.booleans()):
        years_in = (grade - (grades[0] if grades else grade)) if grade is not None else 0
        record["enrolled_on"] = _iso(dt.date(ref.year - years_in - 1, 9, 1))
    if draw(st.integers(0, 4)) > 0:
        record["school"] = draw(_school(stage))
    if stage in _K12 and draw(st.booleans()):
        record["suspensions"] = draw(_periods(ref, 2))
    if draw(st.integers(0, 5)) == 0:
        start = ref - dt.timedelta(days=draw(st.integers(1, 400)))
        sanction: dict[str, Any] = {
            "level": draw(st.sampled_from(("warning", "serious_warning", "demerit", "probation"))),
            "start": _iso(start),
        }
        if draw(st.booleans()):
            sanction["end"] = _iso(start + dt.timedelta(days=draw(st.integers(30, 365))))
        if draw(st.integers(0, 3)) == 0:
            sanction["revoked"] = True
        record["sanctions"] = [sanction]
    if draw(st.integers(0, 9)) == 0:
        record["special_education"] = {
            "disabled": True,
            "placement": draw(
                st.sampled_from(("special_school", "regular_class", "home_teaching"))
            ),
        }
    if status not in ("unregistered",) and draw(st.integers(0, 9)) == 0:
        record["has_registry"] = True
    return record


def _dates(facts: _Facts) -> st.SearchStrategy[dt.date]:
    near_terms = st.builds(
        lambda d, k: d + dt.timedelta(days=k),
        st.sampled_from(facts.term_starts),
        st.integers(-5, 25),
    ).filter(lambda d: facts.valid_from <= d <= facts.valid_until)
    anywhere = st.dates(facts.valid_from, facts.valid_until)
    return st.one_of(near_terms, anywhere) if facts.term_starts else anywhere


_NOT_SPECIFIED = "not_specified"  # packs.model.NOT_SPECIFIED, without importing the packs here


def _granting_bodies(bodies: Iterable[str], defaults: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The bodies that may grant an exception to a rule whose text names no one: any approval
    body or exception route the pack knows (docs/decisions.md D-103)."""
    return tuple(sorted({*bodies, *(route for _, route in defaults)} - {_NOT_SPECIFIED}))


def _granting_body(facts: _Facts, route: str) -> st.SearchStrategy[str]:
    """Who grants an exception: the rule's own route, else (``not_specified``) a known body."""
    if route != _NOT_SPECIFIED:
        return st.just(route)
    return st.sampled_from(_granting_bodies(facts.bodies, facts.defaults))


@st.composite
def _request(
    draw: st.DrawFn, facts: _Facts, transition: str, day: dt.date, record: dict[str, Any] | None
) -> dict[str, Any]:
    req: dict[str, Any] = {"transition": transition, "date": _iso(day)}
    maybe: st.SearchStrategy[bool] = st.integers(0, 3).map(bool)  # three times in four
    if draw(maybe):
        req["applicant"] = draw(
            st.sampled_from(("guardian", "guardian", "school", "receiving_school", "student"))
        )
    if len(facts.grounds) > 0 and draw(st.booleans()):
        req["ground"] = draw(st.sampled_from(facts.grounds))
    if len(facts.documents) > 0 and draw(maybe):
        req["documents"] = sorted(draw(st.sets(st.sampled_from(facts.documents), max_size=6)))
    if len(facts.bodies) > 0 and draw(st.booleans()):
        approvals = []
        for body in sorted(draw(st.sets(st.sampled_from(facts.bodies), max_size=4))):
            item: dict[str, Any] = {"body": body}
            if draw(st.booleans()):
                item["date"] = _iso(day + dt.timedelta(days=draw(st.integers(0, 20))))
            if draw(st.integers(0, 5)) == 0:
                item["granted"] = False
            approvals.append(item)
        req["approvals"] = approvals
    if len(facts.defaults) > 0 and draw(st.integers(0, 4)) == 0:
        chosen = draw(st.sets(st.sampled_from(facts.defaults), max_size=2))
        req["exceptions"] = [
            {"rule": r, "granted_by": draw(_granting_body(facts, route))}
            for r, route in sorted(chosen)
        ]
    stage = record["stage"] if record else "primary"
    if draw(maybe):
        req["to_school"] = draw(_school(stage))
    grade = record.get("grade") if record else None
    if draw(st.booleans()):
        req["target_grade"] = (
            draw(st.integers(max(1, grade - 1), min(12, grade + 1)))
            if isinstance(grade, int)
            else draw(st.integers(1, 12))
        )
    if draw(st.booleans()):
        req["hukou_move_scope"] = draw(
            st.sampled_from(("province", "city", "county", "same_city_district", "none"))
        )
        req["hukou_moved"] = req["hukou_move_scope"] != "none"
    if draw(st.booleans()):
        req["residence_moved"] = draw(st.booleans())
    if draw(maybe):
        start = day + dt.timedelta(days=draw(st.integers(0, 30)))
        req["period_start"] = _iso(start)
        req["period_end"] = _iso(start + dt.timedelta(days=draw(st.integers(0, 400))))
    if draw(st.booleans()):
        total = draw(st.integers(100, 600))
        req["term_class_hours"] = total
        req["missed_class_hours"] = draw(st.integers(0, total))
    if draw(st.integers(0, 3)) == 0:
        req["returned_on"] = _iso(day - dt.timedelta(days=draw(st.integers(0, 20))))
    if draw(st.integers(0, 5)) == 0:
        req["cross_province"] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        req["truancy_weeks_continuous"] = draw(st.integers(0, 6))
        req["truancy_weeks_cumulative"] = draw(st.integers(req["truancy_weeks_continuous"], 10))
    return req


# -- public strategies ---------------------------------------------------------------------------


def records(
    pack: Any, stage: str | None = None, status: str | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Records valid against the record schema, in a stage and status the lifecycle knows.

    ``stage`` and ``status`` pin either; the pair must have an edge in the pack's lifecycle.
    """
    facts = _facts(pack)
    combos = [
        c
        for c in facts.combos
        if (stage is None or c[0] == stage) and (status is None or c[1] == status)
    ]
    if not combos:
        raise InvalidArgument(
            f"pack '{facts.pack_id}' has no lifecycle edge for stage={stage!r}, status={status!r}"
        )

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        s, status_ = draw(st.sampled_from(combos))
        ref = draw(st.dates(facts.valid_from, facts.valid_until))
        return draw(_record(facts, s, status_, ref))

    return build()


def requests(
    pack: Any, transition: str | None = None, on: dt.date | st.SearchStrategy[dt.date] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Requests valid against the request schema for a transition of the pack's lifecycle.

    ``on`` fixes the date (a date or a strategy of dates); by default dates are drawn within
    the pack's validity, often close to a term start.
    """
    facts = _facts(pack)
    transitions = [transition] if transition else list(facts.edges)
    if transition is not None and transition not in facts.edges:
        raise InvalidArgument(f"pack '{facts.pack_id}' has no transition {transition!r}")
    days = on if isinstance(on, st.SearchStrategy) else st.just(on) if on else _dates(facts)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        return draw(_request(facts, draw(st.sampled_from(transitions)), draw(days), None))

    return build()


def record_and_request(
    pack: Any, transition: str, stage: str | None = None
) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, Any]]]:
    """A record the lifecycle lets ``transition`` start from, and a request for it.

    The record's dates (birth, enrolment, past suspensions) come before the request's date,
    which lies within the pack's validity.
    """
    facts = _facts(pack)
    starts = [
        (s, status)
        for s, status, _to in facts.edges.get(transition, ())
        if stage is None or s == stage
    ]
    if not starts:
        raise InvalidArgument(
            f"pack '{facts.pack_id}' has no edge of {transition!r} for stage={stage!r}"
        )
    days = _dates(facts)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
        s, status = draw(st.sampled_from(sorted(set(starts))))
        day = draw(days)
        record = draw(_record(facts, s, status, day))
        return record, draw(_request(facts, transition, day, record))

    return build()


@dataclass(frozen=True)
class Event:
    """One step of a history: a transition on a date, from one status to the next."""

    transition: str
    date: dt.date
    from_status: str
    to_status: str
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    def request(self) -> dict[str, Any]:
        """The request of this step (transition, date and the period, if any)."""
        out: dict[str, Any] = {"transition": self.transition, "date": _iso(self.date)}
        if self.period_start and self.period_end:
            out["period_start"] = _iso(self.period_start)
            out["period_end"] = _iso(self.period_end)
        return out


@dataclass(frozen=True)
class EventHistory:
    """A valid walk through the lifecycle and the record it leaves behind."""

    stage: str
    events: tuple[Event, ...]
    record: dict[str, Any]


def event_histories(pack: Any, stage: str, max_events: int = 8) -> st.SearchStrategy[EventHistory]:
    """Sequences of transitions along the lifecycle's edges, dated in increasing order.

    The walk starts from a status no edge of the stage leads into (``unregistered`` for K-12),
    follows edges (their ``when`` conditions are not evaluated) and stops at a terminal status
    or after ``max_events``. A ``suspend`` step carries a period; the next step comes after the
    period ends, so suspensions never overlap. The resulting record lists the suspensions.
    """
    facts = _facts(pack)
    by_status: dict[str, list[tuple[str, str]]] = {}
    targets: set[str] = set()
    for tid, triples in facts.edges.items():
        for s, status, to in triples:
            if s == stage:
                by_status.setdefault(status, []).append((tid, to))
                if to != status:
                    targets.add(to)
    if not by_status:
        raise InvalidArgument(f"pack '{facts.pack_id}' has no edges for stage {stage!r}")
    sources = sorted(set(by_status) - targets) or sorted(by_status)

    @st.composite
    def build(draw: st.DrawFn) -> EventHistory:
        status = draw(st.sampled_from(sources))
        day = draw(st.dates(facts.valid_from, facts.valid_until - dt.timedelta(days=3 * 365)))
        events: list[Event] = []
        suspensions: list[dict[str, str]] = []
        for _ in range(draw(st.integers(0, max_events))):
            if status in facts.terminal or status not in by_status:
                break
            tid, to = draw(st.sampled_from(sorted(by_status[status])))
            start = end = None
            if tid == "suspend":
                start = day
                end = day + dt.timedelta(days=draw(st.integers(0, 364)))
                suspensions.append({"start": _iso(start), "end": _iso(end)})
            events.append(Event(tid, day, status, to, start, end))
            status = to
            day = (end or day) + dt.timedelta(days=draw(st.integers(1, 120)))
        record = draw(_record(facts, stage, status, day))
        record["status"] = status
        if suspensions:
            record["suspensions"] = suspensions
        else:
            record.pop("suspensions", None)
        return EventHistory(stage, tuple(events), record)

    return build()


def dates_near_term_starts(
    pack: Any, before: int = 5, after: int = 25
) -> st.SearchStrategy[dt.date]:
    """Dates from ``before`` days before to ``after`` days after a term start of the pack.

    Term starts come from the pack's school calendars (1 March and 1 September of each year
    when the pack has none); only dates within the pack's validity are drawn.
    """
    facts = _facts(pack)
    if not facts.term_starts:
        raise InvalidArgument(f"pack '{facts.pack_id}' has no term start within its validity")
    return st.builds(
        lambda d, k: d + dt.timedelta(days=k),
        st.sampled_from(facts.term_starts),
        st.integers(-before, after),
    ).filter(lambda d: facts.valid_from <= d <= facts.valid_until)


@functools.lru_cache(maxsize=32)
def _holiday_marks(year: int) -> tuple[dt.date, ...]:
    import chinese_calendar

    marks = {d for d in chinese_calendar.holidays if d.year == year}
    marks |= {d for d in chinese_calendar.workdays if d.year == year}  # 调休 working days
    return tuple(sorted(marks))


def dates_near_holidays(year: int = 2026, spread: int = 3) -> st.SearchStrategy[dt.date]:
    """Dates within ``spread`` days of a statutory holiday or a make-up working day (调休).

    Data from ``chinese-calendar``; a year it does not cover raises ``InvalidArgument``.
    """
    marks = _holiday_marks(year)
    if not marks:
        raise InvalidArgument(
            f"chinese-calendar has no holidays for {year}: upgrade it "
            "(pip install -U chinese-calendar) or pick a covered year"
        )
    return st.builds(
        lambda d, k: d + dt.timedelta(days=k), st.sampled_from(marks), st.integers(-spread, spread)
    )


def _nominal_due(trigger: dt.date, amount: int, unit: str) -> dt.date:
    if unit == "days":
        return trigger + dt.timedelta(days=amount)
    if unit == "weeks":
        return trigger + dt.timedelta(weeks=amount)
    if unit in ("months", "years"):
        months = amount * (12 if unit == "years" else 1)
        y, m = divmod(trigger.month - 1 + months, 12)
        year, month = trigger.year + y, m + 1
        for day in (trigger.day, 30, 29, 28):
            try:
                return dt.date(year, month, day)
            except ValueError:
                continue
    if unit == "workdays":
        import chinese_calendar

        found: dt.date = chinese_calendar.find_workday(amount, trigger)
        return found
    raise InvalidArgument(f"unknown unit {unit!r} (days, workdays, weeks, months, years)")


def dates_near_deadline_boundaries(
    trigger: dt.date | st.SearchStrategy[dt.date], amount: int, unit: str, spread: int = 2
) -> st.SearchStrategy[dt.date]:
    """Dates within ``spread`` days of ``amount`` ``unit`` after ``trigger``.

    The nominal end is computed simply (calendar arithmetic, working days from
    ``chinese-calendar``, the trigger day not counted); the spread covers the counting
    conventions a pack may choose, so the strategy straddles the real deadline.
    """
    triggers = trigger if isinstance(trigger, st.SearchStrategy) else st.just(trigger)
    return st.builds(
        lambda t, k: _nominal_due(t, amount, unit) + dt.timedelta(days=k),
        triggers,
        st.integers(-spread, spread),
    )
