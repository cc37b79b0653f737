"""The policy author's commands: ``test``, ``coverage``, ``lint``, ``show``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from xueji_rules._safeio import escape_controls
from xueji_rules.cli._common import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK
from xueji_rules.errors import InputError, Location, Problem

__all__ = ["LOAD_PROBLEM_CODES", "register"]

# `lint` exits 2 when a pack is malformed: it cannot be loaded and compiled (what `decide` and
# `test` refuse with exit 2: unreadable or invalid files, references, layering, expressions that
# do not parse or type-check), or one of its files, scenario files included, has a problem of
# these codes (what the loader, the YAML reader and the schema validator report). It exits 1 for
# findings on a pack that loads (lint's own checks carry their own codes).
LOAD_PROBLEM_CODES = frozenset({"error", "schema"})


def _test(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
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


def _coverage(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
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


def _usable(ref: str) -> bool:
    """Whether the pack loads and compiles: what ``decide`` and ``test`` need of it."""
    from xueji_rules.engine import Engine
    from xueji_rules.errors import XuejiRulesError

    try:
        Engine(ref)
    except XuejiRulesError:
        return False
    return True


def _lint(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.packs.lint import lint_pack

    problems: list[Problem] = []
    unusable: list[str] = []
    clean: list[str] = []
    for ref in args.packs:
        found = lint_pack(ref)
        problems.extend(found)
        if not found:
            clean.append(ref)
        elif any(p.code in LOAD_PROBLEM_CODES for p in found) or not _usable(ref):
            unusable.append(ref)
    for problem in problems:
        out.write(f"{escape_controls(str(problem))}\n")
    if problems:
        if clean:  # the packs without problems were checked too
            out.write(f"ok: {escape_controls(', '.join(clean))}\n")
        out.write(f"{len(problems)} problem(s)")
        if unusable:
            shown = escape_controls(", ".join(unusable))
            out.write(f"; the pack cannot be used (malformed): {shown}\n")
            return EXIT_BAD_INPUT  # bad input, as decide and test would say
        out.write("\n")
        return EXIT_FINDINGS
    out.write(f"ok: {escape_controls(', '.join(args.packs))}\n")
    return EXIT_OK


def _show(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.packs.show import show_pack

    data = show_pack(args.pack_ref, transition=args.transition)
    out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def _fail_under(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--fail-under",
        type=float,
        metavar="N",
        help="exit 1 when fewer than N%% of the rules are covered on both sides",
    )


def register(sub: Any) -> None:
    """Add ``test``, ``coverage``, ``lint`` and ``show`` to the CLI's sub-parsers."""
    test = sub.add_parser("test", help="run scenario files (default: every bundled pack's)")
    test.add_argument(
        "paths",
        nargs="*",
        help="a pack directory (its tests/), a directory of packs, bundled:NAME, or scenario "
        "files and directories",
    )
    test.add_argument(
        "--pack", help="pack (bundled name or path) for files outside a pack that name none"
    )
    test.add_argument("-v", "--verbose", action="store_true", help="list passing scenarios too")
    test.add_argument(
        "--coverage",
        action="store_true",
        help="report which rules the scenarios exercised on their pass and fail sides",
    )
    _fail_under(test)
    test.add_argument(
        "--boundaries",
        metavar="PACK",
        help="run generated N-1/N/N+1 cases for every time window, cap and deadline of PACK",
    )
    test.set_defaults(handler=_test)

    coverage = sub.add_parser(
        "coverage", help="article coverage: every article, the rules encoding it, their coverage"
    )
    coverage.add_argument("packs", nargs="*", help="pack names or directories (default: bundled)")
    coverage.add_argument("--write", metavar="FILE", help="write the Markdown report to FILE")
    _fail_under(coverage)
    coverage.set_defaults(handler=_coverage)

    lint = sub.add_parser(
        "lint", help="check packs: schema, references, expression types, shadowing, citations"
    )
    lint.add_argument("packs", nargs="+", help="pack names or directories")
    lint.set_defaults(handler=_lint)

    show = sub.add_parser(
        "show",
        help="the effective pack: lifecycle, rules with their conditions, provenance of every "
        "rule and parameter (exit 2 when its expressions do not type-check)",
    )
    show.add_argument("pack_ref", metavar="PACK")
    show.add_argument(
        "--transition",
        metavar="T",
        help="instead, the input contract of transition T: per stage, the fields, documents, "
        "approval bodies, grounds and exception rules its rules and edges read",
    )
    show.set_defaults(handler=_show)
