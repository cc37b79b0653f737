"""``xueji-rules validate`` and ``export``: records checked on save, and de-identified copies.

``validate --pack P FILE.jsonl`` reads one record per line (constant memory), prints one line per
problem with its line number, and exits 1 when a record has an error (``--strict``: also a
warning), 2 when the input cannot be read (a missing file, a line that is not a JSON object).
``export --deidentify --key-file K --pack P SNAPSHOT -o OUT`` writes a de-identified copy (of a
whole snapshot directory, or of a JSONL file of records) and
prints what remains (quasi-identifiers, k-anonymity) as JSON. Personal data is masked in every
message unless ``--reveal-personal-data`` is given (docs/privacy.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from xueji_rules._json import loads_strict
from xueji_rules.cli._common import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_OK,
    ArgumentError,
    engine_from_args,
)
from xueji_rules.errors import InputError, Location

__all__ = ["register"]

MAX_LINE_BYTES = 1 << 20  # one record per line; a longer line is refused, never read whole


class _BadLine(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def iter_jsonl(
    stream: IO[bytes], *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, Any]]:
    """(line number, object or :class:`_BadLine`) for each non-blank line, in constant memory."""
    number = 0
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the over-long line
                raw = stream.readline(max_line_bytes + 1)
            yield number, _BadLine(number, f"line longer than {max_line_bytes} bytes")
            continue
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, _BadLine(number, "not UTF-8 text")
            continue
        try:
            value = loads_strict(text)
        except (ValueError, RecursionError) as exc:
            reason = str(exc).split(":", 1)[0] if "duplicate key" not in str(exc) else str(exc)
            yield number, _BadLine(number, f"not valid JSON ({reason})")
            continue
        if not isinstance(value, dict):
            yield number, _BadLine(number, "a line must hold one JSON object (a record)")
            continue
        yield number, value


def _open(source: str, stdin: TextIO) -> IO[bytes]:
    if source == "-":
        buffer = getattr(stdin, "buffer", None)
        if buffer is not None:
            return buffer  # type: ignore[no-any-return]
        import io

        return io.BytesIO(stdin.read().encode("utf-8"))
    path = Path(source)
    if path.is_dir() and _is_bundle_snapshot(source):
        raise InputError(
            "a registry snapshot holds bundles, not records.jsonl: check its records with "
            "`xueji-rules audit SNAPSHOT --pack P --as-of DATE --checks form` (docs/audit.md)",
            Location(file=source),
        )
    if path.is_dir():
        path = path / "records.jsonl"
    try:
        if not path.is_file():
            raise InputError(
                "no such file (a JSONL file, or a snapshot directory with records.jsonl)",
                Location(file=str(path)),
            )
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(file=str(path))) from None


def _as_of(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentError(f"--as-of: {text!r} is not a date (yyyy-mm-dd)") from None


def _validate(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.records.masking import Masker

    engine = engine_from_args(args)
    as_of = _as_of(args.as_of)
    masker = Masker(engine.records)
    name = "<stdin>" if args.records == "-" else args.records
    counts = {"records": 0, "error": 0, "warning": 0, "info": 0, "unreadable": 0}
    stream = _open(args.records, stdin)
    try:
        for number, item in iter_jsonl(stream):
            if isinstance(item, _BadLine):
                counts["unreadable"] += 1
                if args.format == "jsonl":
                    out.write(
                        json.dumps({"line": number, "unreadable": item.message}, ensure_ascii=False)
                        + "\n"
                    )
                else:
                    out.write(f"{name}:{number}: unreadable: {item.message}\n")
                continue
            counts["records"] += 1
            result = engine.validate_record(item, as_of=as_of)
            for finding in result.findings:
                counts[finding.severity] += 1
                shown = finding if args.reveal_personal_data else masker.mask_finding(finding)
                if args.format == "jsonl":
                    out.write(
                        json.dumps({"line": number, **shown.to_json()}, ensure_ascii=False) + "\n"
                    )
                else:
                    rid = shown.records[0] if shown.records else "-"
                    cites = "; ".join(c.render() for c in shown.citations)
                    out.write(
                        f"{name}:{number}: {shown.severity} {shown.check} [{rid}] {shown.message.zh}"
                        + (f" ({cites})" if cites else "")
                        + "\n"
                    )
    finally:
        if stream is not getattr(stdin, "buffer", None):
            stream.close()
    if args.format == "text":
        out.write(
            f"# {counts['records']} records: {counts['error']} errors, {counts['warning']} warnings, "
            f"{counts['info']} notes, {counts['unreadable']} unreadable lines\n"
        )
    if counts["unreadable"]:
        return EXIT_BAD_INPUT
    if counts["error"] or (args.strict and counts["warning"]):
        return EXIT_FINDINGS
    return EXIT_OK


def _read_key(path: str) -> bytes:
    from xueji_rules.records.deidentify import MIN_KEY_BYTES

    try:
        with open(path, "rb") as fh:
            key = fh.read(4097)
    except OSError as exc:
        raise InputError(f"cannot read the key file: {exc.strerror}", Location(file=path)) from None
    key = key.rstrip(b"\r\n")
    if len(key) < MIN_KEY_BYTES or len(key) > 4096:
        raise InputError(
            f"the key file must hold {MIN_KEY_BYTES} to 4096 bytes (e.g. `head -c 32 /dev/urandom > key`)",
            Location(file=path),
        )
    return key


def _is_bundle_snapshot(path: str) -> bool:
    from xueji_rules.audit.export import is_snapshot

    return is_snapshot(path) and not (Path(path) / "records.jsonl").is_file()


def _export_snapshot(
    args: argparse.Namespace, pack_id: str, deidentifier: Any, birth: str, out: TextIO
) -> int:
    """A whole snapshot directory (bundles with histories, side files) into a new directory."""
    from xueji_rules.audit.export import export_snapshot

    workdir = args.workdir or tempfile.gettempdir()
    try:
        report = export_snapshot(args.snapshot, args.output, deidentifier, workdir=workdir)
    except OSError as exc:
        raise InputError(
            f"cannot write the export: {exc.strerror}", Location(file=args.output)
        ) from None
    return _write_report(args, {"output": args.output, "pack": pack_id, "birth_date": birth,
                                **report.to_json()}, out)  # fmt: skip


def _write_report(args: argparse.Namespace, data: dict[str, Any], out: TextIO) -> int:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.report:
        try:
            Path(args.report).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot write the report: {exc.strerror}", Location(file=args.report)
            ) from None
    else:
        out.write(text)
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.records.deidentify import Deidentifier, deidentify_stream

    if not args.deidentify:
        raise ArgumentError(
            "export: only de-identified copies can be written; pass --deidentify (docs/privacy.md)"
        )
    key = _read_key(args.key_file)
    engine = engine_from_args(args)
    birth: Literal["year_month", "year"] = "year" if args.birth_date == "year" else "year_month"
    deidentifier = Deidentifier(engine.records, key, birth_date=birth)
    if args.snapshot != "-" and _is_bundle_snapshot(args.snapshot):
        return _export_snapshot(args, engine.pack.id, deidentifier, birth, out)
    name = "<stdin>" if args.snapshot == "-" else args.snapshot
    target = Path(args.output)
    stream = _open(args.snapshot, stdin)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".export-", dir=target.parent)
    except OSError as exc:
        stream.close()
        raise InputError(
            f"cannot write the output: {exc.strerror}", Location(file=str(target))
        ) from None

    def records() -> Iterator[dict[str, Any]]:
        for number, item in iter_jsonl(stream):
            if isinstance(item, _BadLine):
                raise InputError(item.message, Location(file=name, line=number))
            yield item

    try:
        with os.fdopen(fd, "w", encoding="utf-8") as sink:
            workdir = args.workdir or tempfile.gettempdir()
            report = deidentify_stream(records(), deidentifier, sink, workdir=workdir)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(
            f"cannot write the export: {exc.strerror}", Location(file=str(target))
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if stream is not getattr(stdin, "buffer", None):
            stream.close()
    data = {"output": str(target), "pack": engine.pack.id, "birth_date": birth, **report.to_json()}
    return _write_report(args, data, out)


def register(sub: Any) -> None:
    """Add ``validate`` and ``export`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "validate",
        help="check records (JSONL) against the pack's collection form and identity rules",
    )
    p.add_argument(
        "records",
        help="JSONL file of records (one JSON object per line), a directory with records.jsonl, "
        "or - for stdin (a registry snapshot of bundles: `audit --checks form`)",
    )
    p.add_argument("--pack", required=True, help="bundled pack name or pack directory")
    p.add_argument("--as-of", help="the day dates are checked against (default: today)")
    p.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="one line per problem: text (default) or JSON",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument(
        "--reveal-personal-data",
        action="store_true",
        help="show record ids in clear (they are masked by default)",
    )
    p.add_argument("--calendar", action="append", help=argparse.SUPPRESS)
    p.set_defaults(handler=_validate)

    e = sub.add_parser(
        "export", help="write a de-identified copy of a snapshot's records and report what remains"
    )
    e.add_argument(
        "snapshot",
        help="a registry snapshot directory (bundles with histories and side files, docs/scale.md), "
        "a JSONL file of records, or a directory with records.jsonl",
    )
    e.add_argument(
        "-o",
        "--output",
        required=True,
        help="the de-identified copy: a new snapshot directory for a snapshot, else a JSONL file",
    )
    e.add_argument(
        "--pack",
        required=True,
        help="bundled pack name or pack directory (its privacy data decides)",
    )
    e.add_argument(
        "--deidentify", action="store_true", help="de-identify (required: no other export exists)"
    )
    e.add_argument(
        "--key-file",
        required=True,
        help="secret key for the pseudonyms (16+ bytes; keep it to get the same pseudonyms again)",
    )
    e.add_argument(
        "--birth-date",
        choices=("year-month", "year"),
        default="year-month",
        help="how far to generalise birth dates",
    )
    e.add_argument("--report", help="write the report (JSON) to this file instead of stdout")
    e.add_argument("--workdir", help="directory for temporary spill files (default: the system's)")
    e.add_argument("--calendar", action="append", help=argparse.SUPPRESS)
    e.set_defaults(handler=_export)
