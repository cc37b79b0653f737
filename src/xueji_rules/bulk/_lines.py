"""One line of a batch file in, one line of decisions out (``decide --batch``).

Input line (``schemas/batch-input.schema.json``)::

    {"id": "req-1", "record": {...}, "request": {...}}        # "id" optional: string or integer

Output line (``schemas/batch-output.schema.json``), in input order::

    {"line": 1, "id": "req-1", "decision": {...}}              # the decision JSON, unchanged
    {"line": 2, "error": {"type": "InputError", "message": "...", "problems": [...]}}

:func:`decide_line` is pure: the same call runs in the parent, in worker processes and in
Spark executors, so every path writes the same bytes for the same line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from xueji_rules.bulk._errors import error_json
from xueji_rules.bulk._worker import worker_engine
from xueji_rules.errors import InputError, Location, XuejiRulesError

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = [
    "LINE_KEYS",
    "MAX_LINE_BYTES",
    "LineResult",
    "Oversized",
    "RawLine",
    "decide_line",
    "decide_line_chunk",
    "decide_rows",
    "parse_line",
    "salvage_id",
]

LINE_KEYS = ("id", "record", "request")
MAX_ID_LENGTH = 200
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Oversized:
    """Stands for an input line longer than the limit (its bytes were skipped, not kept)."""

    length: int


RawLine = bytes | str | Oversized


class LineResult(NamedTuple):
    """The output of one input line: its number, output JSON text, outcome or error summary."""

    line: int
    text: str
    outcome: str | None
    error: str | None


def _bad(source: str, line: int | None, message: str, path: str | None = None) -> InputError:
    return InputError(message, Location(file=source, line=line, path=path))


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"not valid JSON: {exc.msg} (column {exc.colno})"


def parse_line(source: str, line: int | None, raw: RawLine) -> tuple[Any, dict[str, Any]] | None:
    """``(id or None, the line's object)``; ``None`` for a blank line; :class:`InputError` if bad.

    ``source`` and ``line`` (``None`` when unknown, as in Spark) locate the errors.
    """
    if isinstance(raw, Oversized):
        raise _bad(
            source, line, f"the line has {raw.length} bytes, over the limit of {MAX_LINE_BYTES}"
        )
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad(source, line, f"not UTF-8 text (byte {exc.start + 1})") from None
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _bad(source, line, _json_error(exc)) from None
    except RecursionError:
        raise _bad(source, line, "the JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise _bad(source, line, f"a line must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - set(LINE_KEYS))
    if unknown:
        known = ", ".join(LINE_KEYS)
        raise _bad(source, line, f"unknown key(s) {', '.join(map(repr, unknown))} (known: {known})")
    ident = data.get("id")
    if "id" in data and not _valid_id(ident):
        raise _bad(
            source,
            line,
            f"id must be a string of 1 to {MAX_ID_LENGTH} characters or an integer",
            "id",
        )
    for key in ("record", "request"):
        if key not in data:
            raise _bad(source, line, f"missing {key!r}", key)
        if not isinstance(data[key], dict):
            raise _bad(source, line, f"{key!r} must be a JSON object", key)
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
    return json.dumps(out, ensure_ascii=False)


def decide_line(engine: Engine, source: str, line: int, raw: RawLine) -> LineResult | None:
    """Decide one input line; ``None`` for a blank line. Never raises for bad input."""
    ident = None
    try:
        parsed = parse_line(source, line, raw)
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
        deep = _bad(source, line, "the record or request is nested too deeply")
        text = _envelope(line, ident, "error", error_json(deep))
        return LineResult(line, text, None, str(deep))
    text = _envelope(line, ident, "decision", decision.to_json())
    return LineResult(line, text, decision.outcome, None)


def _first_problem(exc: XuejiRulesError) -> str:
    problem = exc.problems[0]
    where = problem.location
    if where.file is not None and where.line is not None:  # already says file and line
        text = problem.message
        return f"{where.path}: {text}" if where.path else text
    extra = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
    return f"{problem}{extra}"


def decide_line_chunk(job: tuple[str, list[tuple[int, RawLine]]]) -> list[LineResult]:
    """Worker task: decide a chunk of ``(line number, raw line)`` of file ``source``."""
    return decide_rows(worker_engine(), job)


def decide_rows(engine: Engine, job: tuple[str, list[tuple[int, RawLine]]]) -> list[LineResult]:
    """Decide a chunk of ``(line number, raw line)`` of file ``source`` with ``engine``."""
    source, rows = job
    out = []
    for line, raw in rows:
        result = decide_line(engine, source, line, raw)
        if result is not None:
            out.append(result)
    return out
