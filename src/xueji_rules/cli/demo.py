"""``xueji-rules demo``: the main job on the bundled packs."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["register"]


def _demo(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.demo import run_demo

    return run_demo(out)


def register(sub: Any) -> None:
    """Add ``demo`` to the CLI's sub-parsers."""
    demo = sub.add_parser(
        "demo", help="decide sample requests on the bundled packs and run their scenarios"
    )
    demo.set_defaults(handler=_demo)
