"""``xueji-rules conform``: run scenario files against a registry system (docs/conformance.md)."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["register"]


def _conform(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    import dataclasses

    from xueji_rules.testing.conform import HttpSystem, run_conform, system_from_spec

    system = system_from_spec(args.system, args.endpoint)
    if isinstance(system, HttpSystem):
        system = dataclasses.replace(system, timeout=args.timeout)
    return run_conform(args.paths, system, args.pack, out, verbose=args.verbose)


def register(sub: Any) -> None:
    """Add ``conform`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "conform",
        help="run scenarios against your registry system (a Python adapter or an HTTP endpoint)",
        description="Ask a system under test every scenario of PATHS (default: the bundled "
        "packs') and compare the fields it answers with the law's expectations.",
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--system",
        metavar="MODULE:CALLABLE",
        help="Python adapter: answer(record, request) -> dict",
    )
    target.add_argument(
        "--endpoint", metavar="URL", help="HTTP adapter: POST {record, request}, JSON answer"
    )
    p.add_argument("paths", nargs="*", help="scenario files or directories")
    p.add_argument("--pack", help="pack for files outside a pack directory")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP call (default 10)")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="list passing and unanswered scenarios too"
    )
    p.set_defaults(handler=_conform)
