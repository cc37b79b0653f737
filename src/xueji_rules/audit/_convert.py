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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from xueji_rules._schemas import load_schema
from xueji_rules.engine._inputs import InputModel, input_model, input_schema
from xueji_rules.packs.model import InputField

__all__ = ["EngineInputs", "bundle_model", "engine_inputs", "typed_bundle_schema"]

_OBJECT = {"type": "object"}
Converter = Callable[[Any], Any]


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


def typed_bundle_schema(fields: Iterable[InputField] = ()) -> dict[str, Any]:
    """The bundle schema of the typed decoder (D-355): :func:`bundle_model`'s, except that a
    history's start record and its events' requests are the engine's own record and request
    schemas (with the pack's ``fields``), so that they arrive converted as the top engine's
    converters would convert them; the replay then decides them without converting again.

    A start or request the engine's schema refuses makes the typed decoder refuse the whole line,
    which then takes the general path, where the engine words the problem as a finding.
    """
    fields = tuple(fields)
    extra = tuple(sorted((f for f in fields if f.path.startswith("record.")), key=lambda f: f.path))
    schema = _bundle_schema(extra)
    engine = {kind: copy.deepcopy(input_schema(kind, fields)) for kind in ("record", "request")}
    for part in engine.values():
        for name, definition in part.pop("$defs", {}).items():
            if schema["$defs"].setdefault(name, definition) != definition:
                raise ValueError(f"bundle schema: two definitions named {name!r}")
        for key in ("$schema", "$id"):
            part.pop(key, None)
    schema["properties"]["history"]["properties"]["start"] = engine["record"]
    schema["$defs"]["event"]["properties"]["request"] = engine["request"]
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


@dataclass(frozen=True, slots=True)
class EngineInputs:
    """An engine's own input converters, and the one for a change to a converted record.

    ``record`` and ``request`` are the generated converters the engine itself runs in
    ``decide`` (``input_model(...).raw``), so their output may go to ``decide_converted``.
    ``change`` converts some of a record's fields (none required): a record schema is a set of
    independent properties, so converting the changed fields and merging them into a converted
    record gives what converting the merged record gives, and fails when that fails. Each
    raises one of ``REJECTED`` on an input it rejects.
    """

    record: Converter
    request: Converter
    change: Converter


_INPUTS: dict[str, EngineInputs] = {}


def engine_inputs(fields: Iterable[InputField] = ()) -> EngineInputs:
    """The converters of an engine whose pack declares input ``fields`` (built once per set)."""
    fields = tuple(fields)
    record = input_model("record", fields)
    key = json.dumps(
        sorted([f.path, f.json_schema()] for f in fields if f.path.startswith("record.")),
        sort_keys=True,
    )
    found = _INPUTS.get(key)
    if found is None or found.record is not record.raw:
        schema: dict[str, Any] = copy.deepcopy(dict(record.schema))
        schema["required"] = []
        # changes carry few keys, in few combinations: specialised per key set (D-310)
        change = InputModel("record change", "record.schema.json", schema, learn_after=8)
        found = _INPUTS[key] = EngineInputs(
            record.raw, input_model("request", fields).raw, change.raw
        )
    return found
