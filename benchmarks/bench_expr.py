"""Micro-benchmark: rule conditions from the student-registry domain, four ways.

For each condition and the same seeded random inputs, measures evaluations per second of

* ``ours``: ``xueji_rules.expr.compile(...).function`` called positionally,
* ``python``: the same condition written by hand in Python,
* ``cel-expr-python``: the official C++ runtime, compiled once, ``eval(data=...)`` per input
  (so its activation is built per call, as a rule engine would),
* ``cel-python`` (``celpy``, optional): a pure-Python interpreter, run on fewer inputs because it
  is slow; its per-input conversion with ``json_to_cel`` is included, as its API requires.

Before timing, every implementation's answers are checked against the hand-written one.
Each rate comes from the best of several timed passes over the inputs (``time.perf_counter``);
the passes alternate between the implementations so background load affects all of them alike.

    python benchmarks/bench_expr.py            # full run, prints the table
    python benchmarks/bench_expr.py --quick    # fewer inputs and repeats
    python benchmarks/bench_expr.py --write    # also update docs/performance.md
"""

from __future__ import annotations

import argparse
import math
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import _report  # next to this script, which Python puts first on sys.path

Record = dict[str, Any]
Hand = Callable[[Record, Record], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule condition: a name, its CEL source and a hand-written Python equivalent."""

    name: str
    source: str
    hand: Hand


def _has_sanction_not_expelled(r: Record, q: Record) -> bool:
    sanction = r.get("sanction")
    return sanction["level"] != "expelled" if sanction is not None else True


_ID_PATTERN = re.compile(r"^G[0-9]{17}[0-9X]$")


def _id_format(r: Record, q: Record) -> bool:
    return _ID_PATTERN.search(r["student_id"]) is not None


CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "stage_and_grade",
        "record.stage == 'senior_secondary' && record.grade >= 10",
        lambda r, q: r["stage"] == "senior_secondary" and r["grade"] >= 10,
    ),
    Condition(
        "status_not_in",
        "!(record.status in ['suspended', 'withdrawn'])",
        lambda r, q: r["status"] not in ("suspended", "withdrawn"),
    ),
    Condition(
        "documents_present",
        "size(request.documents) > 0 && 'hospital_record' in request.documents",
        lambda r, q: len(q["documents"]) > 0 and "hospital_record" in q["documents"],
    ),
    Condition(
        "suspensions_all",
        "record.suspensions.all(s, s.days <= 365)",
        lambda r, q: all(s["days"] <= 365 for s in r["suspensions"]),
    ),
    Condition(
        "map_then_exists",
        "record.suspensions.map(s, s.days).exists(d, d > 300)",
        lambda r, q: any(d > 300 for d in [s["days"] for s in r["suspensions"]]),
    ),
    Condition(
        "cross_county_move",
        "request.reason in ['hukou_move', 'residence_move']"
        " && record.school.county != request.to_school.county",
        lambda r, q: (
            q["reason"] in ("hukou_move", "residence_move")
            and r["school"]["county"] != q["to_school"]["county"]
        ),
    ),
    Condition(
        "has_sanction",
        "has(record.sanction) ? record.sanction.level != 'expelled' : true",
        _has_sanction_not_expelled,
    ),
    Condition(
        "id_prefix",
        "record.student_id.startsWith('G14') || record.school.name.endsWith('中学')",
        lambda r, q: r["student_id"].startswith("G14") or r["school"]["name"].endswith("中学"),
    ),
    Condition(
        "id_format",
        "record.student_id.matches('^G[0-9]{17}[0-9X]$')",
        _id_format,
    ),
    Condition(
        "day_budget",
        "record.total_suspension_days + request.days <= 730",
        lambda r, q: r["total_suspension_days"] + q["days"] <= 730,
    ),
    Condition(
        "grade_by_stage",
        "(record.stage == 'primary' ? record.grade <= 6 : record.grade >= 7) && record.grade <= 12",
        lambda r, q: (
            (r["grade"] <= 6 if r["stage"] == "primary" else r["grade"] >= 7) and r["grade"] <= 12
        ),
    ),
    Condition(
        "filter_count",
        "size(record.suspensions.filter(s, s.reason == 'illness')) < 2"
        " || request.reason == 'health'",
        lambda r, q: (
            len([s for s in r["suspensions"] if s["reason"] == "illness"]) < 2
            or q["reason"] == "health"
        ),
    ),
)

# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

STAGES = ("primary", "junior_secondary", "senior_secondary", "vocational")
STATUSES = ("enrolled", "enrolled", "enrolled", "suspended", "withdrawn", "transferred_out")
REASONS = ("hukou_move", "residence_move", "family_relocation", "health", "other")
DOCUMENTS = ("hukou_booklet", "residence_permit", "hospital_record", "transfer_letter")
COUNTIES = ("140105", "140106", "140107", "140202", "110101", "310104")
LEVELS = ("warning", "serious_warning", "demerit", "probation", "expelled")
SCHOOL_NAMES = (
    "太原市第五中学",
    "杏花岭区实验小学",
    "大同市第一中学",
    "上海市徐汇中学",
    "某职业学校",
)


def _school(rng: random.Random) -> Record:
    return {"county": rng.choice(COUNTIES), "name": rng.choice(SCHOOL_NAMES)}


def make_inputs(count: int, seed: int = 20240901) -> list[tuple[Record, Record]]:
    """``count`` (record, request) pairs, the same for a given seed."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        suspensions = [
            {"days": rng.randint(1, 400), "reason": rng.choice(("illness", "family", "other"))}
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))
        ]
        digits = "".join(rng.choice("0123456789") for _ in range(17))
        record: Record = {
            "student_id": "G" + rng.choice(("14", "11", "31")) + digits[2:] + rng.choice("0X9"),
            "stage": rng.choice(STAGES),
            "grade": rng.randint(1, 13),
            "status": rng.choice(STATUSES),
            "school": _school(rng),
            "suspensions": suspensions,
            "total_suspension_days": sum(s["days"] for s in suspensions),
        }
        if rng.random() < 0.3:
            record["sanction"] = {"level": rng.choice(LEVELS)}
        if rng.random() < 0.05:
            record["student_id"] = record["student_id"][:-3]  # malformed id
        request: Record = {
            "reason": rng.choice(REASONS),
            "to_school": _school(rng),
            "documents": rng.sample(DOCUMENTS, rng.randint(0, 3)),
            "days": rng.randint(0, 400),
        }
        pairs.append((record, request))
    return pairs


