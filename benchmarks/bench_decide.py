"""Decisions per second for Shanxi transfer requests, against peers, in one run.

On a seeded synthetic population of transfer requests (200,000 by default), measures:

* ``Engine("shanxi").decide`` per (record, request) pair: input validation and conversion, the
  lifecycle edge, every applicable rule, obligations with working-day due dates, the Decision;
* a hand-written Python function that checks the same conditions on the same JSON-like inputs and
  returns the outcome with the failed rule ids (no due dates: it would need a calendar);
* zen-engine's compiled expression of the same conditions (one boolean per record);
* the same conditions in Rego (``transfer.rego``) through regopy, returning the outcome and the
  failed rule ids as the hand-written function does (a sample: it is slow);
* durable-rules, the same conditions as a rule over posted events (a sample: it is slow);

the latency of single ``decide`` calls (p50, p90, p99), and the time to load, validate and
compile both packs. Ratios are what matter: the machine is shared and noisy, so every peer runs
in the same process on the same inputs, in interleaved rounds, timed in CPU seconds.

    python benchmarks/bench_decide.py [--records N] [--repeats R] [--quick] [--write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _rego import rego_transfer
from _report import machine_lines, markdown_table, write_section

CITY_OF = {"小店区": "太原市", "迎泽区": "太原市", "杏花岭区": "太原市", "平城区": "大同市",
           "城区": "阳泉市", "榆次区": "晋中市", "尧都区": "临汾市", "盐湖区": "运城市"}  # fmt: skip
COUNTIES = list(CITY_OF)
HUKOU = ["province", "city", "county", "same_city_district", "none"]
STAGES = [("primary", 1, 6), ("junior_secondary", 7, 9), ("senior_secondary", 10, 12)]
SPRING_START = dt.date(2026, 3, 2)


def population(n: int, seed: int = 20260302) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``n`` seeded (record, request) pairs of transfer requests in spring 2026."""
    rnd = random.Random(seed)
    pairs = []
    for i in range(n):
        stage, lo, hi = rnd.choice(STAGES)
        grade = rnd.randint(lo, hi)
        county = rnd.choice(COUNTIES)
        to_county = county if rnd.random() < 0.2 else rnd.choice(COUNTIES)
        record: dict[str, Any] = {
            "id": f"G{14010000000000 + i}",
            "status": "enrolled",
            "stage": stage,
            "grade": grade,
            "school": {
                "id": f"S{rnd.randint(1, 500)}",
                "city": CITY_OF[county],
                "county": county,
                "enrollment_area": county,
            },
        }
        if rnd.random() < 0.05:
            start = SPRING_START - dt.timedelta(days=rnd.randint(0, 200))
            record["sanctions"] = [
                {
                    "level": "demerit",
                    "start": start.isoformat(),
                    "end": (start + dt.timedelta(days=180)).isoformat(),
                }
            ]
        day = SPRING_START + dt.timedelta(days=rnd.randint(0, 40))
        hukou_county = to_county if rnd.random() < 0.9 else rnd.choice(COUNTIES)
        request: dict[str, Any] = {
            "transition": "transfer",
            "date": day.isoformat(),
            "applicant": "guardian" if rnd.random() < 0.95 else "school",
            "to_school": {
                "id": f"S{rnd.randint(1, 500)}",
                "city": CITY_OF[to_county],
                "county": to_county,
                "enrollment_area": to_county,
                "vacancies": rnd.randint(0, 4),
            },
            "hukou_move_scope": rnd.choice(HUKOU),
            "residence_moved": rnd.random() < 0.8,
            "new_hukou": {"city": CITY_OF[hukou_county], "county": hukou_county},
            "target_grade": grade if rnd.random() < 0.95 or grade == 12 else grade + 1,
        }
        if rnd.random() < 0.5:
            request["approvals"] = [
                {"body": "sending_school", "date": (day + dt.timedelta(days=1)).isoformat()}
            ]
        pairs.append((record, request))
    return pairs


# -- the hand-written baseline ----------------------------------------------------------------

ENTRY = {"primary": 1, "junior_secondary": 7, "senior_secondary": 10}
GRADUATING = {"primary": 6, "junior_secondary": 9, "senior_secondary": 12}


