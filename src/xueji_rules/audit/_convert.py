"""The audit's bundle converter: the engine's generated converter, minus what the engine converts.

A bundle's history holds records (``history.start``, each event's ``after``) and requests that
the engine converts anyway when it decides them; converting them twice cost about half of the
per-record time. So the audit's converter treats those three as plain objects (the engine checks
them when it decides the event; a malformed one becomes a ``history.event_error`` finding) and
converts everything the audit reads itself — except the collection form's ``record.person`` and
``record.family``, which only the records package's checks read, defensively (a value of the
wrong shape identifies nobody); ``--checks form`` checks them field by field (D-289). A pack's
own record fields (``inputs.yaml``, SD5) are part of the bundle's ``record``, as the engine's
converter has them. A rejected bundle is still
worded by jsonschema, every problem at once.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from xueji_rules._schemas import load_schema
from xueji_rules.engine._inputs import InputModel, input_schema
from xueji_rules.packs.model import InputField

__all__ = ["bundle_model"]

_OBJECT = {"type": "object"}


def _bundle_schema(fields: tuple[InputField, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(load_schema("bundle.schema.json"))
    schema["properties"]["history"]["properties"]["start"] = dict(_OBJECT)
    event = schema["$defs"]["event"]["properties"]
    event["request"] = dict(_OBJECT)
    event["after"] = dict(_OBJECT)
    # the record with the pack's own fields, its definitions moved beside the bundle's
    record = copy.deepcopy(input_schema("record", fields))
    for name, definition in record.pop("$defs", {}).items():
        schema["$defs"].setdefault(name, definition)
    for key in ("$schema", "$id"):
        record.pop(key, None)
    # the collection form's fields are read by the records package's checks, which take any
    # shape without failing; field by field they are checked with --checks form (D-289)
    record["properties"]["person"] = dict(_OBJECT)
    record["properties"]["family"] = {"type": "array", "maxItems": 10, "items": dict(_OBJECT)}
    schema["properties"]["record"] = record
    return schema


_MODELS: dict[str, InputModel] = {}


def bundle_model(fields: Iterable[InputField] = ()) -> InputModel:
    """The audit bundle converter for a pack's input ``fields`` (built once per set of fields)."""
    extra = tuple(sorted((f for f in fields if f.path.startswith("record.")), key=lambda f: f.path))
    key = json.dumps([[f.path, f.json_schema()] for f in extra], sort_keys=True)
    model = _MODELS.get(key)
    if model is None:
        model = _MODELS[key] = InputModel("bundle", "bundle.schema.json", _bundle_schema(extra))
    return model
