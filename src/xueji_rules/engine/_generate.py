"""The generator of input converters: one Python function per object or array schema.

Each schema is compiled once into straight-line Python that checks the keywords our schemas use
(any other keyword is refused when the converter is built) and turns ``format: date`` strings into
``datetime.date``, JSON numbers into ``float`` and integral JSON floats of integer fields
(``3.0``, as Java and Go clients may write them) into ``int``. Only the generator's own text and
identifiers reach the generated source; every schema value (enums, bounds, patterns, key names)
is passed in as a constant of the function's namespace, never spliced into code. A converter
raises one of :data:`REJECTED` on an input it refuses; :mod:`._inputs` then words the problems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from xueji_rules._schemas import load_schema

__all__ = ["REJECTED", "Converter", "Generator", "compile_converter"]

Converter = Callable[[Any], Any]

_KNOWN = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
    "additionalProperties", "enum", "minLength", "maxLength", "minimum", "maximum", "maxItems",
    "minItems", "items", "format", "pattern", "x-label", "x-label-part",
}  # fmt: skip
_INT64 = (-(2**63), 2**63 - 1)  # CEL's int: a larger integer input could only overflow later
_MAX_DEPTH = 64  # an input nested deeper than any schema allows is refused before it is worded
_INLINE_DEPTH = 8  # deeper objects and arrays get a function of their own
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class _Invalid(Exception):
    pass


#: what a raw converter (:attr:`InputModel.raw`) raises on an input it rejects; then
#: :meth:`InputModel.convert` words the problems
REJECTED: tuple[type[BaseException], ...] = (_Invalid, KeyError, RecursionError)

# date text -> date, for the dates inputs repeat (a day, a term's opening); bounded
_DATES: dict[str, dt.date] = {}
_DATES_MAX = 4096


def _parse_date(text: str) -> dt.date:
    """``yyyy-mm-dd`` as a date (remembered), or ``_Invalid``."""
    if _DATE_RE.match(text) is None:
        raise _Invalid
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _Invalid from None
    if len(_DATES) >= _DATES_MAX:
        _DATES.clear()
    _DATES[text] = day
    return day


def _resolve(
    ref: str, root: Mapping[str, Any], schema_name: str
) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    file, _, pointer = ref.partition("#")
    target_root = load_schema(file) if file and file != schema_name else root
    node: Any = target_root
    for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
        node = node[part]
    return node, target_root


class Generator:
    """Writes one converter function per object/array schema and inlines scalar checks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_Invalid": _Invalid,
            "_Mapping": Mapping,
            "_date": dt.date,
            "_datetime": dt.datetime,
            "_seen_date": _DATES.get,
            "_parse_date": _parse_date,
        }
        self.functions: dict[int, str] = {}
        self.active: set[int] = set()  # the object/array schemas being written inline

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
        self,
        schema: Mapping[str, Any],
        root: Mapping[str, Any],
        var: str,
        indent: str,
        depth: int = 1,
    ) -> tuple[list[str], str, bool]:
        """Lines that check ``var``, the expression of its converted value, and whether it changed.

        Objects and arrays are checked inline (names numbered by ``depth``, so a nested value's
        names never clash with its parent's), except when their schema is already being written
        further up (a recursive ``$ref``) or the nesting is deep: then they get a function.
        """
        schema, root = self.deref(schema, root)
        kind = schema.get("type")
        fail = f"{indent}    raise _Invalid"
        if kind in ("object", "array"):
            if id(schema) in self.active or depth > _INLINE_DEPTH:
                return [], f"{self.function_body(schema, root)}({var})", True
            self.active.add(id(schema))
            try:
                if kind == "object":
                    return self.object_lines(schema, root, var, indent, depth), f"o{depth}", True
                return self.array_lines(schema, root, var, indent, depth), f"l{depth}", True
            finally:
                self.active.discard(id(schema))
        out: list[str] = []
        if kind == "string":
            if schema.get("format") == "date":
                # a date already seen comes from the cache (a date is never false)
                out += [
                    f"{indent}if {var}.__class__ is str or isinstance({var}, str):",
                    f"{indent}    {var} = _seen_date({var}) or _parse_date({var})",
                    f"{indent}elif not isinstance({var}, _date) or isinstance({var}, _datetime):",
                    fail,
                ]
                return out, var, True
            # one test for the type, the length, the pattern and the enum (the type first, so
            # that the others only see strings); an exact str is the cheap common case
            tests = [f"{var}.__class__ is not str and not isinstance({var}, str)"]
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            if low > 0 and high is not None:
                tests.append(f"not {self.const(low)} <= len({var}) <= {self.const(high)}")
            elif low > 0:
                tests.append(f"len({var}) < {self.const(low)}")
            elif high is not None:
                tests.append(f"len({var}) > {self.const(high)}")
            if "pattern" in schema:
                pattern = self.const(re.compile(schema["pattern"]))
                tests.append(f"{pattern}.search({var}) is None")
            if "enum" in schema:
                tests.append(f"{var} not in {self.const(frozenset(schema['enum']))}")
            out += [f"{indent}if {' or '.join(f'({t})' for t in tests)}:", fail]
            return out, var, False
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
            out += [f"{indent}if {var}.__class__ is not bool:", fail]  # bool has no subclasses
        else:
            raise ValueError(f"input converter does not support type {kind!r}")
        if "enum" in schema:
            allowed = self.const(frozenset(schema["enum"]))
            out += [f"{indent}if {var}.__class__ is bool or {var} not in {allowed}:", fail]
        return out, var, kind in ("number", "integer")

    def function_body(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
        key = id(schema)
        if key in self.functions:
            return self.functions[key]
        fname = f"_f{len(self.functions)}"
        self.functions[key] = fname
        self.active.add(key)
        saved, self.active = self.active, {key}  # inside the function, nesting starts again
        try:
            body, value, _ = (
                (self.object_lines(schema, root, "v", "    ", 1), "o1", True)
                if schema["type"] == "object"
                else (self.array_lines(schema, root, "v", "    ", 1), "l1", True)
            )
        finally:
            self.active = saved
            self.active.discard(key)
        self.lines += [f"def {fname}(v):", *body, f"    return {value}", ""]
        return fname

    def object_lines(
        self, schema: Mapping[str, Any], root: Mapping[str, Any], var: str, indent: str, depth: int
    ) -> list[str]:
        """Check the object ``var`` into the new dict ``o{depth}``.

        A required property is read directly (its absence raises ``KeyError``, which the
        converter takes as invalid); an optional one is tested first. With
        ``additionalProperties: false`` the properties found are counted, and the object may
        hold no other key.
        """
        props: Mapping[str, Any] = schema.get("properties", {})
        required = frozenset(schema.get("required", ()))
        closed = schema.get("additionalProperties", True) is False
        out, count = f"o{depth}", f"n{depth}"
        lines = [
            f"{indent}if {var}.__class__ is not dict and not isinstance({var}, _Mapping):",
            f"{indent}    raise _Invalid",
            f"{indent}{out} = dict({var})",
        ]
        if required - set(props):  # a required key no property describes: present, any value
            lines += [
                f"{indent}if not {var}.keys() >= {self.const(required - set(props))}:",
                f"{indent}    raise _Invalid",
            ]
        if closed:
            lines.append(f"{indent}{count} = {len(required & set(props))}")
        for index, (key, sub) in enumerate(props.items()):
            item = f"x{depth}_{index}"
            name = self.const(key)
            if key in required:
                body, value, changed = self.convert(sub, root, item, indent, depth + 1)
                lines += [f"{indent}{item} = {var}[{name}]", *body]
                if changed:
                    lines += [f"{indent}{out}[{name}] = {value}"]
                continue
            body, value, changed = self.convert(sub, root, item, indent + "    ", depth + 1)
            if not body and not changed and not closed:  # any value will do
                continue
            # most optional fields are absent: a membership test is cheaper than get()
            lines += [f"{indent}if {name} in {var}:", f"{indent}    {item} = {var}[{name}]"]
            if closed:
                lines += [f"{indent}    {count} += 1"]
            lines += body
            if changed:
                lines += [f"{indent}    {out}[{name}] = {value}"]
        if closed:
            lines += [f"{indent}if len({var}) != {count}:", f"{indent}    raise _Invalid"]
        return lines

    def array_checks(self, schema: Mapping[str, Any], var: str, indent: str) -> list[str]:
        """The checks of the list ``var`` itself: its type and its length."""
        lines = [
            f"{indent}if not isinstance({var}, (list, tuple)):",
            f"{indent}    raise _Invalid",
        ]
        if schema.get("minItems", 0) > 0:
            lines += [
                f"{indent}if len({var}) < {self.const(schema['minItems'])}:",
                f"{indent}    raise _Invalid",
            ]
        if "maxItems" in schema:
            lines += [
                f"{indent}if len({var}) > {self.const(schema['maxItems'])}:",
                f"{indent}    raise _Invalid",
            ]
        return lines

    def array_lines(
        self, schema: Mapping[str, Any], root: Mapping[str, Any], var: str, indent: str, depth: int
    ) -> list[str]:
        """Check the list ``var`` into the new list ``l{depth}``."""
        out, item = f"l{depth}", f"y{depth}"
        lines = self.array_checks(schema, var, indent)
        body, value, _ = self.convert(
            schema.get("items", {}), root, item, indent + "    ", depth + 1
        )
        lines += [f"{indent}{out} = []", f"{indent}for {item} in {var}:", *body]
        lines += [f"{indent}    {out}.append({value})"]
        return lines


def compile_converter(schema: Mapping[str, Any], name: str) -> Converter:
    """The converter of ``schema`` (an object or array schema); ``name`` is its file."""
    gen = Generator(name)
    schema, root = gen.deref(schema, schema)
    if schema.get("type") not in ("object", "array"):
        raise ValueError(f"input converter: {name} must describe an object or an array")
    entry = gen.function_body(schema, root)
    source = "\n".join(gen.lines)
    code = compile(source, f"<input converter {name}>", "exec")
    exec(code, gen.namespace)  # generated from the checked schema; see the module docstring
    converter: Converter = gen.namespace[entry]
    return converter
