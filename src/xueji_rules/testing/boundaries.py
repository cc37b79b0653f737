"""Boundary cases generated from a pack: N−1, N and N+1 around every window, cap and deadline.

For every parameter whose unit is a span of time (``days``, ``workdays``, ``weeks``, ``months``,
``years``):

* **conditions**: each comparison in a rule's ``require`` (or a narrowing) with ``params.<id>`` on
  one side, ``X op f(params.<id>)``, is probed. From a scenario that exercises the rule, an input
  field ``X`` depends on (``request.date``, ``request.period_end``, ``record.birth_date``, an
  integer count, ...) is moved until ``X`` sits just below, at and just above the boundary
  ``f(N)`` (for a date boundary also one day either side of ``f(N)``). Each case is decided by the
  engine. The *declared* semantics is the comparison itself, evaluated in Python on the measured
  value (the rest of the rule evaluated as written): a case whose rule result differs is a
  contradiction. A *unit* check compares the step between the cases with the parameter's unit
  (a ``days`` window must move by one day per unit, ``months`` by 28-31 days, ...).
* **deadlines**: for each obligation clock whose amount is ``params.<id>``, the decision's due date
  must equal the pack's date arithmetic for N units, and N−1 / N+1 units must give other dates,
  earlier and later.

See docs/testing.md ("Boundary cases") for the method and its limits.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine
    from xueji_rules.packs.model import Pack, Parameter, Rule
    from xueji_rules.testing.scenarios import Scenario

__all__ = [
    "TIME_UNITS",
    "BoundaryCase",
    "BoundaryReport",
    "Comparison",
    "find_comparisons",
    "generate_boundaries",
    "run_boundaries",
]

TIME_UNITS = ("days", "workdays", "weeks", "months", "years")
_SEARCH_DAYS = 400  # beyond N units of the parameter, how far a field may move
_UNIT_DAYS: dict[str, tuple[int, int]] = {
    "days": (1, 1),
    "weeks": (7, 7),
    "months": (28, 31),
    "years": (365, 366),
}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}

# -- finding comparisons in CEL text ----------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>[rRbB]*(?:'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"))
    | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?)
    | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>&&|\|\||<=|>=|==|!=|[-+*/%<>!?:.,()\[\]{}])
    )""",
    re.VERBOSE | re.DOTALL,
)
_RELATIONS = frozenset(_OPS)
_STOPS = frozenset({"&&", "||", "?", ":", ",", "in"}) | _RELATIONS


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int


def _tokens(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        m = _TOKEN.match(source, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"cannot tokenize {source[pos : pos + 20]!r}")
        kind = m.lastgroup or "op"
        out.append(_Tok(m.group(kind), m.start(kind), m.end(kind)))
        pos = m.end()
    return out


@dataclass(frozen=True, slots=True)
class Comparison:
    """``other op param_side`` (or the mirror) found in an expression around ``params.<id>``."""

    source: str
    start: int  # character span of the whole comparison in ``source``
    end: int
    other: str  # the side without the parameter (the measured value)
    param_side: str  # the side with the parameter
    op: str
    param_on_right: bool

    def holds(self, measured: Any, bound: Any) -> bool:
        """The comparison evaluated in Python on a measured value and a bound."""
        fn = _OPS[self.op]
        return fn(measured, bound) if self.param_on_right else fn(bound, measured)

    def replaced(self, value: bool) -> str:
        """The source with this comparison replaced by a boolean literal."""
        lit = "true" if value else "false"
        return f"{self.source[: self.start]}({lit}){self.source[self.end :]}"


def _scan(toks: list[_Tok], i: int, step: int) -> int:
    """Index of the first token at depth 0 that ends the operand containing ``toks[i]``."""
    opens, closes = ("(", "[", "{"), (")", "]", "}")
    if step < 0:
        opens, closes = closes, opens
    depth = 0
    j = i
    while 0 <= j < len(toks):
        t = toks[j].text
        if t in opens:
            depth += 1
        elif t in closes:
            if depth == 0:
                return j
            depth -= 1
        elif depth == 0 and t in _STOPS:
            return j
        j += step
    return j


def _group_bounds(toks: list[_Tok], lo: int, hi: int) -> tuple[int, int] | None:
    """Grow ``lo..hi`` to the enclosing bracket group, with a function name before it."""
    depth = 0
    j = lo - 1
    while j >= 0:
        t = toks[j].text
        if t in (")", "]"):
            depth += 1
        elif t in ("(", "["):
            if depth == 0:
                break
            depth -= 1
        j -= 1
    if j < 0:
        return None
    depth = 0
    k = hi + 1
    while k < len(toks):
        t = toks[k].text
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            if depth == 0:
                break
            depth -= 1
        k += 1
    if k >= len(toks):
        return None
    start = j
    while start > 0 and (toks[start - 1].text == "." or _is_ident(toks[start - 1].text)):
        start -= 1
    return start, k


def _is_ident(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text)) and text != "in"


