"""One line of a batch file in, one line of decisions out (``decide --batch``, the service).

Input line (``schemas/batch-input.schema.json``)::

    {"id": "req-1", "record": {...}, "request": {...}}        # "id" optional: string or integer

Output line (``schemas/batch-output.schema.json``), in input order::

    {"line":1,"id":"req-1","decision":{...}}                  # the decision JSON, unchanged
    {"line":2,"error":{"type":".../problems/malformed-json","title":...,"detail":...,
                       "problems":[...]}}                       # a problem object (RFC 9457)

Lines are compact JSON (no spaces, Chinese unescaped), as ``Decision.to_json_text()``; written
by orjson when installed and by the standard library otherwise, with the same bytes
(:mod:`xueji_rules._json`).

:func:`decide_line` is pure: the same call runs in the parent, in worker processes, in Spark
executors and in the HTTP service's batch endpoint, so every path writes the same bytes for the
same line. The error object does not depend on where the line came from (a file, standard
input, an HTTP body, a Spark column): the envelope's ``line`` says where it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from xueji_rules._json import dumps, loads_strict
from xueji_rules.bulk._errors import error_json
from xueji_rules.bulk._worker import worker_engine
from xueji_rules.bulk.problems import LineError, problem_json
from xueji_rules.errors import Location, XuejiRulesError

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = [
    "LINE_KEYS",
    "MAX_LINE_BYTES",
    "ChunkResult",
    "LineResult",
    "Observer",
    "Oversized",
    "RawLine",
    "decide_line",
    "decide_line_chunk",
    "decide_rows",
    "error_line",
    "loads_strict",
    "parse_line",
    "salvage_id",
]

LINE_KEYS = ("id", "record", "request")
MAX_ID_LENGTH = 200
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Oversized:
    """Stands for an input line longer than the limit (its bytes were skipped, not kept).

    ``length`` counts the line's bytes (characters for text) without its newline.
    """

    length: int


RawLine = bytes | str | Oversized


class LineResult(NamedTuple):
    """The output of one input line: its number, output JSON text, outcome or error summary."""

    line: int
    text: str
    outcome: str | None
    error: str | None


Observer = Callable[[Mapping[str, Any], Mapping[str, Any], "Decision", dict[str, Any]], None]


def _bad(message: str, path: str | None = None, known: tuple[str, ...] = ()) -> LineError:
    return LineError("bad-input", message, Location(path=path), known=known)


def _malformed(message: str) -> LineError:
    return LineError("malformed-json", message)


def parse_line(raw: RawLine, limit: int = MAX_LINE_BYTES) -> tuple[Any, dict[str, Any]] | None:
    """``(id or None, the line's object)``; ``None`` for a blank line; :class:`LineError` if bad.

    ``limit`` is the line limit an :class:`Oversized` line went over (it names it).
    """
    if isinstance(raw, Oversized):
        raise LineError(
            "body-too-large", f"the line has {raw.length} bytes, over the limit of {limit}"
        )
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed(f"not UTF-8 text (byte {exc.start + 1})") from None
    elif not isinstance(raw, str):  # a DataFrame's line column of another type (Spark)
        raise _malformed(f"a line must be text, not {type(raw).__name__}")
    if not raw.strip():
        return None
    try:
        data = loads_strict(raw)
    except json.JSONDecodeError as exc:
        raise _malformed(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:
        raise _malformed(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _malformed("the JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise _bad(f"a line must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - set(LINE_KEYS))
    if unknown:
        raise _bad(f"unknown key(s) {', '.join(map(repr, unknown))}", known=LINE_KEYS)
    ident = data.get("id")
    if "id" in data and not _valid_id(ident):
        raise _bad(f"id must be a string of 1 to {MAX_ID_LENGTH} characters or an integer", "id")
    for key in ("record", "request"):
        if key not in data:
            raise _bad(f"missing {key!r}", key)
        if not isinstance(data[key], dict):
            raise _bad(f"{key!r} must be a JSON object", key)
    return ident, data


def salvage_id(raw: RawLine) -> Any:
    """The valid ``id`` of a line that was refused for another reason, else ``None``."""
    try:
        data = json.loads(raw) if isinstance(raw, bytes | str) else None
    except (ValueError, RecursionError):
        return None
    ident = data.get("id") if isinstance(data, dict) else None
    return ident if _valid_id(ident) else None


def _valid_id(value: Any) -> bool:
    if isinstance(value, str):
        return 0 < len(value) <= MAX_ID_LENGTH
    return isinstance(value, int) and not isinstance(value, bool)


def _envelope(line: int, ident: Any, key: str, value: Any) -> str:
    out: dict[str, Any] = {"line": line}
    if ident is not None:
        out["id"] = ident
    out[key] = value
    return dumps(out)


def error_line(line: int, ident: Any, kind: str, detail: str) -> str:
    """The output line (JSON text) of a line refused by the caller itself, e.g. the service's
    ``deadline-exceeded``: a problem of ``kind`` with ``detail`` and no located problems."""
    return _envelope(line, ident, "error", problem_json(kind, detail, status=False))


def decide_line(
    engine: Engine,
    source: str,
    line: int,
    raw: RawLine,
    *,
    limit: int = MAX_LINE_BYTES,
    observe: Observer | None = None,
) -> LineResult | None:
    """Decide one input line; ``None`` for a blank line. Never raises for bad input.

    ``source`` names the input in the summary text (:attr:`LineResult.error`), never in the
    output line. ``observe(record, request, decision, decision_json)`` is called after each
    decision (the service logs and counts it).
    """
    ident = None
    try:
        parsed = parse_line(raw, limit)
        if parsed is None:
            return None
        ident, data = parsed
        decision = engine.decide(data["record"], data["request"])
    except XuejiRulesError as exc:
        if ident is None:
            ident = salvage_id(raw)
        text = _envelope(line, ident, "error", error_json(exc))
        return LineResult(line, text, None, f"{source}:{line}: {_first_problem(exc)}")
    except RecursionError:  # a record nested beyond what the converters walk
        deep = _bad("the record or request is nested too deeply")
        text = _envelope(line, ident, "error", error_json(deep))
        return LineResult(line, text, None, f"{source}:{line}: {deep}")
    result = decision.to_json()
    if observe is not None:
        observe(data["record"], data["request"], decision, result)
    text = _envelope(line, ident, "decision", result)
    return LineResult(line, text, decision.outcome, None)


def _first_problem(exc: XuejiRulesError) -> str:
    """The summary's line for a bad input line: its first problem, without the list of accepted
    values an unknown id or key carries (the output line keeps it)."""
    extra = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
    return f"{exc.problems[0].brief()}{extra}"


class ChunkResult(NamedTuple):
    """The output of one chunk of input lines, as the writer needs it.

    ``data`` is every output line of the chunk, in order, each ending in a newline, encoded as
    UTF-8 here (in the worker, not in the parent); ``outcomes``
    counts the decided lines per outcome, ``errors`` lists ``(line, summary text)`` of the bad
    ones and ``blank`` counts blank lines (which have no output). One string and two small
    collections cross the process boundary instead of an object per line: the parent, which
    shares the two cores with the workers, only writes.
    """

    data: bytes
    outcomes: dict[str, int]
    errors: list[tuple[int, str]]
    blank: int


def decide_line_chunk(job: tuple[str, list[tuple[int, RawLine]]]) -> ChunkResult:
    """Worker task: decide a chunk of ``(line number, raw line)`` of file ``source``."""
    return decide_rows(worker_engine(), job)


def decide_rows(engine: Engine, job: tuple[str, list[tuple[int, RawLine]]]) -> ChunkResult:
    """Decide a chunk of ``(line number, raw line)`` of file ``source`` with ``engine``."""
    source, rows = job
    texts: list[str] = []
    outcomes: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    blank = 0
    for line, raw in rows:
        result = decide_line(engine, source, line, raw)
        if result is None:
            blank += 1
            continue
        texts.append(result.text)
        if result.outcome is not None:
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
        else:
            errors.append((line, result.error or ""))
    texts.append("")
    data = "\n".join(texts).encode("utf-8") if len(texts) > 1 else b""
    return ChunkResult(data, outcomes, errors, blank)
