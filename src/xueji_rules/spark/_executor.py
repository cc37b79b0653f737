"""What runs inside Spark's Python workers: one engine per process, Arrow batches in and out.

:func:`decide_batches` is the function given to ``DataFrame.mapInArrow``. It needs pyarrow
(and xueji-rules installed on the executors), not a JVM: tests call it on plain Arrow batches
too. Each row goes through the same code as ``decide_many`` and ``decide --batch``
(:func:`xueji_rules.bulk.decide_line` for whole batch lines), so the results are the same.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xueji_rules.bulk._errors import error_json
from xueji_rules.bulk._lines import parse_line, salvage_id
from xueji_rules.errors import InputError, Location, XuejiRulesError
from xueji_rules.spark._ship import PackShipment, fingerprint

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = ["OUTPUT_FIELDS", "Layout", "decide_batches", "engine_for"]

# (name, Arrow type name) of the output columns after the optional id column
OUTPUT_FIELDS = (
    ("record_id", "string"),
    ("outcome", "string"),
    ("next_status", "string"),
    ("next_stage", "string"),
    ("failed_rules", "list<string>"),
    ("decision", "string"),
    ("error", "string"),
)


@dataclass(frozen=True, slots=True)
class Layout:
    """Which input columns hold what: ``record``/``request`` (JSON text or structs), or ``line``."""

    record: str | None = "record"
    request: str | None = "request"
    line: str | None = None
    id: str | None = None


_ENGINES: dict[str, Engine] = {}
_UNPACKED: dict[str, Path] = {}


def _unpack(archive: str) -> Path:
    folder = _UNPACKED.get(archive)
    if folder is None:
        from pyspark import SparkFiles

        target = Path(tempfile.mkdtemp(prefix="xueji-pack-"))
        with zipfile.ZipFile(SparkFiles.get(archive)) as zipped:
            zipped.extractall(target)
        folder = _UNPACKED[archive] = target
    return folder


def unpacked_reference(shipment: PackShipment) -> tuple[str, list[str]]:
    """The pack reference and calendar files on this executor (a shipped zip unpacked once)."""
    if shipment.archive is None:
        return shipment.pack, []
    root = _unpack(shipment.archive)
    return str(root / shipment.pack), [str(root / c) for c in shipment.calendars]


def engine_for(shipment: PackShipment) -> Engine:
    """This process's engine for ``shipment`` (built once; checked against the driver's pack)."""
    engine = _ENGINES.get(shipment.key)
    if engine is not None:
        return engine
    from xueji_rules.engine import Engine

    ref, calendars = unpacked_reference(shipment)
    engine = Engine(
        ref,
        calendar_files=calendars,
        strict_calendar=shipment.strict_calendar,
        **dict(shipment.other_options),
    )
    found = fingerprint(engine.pack)
    if found != shipment.expected:
        raise InputError(
            f"the executor's pack {found[0]!r} (version {found[1]!r}, {found[4]}) differs from "
            f"the driver's (version {shipment.expected[1]!r}, {shipment.expected[4]}): install "
            "the same xueji-rules version on every executor",
            Location(),
        )
    if len(_ENGINES) >= 4:
        _ENGINES.clear()
    _ENGINES[shipment.key] = engine
    return engine


def _strip(value: Any) -> Any:
    """An Arrow struct row as JSON-like data: nulls are absent fields."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _document(value: Any, name: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"column {name!r}: not valid JSON: {exc.msg} (column {exc.colno})",
                Location(path=name),
            ) from None
        except RecursionError:
            raise InputError(f"column {name!r}: nested too deeply", Location(path=name)) from None
    if value is None:
        raise InputError(f"column {name!r} is null", Location(path=name))
    return _strip(value)


def _row(engine: Engine, record: Any, request: Any) -> tuple[Any, ...]:
    decision: Decision = engine.decide(record, request)
    return (
        decision.record_id,
        decision.outcome,
        decision.next_status,
        decision.next_stage,
        [r.id for r in decision.failed_rules],
        json.dumps(decision.to_json(), ensure_ascii=False),
        None,
    )


def _error_row(exc: XuejiRulesError, record: Any) -> tuple[Any, ...]:
    rid = record.get("id") if isinstance(record, dict) else None
    rid = rid if isinstance(rid, str) else None
    return (rid, None, None, None, None, None, json.dumps(error_json(exc), ensure_ascii=False))


def _decide_pairs(
    engine: Engine, records: list[Any], requests: list[Any], layout: Layout
) -> Iterator[tuple[Any, ...]]:
    assert layout.record is not None and layout.request is not None
    for raw_record, raw_request in zip(records, requests, strict=True):
        record: Any = None
        try:
            record = _document(raw_record, layout.record)
            request = _document(raw_request, layout.request)
            yield _row(engine, record, request)
        except XuejiRulesError as exc:
            yield _error_row(exc, record)
        except RecursionError:
            yield _error_row(InputError("the record or request is nested too deeply"), record)


def _decide_lines(engine: Engine, lines: list[Any], name: str) -> Iterator[tuple[Any, ...]]:
    for raw in lines:
        ident: Any = None
        record: Any = None
        try:
            parsed = parse_line(raw if raw is not None else "")
            if parsed is None:
                raise InputError(f"column {name!r}: blank line", Location())
            ident, data = parsed
            record = data["record"]
            yield (_text_id(ident), *_row(engine, record, data["request"]))
        except XuejiRulesError as exc:
            if ident is None:
                ident = salvage_id(raw) if raw is not None else None
            yield (_text_id(ident), *_error_row(exc, record))
        except RecursionError:
            deep = InputError("the record or request is nested too deeply")
            yield (_text_id(ident), *_error_row(deep, record))


def _text_id(ident: Any) -> str | None:
    return None if ident is None else str(ident)


def decide_batches(shipment: PackShipment, layout: Layout, batches: Iterator[Any]) -> Iterator[Any]:
    """``mapInArrow`` body: decide every row of every Arrow batch with this process's engine."""
    import pyarrow as pa

    engine = engine_for(shipment)
    names = [n for n, _ in OUTPUT_FIELDS]
    for batch in batches:
        columns: dict[str, Any] = {}
        if layout.line is not None:
            rows = list(_decide_lines(engine, batch.column(layout.line).to_pylist(), layout.line))
            names_here = ["id", *names]
        else:
            records = batch.column(layout.record).to_pylist()
            requests = batch.column(layout.request).to_pylist()
            rows = list(_decide_pairs(engine, records, requests, layout))
            names_here = names
            if layout.id is not None:
                columns[layout.id] = batch.column(layout.id)
        transposed = list(zip(*rows, strict=True)) if rows else [() for _ in names_here]
        for name, values in zip(names_here, transposed, strict=True):
            columns[name] = pa.array(
                list(values), type=pa.list_(pa.string()) if name == "failed_rules" else pa.string()
            )
        yield pa.RecordBatch.from_pydict(columns)