def find_comparisons(source: str, param: str) -> list[Comparison]:
    """Every relational comparison of ``source`` with ``params.<param>`` on one side."""
    try:
        toks = _tokens(source)
    except ValueError:
        return []
    found: list[Comparison] = []
    for i in range(len(toks) - 2):
        if not (toks[i].text == "params" and toks[i + 1].text == "." and toks[i + 2].text == param):
            continue
        lo, hi = i, i + 2
        for _ in range(20):
            left, right = _scan(toks, lo - 1, -1), _scan(toks, hi + 1, 1)
            lt = toks[left].text if left >= 0 else ""
            rt = toks[right].text if right < len(toks) else ""
            if lt in _RELATIONS or rt in _RELATIONS:
                if lt in _RELATIONS:
                    op, on_right = lt, True
                    other_lo = _scan(toks, left - 1, -1) + 1
                    span = (other_lo, right - 1)
                    other, pside = (other_lo, left - 1), (left + 1, right - 1)
                else:
                    op, on_right = rt, False
                    other_hi = _scan(toks, right + 1, 1) - 1
                    span = (left + 1, other_hi)
                    other, pside = (right + 1, other_hi), (left + 1, right - 1)
                if other[0] > other[1]:
                    break
                start, end = toks[span[0]].start, toks[span[1]].end
                found.append(
                    Comparison(
                        source=source,
                        start=start,
                        end=end,
                        other=source[toks[other[0]].start : toks[other[1]].end],
                        param_side=source[toks[pside[0]].start : toks[pside[1]].end],
                        op=op,
                        param_on_right=on_right,
                    )
                )
                break
            if lt in ("(", "[", ",") or rt in (")", "]", ","):
                grown = _group_bounds(toks, lo, hi)
                if grown is None:
                    break
                lo, hi = grown
                continue
            break
    return found


# -- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoundaryCase:
    """One generated case and what happened to it."""

    parameter: str
    unit: str
    n: int
    rule: str
    label: str  # "N-1", "N", "N+1", "N -1d", ...
    moved: str  # "request.date=2026-03-16"
    measure: str  # the measured value (e.g. days since term start, a date)
    expected: str  # "passed" / "failed" / a due date
    actual: str
    outcome: str
    verdict: str  # "ok", "CONTRADICTION: ...", "n/a: ..."

    def row(self) -> tuple[str, ...]:
        """The cells of the report table."""
        return (self.parameter, f"{self.n} {self.unit}", self.rule, self.label, self.moved,
                self.measure, self.expected, self.actual, self.outcome, self.verdict)  # fmt: skip

    @property
    def contradiction(self) -> bool:
        """Whether the case contradicts the declared boundary semantics."""
        return self.verdict.startswith("CONTRADICTION")


