"""What every command shares: exit statuses, argument errors, reading input documents, output.

Inputs (``--record``, ``--request``, ``-`` for stdin) are read through
:mod:`xueji_rules._safeio`: a regular file (or stdin) only, at most
:data:`~xueji_rules._safeio.MAX_INPUT_BYTES` bytes, checked before reading; UTF-8 whatever the
locale says; JSON parsed as JSON and anything else as YAML by the hardened reader. Every problem
is an :class:`~xueji_rules.errors.InputError` (exit 2).
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import os
import sys
from collections.abc import Iterable
from typing import IO, Any, TextIO

from xueji_rules._safeio import (
    MAX_INPUT_BYTES,
    decode_utf8,
    display_name,
    escape_controls,
    read_bytes,
)
from xueji_rules.errors import InputError, Location, XuejiRulesError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "ArgumentError",
    "Parser",
    "at_least",
    "engine_from_args",
    "open_for_writing",
    "prepare_streams",
    "read_document",
    "refuse_overwriting",
    "same_file",
    "write_json_file",
    "write_problems",
]

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def at_least(minimum: int) -> Any:
    """An argparse ``type`` for whole numbers of at least ``minimum`` (``--jobs``, ``--students``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


class ArgumentError(Exception):
    """A malformed command line (reported like any bad input: exit 2)."""


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file (the same path when either does not exist yet)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def refuse_overwriting(
    path: str, what: str, others: Iterable[str | os.PathLike[str]], command: str
) -> None:
    """An :class:`ArgumentError` when the output ``path`` is one of the ``others`` the command
    reads or writes: opening it for writing would empty an input, or mix two outputs."""
    for other in others:
        if same_file(path, other):
            raise ArgumentError(
                f"{command}: the {what} {path} is a file the command already reads or writes"
            )


def open_for_writing(path: str, what: str, *, binary: bool = False) -> IO[Any]:
    """``path`` opened for writing (UTF-8 text, or bytes), or an :class:`InputError` naming it
    and ``what`` it was for (exit 2). Commands open their output files before they start a long
    run, so a path that cannot be written fails at once."""
    try:
        if binary:
            return open(path, "wb")
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the {what}: {exc.strerror}", Location(file=path)) from None


def write_json_file(handle: IO[str], data: Any, what: str) -> None:
    """``data`` as indented JSON text and a newline into ``handle`` (a run's summary or report)."""
    try:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
        handle.flush()
    except OSError as exc:
        raise InputError(
            f"cannot write the {what}: {exc.strerror}", Location(file=handle.name)
        ) from None


class Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so ``main`` reports it."""

    def error(self, message: str) -> Any:  # argparse would exit; we report like any bad input
        raise ArgumentError(f"{self.prog}: {message}")


def _read_stdin(stdin: TextIO, kind: str) -> str:
    where = Location(file="<stdin>")
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:  # the real stdin: bytes, decoded as UTF-8 whatever the locale says
        try:
            raw = buffer.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read the {kind}: {exc.strerror}", where) from None
        if len(raw) > MAX_INPUT_BYTES:
            raise InputError(
                f"the {kind} is larger than the limit of {MAX_INPUT_BYTES} bytes", where
            )
        return decode_utf8(raw, where, lambda m, w: InputError(f"the {kind} is {m}", w))
    try:
        text = stdin.read(MAX_INPUT_BYTES + 1)
    except UnicodeDecodeError as exc:
        raise InputError(f"the {kind} is not UTF-8 text (byte {exc.start})", where) from None
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"the {kind} is larger than the limit of {MAX_INPUT_BYTES} bytes", where)
    return text


def read_document(source: str, stdin: TextIO, kind: str) -> Any:
    """A JSON or YAML object from the file ``source`` or ``-`` (stdin); :class:`InputError` if not.

    Text that starts with ``{`` or ``[`` is read as JSON (so every string JSON allows is
    accepted), anything else as YAML, both with the hardened reader's guarantees.
    """
    from xueji_rules._yaml import load_data_text

    if source == "-":
        name = "<stdin>"
        text = _read_stdin(stdin, kind)
    else:
        name = display_name(source)
        raw = read_bytes(
            source,
            display=name,
            max_bytes=MAX_INPUT_BYTES,
            error=lambda m, w: InputError(f"cannot read the {kind}: {m}", w),
        )
        text = decode_utf8(
            raw, Location(file=name), lambda m, w: InputError(f"the {kind} is {m}", w)
        )
    data = load_data_text(
        text,
        name,
        error=lambda m, w: InputError(f"the {kind} is not valid JSON or YAML: {m}", w),
    )
    if not isinstance(data, dict):
        raise InputError(f"the {kind} must be a JSON/YAML object", Location(file=name))
    return data


_ESCAPE = "xueji_rules.json_escape"


def _json_escape(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: unencodable characters as JSON ``\\uXXXX`` escapes."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        code = ord(ch)
        if code > 0xFFFF:  # a UTF-16 surrogate pair, as JSON writes it
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error(_ESCAPE, _json_escape)


def prepare_streams(*streams: TextIO) -> None:
    """Let output that the stream's encoding cannot hold degrade to escapes, not a traceback.

    Under ``PYTHONIOENCODING=ascii`` (or a C locale) every character the stream cannot encode
    is written as a JSON escape (``\\u8f6c``): inside a JSON string that is the same character,
    so ``decide`` output stays valid JSON, and text output stays readable with a decoder.
    Streams other than the process's own (tests swap them) are left alone.
    """
    for stream in streams:
        if stream not in (sys.stdout, sys.stderr) or not isinstance(stream, io.TextIOWrapper):
            continue
        if stream.errors in ("strict", "backslashreplace"):
            try:
                stream.reconfigure(errors=_ESCAPE)
            except (ValueError, OSError):  # pragma: no cover - a closed or detached stream
                continue


def write_problems(err: TextIO, exc: XuejiRulesError) -> None:
    """Print every problem of an error, one ``error:`` line each, control characters escaped."""
    for problem in exc.problems:
        err.write(f"error: {escape_controls(str(problem))}\n")


def engine_from_args(args: argparse.Namespace) -> Any:
    """The Engine named by ``--pack`` (with ``--calendar`` files and ``--strict-calendar``)."""
    from xueji_rules.engine import Engine

    return Engine(
        args.pack,
        calendar_files=args.calendar or (),
        strict_calendar=getattr(args, "strict_calendar", False),
        reveal_personal_data=getattr(args, "reveal_personal_data", False),
    )
