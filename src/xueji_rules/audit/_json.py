"""JSON for the audit's hot path: orjson when installed (``pip install 'xueji-rules[fast]'``).

Parsing a bundle line is a fixed cost per record; orjson parses the synthetic snapshot's
bundles about three times faster than the standard library (docs/performance.md). Both give the
same Python values for valid JSON; the standard library is the fallback, so the extra is never
needed for correct results. Duplicate keys: both keep the last value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["DECODE_ERRORS", "PARSER", "loads"]

loads: Callable[[bytes | str], Any]
try:
    import orjson

    loads = orjson.loads
    PARSER = "orjson"
    DECODE_ERRORS: tuple[type[Exception], ...] = (
        orjson.JSONDecodeError,
        json.JSONDecodeError,
        UnicodeDecodeError,
        RecursionError,
    )
except ImportError:  # pragma: no cover - exercised where orjson is absent
    loads = json.loads
    PARSER = "json"
    DECODE_ERRORS = (json.JSONDecodeError, UnicodeDecodeError, RecursionError)
