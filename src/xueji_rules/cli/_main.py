"""The ``xueji-rules`` command: one parser, one module per group of sub-commands.

Exit status: 0 success; 1 a check found problems (failing scenarios, lint findings); 2 bad input of
any kind (a malformed pack, record, request, date or argument), printed one line per problem and
never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from xueji_rules import __version__
from xueji_rules._safeio import escape_controls
from xueji_rules.cli._common import (
    EXIT_BAD_INPUT,
    ArgumentError,
    Parser,
    prepare_streams,
    write_problems,
)
from xueji_rules.errors import XuejiRulesError

__all__ = ["main"]

# Each module defines ``register(sub)``; a new command is a new module and one line here.
COMMAND_MODULES = (
    "xueji_rules.cli.decide",
    "xueji_rules.cli.authoring",
    "xueji_rules.cli.calendar",
    "xueji_rules.cli.demo",
    "xueji_rules.cli.audit",
    "xueji_rules.cli.synth",
    "xueji_rules.cli.diff",
    "xueji_rules.cli.docs",
    "xueji_rules.cli.records",
    "xueji_rules.cli.serve",
    "xueji_rules.cli.conform",
)


def build_parser() -> Parser:
    """The full argument parser (every sub-command registered)."""
    parser = Parser(
        prog="xueji-rules", description="学籍管理规则引擎 — China's student-registry law as code"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; return the exit status. Streams can be swapped in tests."""
    out = out or sys.stdout
    err = err or sys.stderr
    stdin = stdin or sys.stdin
    prepare_streams(out, err)
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["--version"]:
        out.write(f"xueji-rules {__version__}\n")
        return 0
    parser = build_parser()
    try:
        args = parser.parse_args(words)
        handler: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.handler
        return handler(args, out, stdin)
    except ArgumentError as exc:
        err.write(f"{escape_controls(str(exc))}\n")
        return EXIT_BAD_INPUT
    except XuejiRulesError as exc:
        write_problems(err, exc)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
