"""A seeded population of (record, request) pairs: generated ones and scenario variants.

*Generated* pairs come from :mod:`xueji_rules.testing.strategies` (records in a stage and status a
transition starts from, requests dated often within days of a term start, the pack's own document,
body, ground and exception ids), drawn by Hypothesis in generate-only mode with a fixed seed, so a
seed and a size give the same population on every run of the same versions. Hypothesis is in the
``[test]`` extra; it is imported only when a population is asked for.

*Variants* are the packs' own scenario inputs moved in time to every day around the term starts
(:func:`scenario_variants`): they are realistic, so they reach the rules a generated pair, which
usually fails some unrelated requirement first, does not. Variants need only the standard library.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from xueji_rules.errors import InputError, Location
from xueji_rules.packs.model import Pack

__all__ = [
    "HYPOTHESIS_HINT",
    "generate_population",
    "hypothesis_available",
    "scenario_variants",
    "term_starts",
]

HYPOTHESIS_HINT = "pip install 'xueji-rules[test]'"


def hypothesis_available() -> bool:
    """Whether Hypothesis can be imported (the generated population needs it)."""
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        return False
    return True


def generate_population(
    packs: Sequence[Pack], transitions: Sequence[str], size: int, seed: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``size`` pairs for ``transitions`` (drawn for the first of ``packs`` that has each one).

    Fewer come back only when the packs' lifecycles allow fewer distinct pairs.
    """
    if size <= 0 or not transitions:
        return []
    try:
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis import seed as fix_seed
        from hypothesis import strategies as st
    except ImportError:
        raise InputError(
            f"a generated population needs Hypothesis: {HYPOTHESIS_HINT} (or pass --population 0)",
            Location(),
        ) from None
    from xueji_rules.testing import strategies as xs

    choices = []
    for tid in sorted(set(transitions)):
        for pack in packs:
            if tid in pack.lifecycle.transitions and any(
                e.from_statuses for e in pack.lifecycle.transitions[tid].edges
            ):
                choices.append(xs.record_and_request(pack, tid))
                break
    if not choices:
        return []
    drawn: list[tuple[dict[str, Any], dict[str, Any]]] = []

    @fix_seed(seed)
    @settings(
        max_examples=size,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(choices))
    def collect(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        if len(drawn) < size:
            drawn.append(pair)

    collect()
    return drawn


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _shift(value: Any, delta: dt.timedelta) -> Any:
    if isinstance(value, str) and _ISO.match(value):
        try:
            return (dt.date.fromisoformat(value) + delta).isoformat()
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return value + delta
    if isinstance(value, Mapping):
        return {k: _shift(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, delta) for v in value]
    return value


def term_starts(engine: Any) -> list[dt.date]:
    """Opening days of the terms within the engine's pack validity (from its school calendar)."""
    from xueji_rules.errors import CalendarUnavailable

    pack = engine.pack
    until = pack.valid_until or pack.valid_from + dt.timedelta(days=5 * 365)
    found: set[dt.date] = set()
    for year in range(pack.valid_from.year - 1, until.year + 1):
        try:
            school_year = engine.time.school.school_year(year)
        except (CalendarUnavailable, AttributeError):
            continue
        found.update(t.start for t in school_year.terms if pack.valid_from <= t.start <= until)
    return sorted(found)


def scenario_variants(
    cases: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    starts: Sequence[dt.date],
    size: int,
    seed: int,
    before: int = 7,
    after: int = 35,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``size`` copies of scenario inputs moved in time: each keeps every date of its record and
    request at the same distance from the others, and lands its request date between ``before``
    days before and ``after`` days after a term start. Realistic inputs (they pass the rules the
    scenario was written to pass) at every day of the windows that open with a term."""
    if size <= 0 or not cases or not starts:
        return []
    rng = random.Random(seed)
    out = []
    for _ in range(size):
        record, request = cases[rng.randrange(len(cases))]
        day = request.get("date")
        if not isinstance(day, str) or not _ISO.match(day):
            continue
        target = starts[rng.randrange(len(starts))] + dt.timedelta(days=rng.randint(-before, after))
        delta = target - dt.date.fromisoformat(day)
        out.append((_shift(dict(record), delta), _shift(dict(request), delta)))
    return out
