"""``xueji-rules decide`` and ``explain``: one request against one record.

``decide --batch FILE`` decides a whole JSONL file instead (``cli/_batch.py``).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import re
from typing import Any, TextIO

from xueji_rules._safeio import display_name
from xueji_rules.cli._batch import add_batch_arguments
from xueji_rules.cli._common import EXIT_OK, ArgumentError, engine_from_args, read_document
from xueji_rules.errors import InputError, Problem

__all__ = ["register"]


def _decide(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    if args.batch is not None:
        from xueji_rules.cli._batch import run_batch_command

        return run_batch_command(args, out, stdin)
    _single_only(args)
    engine = engine_from_args(args)
    decision = _decide_files(engine, args, stdin)
    # indented for people by default; --compact gives the one-line form a program stores
    out.write(decision.to_json_text(indent=None if args.compact else 2) + "\n")
    return EXIT_OK


def _explain(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.engine import explain

    engine = engine_from_args(args)
    decision = _decide_files(engine, args, stdin)
    out.write(
        explain(decision, engine.pack, lang=args.lang, reveal=args.reveal_personal_data) + "\n"
    )
    return EXIT_OK


def _decide_files(engine: Any, args: argparse.Namespace, stdin: TextIO) -> Any:
    """Decide ``--record`` and ``--request``; a problem with either names its file."""
    record = read_document(args.record, stdin, "record")
    request = read_document(args.request, stdin, "request")
    try:
        return engine.decide(record, request)
    except InputError as exc:
        files = {"record": args.record, "request": args.request}
        raise _naming_files(exc, files) from None


def _input_of(problem: Problem) -> str | None:
    """``record`` or ``request``: which input a problem of ``Engine.decide`` is about."""
    text = f"{problem.location.path or ''} {problem.message}".lstrip()
    head = re.match(r"(record|request)\b", text)  # record.grade: …, request: 'date' is …
    if head is not None:
        return head.group(1)
    tail = re.match(r"unknown field '[^']*' in (record|request)\b", text)
    return tail.group(1) if tail is not None else None


def _naming_files(exc: InputError, files: dict[str, str]) -> InputError:
    """``exc`` with each problem that names no file prefixed by the file of its input."""
    problems = []
    for problem in exc.problems:
        kind = _input_of(problem)
        if problem.location.file is None and kind is not None and files[kind] != "-":
            where = dataclasses.replace(problem.location, file=display_name(files[kind]))
            problem = dataclasses.replace(problem, location=where)
        problems.append(problem)
    if problems == list(exc.problems):
        return exc
    clone = copy.copy(exc)  # the same class (OutsideValidity stays OutsideValidity)
    clone.location = problems[0].location
    clone.message = problems[0].message
    clone._listed = tuple(problems) if len(problems) > 1 else ()
    Exception.__init__(clone, str(clone))
    return clone


def _single_only(args: argparse.Namespace) -> None:
    """Without ``--batch``: one record and one request, and no batch-only option."""
    missing = [f"--{k}" for k in ("record", "request") if getattr(args, k) is None]
    if missing:
        raise ArgumentError(
            f"decide: the following arguments are required: {', '.join(missing)} (or --batch FILE)"
        )
    defaults = {"output": "-", "jobs": 1, "chunk_size": 256, "summary": None, "no_progress": False}
    extra = [k for k, v in defaults.items() if getattr(args, k) != v]
    if extra:
        names = ", ".join("--" + k.replace("_", "-") for k in extra)
        raise ArgumentError(f"decide: {names} only work with --batch FILE")


def _with_inputs(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--pack", required=True, help="bundled pack name or pack directory")
    p.add_argument("--record", required=required, help="record file (JSON or YAML), or - for stdin")
    p.add_argument(
        "--request", required=required, help="request file (JSON or YAML), or - for stdin"
    )
    p.add_argument("--calendar", action="append", help="extra holiday-year file (repeatable)")
    p.add_argument(
        "--strict-calendar", action="store_true", help="fail when a due date cannot be computed"
    )
    p.add_argument(
        "--reveal-personal-data",
        action="store_true",
        help="show personal data in clear in traces and errors (masked by default)",
    )


def register(sub: Any) -> None:
    """Add ``decide`` and ``explain`` to the CLI's sub-parsers."""
    decide = sub.add_parser(
        "decide", help="decide a request (or a JSONL file of them with --batch); JSON on stdout"
    )
    _with_inputs(decide, required=False)
    add_batch_arguments(decide)
    decide.add_argument(
        "--compact", action="store_true", help="one-line JSON (default: indented for reading)"
    )
    decide.set_defaults(handler=_decide)
    explain = sub.add_parser("explain", help="the same decision as a readable trace")
    _with_inputs(explain)
    explain.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language of the trace (default: zh)"
    )
    explain.set_defaults(handler=_explain)
