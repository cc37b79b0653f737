"""``xueji-rules synth``: a synthetic registry snapshot with planted violations and an answer key."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from xueji_rules.cli._common import EXIT_OK, ArgumentError, at_least

__all__ = ["register"]


def _rates(items: list[str] | None) -> dict[str, float]:
    from xueji_rules.audit.synth import DEFAULT_RATES

    rates = dict(DEFAULT_RATES)
    for item in items or ():
        name, _, value = item.partition("=")
        if name not in rates:
            known = ", ".join(sorted(rates))
            raise ArgumentError(f"synth: --rate: unknown check {name!r} (known: {known})")
        try:
            rate = float(value)
        except ValueError:
            raise ArgumentError(f"synth: --rate {item!r}: the rate must be a number") from None
        if not 0.0 <= rate <= 1.0:
            raise ArgumentError(f"synth: --rate {item!r}: the rate must lie between 0 and 1")
        rates[name] = rate
    student_total = sum(v for k, v in rates.items() if not k.startswith(("O04.", "O12.", "O15.")))
    if student_total > 1.0:
        raise ArgumentError(f"synth: the per-student rates add up to {student_total:.3f} > 1")
    return rates


def _synth(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.audit.synth import SynthConfig, synthesize

    config = SynthConfig(
        students=args.students,
        seed=args.seed,
        pack=args.pack,
        format=args.format,
        rates=_rates(args.rate),
    )
    summary = synthesize(args.output, config)
    out.write(f"wrote {summary.bundles} records to {args.output}\n")
    for check, n in sorted(summary.planted.items()):
        out.write(f"  planted {check}: {n}\n")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``synth`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "synth", help="write a synthetic snapshot with planted violations and an answer key"
    )
    p.add_argument(
        "--pack", default="shanxi", help="pack the histories are decided under (default shanxi)"
    )
    p.add_argument("--students", type=at_least(1), required=True, help="number of students")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same bytes)")
    p.add_argument("-o", "--output", required=True, help="snapshot directory to write")
    p.add_argument(
        "--format", choices=["jsonl", "parquet"], default="jsonl", help="bundle file format"
    )
    p.add_argument(
        "--rate",
        action="append",
        metavar="CHECK=RATE",
        help="planted rate of one check (repeatable)",
    )
    p.set_defaults(handler=_synth)
