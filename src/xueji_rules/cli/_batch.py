"""``xueji-rules decide --batch FILE``: a JSONL file of requests → a JSONL file of decisions.

Exit status: 0 every line decided; 1 the run finished but some lines could not be decided (each
has an error line in the output and is listed in the summary); 2 nothing was decided because the
input, the pack or an argument is unusable (a file that cannot be opened, a bad pack, ...).
The summary goes to stderr when the decisions go to stdout, else to stdout.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import IO, Any, TextIO

from xueji_rules.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    ArgumentError,
    at_least,
    engine_from_args,
    open_for_writing,
    refuse_overwriting,
    same_file,
    write_json_file,
)
from xueji_rules.errors import InputError, Location

__all__ = ["add_batch_arguments", "run_batch_command"]

_DELAY = 1.0  # seconds before the bar appears: short runs show none
_PROGRESS_HINT = (
    "(a progress bar needs tqdm: pip install 'xueji-rules[progress]'; deciding without one)\n"
)


def add_batch_arguments(p: argparse.ArgumentParser) -> None:
    """The ``--batch`` options of ``decide``."""
    group = p.add_argument_group(
        "batch mode", "decide every line of a JSONL file (docs/scale.md); exit 1 if a line was bad"
    )
    group.add_argument(
        "--batch",
        metavar="FILE",
        help='JSONL input, one {"record": ..., "request": ..., "id"?: ...} per line; - for stdin',
    )
    group.add_argument(
        "-o", "--output", metavar="FILE", default="-", help="JSONL output (default -: stdout)"
    )
    group.add_argument(
        "--jobs", type=at_least(1), default=1, metavar="N", help="worker processes (default 1)"
    )
    group.add_argument(
        "--chunk-size", type=at_least(1), default=256, metavar="K", help="lines per work unit"
    )
    group.add_argument("--summary", metavar="FILE", help="also write the summary as JSON to FILE")
    group.add_argument(
        "--no-progress", action="store_true", help="no progress bar, even on a terminal"
    )


def _open_input(path: str, stdin: TextIO) -> tuple[IO[Any], str, int | None]:
    """The input stream, its name for messages, and its size when it is a regular file.

    A named input must be a regular file, opened without blocking and checked with ``fstat``
    as every CLI input is (``_safeio``); a stream is read from stdin with ``--batch -``.
    """
    if path == "-":
        buffer = getattr(stdin, "buffer", None)
        return (buffer if buffer is not None else stdin), "<stdin>", None
    from xueji_rules._safeio import describe_os_error, display_name

    where = Location(file=display_name(path))
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"cannot read the batch file: {describe_os_error(exc)}", where) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(
            "cannot read the batch file: not a regular file (read a stream with --batch -)", where
        )
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb"), display_name(path), info.st_size


class _Progress:
    """A tqdm bar on stderr when it is a terminal (bytes of a file, or lines of a stream)."""

    def __init__(self, total_bytes: int | None, enabled: bool) -> None:
        self._bar: Any = None
        self._by_bytes = total_bytes is not None
        if not (enabled and sys.stderr.isatty()):
            return
        try:
            from tqdm import tqdm
        except ImportError:
            sys.stderr.write(_PROGRESS_HINT)
            return

        class _Bar(tqdm):  # type: ignore[misc]
            monitor_interval = 0  # no monitor thread: worker processes are forked after this

        common: dict[str, Any] = {"file": sys.stderr, "delay": _DELAY, "desc": "deciding"}
        if self._by_bytes:
            self._bar = _Bar(
                total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024, **common
            )
        else:
            self._bar = _Bar(unit=" lines", **common)

    def update(self, done_bytes: int, summary: Any) -> None:
        if self._bar is None:
            return
        self._bar.update((done_bytes if self._by_bytes else summary.lines) - self._bar.n)
        self._bar.set_postfix_str(f"{summary.lines:,} lines, {summary.errors:,} bad", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run_batch_command(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Run ``decide --batch`` (the handler of ``decide`` calls it when ``--batch`` is given)."""
    from xueji_rules.bulk.batch import run_batch

    if args.record is not None or args.request is not None:
        raise ArgumentError(
            "decide: --batch reads records and requests from FILE; drop --record/--request"
        )
    if "-" not in (args.batch, args.output) and same_file(args.batch, args.output):
        raise ArgumentError("decide: --output must not be the --batch file (it would be emptied)")
    if args.summary:
        inputs = [p for p in (args.batch, args.output) if p != "-"]
        refuse_overwriting(args.summary, "summary", inputs, "decide")
    engine = engine_from_args(args)  # a bad pack fails here, before any file is created
    with ExitStack() as stack:
        stream, source, total = _open_input(args.batch, stdin)
        if stream is not stdin and stream is not getattr(stdin, "buffer", None):
            stack.callback(stream.close)
        write: Callable[[str], Any] | Callable[[bytes], Any]
        if args.output == "-":
            write, encoded = out.write, False
            report: TextIO = sys.stderr
        else:
            # binary: the workers hand over UTF-8 text, the parent only writes it
            output = stack.enter_context(open_for_writing(args.output, "output", binary=True))
            write, encoded = output.write, True
            report = out
        # opened before the run, so that a summary path that cannot be written fails at once
        summary_file = (
            stack.enter_context(open_for_writing(args.summary, "summary")) if args.summary else None
        )
        progress = _Progress(total, enabled=not args.no_progress)
        stack.callback(progress.close)
        summary = run_batch(
            engine,
            stream,
            write,
            encoded=encoded,
            source=source,
            jobs=args.jobs,
            chunk_size=args.chunk_size,
            on_chunk=progress.update,
        )
        if summary_file is not None:
            write_json_file(summary_file, summary.to_json(), "summary")
    report.write(summary.render() + "\n")  # after the progress bar is closed
    if summary.errors:
        return EXIT_FINDINGS
    return EXIT_OK
