"""Instructions per decision, counted by valgrind's callgrind: steadier than times on a shared
machine, and the same on a quiet and a loaded one.

For each part (the full ``decide``, the decision core on converted inputs, the conversion and
the pack's checks alone, and the hand-written function of ``bench_decide.py``) the script runs
this file under ``valgrind --tool=callgrind`` twice, once deciding ``--short`` inputs and once
``--long`` inputs of ``bench_decide.py``'s seeded population, and divides the difference of the
two totals by the difference of the counts: what is left is the cost of one warm decision,
without the interpreter's start, the imports, the pack's load and the population's build. Every
input is decided once before counting (key-set converters, deciders and tables warm), the hash
seed is fixed (``PYTHONHASHSEED=0``) and the heap frozen (``gc.freeze()``) so the two runs differ
only in the loop.

    python benchmarks/count_decide.py [--short 2000] [--long 12000] [--write]

Needs ``valgrind`` on the PATH (Debian: ``apt-get install valgrind``); a run takes a few minutes.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _callgrind import MISSING, available, per_part
from _report import machine_lines, markdown_table, write_section

PARTS = {
    "full": "`Engine.decide` (full decision)",
    "core": "decision core (`Engine._decide` on converted inputs)",
    "convert": "conversion and the pack's checks (`Engine._check_inputs`)",
    "hand": "hand-written Python (same conditions, outcome + failed ids)",
}


def _inner(part: str, count: int, population_size: int) -> None:
    """Set up, warm up, freeze the heap, then run ``count`` decisions of ``part`` (the child)."""
    from bench_decide import hand_written, population

    from xueji_rules import Engine

    engine = Engine("shanxi")
    pairs = population(population_size)
    converted = [engine._check_inputs(r, q) for r, q in pairs]
    fn: Callable[[Any, Any], object]
    items: list[tuple[Any, Any]]
    if part == "full":
        fn, items = engine.decide, pairs
    elif part == "core":
        fn, items = engine._decide, converted
    elif part == "convert":
        fn, items = engine._check_inputs, pairs
    else:
        fn, items = hand_written, pairs
    for record, request in items:  # warm: every input once
        fn(record, request)
    run = [items[i % len(items)] for i in range(count)]
    gc.collect()
    gc.freeze()
    for record, request in run:
        fn(record, request)


def measure(short: int, long: int, population_size: int) -> dict[str, float]:
    """Instructions per warm decision of every part."""
    child = ["--population", str(population_size)]
    return per_part(__file__, PARTS, child, short, long, "decision")


def render(per: dict[str, float], short: int, long: int, population_size: int) -> str:
    """The markdown section."""
    rows = [
        [label, f"{per[part] / 1000:.1f}k", f"{per['hand'] / per[part]:.1%}"]
        for part, label in PARTS.items()
    ]
    return "\n".join([
        "## Instructions per decision (`benchmarks/count_decide.py`)",
        "",
        *machine_lines(["xueji-rules"]),
        f"- valgrind callgrind; {population_size:,} seeded Shanxi transfer requests of "
        f"`bench_decide.py`, each decided once first; a run of {long:,} decisions minus a run of "
        f"{short:,}, divided by {long - short:,}; `PYTHONHASHSEED=0`, after `gc.freeze()`",
        "- last column: the hand-written function's instructions over the part's, the ratio of "
        "rates these counts predict (the timed ratios of `bench_decide.py` also depend on the "
        "CPU's caches and branch prediction); the full `decide` costs less than the core and "
        "the conversion apart, as it makes the pack's checks inside the decider (D-331)",
        "",
        markdown_table(["part", "instructions", "rate ÷ hand-written rate (predicted)"], rows),
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", type=int, default=2_000, help="decisions of the short run")
    parser.add_argument("--long", type=int, default=12_000, help="decisions of the long run")
    parser.add_argument("--population", type=int, default=20_000, help="distinct inputs")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--inner", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        _inner(args.inner, args.count, args.population)
        return 0
    if not 0 < args.short < args.long:
        parser.error("--short must be positive and below --long")
    if not available():
        print(f"count_decide: {MISSING}")
        return 2
    per = measure(args.short, args.long, args.population)
    section = render(per, args.short, args.long, args.population)
    print(section)
    if args.write:
        write_section("instructions", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
