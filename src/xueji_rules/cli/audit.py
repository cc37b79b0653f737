"""``xueji-rules audit``: the checks of docs/audit.md over a registry snapshot.

Exit status: 0 no findings; 1 findings; 2 bad input (an unreadable snapshot or arguments, or any
snapshot line that had to be skipped: the run still completes and reports every such line).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, TextIO

from xueji_rules.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_OK,
    at_least,
    open_for_writing,
    refuse_overwriting,
    write_json_file,
)

__all__ = ["register"]


def _audit(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.audit.context import context_for, spec_from
    from xueji_rules.audit.run import run_audit
    from xueji_rules.audit.snapshot import MANIFEST, open_snapshot

    spec = spec_from(
        args.pack,
        args.as_of,
        calendar_files=tuple(args.calendar or ()),
        checks=tuple(args.checks or ()),
        reveal_personal_data=args.reveal_personal_data,
    )
    # fail on a bad pack or snapshot before creating the output files, and on an output file
    # that cannot be written before the run
    snapshot = open_snapshot(args.snapshot)
    context_for(spec)
    # an output file must not be one the audit reads (opening it would empty it)
    read = [snapshot.root / MANIFEST, *snapshot.bundle_files, *snapshot.side_files.values(),
            *(args.calendar or ())]  # fmt: skip
    findings_file = args.output if args.output and args.output != "-" else None
    if findings_file is not None:
        refuse_overwriting(findings_file, "findings file", read, "audit")
    if args.summary:
        written = [findings_file] if findings_file is not None else []
        refuse_overwriting(args.summary, "summary", [*read, *written], "audit")
    with ExitStack() as files:
        report: TextIO = out
        write: Callable[[str], Any]
        if findings_file is not None:
            write = files.enter_context(open_for_writing(findings_file, "findings")).write
        else:
            write, report = out.write, sys.stderr
        summary_file = (
            files.enter_context(open_for_writing(args.summary, "summary")) if args.summary else None
        )
        summary = run_audit(snapshot, spec, write, jobs=args.jobs, chunk_size=args.chunk_size)
        report.write(summary.render() + "\n")
        if summary_file is not None:
            write_json_file(summary_file, summary.to_json(), "summary")
    if summary.bad_line_count:
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if summary.findings else EXIT_OK


def register(sub: Any) -> None:
    """Add ``audit`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "audit",
        help="audit a registry snapshot: catalog §4 checks and history replay; findings as JSONL",
    )
    p.add_argument("snapshot", help="snapshot directory (docs/scale.md) or one bundles file")
    p.add_argument("--pack", required=True, help="bundled pack name or pack directory")
    p.add_argument(
        "--as-of", required=True, help="audit date (yyyy-mm-dd): open duties are judged on it"
    )
    p.add_argument("-o", "--output", help="findings file (JSONL); default stdout")
    p.add_argument("--jobs", type=at_least(1), default=1, help="worker processes (default 1)")
    p.add_argument("--chunk-size", type=at_least(1), default=1000, help="records per work unit")
    p.add_argument("--summary", help="also write the run's summary as JSON to this file")
    p.add_argument("--calendar", action="append", help="extra holiday-year file (repeatable)")
    p.add_argument(
        "--checks",
        action="append",
        choices=("form",),
        help="also run an optional check group: form = the whole collection-form check of every "
        "record (as `validate`; several times slower, docs/audit.md)",
    )
    p.add_argument(
        "--reveal-personal-data",
        action="store_true",
        help="show 学籍号s and personal values in clear (masked by default, docs/privacy.md)",
    )
    p.set_defaults(handler=_audit)
