"""The audit's bundle converter: the engine's generated converter, minus what the engine converts.

A bundle's history holds records (``history.start``, each event's ``after``) and requests that
the engine converts anyway when it decides them; converting them twice cost about half of the
per-record time. So the audit's converter treats those three as plain objects (the engine checks
them when it decides the event; a malformed one becomes a ``history.event_error`` finding) and
converts everything the audit reads itself. A rejected bundle is still worded by jsonschema
against the full ``schemas/bundle.schema.json``, every problem at once.
"""

from __future__ import annotations

import copy
from typing import Any

from xueji_rules._schemas import load_schema
from xueji_rules.engine._inputs import InputModel, _compile_converter

__all__ = ["bundle_model"]

_OBJECT = {"type": "object"}


class _BundleModel(InputModel):
    """:class:`InputModel` for bundles with the engine's own inputs left unconverted."""

    def __init__(self) -> None:  # deliberately not calling super(): the converter differs
        self.kind = "bundle"
        self.schema_file = "bundle.schema.json"
        schema: dict[str, Any] = copy.deepcopy(load_schema(self.schema_file))
        schema["properties"]["history"]["properties"]["start"] = dict(_OBJECT)
        event = schema["$defs"]["event"]["properties"]
        event["request"] = dict(_OBJECT)
        event["after"] = dict(_OBJECT)
        self._convert = _compile_converter(schema, self.schema_file)


_MODEL: _BundleModel | None = None


def bundle_model() -> InputModel:
    """The shared audit bundle converter (built on first use)."""
    global _MODEL
    if _MODEL is None:
        _MODEL = _BundleModel()
    return _MODEL