# ---------------------------------------------------------------------------------------------
# The implementations
# ---------------------------------------------------------------------------------------------

Runner = Callable[[Sequence[tuple[Record, Record]]], list[bool]]


def ours_runner(source: str) -> Runner:
    from xueji_rules import expr
    from xueji_rules.expr import types as t

    school = t.ObjectType("school", {"county": t.STRING, "name": t.STRING})
    suspension = t.ObjectType("suspension", {"days": t.INT, "reason": t.STRING})
    record = t.ObjectType(
        "record",
        {
            "student_id": t.STRING,
            "stage": t.STRING,
            "grade": t.INT,
            "status": t.STRING,
            "school": school,
            "suspensions": t.ListType(suspension),
            "total_suspension_days": t.INT,
            "sanction": t.ObjectType("sanction", {"level": t.STRING}),
        },
        required=frozenset(
            {"student_id", "stage", "grade", "status", "school", "suspensions"}
            | {"total_suspension_days"}
        ),
    )
    request = t.ObjectType(
        "request",
        {
            "reason": t.STRING,
            "to_school": school,
            "documents": t.ListType(t.STRING),
            "days": t.INT,
        },
        required=frozenset({"reason", "to_school", "documents", "days"}),
    )
    decls = expr.Declarations(variables={"record": record, "request": request})
    fn = expr.compile(source, decls).function

    def run(inputs: Sequence[tuple[Record, Record]]) -> list[bool]:
        return [fn(r, q) for r, q in inputs]

    return run


def hand_runner(hand: Hand) -> Runner:
    def run(inputs: Sequence[tuple[Record, Record]]) -> list[bool]:
        return [hand(r, q) for r, q in inputs]

    return run


def cel_expr_python_runner(source: str) -> Runner:
    from cel_expr_python import cel

    json_object = cel.Type.Map(cel.Type.STRING, cel.Type.DYN)
    env = cel.NewEnv(variables={"record": json_object, "request": json_object})
    program = env.compile(source)

    def run(inputs: Sequence[tuple[Record, Record]]) -> list[bool]:
        return [program.eval(data={"record": r, "request": q}).value() for r, q in inputs]

    return run


def celpy_runner(source: str) -> Runner:
    import celpy

    env = celpy.Environment()
    program = env.program(env.compile(source))
    to_cel = celpy.json_to_cel

    def run(inputs: Sequence[tuple[Record, Record]]) -> list[bool]:
        return [
            bool(program.evaluate({"record": to_cel(r), "request": to_cel(q)})) for r, q in inputs
        ]

    return run


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def _timed(run: Runner, inputs: Sequence[tuple[Record, Record]]) -> float:
    start = time.perf_counter()
    run(inputs)
    return time.perf_counter() - start


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    rates: dict[str, float | None]


