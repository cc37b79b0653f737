"""JSON on the hot paths (the audit's bundles, batch output lines) and one reading of JSON input.

**Reading.** Every JSON input is read by one set of rules, whatever is installed (D-360): the
text is UTF-8 (no byte-order mark, no encoded surrogates), ``NaN`` and ``Infinity`` are not
numbers, a number past the range of a double (``1e400``) is refused rather than read as
infinity, an integer is read exactly (up to Python's 4,300 digits), and a ``\\u`` escape of
half a surrogate pair is refused. Those are RFC 8259's and I-JSON's (RFC 7493) rules, and
msgspec's: with the ``[fast]`` extra, :func:`loads` is msgspec's untyped decoder; without it,
the standard library's parser with hooks that hold it to the same rules. So a snapshot line
is taken or refused, and read to the same values, by either, and the audit's findings never
depend on the install. Duplicate keys: :func:`loads` keeps the last value (both do);
:func:`loads_strict` refuses them (batch lines, service bodies, records and side files).

orjson is not used for reading: it reads an integer past 64 bits as a float, which the other
two read exactly.

**Writing.** :func:`dumps` writes compact JSON (no spaces, Chinese unescaped) with orjson when
installed, about fifteen times faster than the standard library for a decision, and the same
text either way (a value orjson refuses, such as a lone surrogate or an integer over 64 bits,
is written by the standard library).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["DECODE_ERRORS", "PARSER", "dumps", "loads", "loads_strict"]

_MAX_DIGITS = 4300  # Python's default limit on an integer's digits, which msgspec keeps too
# the escape of half a surrogate pair (a lone one is refused once the text is parsed)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_duplicates(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:24]} is out of range")
    return value


def _lone_surrogate(value: Any) -> bool:
    """Whether a text anywhere in ``value`` (keys included) holds half a surrogate pair."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return False


# built once: json.loads with any hook builds a decoder and its scanner on every call
_READER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)
_STRICT = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite
)


def _parse(text: str, *, strict: bool) -> Any:
    """The standard library's parser held to the reading rules of the module docstring, on
    text (callers decode bytes with :func:`_text`); ``strict`` refuses duplicate keys.

    Raises ``ValueError`` (``json.JSONDecodeError`` for the parser's own refusals) for text that
    is not JSON by those rules, ``RecursionError`` for nesting deeper than the parser goes.
    """
    try:
        value = (_STRICT if strict else _READER).decode(text)
    except ValueError as exc:
        if str(exc).startswith("Exceeds the limit"):  # int(): not a hint to raise Python's limit
            raise ValueError(f"an integer has more than {_MAX_DIGITS:,} digits") from None
        raise
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _lone_surrogate(value):
        raise ValueError("a \\u escape gives half a surrogate pair")
    return value


def _text(data: bytes | str) -> str:
    """``data`` as text: bytes decoded strictly (``json.loads`` would take UTF-16 and UTF-32, a
    byte-order mark and encoded surrogates), text as it is. ``UnicodeDecodeError`` for bytes
    that are not UTF-8."""
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data).decode("utf-8")
    raise TypeError(f"JSON text must be str or bytes, not {type(data).__name__}")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON by the module's reading rules, refusing duplicate keys too (batch lines,
    service bodies, records and side files), so no value is silently dropped or invented.

    ``ValueError`` (``json.JSONDecodeError`` for the parser's own refusals, with their
    position) for text that is not JSON by those rules; ``UnicodeError`` for bytes that are not
    UTF-8; ``RecursionError`` for nesting deeper than Python's parser goes. (Text is taken as
    decoded: a surrogate character that Python code put into it is not looked for.)
    """
    return _parse(_text(text), strict=True)


def _loads_standard(text: bytes | str) -> Any:
    """:func:`loads` without msgspec: ``json.JSONDecodeError`` for anything that is not JSON by
    the reading rules, as msgspec's decoder refuses it."""
    try:
        data = _text(text)
        if not data.isascii():
            data.encode("utf-8")  # a surrogate character in the text (msgspec refuses it too)
        return _parse(data, strict=False)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError | UnicodeError):
            raise
        # a hook's refusal, or an integer past Python's digit limit
        raise json.JSONDecodeError(str(exc), text if isinstance(text, str) else "", 0) from None


def _dumps_std(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


loads: Callable[[bytes | str], Any]
"""Parse JSON by the module's reading rules (a duplicate key keeps its last value); raises one
of :data:`DECODE_ERRORS`."""
dumps: Callable[[Any], str]
"""Compact JSON text of ``value``: no spaces, keys in their order, non-ASCII unescaped."""

try:
    import msgspec

    loads = msgspec.json.decode
    PARSER = "msgspec"
    # msgspec.ValidationError (a number out of range) is a msgspec.DecodeError
    DECODE_ERRORS: tuple[type[Exception], ...] = (
        msgspec.DecodeError,
        json.JSONDecodeError,
        UnicodeError,
        RecursionError,
    )
except ImportError:  # pragma: no cover - exercised where msgspec is absent
    loads = _loads_standard
    PARSER = "json"
    DECODE_ERRORS = (json.JSONDecodeError, UnicodeError, RecursionError)

try:
    import orjson

    def _dumps_orjson(value: Any) -> str:
        try:
            return orjson.dumps(value).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: lone surrogates, huge integers, deep nesting
            return _dumps_std(value)

    dumps = _dumps_orjson
except ImportError:  # pragma: no cover - exercised where orjson is absent
    dumps = _dumps_std
