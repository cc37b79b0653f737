"""``xueji-rules diff BASE DRAFT``: what a draft pack changes, in its text and its decisions."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from xueji_rules.cli._common import EXIT_FINDINGS, EXIT_OK, at_least

__all__ = ["register"]


def _diff(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.authoring.diff import diff_packs
    from xueji_rules.authoring.report import render_markdown

    report = diff_packs(
        args.base,
        args.draft,
        population=args.population,
        seed=args.seed,
        requests=args.requests,
        scenarios=not args.no_scenarios,
        transitions=args.transition or None,
        examples=args.examples,
    )
    if args.format == "json":
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render_markdown(report))
    return EXIT_FINDINGS if report["changed"] else EXIT_OK


def register(sub: Any) -> None:
    """Add ``diff`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "diff",
        help="compare two packs: rules, parameters and lifecycle, then every decision that changes",
        description=(
            "Compare BASE and DRAFT (bundled names, paths, or git:REV:PATH): first the structure, "
            "then the decisions of both packs' scenarios, a seeded population and optionally "
            "real requests. Exit 0: no difference; 1: something changed; 2: bad input."
        ),
    )
    p.add_argument("base", metavar="BASE", help="pack name, directory or git:REV:PATH")
    p.add_argument("draft", metavar="DRAFT", help="pack name, directory or git:REV:PATH")
    p.add_argument(
        "--population",
        type=at_least(0),
        default=1000,
        metavar="N",
        help="inputs beside the scenarios: half generated, half scenario variants (default 1000)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="population seed (default 0)")
    p.add_argument(
        "--requests",
        metavar="FILE",
        help='JSONL of real inputs, one {"record": ..., "request": ...} per line',
    )
    p.add_argument(
        "--transition",
        action="append",
        metavar="T",
        help="draw the population for this transition (repeatable; default: the ones the change touches)",
    )
    p.add_argument("--no-scenarios", action="store_true", help="do not replay the scenarios")
    p.add_argument(
        "--examples",
        type=at_least(0),
        default=3,
        metavar="K",
        help="examples per group (default 3)",
    )
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.set_defaults(handler=_diff)