def hand_written(record: dict[str, Any], request: dict[str, Any]) -> tuple[str, list[str]]:
    """The Shanxi transfer conditions, checked directly (spring 2026 term only)."""
    if record["status"] != "enrolled":
        return "denied", ["lifecycle"]
    day = dt.date.fromisoformat(request["date"])
    stage, grade = record["stage"], record.get("grade")
    mandatory: list[str] = []
    default: list[str] = []
    if request.get("applicant") != "guardian":
        mandatory.append("shanxi.transfer.guardian_applies")
    since = (day - SPRING_START).days
    if not 0 <= since < 15:
        default.append("shanxi.transfer.window")
    to_school = request.get("to_school") or {}
    if to_school.get("vacancies", 0) <= 0:
        mandatory.append("shanxi.transfer.capacity")
    if stage == "senior_secondary":
        if request.get("hukou_move_scope") not in ("province", "city", "county") or not request.get(
            "residence_moved"
        ):
            mandatory.append("shanxi.transfer.senior_hukou_ground")
        school = record.get("school") or {}
        hukou = request.get("new_hukou") or {}
        if to_school.get("city") != hukou.get("city") or (
            request.get("hukou_move_scope") == "county"
            and to_school.get("county") != hukou.get("county")
        ):
            mandatory.append("shanxi.transfer.senior_to_hukou_place")
        place = (school.get("city"), school.get("county"))
        if (
            None in place
            or place == (to_school.get("city"), to_school.get("county"))
            or school.get("enrollment_area") == to_school.get("enrollment_area")
        ):
            mandatory.append("shanxi.transfer.senior_not_within_county")
    if grade is not None and grade == GRADUATING[stage]:
        default.append("shanxi.transfer.graduating_grade_second_term")
    if "target_grade" in request and grade is not None and request["target_grade"] != grade:
        mandatory.append("shanxi.transfer.same_grade")
    for s in record.get("sanctions", ()):
        if (
            not s.get("revoked")
            and dt.date.fromisoformat(s["start"]) <= day
            and ("end" not in s or day <= dt.date.fromisoformat(s["end"]))
        ):
            mandatory.append("shanxi.transfer.not_under_sanction")
            break
    if mandatory:
        return "denied", mandatory
    if default:
        return "denied_by_default", default
    bodies = {a["body"] for a in request.get("approvals", ())}
    missing = [b for b in ("sending_school", "superior_registry_dept") if b not in bodies]
    return ("needs_approval", missing) if missing else ("allowed", [])


ZEN_EXPRESSION = (
    "status == 'enrolled' and applicant == 'guardian' and since >= 0 and since < 15 and vacancies > 0"
    " and (stage != 'senior_secondary' or ((hukou == 'province' or hukou == 'city' or hukou == 'county')"
    " and residence_moved and county != to_county and area != to_area and to_hukou_place))"
    " and grade != graduating and target_grade == grade and not sanctioned"
)


