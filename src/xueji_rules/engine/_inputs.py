"""Records and requests: validated against their JSON Schemas and converted for expressions.

``jsonschema`` is the reference, but it costs tens of microseconds per record, which a bulk
decision run cannot afford. So each schema is compiled once into straight-line Python, one
function per object or array schema, that checks the same keywords (the subset our schemas use;
any other keyword is refused when the converter is built) and turns ``format: date`` strings into
``datetime.date``, JSON numbers into ``float`` and integral JSON floats of integer fields
(``3.0``, as Java and Go clients may write them) into ``int``. Only the generator's own text and identifiers
reach the generated source; every schema value (enums, bounds, patterns, key names) is passed in
as a constant of the function's namespace, never spliced into code. When the converter rejects an
input, jsonschema is run on it to word every problem; a test asserts both agree.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from xueji_rules._schemas import iter_problems, load_schema, validator_for, validator_for_contents
from xueji_rules.errors import InputError, Location, Problem

if TYPE_CHECKING:
    from xueji_rules.packs.model import InputField

__all__ = ["InputModel", "input_model", "input_schema"]

Converter = Callable[[Any], Any]

_KNOWN = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
    "additionalProperties", "enum", "minLength", "maxLength", "minimum", "maximum", "maxItems",
    "minItems", "items", "format", "pattern", "x-label", "x-label-part",
}  # fmt: skip
_INT64 = (-(2**63), 2**63 - 1)  # CEL's int: a larger integer input could only overflow later
_MAX_DEPTH = 64  # an input nested deeper than any schema allows is refused before it is worded
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


class _Generator:
    """Writes one converter function per object/array schema and inlines scalar checks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_Invalid": _Invalid,
            "_Mapping": Mapping,
            "_date": dt.date,
            "_datetime": dt.datetime,
            "_fromiso": dt.date.fromisoformat,
            "_DATE_RE": _DATE_RE,
        }
        self.functions: dict[int, str] = {}

    def const(self, value: Any) -> str:
        """A namespace name holding ``value`` (schema data never becomes code text)."""
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def deref(
        self, schema: Mapping[str, Any], root: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        seen = 0
        while "$ref" in schema:
            self.check_keywords(schema)
            schema, root = _resolve(schema["$ref"], root, self.name)
            seen += 1
            if seen > 20:
                raise ValueError("input converter: $ref chain too long")
        self.check_keywords(schema)
        return schema, root

    @staticmethod
    def check_keywords(schema: Mapping[str, Any]) -> None:
        unknown = set(schema) - _KNOWN
        if unknown:
            raise ValueError(f"input converter does not support schema keywords {sorted(unknown)}")

    def convert(
        self, schema: Mapping[str, Any], root: Mapping[str, Any], var: str, indent: str
    ) -> tuple[list[str], str, bool]:
        """Lines that check ``var``, the expression of its converted value, and whether it changed."""
        schema, root = self.deref(schema, root)
        kind = schema.get("type")
        fail = f"{indent}    raise _Invalid"
        if kind in ("object", "array"):
            return [], f"{self.function_body(schema, root)}({var})", True
        out: list[str] = []
        if kind == "string":
            if schema.get("format") == "date":
                out += [
                    f"{indent}if isinstance({var}, str):",
                    f"{indent}    if _DATE_RE.match({var}) is None:",
                    f"{indent}        raise _Invalid",
                    f"{indent}    try:",
                    f"{indent}        {var} = _fromiso({var})",
                    f"{indent}    except ValueError:",
                    f"{indent}        raise _Invalid from None",
                    f"{indent}elif not isinstance({var}, _date) or isinstance({var}, _datetime):",
                    fail,
                ]
                return out, var, True
            out += [f"{indent}if not isinstance({var}, str):", fail]
            if schema.get("minLength", 0) > 0:
                out += [f"{indent}if len({var}) < {self.const(schema['minLength'])}:", fail]
            if "maxLength" in schema:
                out += [f"{indent}if len({var}) > {self.const(schema['maxLength'])}:", fail]
            if "pattern" in schema:
                pattern = self.const(re.compile(schema["pattern"]))
                out += [f"{indent}if {pattern}.search({var}) is None:", fail]
        elif kind == "integer":
            # an integral JSON float (3.0) is the integer JSON Schema says it is
            out += [
                f"{indent}if {var}.__class__ is not int:",
                f"{indent}    if {var}.__class__ is float and {var}.is_integer():",
                f"{indent}        {var} = int({var})",
                f"{indent}    elif {var}.__class__ is bool or not isinstance({var}, int):",
                f"{indent}        raise _Invalid",
            ]
            low = max(schema.get("minimum", _INT64[0]), _INT64[0])
            high = min(schema.get("maximum", _INT64[1]), _INT64[1])
            out += [f"{indent}if {var} < {self.const(low)} or {var} > {self.const(high)}:", fail]
        elif kind == "number":
            types = self.const((int, float))
            out += [f"{indent}if {var}.__class__ is bool or not isinstance({var}, {types}):", fail]
            if "minimum" in schema:
                out += [f"{indent}if {var} < {self.const(schema['minimum'])}:", fail]
            if "maximum" in schema:
                out += [f"{indent}if {var} > {self.const(schema['maximum'])}:", fail]
            out += [f"{indent}{var} = float({var})"]  # a JSON number is a CEL double
        elif kind == "boolean":
            out += [f"{indent}if not isinstance({var}, bool):", fail]
        else:
            raise ValueError(f"input converter does not support type {kind!r}")
        if "enum" in schema:
            allowed = self.const(frozenset(schema["enum"]))
            bool_guard = "" if kind == "string" else f"{var}.__class__ is bool or "
            out += [f"{indent}if {bool_guard}{var} not in {allowed}:", fail]
        return out, var, kind in ("number", "integer")

    def function_body(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
        key = id(schema)
        if key in self.functions:
            return self.functions[key]
        fname = f"_f{len(self.functions)}"
        self.functions[key] = fname
        if schema["type"] == "object":
            lines = self.object_lines(schema, root)
        else:
            lines = self.array_lines(schema, root)
        self.lines += [f"def {fname}(v):", *lines, ""]
        return fname

    def object_lines(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
        props: Mapping[str, Any] = schema.get("properties", {})
        required = frozenset(schema.get("required", ()))
        lines = [
            "    if v.__class__ is not dict and not isinstance(v, _Mapping):",
            "        raise _Invalid",
        ]
        if required:
            lines += [f"    if not v.keys() >= {self.const(required)}:", "        raise _Invalid"]
        if schema.get("additionalProperties", True) is False:
            lines += [
                f"    if not {self.const(frozenset(props))}.issuperset(v):",
                "        raise _Invalid",
            ]
        lines += ["    out = dict(v)"]
        missing = self.const(object())
        for index, (key, sub) in enumerate(props.items()):
            var = f"x{index}"
            name = self.const(key)
            body, value, changed = self.convert(sub, root, var, indent="        ")
            lines += [f"    {var} = v.get({name}, {missing})", f"    if {var} is not {missing}:"]
            lines += body
            if changed:
                lines += [f"        out[{name}] = {value}"]
            elif not body:
                lines += ["        pass"]
        lines += ["    return out"]
        return lines

    def array_lines(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[str]:
        lines = [
            "    if not isinstance(v, (list, tuple)):",
            "        raise _Invalid",
        ]
        if schema.get("minItems", 0) > 0:
            lines += [
                f"    if len(v) < {self.const(schema['minItems'])}:",
                "        raise _Invalid",
            ]
        if "maxItems" in schema:
            lines += [
                f"    if len(v) > {self.const(schema['maxItems'])}:",
                "        raise _Invalid",
            ]
        body, value, _ = self.convert(schema.get("items", {}), root, "x", indent="        ")
        lines += ["    out = []", "    for x in v:", *body, f"        out.append({value})"]
        lines += ["    return out"]
        return lines


def _compile_converter(schema: Mapping[str, Any], name: str) -> Converter:
    gen = _Generator(name)
    schema, root = gen.deref(schema, schema)
    if schema.get("type") not in ("object", "array"):
        raise ValueError(f"input converter: {name} must describe an object or an array")
    entry = gen.function_body(schema, root)
    source = "\n".join(gen.lines)
    code = compile(source, f"<input converter {name}>", "exec")
    exec(code, gen.namespace)  # generated from the checked schema; see the module docstring
    converter: Converter = gen.namespace[entry]
    return converter


class InputModel:
    """Validate-and-convert for one kind of input (``record`` or ``request``)."""

    def __init__(
        self, kind: str, schema_file: str, schema: Mapping[str, Any] | None = None
    ) -> None:
        self.kind = kind
        self.schema_file = schema_file
        self.schema = schema if schema is not None else load_schema(schema_file)
        self._convert = _compile_converter(self.schema, schema_file)

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
        try:
            plain = _jsonable(value, 0, set())
        except _TooDeep:
            return InputError(
                f"{self.kind} is nested more than {_MAX_DEPTH} levels deep or contains itself",
                Location(file=source),
            )
        # a pack's own fields make a schema of their own; otherwise the bundled file's validator
        schema = getattr(self, "schema", None)
        validator = (
            validator_for(self.schema_file)
            if schema is None or schema is load_schema(self.schema_file)
            else validator_for_contents(schema)
        )
        problems = list(
            iter_problems(
                validator,
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


class _TooDeep(Exception):
    pass


def _jsonable(value: Any, depth: int, active: set[int]) -> Any:
    """``value`` as plain JSON data for jsonschema; bounded, so a hostile input cannot recurse."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        if depth >= _MAX_DEPTH or id(value) in active:
            raise _TooDeep
        active.add(id(value))
        try:
            if isinstance(value, Mapping):
                return {str(k): _jsonable(v, depth + 1, active) for k, v in value.items()}
            return [_jsonable(v, depth + 1, active) for v in value]
        finally:
            active.discard(id(value))
    return value


def input_schema(kind: str, fields: Iterable[InputField] = ()) -> dict[str, Any]:
    """The JSON Schema of ``record`` or ``request``: the bundled one plus a pack's own fields."""
    base = load_schema(f"{kind}.schema.json")
    extra = [f for f in fields if f.kind == kind]
    if not extra:
        return base
    schema = copy.deepcopy(base)
    for item in extra:
        schema["properties"][item.name] = item.json_schema()
    return schema


_MODELS: dict[tuple[str, str], InputModel] = {}


def input_model(kind: str, fields: Iterable[InputField] = ()) -> InputModel:
    """The shared model for ``record`` or ``request`` (with a pack's own ``fields`` added)."""
    extra = sorted((f for f in fields if f.kind == kind), key=lambda f: f.path)
    key = (kind, json.dumps([f.json_schema() | {"name": f.name} for f in extra], sort_keys=True))
    model = _MODELS.get(key)
    if model is None:
        schema = input_schema(kind, extra) if extra else None
        model = InputModel(kind, f"{kind}.schema.json", schema)
        if len(_MODELS) >= 64:
            _MODELS.clear()
        _MODELS[key] = model
    return model