IMPLEMENTATIONS = ("ours", "python", "cel-expr-python", "cel-python")
CELPY_REPEATS = 2  # it is slow; two passes over its smaller sample are enough


def measure(count: int, celpy_count: int, repeats: int) -> list[Row]:
    inputs = make_inputs(count)
    few = inputs[:celpy_count]
    have_oracle = _available("cel_expr_python")
    have_celpy = _available("celpy")
    rows = []
    for condition in CONDITIONS:
        runners: dict[str, Runner | None] = {
            "ours": ours_runner(condition.source),
            "python": hand_runner(condition.hand),
            "cel-expr-python": cel_expr_python_runner(condition.source) if have_oracle else None,
            "cel-python": celpy_runner(condition.source) if have_celpy else None,
        }
        expected = hand_runner(condition.hand)(inputs)
        active = {name: run for name, run in runners.items() if run is not None}
        samples = {name: few if name == "cel-python" else inputs for name in active}
        for name, run in active.items():
            answers = run(samples[name])
            if answers != expected[: len(answers)]:
                wrong = next(
                    i for i, (a, b) in enumerate(zip(answers, expected, strict=False)) if a != b
                )
                raise SystemExit(
                    f"{condition.name}: {name} answered {answers[wrong]!r}, hand-written "
                    f"{expected[wrong]!r} on input {samples[name][wrong]!r}"
                )
        # Repeats go round-robin over the implementations, so a burst of load from elsewhere on
        # the machine hits all of them alike; each keeps its best pass.
        best = dict.fromkeys(active, math.inf)
        for repeat in range(repeats):
            for name, run in active.items():
                if name == "cel-python" and repeat >= CELPY_REPEATS:
                    continue
                best[name] = min(best[name], _timed(run, samples[name]))
        rates: dict[str, float | None] = {
            name: len(samples[name]) / best[name] if name in active else None
            for name in IMPLEMENTATIONS
        }
        rows.append(Row(condition.name, rates))
        print(f"  {condition.name:20} " + "  ".join(_fmt_rate(rates[n]) for n in IMPLEMENTATIONS))
    return rows


def _fmt_rate(rate: float | None) -> str:
    return f"{rate:>12,.0f}" if rate is not None else f"{'n/a':>12}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _fmt_ratio(r: float | None) -> str:
    if r is None:
        return "n/a"
    return f"{r:,.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def geometric_mean(values: Sequence[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def render(rows: list[Row], count: int, celpy_count: int, repeats: int) -> str:
    """The markdown section: machine, method and the table of rates and ratios."""
    versions = ("xueji-rules", "cel-expr-python", "cel-python")
    headers = ["condition", *(f"{n} (eval/s)" for n in IMPLEMENTATIONS)]
    headers += ["ours/python", "ours/cel-expr-python", "ours/cel-python"]
    table_rows, ratios = [], {n: [] for n in IMPLEMENTATIONS[1:]}
    for row in rows:
        cells = [f"`{row.name}`", *(_fmt_rate(row.rates[n]).strip() for n in IMPLEMENTATIONS)]
        for other in IMPLEMENTATIONS[1:]:
            r = _ratio(row.rates["ours"], row.rates[other])
            cells.append(_fmt_ratio(r))
            if r is not None:
                ratios[other].append(r)
        table_rows.append(cells)
    means = [_fmt_ratio(geometric_mean(ratios[n])) for n in IMPLEMENTATIONS[1:]]
    table_rows.append(["**geometric mean**", "", "", "", "", *means])
    sources = "\n".join(f"- `{c.name}`: `{c.source}`" for c in CONDITIONS)
    return "\n".join(
        [
            "## Expressions (`benchmarks/bench_expr.py`)",
            "",
            *_report.machine_lines(versions),
            f"- inputs: {count:,} seeded random (record, request) pairs "
            f"({celpy_count:,} for cel-python); best of {repeats} passes",
            "",
            "Throughput of one condition over all inputs; a ratio above 1 means ours is faster.",
            "",
            _report.markdown_table(headers, table_rows),
            "",
            "<details><summary>The conditions</summary>",
            "",
            sources,
            "",
            "</details>",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer inputs and repeats")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    count, celpy_count, repeats = (2_000, 100, 3) if args.quick else (20_000, 500, 7)
    if not _available("celpy"):
        print("cel-python not installed, skipping it: pip install 'cel-python>=0.5,<0.6'")
    print(f"{'':22}" + "  ".join(f"{n:>12}" for n in IMPLEMENTATIONS))
    rows = measure(count, celpy_count, repeats)
    body = render(rows, count, celpy_count, repeats)
    print()
    print(body)
    if args.write:
        print(f"\nwrote {_report.write_section('expr', body)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
