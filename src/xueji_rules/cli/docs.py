"""``xueji-rules docs PACK -o DIR``: the pack as a static HTML site."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from xueji_rules.cli._common import EXIT_OK

__all__ = ["register"]


def _docs(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.authoring.site import build_site

    result = build_site(
        args.pack_ref, args.output, diagrams=not args.no_diagrams, coverage=not args.no_coverage
    )
    out.write(f"wrote {result.pages} pages to {args.output} (index: {result.index})\n")
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``docs`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "docs",
        help="write the pack as a static HTML site (articles, parameters, transitions, lifecycle)",
        description=(
            "Write PACK as a static site in Chinese, and in English under DIR/en/: rules per "
            "article, parameters, one page per transition, each stage's lifecycle as a state "
            "diagram (needs the [docs] extra and Graphviz), vocabularies, input fields, the "
            "records data and collection form, the province's changes to its base, and rule "
            "coverage. Same pack, same bytes; nothing is loaded from the network."
        ),
    )
    p.add_argument("pack_ref", metavar="PACK", help="pack name or directory")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write")
    p.add_argument(
        "--no-diagrams",
        action="store_true",
        help="list the lifecycle as tables only (no Graphviz needed)",
    )
    p.add_argument(
        "--no-coverage", action="store_true", help="leave out the coverage page (faster)"
    )
    p.set_defaults(handler=_docs)
