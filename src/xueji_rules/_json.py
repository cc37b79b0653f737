"""JSON on the hot paths (the audit's bundles, batch output lines): orjson when installed
(``pip install 'xueji-rules[fast]'``), the standard library otherwise.

Parsing a bundle line is a fixed cost per record; orjson parses the synthetic snapshot's
bundles about three times faster than the standard library, and writes a decision's JSON
about fifteen times faster (docs/performance.md). Both give the same Python values for valid
JSON, and :func:`dumps` gives the same text with either (compact separators, Chinese
unescaped; a value orjson refuses, such as a lone surrogate or an integer over 64 bits, is
written by the standard library), so the extra is never needed for correct or identical
results. Duplicate keys when parsing: both keep the last value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["DECODE_ERRORS", "PARSER", "dumps", "loads", "loads_strict"]


def _no_duplicates(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON strictly (batch lines, service bodies, records files): duplicate keys and
    ``NaN``/``Infinity`` raise ``ValueError``, so no value is silently dropped or invented.

    ``json.JSONDecodeError`` (a ``ValueError``) for text that is not JSON; ``RecursionError``
    for nesting deeper than Python's parser goes.
    """
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def _dumps_std(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], str]
"""Compact JSON text of ``value``: no spaces, keys in their order, non-ASCII unescaped."""

try:
    import orjson

    def dumps(value: Any) -> str:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: lone surrogates, huge integers, deep nesting
            return _dumps_std(value)

    loads = orjson.loads
    PARSER = "orjson"
    DECODE_ERRORS: tuple[type[Exception], ...] = (
        orjson.JSONDecodeError,
        json.JSONDecodeError,
        UnicodeDecodeError,
        RecursionError,
    )
except ImportError:  # pragma: no cover - exercised where orjson is absent
    dumps = _dumps_std
    loads = json.loads
    PARSER = "json"
    DECODE_ERRORS = (json.JSONDecodeError, UnicodeDecodeError, RecursionError)
