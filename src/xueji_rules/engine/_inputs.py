"""Records and requests: validated against their JSON Schemas and converted for expressions.

``jsonschema`` is the reference, but it costs tens of microseconds per record, which a bulk
decision run cannot afford. So each schema is compiled once into a converter closure that checks
the same keywords (the subset our schemas use; any other keyword is refused when the converter is
built) and turns ``format: date`` strings into ``datetime.date``. When the converter rejects an
input, jsonschema is run on it to word every problem; a test asserts both agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from xueji_rules._schemas import iter_problems, load_schema, validator_for
from xueji_rules.errors import InputError, Location, Problem

__all__ = ["InputModel", "input_model"]

Converter = Callable[[Any], Any]

_KNOWN = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
    "additionalProperties", "enum", "minLength", "maxLength", "minimum", "maximum", "maxItems",
    "minItems", "items", "format", "pattern",
}  # fmt: skip
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class _Invalid(Exception):
    pass


def _resolve(
    ref: str, root: Mapping[str, Any], schema_name: str
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    file, _, pointer = ref.partition("#")
    target_root = load_schema(file) if file and file != schema_name else root
    node: Any = target_root
    for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
        node = node[part]
    return node, target_root


def _build(schema: Mapping[str, Any], root: Mapping[str, Any], name: str) -> Converter:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"input converter does not support schema keywords {sorted(unknown)}")
    if "$ref" in schema:
        target, target_root = _resolve(schema["$ref"], root, name)
        return _build(target, target_root, name)
    kind = schema.get("type")
    checks: list[Callable[[Any], None]] = []
    if "enum" in schema:
        allowed = frozenset(schema["enum"])

        def check_enum(v: Any) -> None:
            if isinstance(v, bool) or v not in allowed:
                raise _Invalid

        checks.append(check_enum)
    if kind == "object":
        return _object(schema, root, name)
    if kind == "array":
        item = _build(schema.get("items", {}), root, name)
        lo, hi = schema.get("minItems", 0), schema.get("maxItems")

        def convert_array(v: Any) -> Any:
            if not isinstance(v, list | tuple) or len(v) < lo or (hi is not None and len(v) > hi):
                raise _Invalid
            return [item(x) for x in v]

        return convert_array
    if kind == "string":
        lo, hi = schema.get("minLength", 0), schema.get("maxLength")
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
        if schema.get("format") == "date":

            def convert_date(v: Any) -> Any:
                if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                    return v
                if not isinstance(v, str) or not _DATE_RE.match(v):
                    raise _Invalid
                try:
                    return dt.date.fromisoformat(v)
                except ValueError:
                    raise _Invalid from None

            return convert_date

        enum = frozenset(schema["enum"]) if "enum" in schema else None

        def convert_string(v: Any) -> Any:
            if not isinstance(v, str) or len(v) < lo or (hi is not None and len(v) > hi):
                raise _Invalid
            if enum is not None and v not in enum:
                raise _Invalid
            if pattern is not None and not pattern.search(v):
                raise _Invalid
            return v

        return convert_string
    if kind in ("integer", "number"):
        lo_n, hi_n = schema.get("minimum"), schema.get("maximum")
        types: tuple[type, ...] = (int,) if kind == "integer" else (int, float)
        as_double = kind == "number"  # a JSON number is a CEL double

        def convert_number(v: Any) -> Any:
            if isinstance(v, bool) or not isinstance(v, types):
                raise _Invalid
            if (lo_n is not None and v < lo_n) or (hi_n is not None and v > hi_n):
                raise _Invalid
            for check in checks:
                check(v)
            return float(cast(float, v)) if as_double else v

        return convert_number
    if kind == "boolean":

        def convert_bool(v: Any) -> Any:
            if not isinstance(v, bool):
                raise _Invalid
            return v

        return convert_bool
    raise ValueError(f"input converter does not support type {kind!r}")


def _object(schema: Mapping[str, Any], root: Mapping[str, Any], name: str) -> Converter:
    props = {k: _build(v, root, name) for k, v in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    closed = schema.get("additionalProperties", True) is False

    def convert_object(v: Any) -> Any:
        if type(v) is not dict and not isinstance(v, Mapping):
            raise _Invalid
        for key in required:
            if key not in v:
                raise _Invalid
        out = {}
        for key, value in v.items():
            conv = props.get(key)
            if conv is None:
                if closed:
                    raise _Invalid
                out[key] = value
            else:
                out[key] = conv(value)
        return out

    return convert_object


class InputModel:
    """Validate-and-convert for one kind of input (``record`` or ``request``)."""

    def __init__(self, kind: str, schema_file: str) -> None:
        self.kind = kind
        self.schema_file = schema_file
        schema = load_schema(schema_file)
        self._convert = _build(schema, schema, schema_file)

    def convert(self, value: Any, source: str | None = None) -> dict[str, Any]:
        """Return the converted input, or raise :class:`InputError` listing every problem."""
        try:
            result: dict[str, Any] = self._convert(value)
            return result
        except _Invalid:
            pass
        except RecursionError:
            raise InputError(f"{self.kind} is nested too deeply", Location(file=source)) from None
        raise self.error(value, source)

    def error(self, value: Any, source: str | None) -> InputError:
        """Word the problems of an input the converter rejected."""
        plain = _jsonable(value)
        problems = list(
            iter_problems(
                validator_for(self.schema_file),
                plain,
                lambda path: Location(file=source),
                root=self.kind,
            )
        )
        if not problems:
            problems = [
                Problem(f"{self.kind} does not match {self.schema_file}", Location(file=source))
            ]
        return InputError("; ".join(p.message for p in problems), problems[0].location, problems)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


_MODELS: dict[str, InputModel] = {}


def input_model(kind: str) -> InputModel:
    """The shared model for ``record`` or ``request``."""
    model = _MODELS.get(kind)
    if model is None:
        model = _MODELS[kind] = InputModel(kind, f"{kind}.schema.json")
    return model