@dataclass
class BoundaryReport:
    """Every case generated for a pack, and the parameters/rules that could not be probed."""

    pack: str
    cases: list[BoundaryCase] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (param, rule, why)

    @property
    def contradictions(self) -> list[BoundaryCase]:
        """The cases that contradict the declared semantics."""
        return [c for c in self.cases if c.contradiction]

    def render_text(self) -> str:
        """The report as a table, then the skipped probes and a summary line."""
        head = ("parameter", "N", "rule", "case", "moved", "measure", "expected", "rule result",
                "outcome", "verdict")  # fmt: skip
        rows = [head, *(c.row() for c in self.cases)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
        lines = [f"boundary cases for pack {self.pack}"]
        for row in rows:
            cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
            lines.append("  ".join([*cells, row[-1]]).rstrip())
        for param, rule, why in self.skipped:
            lines.append(f"skipped {param} / {rule}: {why}")
        ok = sum(1 for c in self.cases if c.verdict == "ok")
        masked = sum(1 for c in self.cases if c.verdict.startswith("masked"))
        lines.append(
            f"{len(self.cases)} cases: {ok} ok, {len(self.contradictions)} contradictions, "
            f"{masked} masked, {len(self.cases) - ok - masked - len(self.contradictions)} "
            f"not applicable; {len(self.skipped)} probes skipped"
        )
        return "\n".join(lines) + "\n"


# -- probing --------------------------------------------------------------------------------------


class _Context:
    """The engine, compiled helpers and base scenarios of one pack."""

    def __init__(self, engine: Engine) -> None:
        from xueji_rules import expr
        from xueji_rules._schemas import load_schema
        from xueji_rules.engine._compile import declarations_for
        from xueji_rules.engine._inputs import input_model

        self.engine = engine
        self.pack: Pack = engine.pack
        self.decls = declarations_for(self.pack, engine.time.functions(), engine.time.settings())
        self._compile = expr.compile
        self._programs: dict[str, Any] = {}
        self.records = input_model("record")
        self.requests = input_model("request")
        self.schemas = {
            k: load_schema(f"{k}.schema.json")["properties"] for k in ("record", "request")
        }
        self.bases = self._bases()

    def compiled(self, source: str) -> Any:
        if source not in self._programs:
            self._programs[source] = self._compile(source, self.decls).function
        return self._programs[source]

    def params_on(self, day: dt.date, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pid, param in self.pack.parameters.items():
            value = param.value_on(day)
            if value is not None:
                out[pid] = (
                    dt.date.fromisoformat(value.value) if param.type == "date" else value.value
                )
        out.update(overrides or {})
        return out

    def evaluate(
        self, source: str, record: Any, request: Any, overrides: dict[str, Any] | None = None
    ) -> Any:
        rec, req = self.records.convert(record), self.requests.convert(request)
        return self.compiled(source)(rec, req, self.params_on(req["date"], overrides))

    def _bases(self) -> list[tuple[Scenario, Decision]]:
        from xueji_rules.errors import XuejiRulesError
        from xueji_rules.testing.scenarios import load_scenarios

        files = [Path(f) for f in self.pack.scenario_files]
        for root in self.pack.base_roots:
            files.extend(sorted((Path(root) / "tests").glob("*.yaml")))
        out = []
        for file in files:
            for scenario in load_scenarios(file):
                if "error" in scenario.expect:
                    continue
                try:
                    out.append((scenario, self.engine.decide(scenario.record, scenario.request)))
                except XuejiRulesError:
                    continue
        return out

    def bases_for(self, rule_id: str) -> list[tuple[Scenario, Decision]]:
        """Scenarios whose decision applied the rule: covering ones first, passing ones first."""
        applied = [(s, d) for s, d in self.bases if any(r.id == rule_id for r in d.rules)]

        def rank(item: tuple[Scenario, Decision]) -> tuple[int, int]:
            s, d = item
            passed = next(r.passed for r in d.rules if r.id == rule_id)
            return (0 if rule_id in s.covers else 1, 0 if passed else 1)

        return sorted(applied, key=rank)

    def field_kind(self, kind: str, name: str) -> str | None:
        spec = self.schemas[kind].get(name, {})
        if spec.get("format") == "date":
            return "date"
        if spec.get("type") == "integer":
            return "int"
        return None


_FIELD = re.compile(r"\b(record|request)\.([a-z_][a-z0-9_]*)")


def _set(data: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _step(value: Any, d: int) -> Any:
    return value + dt.timedelta(days=d) if isinstance(value, dt.date) else value + d


class _Field:
    """One input field to move; the measured side ``X`` and the bound ``f(k)`` as functions of it."""

    def __init__(
        self,
        ctx: _Context,
        scenario: Scenario,
        field_ref: tuple[str, str, str],
        comp: Comparison,
        param: str,
    ) -> None:
        self.ctx, self.comp, self.param = ctx, comp, param
        self.kind, self.name, self.vtype = field_ref
        self.record, self.request = scenario.record, scenario.request
        data = self.record if self.kind == "record" else self.request
        raw = data.get(self.name)
        if self.vtype == "date":
            self.base: Any = dt.date.fromisoformat(
                str(raw if raw is not None else self.request["date"])
            )
        else:
            self.base = int(raw) if raw is not None else 0
        self._cache: dict[tuple[Any, int | None], Any] = {}

    def inputs(self, value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if self.kind == "record":
            return _set(self.record, self.name, value), self.request
        return self.record, _set(self.request, self.name, value)

    def _eval(self, value: Any, k: int | None) -> Any:
        key = (value, k)
        if key not in self._cache:
            from xueji_rules.errors import XuejiRulesError

            self._cache[key] = None
            if self._valid(value):
                try:
                    if k is None:
                        result = self.ctx.evaluate(self.comp.other, *self.inputs(value))
                    else:
                        result = self.ctx.evaluate(
                            self.comp.param_side, *self.inputs(value), {self.param: k}
                        )
                    self._cache[key] = result
                except XuejiRulesError:
                    pass
        return self._cache[key]

    def _valid(self, value: Any) -> bool:
        if self.vtype == "int":
            return bool(value >= 0)
        if (self.kind, self.name) != ("request", "date"):
            return True
        pack = self.ctx.pack  # a request dated outside the pack is refused, not a case
        return bool(pack.valid_from <= value <= (pack.valid_until or value))

    def measure(self, value: Any) -> Any:
        """``X`` with the field at ``value`` (``None`` where it cannot be evaluated)."""
        return self._eval(value, None)

    def bound(self, value: Any, k: int) -> Any:
        """``f(k)`` with the field at ``value`` (the bound may read the field too)."""
        return self._eval(value, k)

    def shifted_bound(self, value: Any, k: int, shift: dt.timedelta) -> Any:
        """``f(k)`` moved by ``shift`` (a date bound only)."""
        b = self.bound(value, k)
        return b + shift if isinstance(b, dt.date) else b

    def find(self, target: Callable[[Any], Any], limit: int) -> Any | None:
        """The value closest to the base where the measure equals ``target(value)``."""
        for d in range(limit + 1):
            for v in (self.base,) if d == 0 else (_step(self.base, d), _step(self.base, -d)):
                x = self.measure(v)
                if x is not None and x == target(v):
                    return v
        return None

    def run_end(self, value: Any, d: int, limit: int) -> Any:
        """The last value, walking by ``d``, with the same measure as ``value``."""
        x = self.measure(value)
        for _ in range(limit):
            nxt = _step(value, d)
            if self.measure(nxt) != x:
                return value
            value = nxt
        return value

    def describe(self, value: Any) -> str:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return f"{self.kind}.{self.name}={text}"


def _limit(param: Parameter, n: int) -> int:
    per = {"days": 1, "workdays": 2, "weeks": 7, "months": 31, "years": 366}[param.unit or "days"]
    return _SEARCH_DAYS + per * (abs(n) + 2)


def _workday_test(ctx: _Context) -> Callable[[dt.date], bool] | None:
    calendar = getattr(ctx.engine.time, "workdays", None)
    test: Callable[[dt.date], bool] | None = getattr(calendar, "is_workday", None)
    return test


def _rest_days_before(is_workday: Callable[[dt.date], bool], day: dt.date) -> int:
    """How many rest days come straight before the working day ``day`` (0 when ``day`` is a rest
    day or a year has no calendar data): a period ending on any of them ends on ``day``."""
    count = 0
    try:
        if not is_workday(day):
            return 0
        while count < 31 and not is_workday(day - dt.timedelta(days=count + 1)):
            count += 1
    except Exception:  # a year without holiday data: no allowance
        return count
    return count


def _unit_ok(ctx: _Context, unit: str, a: dt.date, b: dt.date, extended: bool = False) -> bool:
    """Whether bounds ``a`` and ``b`` are one ``unit`` apart. With ``extended`` (the bound is a
    ``period_end`` under ``extend_to_next_workday``) a bound on a working day may stand for a
    period that ended on one of the rest days just before it."""
    lo, hi = min(a, b), max(a, b)
    gap = (hi - lo).days
    is_workday = _workday_test(ctx)
    if unit in _UNIT_DAYS:
        mn, mx = _UNIT_DAYS[unit]
        if mn <= gap <= mx:
            return True
        if not extended or is_workday is None:
            return False
        # the raw ends lie in [lo - r_lo, lo] and [hi - r_hi, hi]
        shortest = gap - _rest_days_before(is_workday, hi)
        longest = gap + _rest_days_before(is_workday, lo)
        return max(shortest, mn) <= min(longest, mx)
    # workdays: one working day apart, every day in between a rest day
    if is_workday is None or gap < 1:
        return gap >= 1
    try:
        return all(not is_workday(lo + dt.timedelta(days=i)) for i in range(1, gap))
    except Exception:
        return True


def _extends_to_workday(fld: _Field) -> bool:
    """Whether the bound is a ``period_end`` the pack moves off rest days."""
    conventions = getattr(fld.ctx.engine.time, "conventions", None)
    return bool(getattr(conventions, "extend_to_next_workday", False)) and (
        "period_end(" in fld.comp.param_side
    )


def _probe_comparison(
    ctx: _Context, param: Parameter, n: int, rule: Rule, check: str, comp: Comparison
) -> tuple[list[BoundaryCase], str | None]:
    """Cases for one comparison; or no cases and the reason."""
    from xueji_rules.errors import XuejiRulesError

    unit = param.unit or "days"
    bases = ctx.bases_for(rule.id)
    if not bases:
        return [], "no scenario exercises the rule (add one whose covers lists it)"
    try:
        ctx.compiled(comp.other)
        ctx.compiled(comp.param_side)
    except XuejiRulesError as exc:
        return [], f"cannot evaluate one side on its own: {str(exc).splitlines()[0]}"
    candidates: list[tuple[str, str, str]] = []
    for m in _FIELD.finditer(comp.other):
        kind, name = m.group(1), m.group(2)
        vtype = ctx.field_kind(kind, name)
        if vtype and (kind, name, vtype) not in candidates:
            candidates.append((kind, name, vtype))
    if not candidates:
        return [], f"the measured side {comp.other!r} reads no top-level date or integer field"
    fallback: list[BoundaryCase] = []
    for scenario, _decision in bases[:5]:
        for ref in candidates:
            fld = _Field(ctx, scenario, ref, comp, param.id)
            placed = _place(fld, n, unit, _limit(param, n))
            if placed is None or len(placed[0]) < 3:
                continue
            points, unit_ok = placed
            head = (param.id, unit, n, rule.id)
            cases = [
                _decide_case(ctx, head, rule, check, comp, fld, label, value, fld.bound(value, n))
                for label, value in points
            ]
            if not unit_ok:
                why = f"CONTRADICTION: one {unit.rstrip('s')} of the parameter is not one {unit.rstrip('s')} of the input"
                cases = [
                    dataclasses.replace(c, verdict=why) if c.label == "N" else c for c in cases
                ]
            if all(c.verdict.startswith("masked") for c in cases):
                fallback = fallback or cases  # try another base scenario
                continue
            return cases, None
    if fallback:
        return fallback, None
    return [], "no move of an input field placed the measured side at the bound"


def _place(fld: _Field, n: int, unit: str, limit: int) -> tuple[list[tuple[str, Any]], bool] | None:
    """Field values for the cases, and whether the unit check passed."""
    base_bound = fld.bound(fld.base, n)
    if base_bound is None:
        return None
    if isinstance(base_bound, dt.date):
        # a date compared with a date bound f(N): cases at f(N-1), f(N) -1 day, f(N),
        # f(N) +1 day, f(N+1); consecutive bounds must be one unit apart
        day = dt.timedelta(days=1)
        wanted: list[tuple[str, int, dt.timedelta]] = [
            ("N-1", n - 1, 0 * day), ("N -1d", n, -day), ("N", n, 0 * day),
            ("N +1d", n, day), ("N+1", n + 1, 0 * day),
        ]  # fmt: skip
        points: list[tuple[str, Any]] = []
        seen: set[Any] = set()
        for label, k, shift in wanted:
            v = fld.find(functools.partial(fld.shifted_bound, k=k, shift=shift), limit)
            if v is not None and v not in seen:
                seen.add(v)
                points.append((label, v))
        at = dict(points).get("N", fld.base)
        b = [fld.bound(at, k) for k in (n - 1, n, n + 1)]
        extended = _extends_to_workday(fld)
        unit_ok = None not in b and _unit_ok(fld.ctx, unit, b[0], b[1], extended)
        unit_ok = unit_ok and _unit_ok(fld.ctx, unit, b[1], b[2], extended)
        return points, unit_ok
    at_n = fld.find(lambda v: fld.bound(v, n), limit)
    if at_n is None:
        return None
    for d in (-1, 1):
        edge = fld.run_end(at_n, d, limit)  # the first value at f(N), coming from below
        below = _step(edge, d)
        x = fld.measure(below)
        if x is None or not x < fld.bound(below, n):
            continue
        above = _step(fld.run_end(edge, -d, limit), -d)  # the first value past f(N)
        lo, b, hi = (fld.bound(edge, k) for k in (n - 1, n, n + 1))
        step = fld.measure(above) - fld.measure(edge) if fld.measure(above) is not None else 0
        if lo == b - 1 and hi == b + 1:
            points = [("N-1", below), ("N", edge), ("N+1", above)]
        else:  # f scales the parameter (weeks * 7): just below/above f(N), and f(N-1), f(N+1)
            points = [("N -1", below), ("N", edge), ("N +1", above)]
            for label, k in (("N-1", n - 1), ("N+1", n + 1)):
                v = fld.find(functools.partial(fld.bound, k=k), limit)
                if v is not None:
                    points.append((label, v))
        unit_ok = fld.measure(below) == b - 1 or step == 1
        if isinstance(edge, dt.date) and step == 1 and hi is not None:
            # one step of the measure took |above - edge| days; one unit of the parameter
            # moves the bound by (hi - b) steps
            per_step = abs((above - edge).days)
            days = per_step * (hi - b)
            unit_ok = _unit_ok(
                fld.ctx, unit, edge, edge + dt.timedelta(days=days), _extends_to_workday(fld)
            )
        return points, unit_ok
    return None


def _decide_case(
    ctx: _Context,
    head: tuple[str, str, int, str],
    rule: Rule,
    check: str,
    comp: Comparison,
    fld: _Field,
    label: str,
    value: Any,
    bound: Any,
) -> BoundaryCase:
    from xueji_rules.errors import XuejiRulesError

    record, request = fld.inputs(value)
    measured = fld.measure(value)
    shown = measured.isoformat() if isinstance(measured, dt.date) else str(measured)

    def case(expected: str, actual: str, outcome: str, verdict: str) -> BoundaryCase:
        return BoundaryCase(
            *head, label, fld.describe(value), shown, expected, actual, outcome, verdict
        )

    try:
        decision = ctx.engine.decide(record, request)
        # the declared semantics: the comparison evaluated in Python on the measured value,
        # the rest of the rule (other conjuncts, other checks) evaluated as written
        holds = comp.holds(measured, bound)
        expected = bool(ctx.evaluate(comp.replaced(holds), record, request))
        masked = ctx.evaluate(comp.replaced(True), record, request) == ctx.evaluate(
            comp.replaced(False), record, request
        )
        others = [x.require for x in rule.narrowings] + ([rule.require] if rule.require else [])
        for other in others:
            if other != check:
                expected = expected and bool(ctx.evaluate(other, record, request))
    except XuejiRulesError as exc:
        return case("", "", "error", f"n/a: {str(exc).splitlines()[0]}")
    result = next((r for r in decision.rules if r.id == rule.id), None)
    want = "passed" if expected else "failed"
    if result is None:
        return case(want, "not_applied", decision.outcome, "n/a: rule not applied")
    check_passed = result.passed and not result.exception_granted
    verdict = "masked: another condition decides" if masked else "ok"
    if check_passed != expected:
        verdict = (
            f"CONTRADICTION: {comp.other} {comp.op} {comp.param_side} is "
            f"{'true' if holds else 'false'} here"
        )
    return case(want, "passed" if check_passed else "failed", decision.outcome, verdict)


def _probe_clock(
    ctx: _Context, param: Parameter, n: int, rule: Rule, ob_id: str
) -> tuple[list[BoundaryCase], str | None]:
    """Due dates for N-1, N and N+1 units after the trigger of a decision's obligation."""
    for _scenario, decision in ctx.bases_for(rule.id):
        ob = next(
            (o for o in decision.obligations if o.id == ob_id and o.due_status == "computed"), None
        )
        if ob is None or ob.trigger is None or ob.amount is None or ob.unit is None:
            continue
        amount, unit, trigger = ob.amount, ob.unit, ob.trigger
        dues = {k: ctx.engine.time.due(trigger, k, unit) for k in (amount - 1, amount, amount + 1)}
        head = (param.id, param.unit or "", n, f"{rule.id} ({ob_id})")
        moved = f"trigger={trigger.isoformat()}"
        cases = []
        for label, k in (("N-1", amount - 1), ("N", amount), ("N+1", amount + 1)):
            due = dues[k]
            if k == amount:
                actual = ob.due.isoformat() if ob.due else "none"
                verdict = "ok"
                if ob.due != due or amount != n:
                    verdict = f"CONTRADICTION: expected {n} {unit} -> {due}"
            else:
                actual = due.isoformat()
                after = k > amount
                verdict = "ok"
                if (due > dues[amount]) != after or due == dues[amount]:
                    verdict = f"CONTRADICTION: {k} {unit} is not {'after' if after else 'before'} N"
            cases.append(
                BoundaryCase(
                    *head,
                    label,
                    moved,
                    f"{k} {unit}",
                    due.isoformat(),
                    actual,
                    decision.outcome,
                    verdict,
                )
            )
        return cases, None
    return [], "no scenario's decision carries this obligation with a computed due date"


def generate_boundaries(pack: str | Pack | Engine) -> BoundaryReport:
    """Generate and decide the boundary cases of a pack (name, directory, Pack or Engine)."""
    from xueji_rules.engine import Engine

    engine = pack if isinstance(pack, Engine) else Engine(pack)
    ctx = _Context(engine)
    report = BoundaryReport(pack=engine.pack.id)
    for pid in sorted(engine.pack.parameters):
        param = engine.pack.parameters[pid]
        if param.unit not in TIME_UNITS:
            continue
        value = param.values[-1].value
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        used = False
        for rule in engine.pack.rules:
            checks = ([rule.require] if rule.require else []) + [x.require for x in rule.narrowings]
            for check in checks:
                for comp in find_comparisons(check, pid):
                    used = True
                    n = _value_for(param, ctx, rule)
                    cases, why = _probe_comparison(ctx, param, n, rule, check, comp)
                    report.cases.extend(cases)
                    if why:
                        report.skipped.append((pid, rule.id, why))
            for ob in rule.obligations:
                if ob.clock is not None and f"params.{pid}" in str(ob.clock.amount):
                    used = True
                    cases, why = _probe_clock(ctx, param, _value_for(param, ctx, rule), rule, ob.id)
                    report.cases.extend(cases)
                    if why:
                        report.skipped.append((pid, f"{rule.id} ({ob.id})", why))
        if not used:
            report.skipped.append((pid, "-", "no rule compares or counts with it"))
    return report


def _value_for(param: Parameter, ctx: _Context, rule: Rule) -> int:
    """The parameter's value on the dates the rule's base scenarios use (the latest otherwise)."""
    bases = ctx.bases_for(rule.id)
    if bases:
        day = dt.date.fromisoformat(str(bases[0][0].request["date"]))
        v = param.value_on(day)
        if v is not None and isinstance(v.value, int):
            return v.value
    value: int = param.values[-1].value
    return value


def run_boundaries(pack: str, out: TextIO, verbose: bool = False) -> int:
    """``xueji-rules test --boundaries PACK``: print the table; 1 if a case contradicts."""
    report = generate_boundaries(pack)
    out.write(report.render_text())
    return 1 if report.contradictions else 0
