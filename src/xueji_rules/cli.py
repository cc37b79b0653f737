"""The ``xueji-rules`` command.

Exit status: 0 success; 1 a check found problems (failing scenarios, lint findings); 2 bad input of
any kind (a malformed pack, record, request, date or argument), printed one line per problem and
never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from xueji_rules.errors import InputError, Location, XuejiRulesError

__all__ = ["main"]

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class _ArgumentError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit; we report like any bad input
        raise _ArgumentError(f"{self.prog}: {message}")


def read_document(source: str, stdin: TextIO, kind: str) -> Any:
    """Read a JSON or YAML document from a file path or ``-`` (stdin) with the hardened loader."""
    from xueji_rules.errors import PackError
    from xueji_rules.packs._yaml import load_yaml_text

    name = "<stdin>" if source == "-" else source
    try:
        text = stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {kind}: {exc.strerror}", Location(file=name)) from None
    except UnicodeDecodeError:
        raise InputError(f"{kind} is not UTF-8 text", Location(file=name)) from None
    try:
        doc = load_yaml_text(text, name)  # JSON is YAML; one hardened reader for both
    except PackError as exc:
        raise InputError(
            f"{kind} is not valid JSON or YAML: {exc.problems[0].message}", exc.location
        ) from None
    if not isinstance(doc.data, dict):
        raise InputError(f"{kind} must be a JSON/YAML object", Location(file=name))
    return doc.data


def _engine(args: argparse.Namespace) -> Any:
    from xueji_rules.engine import Engine

    return Engine(
        args.pack,
        calendar_files=args.calendar or (),
        strict_calendar=getattr(args, "strict_calendar", False),
    )


def _cmd_decide(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    engine = _engine(args)
    record = read_document(args.record, stdin, "record")
    request = read_document(args.request, stdin, "request")
    decision = engine.decide(record, request)
    out.write(decision.to_json_text() + "\n")
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.engine import explain

    engine = _engine(args)
    decision = engine.decide(
        read_document(args.record, stdin, "record"), read_document(args.request, stdin, "request")
    )
    out.write(explain(decision, engine.pack) + "\n")
    return EXIT_OK


def _cmd_test(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    if args.boundaries:
        from xueji_rules.testing.boundaries import run_boundaries

        return run_boundaries(args.boundaries, out=out, verbose=args.verbose)
    from xueji_rules.testing.runner import run_paths

    return run_paths(
        args.paths,
        pack=args.pack,
        out=out,
        verbose=args.verbose,
        coverage=args.coverage,
        fail_under=args.fail_under,
    )


def _cmd_coverage(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.testing.coverage import pack_coverage, render_markdown

    report = pack_coverage(args.packs)
    command = " ".join(["xueji-rules coverage", *args.packs])
    if args.write:
        command += f" --write {args.write}"
    text = render_markdown(report, command)
    if args.write:
        try:
            Path(args.write).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", Location(file=args.write)) from None
        out.write(
            f"wrote {args.write}: {report.covered}/{len(report.rules)} rules covered on both "
            f"sides ({report.percent:.1f}%)\n"
        )
    else:
        out.write(text)
    if args.fail_under is not None and report.percent < args.fail_under:
        out.write(f"FAIL: rule coverage {report.percent:.1f}% is below {args.fail_under:g}%\n")
        return EXIT_FINDINGS
    return EXIT_OK


def _cmd_lint(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.packs.lint import lint_pack

    problems = []
    for ref in args.packs:
        problems.extend(lint_pack(ref))
    for problem in problems:
        out.write(f"{problem}\n")
    if problems:
        out.write(f"{len(problems)} problem(s)\n")
        return EXIT_FINDINGS
    out.write(f"ok: {', '.join(args.packs)}\n")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.packs.loader import load_pack
    from xueji_rules.packs.show import effective_pack_json

    data = effective_pack_json(load_pack(args.pack_ref))
    out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.demo import run_demo

    return run_demo(out)


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="xueji-rules", description="学籍管理规则引擎 — China's student-registry law as code"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def with_inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--pack", required=True, help="bundled pack name or pack directory")
        p.add_argument("--record", required=True, help="record file (JSON or YAML), or - for stdin")
        p.add_argument(
            "--request", required=True, help="request file (JSON or YAML), or - for stdin"
        )
        p.add_argument("--calendar", action="append", help="extra holiday-year file (repeatable)")
        p.add_argument(
            "--strict-calendar", action="store_true", help="fail when a due date cannot be computed"
        )

    decide = sub.add_parser("decide", help="decide a request; JSON decision on stdout")
    with_inputs(decide)
    decide.set_defaults(handler=_cmd_decide)
    explain = sub.add_parser("explain", help="the same decision as a readable Chinese trace")
    with_inputs(explain)
    explain.set_defaults(handler=_cmd_explain)

    test = sub.add_parser("test", help="run scenario files (default: every bundled pack's)")
    test.add_argument("paths", nargs="*", help="scenario files or directories")
    test.add_argument("--pack", help="pack for files outside a pack directory")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing scenarios too")
    test.add_argument(
        "--coverage",
        action="store_true",
        help="report which rules the scenarios exercised on their pass and fail sides",
    )
    test.add_argument(
        "--fail-under",
        type=float,
        metavar="N",
        help="exit 1 when fewer than N%% of the rules are covered on both sides",
    )
    test.add_argument(
        "--boundaries",
        metavar="PACK",
        help="run generated N-1/N/N+1 cases for every time window, cap and deadline of PACK",
    )
    test.set_defaults(handler=_cmd_test)

    coverage = sub.add_parser(
        "coverage", help="article coverage: every article, the rules encoding it, their coverage"
    )
    coverage.add_argument("packs", nargs="*", help="pack names or directories (default: bundled)")
    coverage.add_argument("--write", metavar="FILE", help="write the Markdown report to FILE")
    coverage.add_argument(
        "--fail-under",
        type=float,
        metavar="N",
        help="exit 1 when fewer than N%% of the rules are covered on both sides",
    )
    coverage.set_defaults(handler=_cmd_coverage)

    lint = sub.add_parser(
        "lint", help="check packs: schema, references, expression types, shadowing, citations"
    )
    lint.add_argument("packs", nargs="+", help="pack names or directories")
    lint.set_defaults(handler=_cmd_lint)

    show = sub.add_parser(
        "show", help="the effective pack with the provenance of every rule and parameter"
    )
    show.add_argument("pack_ref", metavar="PACK")
    show.set_defaults(handler=_cmd_show)

    from xueji_rules._cli_calendar import add_calendar_parser

    add_calendar_parser(sub)

    demo = sub.add_parser(
        "demo", help="decide sample requests on the bundled packs and run their scenarios"
    )
    demo.set_defaults(handler=_cmd_demo)
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
    parser = _build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        handler: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.handler
        return handler(args, out, stdin)
    except _ArgumentError as exc:
        err.write(f"{exc}\n")
        return EXIT_BAD_INPUT
    except XuejiRulesError as exc:
        for problem in exc.problems:
            err.write(f"error: {problem}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