def zen_context(record: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The flat context zen-engine's expression reads (built per record, as a caller would)."""
    day = dt.date.fromisoformat(request["date"])
    school, to_school = record.get("school", {}), request.get("to_school", {})
    sanctioned = any(
        dt.date.fromisoformat(s["start"])
        <= day
        <= dt.date.fromisoformat(s.get("end", "9999-12-31"))
        for s in record.get("sanctions", ())
    )
    return {
        "status": record["status"], "applicant": request.get("applicant"), "since": (day - SPRING_START).days,
        "vacancies": to_school.get("vacancies", 0), "stage": record["stage"], "hukou": request.get("hukou_move_scope"),
        "residence_moved": bool(request.get("residence_moved")), "county": school.get("county"),
        "to_county": to_school.get("county"), "area": school.get("enrollment_area"), "to_area": to_school.get("enrollment_area"),
        "grade": record.get("grade"), "graduating": GRADUATING[record["stage"]], "target_grade": request.get("target_grade"),
        "sanctioned": sanctioned,
        "to_hukou_place": to_school.get("city") == (request.get("new_hukou") or {}).get("city")
        and (request.get("hukou_move_scope") != "county"
             or to_school.get("county") == (request.get("new_hukou") or {}).get("county")),
    }  # fmt: skip


# -- measuring --------------------------------------------------------------------------------

Pairs = Sequence[tuple[dict[str, Any], dict[str, Any]]]


def _cpu_seconds(fn: Callable[[Pairs], object], items: Pairs) -> float:
    start = time.process_time()
    fn(items)
    return time.process_time() - start


def interleaved(
    contenders: dict[str, tuple[Callable[[Pairs], object], Pairs]], repeats: int
) -> dict[str, list[float]]:
    """Rates (items per CPU second) of every contender, ``repeats`` rounds of one pass each.

    The rounds go round-robin over the contenders (the order rotating every round), so a burst of
    load from elsewhere on the machine hits all of them alike; CPU time (``time.process_time``)
    leaves out the time this process waited for a core.
    """
    names = list(contenders)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            fn, items = contenders[name]
            rates[name].append(len(items) / max(_cpu_seconds(fn, items), 1e-9))
    return rates


def paired_ratio(rates: dict[str, list[float]], num: str, den: str) -> float:
    """The median over rounds of rate(num) / rate(den): each round's two passes ran back to
    back, under the same load."""
    return statistics.median(a / b for a, b in zip(rates[num], rates[den], strict=True))


def latencies(decide: Callable[[Any, Any], object], pairs: Pairs, samples: int) -> list[float]:
    """Wall-clock microseconds of ``samples`` single calls (a warm engine, inputs cycling)."""
    out = []
    clock = time.perf_counter_ns
    n = len(pairs)
    for i in range(samples):
        record, request = pairs[i % n]
        start = clock()
        decide(record, request)
        out.append((clock() - start) / 1000)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _run(fn: Callable[[Any, Any], object]) -> Callable[[Pairs], None]:
    def run(items: Pairs) -> None:
        for record, request in items:
            fn(record, request)

    return run


def measure(n: int, repeats: int, samples: int) -> dict[str, Any]:
    """Run every contender; return rates, ratios, agreement, latencies and load times."""
    from xueji_rules import Engine

    load_times, load_cpu = [], []
    for _ in range(max(3, repeats)):
        start, cpu = time.perf_counter(), time.process_time()
        Engine("national")
        engine = Engine("shanxi")
        load_times.append(time.perf_counter() - start)
        load_cpu.append(time.process_time() - cpu)
    pairs = population(n)
    results: dict[str, Any] = {
        "records": n,
        "load_seconds": statistics.median(load_times),
        "load_cpu": statistics.median(load_cpu),
    }
    results["load_before"] = os.getloadavg()

    from jsonschema import Draft202012Validator

    from xueji_rules._schemas import validator_for

    record_validator: Draft202012Validator = validator_for("record.schema.json")
    request_validator: Draft202012Validator = validator_for("request.schema.json")

    def hand_validated(record: dict[str, Any], request: dict[str, Any]) -> object:
        if record_validator.is_valid(record) and request_validator.is_valid(request):
            return hand_written(record, request)
        return None

    converted = [engine._check_inputs(r, q) for r, q in pairs]
    small = pairs[: max(len(pairs) // 10, 1000)]
    sample = pairs[: min(len(pairs), 1000)]
    contenders: dict[str, tuple[Callable[[Pairs], object], Pairs]] = {
        "engine": (_run(engine.decide), pairs),
        # the decision core: inputs already validated and converted; it looks up the
        # parameters of the request's date itself
        "core": (_run(engine._decide), converted),
        "hand": (_run(hand_written), pairs),
        "hand_validated": (_run(hand_validated), small),
    }
    # every peer's answers are checked against the hand-written function before it is timed
    agree = sum(engine.decide(r, q).outcome == hand_written(r, q)[0] for r, q in pairs[:5000])
    results["agreement"] = agree / min(5000, len(pairs))
    try:
        import zen

        compiled = zen.compile_expression(ZEN_EXPRESSION)

        def zen_decide(record: dict[str, Any], request: dict[str, Any]) -> object:
            return compiled.evaluate(zen_context(record, request))

        for r, q in pairs[:5000]:
            if zen_decide(r, q) != (hand_written(r, q)[0] in ("allowed", "needs_approval")):
                raise SystemExit(
                    f"zen-engine disagrees with the hand-written function on {r['id']}"
                )
        contenders["zen"] = (_run(zen_decide), pairs)
    except ImportError:
        pass
    rego = rego_transfer()
    if rego is not None:
        for r, q in sample:
            if rego(r, q) != hand_written(r, q):
                raise SystemExit(
                    f"Rego disagrees with the hand-written function on {r['id']}: "
                    f"{rego(r, q)} != {hand_written(r, q)}"
                )
        results["rego_checked"] = len(sample)
        contenders["rego"] = (_run(rego), sample)
    rates = interleaved(contenders, repeats)
    results["rates"] = {name: statistics.median(v) for name, v in rates.items()}
    results["ratios"] = {
        name: paired_ratio(rates, "engine", name) for name in rates if name != "engine"
    }
    results["core_vs_hand"] = paired_ratio(rates, "core", "hand")
    results["durable"] = measure_durable(pairs[: min(len(pairs), 20_000)])
    lat = latencies(engine.decide, pairs, samples)
    results["latency"] = {
        "samples": samples,
        "p50": percentile(lat, 0.50),
        "p90": percentile(lat, 0.90),
        "p99": percentile(lat, 0.99),
        "max": max(lat),
    }
    results["load_after"] = os.getloadavg()
    results["repeats"] = repeats
    return results


def measure_durable(pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> float | None:
    """durable-rules: post each record's flat context as an event to a ruleset with the condition."""
    try:
        from durable.lang import c, m, post, rule, ruleset, when_all  # noqa: F401
    except ImportError:
        return None
    hits = []
    with ruleset("xueji_transfer"):

        @when_all(
            (m.status == "enrolled")
            & (m.applicant == "guardian")
            & (m.since >= 0)
            & (m.since < 15)
            & (m.vacancies > 0)
            & (
                (m.stage != "senior_secondary")
                | (
                    (m.hukou_ok == True)
                    & (m.residence_moved == True)
                    & (m.same_area == False)
                    & (m.to_hukou_place == True)
                )
            )
            & (m.grade != m.graduating)
            & (m.target_grade == m.grade)
            & (m.sanctioned == False)
        )
        def allowed(c: Any) -> None:
            hits.append(1)

    def context(record: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        ctx = zen_context(record, request)
        ctx["hukou_ok"] = ctx.pop("hukou") in ("province", "city", "county")
        ctx["same_area"] = ctx["county"] == ctx["to_county"] or ctx["area"] == ctx["to_area"]
        return {
            k: v
            for k, v in ctx.items()
            if v is not None and k not in ("county", "to_county", "area", "to_area")
        }

    from durable.engine import MessageNotHandledException

    start = time.perf_counter()
    for record, request in pairs:
        with contextlib.suppress(MessageNotHandledException):  # raised when no rule matches
            post("xueji_transfer", context(record, request))
    return len(pairs) / (time.perf_counter() - start)


def render(results: dict[str, Any]) -> str:
    """The markdown section for docs/performance.md."""
    rates, ratios = results["rates"], results["ratios"]

    def rate(name: str) -> str:
        return f"{rates[name]:,.0f}" if name in rates else "not installed"

    def ratio(name: str) -> str:
        return f"{ratios[name]:.3f}×" if name in ratios else "—"

    durable = results["durable"]
    rows = [
        ("xueji-rules `Engine.decide` (full decision)", rate("engine"), "1"),
        ("xueji-rules decision core (inputs already validated and converted)", rate("core"), ratio("core")),
        ("hand-written Python after jsonschema validation of both inputs", rate("hand_validated"), ratio("hand_validated")),
        ("hand-written Python (same conditions, outcome + failed ids)", rate("hand"), ratio("hand")),
        ("zen-engine compiled expression (boolean only)", rate("zen"), ratio("zen")),
        ("Rego through regopy (outcome + failed ids, 1,000-input sample)", rate("rego"), ratio("rego")),
        (
            "durable-rules (boolean only, 20,000-event sample, one pass)",
            "not installed" if durable is None else f"{durable:,.0f}",
            "—" if durable is None else f"{rates['engine'] / durable:.2f}×",
        ),
    ]  # fmt: skip
    table = markdown_table(["contender", "decisions / CPU s (median)", "decide ÷ contender"], rows)
    lat = results["latency"]
    before, after = results["load_before"], results["load_after"]
    full, core = ratios["hand"], results["core_vs_hand"]
    rego_line = (
        [f"- Rego answers (outcome and failed ids) equal the hand-written function's on all "
         f"{results['rego_checked']:,} inputs of its sample (checked before timing)"]
        if "rego_checked" in results else []
    )  # fmt: skip
    return "\n".join(
        [
            "## Deciding: Shanxi transfer requests (`benchmarks/bench_decide.py`)",
            "",
            *machine_lines(["xueji-rules", "zen-engine", "durable-rules", "regopy"]),
            f"- load average (1 min) before / after the run: {before[0]:.1f} / {after[0]:.1f}",
            f"- population: {results['records']:,} seeded records and transfer requests (spring 2026 term)",
            f"- outcome agreement with the hand-written function on the first 5,000: {results['agreement']:.1%}",
            *rego_line,
            f"- method: {results['repeats']} rounds, round-robin over the contenders; CPU time "
            "(`time.process_time`); rates are medians over rounds, ratios medians of the "
            "per-round ratios",
            "",
            table,
            "",
            f"Targets (issue 15, same run): full `decide` ≥ 12% of the hand-written function's "
            f"rate — measured **{full:.1%}**; decision core ≥ 25% — measured **{core:.1%}**.",
            "",
            f"Latency of one `decide` (warm engine, wall clock, {lat['samples']:,} single calls "
            f"over the population): p50 **{lat['p50']:.1f} µs**, p90 {lat['p90']:.1f} µs, "
            f"p99 **{lat['p99']:.1f} µs**, max {lat['max']:,.0f} µs.",
            "",
            f"Loading, validating and compiling both packs (national, then shanxi over it): "
            f"{results['load_seconds'] * 1000:.0f} ms wall, {results['load_cpu'] * 1000:.0f} ms "
            "CPU, medians (target: under 500 ms).",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the section and optionally write it to docs/performance.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--samples", type=int, default=100_000, help="single calls timed")
    parser.add_argument(
        "--quick", action="store_true", help="20,000 records, 3 rounds, 20,000 samples"
    )
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    if args.quick:
        n, repeats, samples = 20_000, 3, 20_000
    else:
        n, repeats, samples = args.records, args.repeats, args.samples
    results = measure(n, repeats, samples)
    section = render(results)
    print(section)
    if args.write:
        write_section("decide", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
