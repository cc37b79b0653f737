"""Types of the expression language: primitives, lists, maps, JSON objects with known fields.

Types are immutable and hashable, and ``str()`` gives the name a person reads in an error message
(``int``, ``list(int)``, ``map(string, dyn)``, or an object's name such as ``record``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "BOOL",
    "BYTES",
    "DATE",
    "DOUBLE",
    "DYN",
    "INT",
    "NULL",
    "STRING",
    "ListType",
    "MapType",
    "ObjectType",
    "PrimitiveType",
    "Type",
    "from_json_schema",
    "sizes_from_json_schema",
]


class Type:
    """Base class of every expression type."""

    __slots__ = ()

    def children(self) -> Iterator[Type]:
        """The type arguments (element, key, value types); none for primitives."""
        return iter(())


class PrimitiveType(Type):
    """A type without type arguments: ``int``, ``double``, ``string``, ``dyn``, ``date``, ..."""

    __slots__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrimitiveType) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("primitive", self.name))

    def __repr__(self) -> str:
        return self.name.upper() if self.name != "null_type" else "NULL"

    def __str__(self) -> str:
        return self.name


INT = PrimitiveType("int")
DOUBLE = PrimitiveType("double")
STRING = PrimitiveType("string")
BYTES = PrimitiveType("bytes")
BOOL = PrimitiveType("bool")
NULL = PrimitiveType("null_type")
DYN = PrimitiveType("dyn")
DATE = PrimitiveType("date")
"""Project extension: a calendar date; its runtime values are ``datetime.date``."""


class ListType(Type):
    """``list(elem)``: a list whose elements all have type ``elem``."""

    __slots__ = ("elem",)
    elem: Type

    def __init__(self, elem: Type) -> None:
        object.__setattr__(self, "elem", elem)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ListType) and other.elem == self.elem

    def __hash__(self) -> int:
        return hash(("list", self.elem))

    def __repr__(self) -> str:
        return f"ListType({self.elem!r})"

    def __str__(self) -> str:
        return f"list({self.elem})"

    def children(self) -> Iterator[Type]:
        yield self.elem


class MapType(Type):
    """``map(key, value)``: keys of type ``key`` (int, string, bool or dyn) to values."""

    __slots__ = ("key", "value")
    key: Type
    value: Type

    def __init__(self, key: Type, value: Type) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "value", value)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("types are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MapType) and (other.key, other.value) == (self.key, self.value)

    def __hash__(self) -> int:
        return hash(("map", self.key, self.value))

    def __repr__(self) -> str:
        return f"MapType({self.key!r}, {self.value!r})"

    def __str__(self) -> str:
        return f"map({self.key}, {self.value})"

    def children(self) -> Iterator[Type]:
        yield self.key
        yield self.value


class ObjectType(Type):
    """A JSON object with known fields; at run time a ``dict`` keyed by field name.

    ``required`` names the fields every value has; any other field may be absent, and reading an
    absent field is an evaluation error unless guarded by ``has()``.
    """

    __slots__ = ("_items", "name", "required")
    name: str
    required: frozenset[str]
    _items: tuple[tuple[str, Type], ...]

    def __init__(
        self, name: str, fields: Mapping[str, Type], required: frozenset[str] = frozenset()
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_items", tuple(fields.items()))
        object.__setattr__(self, "required", frozenset(required))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("types are immutable")

    @property
    def fields(self) -> Mapping[str, Type]:
        """Field name to field type, in declaration order (read-only)."""
        return MappingProxyType(dict(self._items))

    def field(self, name: str) -> Type | None:
        """The type of field ``name``, or ``None`` when the object has no such field."""
        for key, value in self._items:
            if key == name:
                return value
        return None

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ObjectType)
            and other.name == self.name
            and dict(other._items) == dict(self._items)
            and other.required == self.required
        )

    def __hash__(self) -> int:
        return hash(("object", self.name, frozenset(self._items), self.required))

    def __repr__(self) -> str:
        return f"ObjectType({self.name!r}, {dict(self._items)!r}, required={set(self.required)!r})"

    def __str__(self) -> str:
        return self.name

    def children(self) -> Iterator[Type]:
        for _, value in self._items:
            yield value


_MAX_SCHEMA_DEPTH = 32


def from_json_schema(schema: Mapping[str, Any], name: str) -> Type:
    """The expression type of values valid under the JSON Schema ``schema``.

    ``object`` with ``properties`` becomes an :class:`ObjectType` named ``name`` (nested objects
    are named ``name.property``), ``array`` a :class:`ListType` of its ``items``, ``string`` with
    ``format: date`` :data:`DATE`, other strings and string enums :data:`STRING`, ``integer``
    :data:`INT`, ``number`` :data:`DOUBLE`, ``boolean`` :data:`BOOL`, ``null`` :data:`NULL`; a
    ``["x", "null"]`` union is the type of ``x`` (a nullable value); an object without
    properties is ``map(string, dyn)``; anything else is :data:`DYN`. ``$ref`` must already be
    inlined.
    """
    return _from_schema(schema, name, 0)


def _from_schema(schema: Any, name: str, depth: int) -> Type:
    if not isinstance(schema, Mapping) or depth > _MAX_SCHEMA_DEPTH:
        return DYN
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) == 1:
            kind = kinds[0]
        elif not kinds:
            return NULL
        else:
            return DYN
    if kind is None and "enum" in schema:
        values = schema["enum"]
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            return STRING
        return DYN
    if kind == "object":
        props = schema.get("properties")
        if not isinstance(props, Mapping) or not props:
            return MapType(STRING, DYN)
        fields = {
            str(key): _from_schema(sub, f"{name}.{key}", depth + 1) for key, sub in props.items()
        }
        required = schema.get("required", [])
        req = frozenset(str(r) for r in required) if isinstance(required, list) else frozenset()
        return ObjectType(name, fields, required=req & frozenset(fields))
    if kind == "array":
        return ListType(_from_schema(schema.get("items", {}), f"{name}[]", depth + 1))
    if kind == "string":
        return DATE if schema.get("format") == "date" else STRING
    return {"integer": INT, "number": DOUBLE, "boolean": BOOL, "null": NULL}.get(
        kind if isinstance(kind, str) else "", DYN
    )


def sizes_from_json_schema(schema: Mapping[str, Any], name: str) -> dict[str, int]:
    """The declared largest sizes under ``schema``, by path, for the cost estimate: ``maxItems``
    of arrays, ``maxLength`` of strings, ``maxProperties`` of objects. Paths are written as
    :attr:`xueji_rules.expr.Program.reads` writes them (``request.documents``,
    ``request.documents[]``); ``$ref`` must already be inlined."""
    out: dict[str, int] = {}
    _sizes(schema, name, 0, out)
    return out


def _sizes(schema: Any, path: str, depth: int, out: dict[str, int]) -> None:
    if not isinstance(schema, Mapping) or depth > _MAX_SCHEMA_DEPTH:
        return
    for keyword in ("maxItems", "maxLength", "maxProperties"):
        value = schema.get(keyword)
        if isinstance(value, int) and not isinstance(value, bool):
            out[path] = max(value, out.get(path, 0)) if path in out else value
    values = schema.get("enum")
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        out.setdefault(path, max(len(v) for v in values))
    if schema.get("format") == "date":
        out.setdefault(path, 10)
    props = schema.get("properties")
    if isinstance(props, Mapping):
        for key, sub in props.items():
            _sizes(sub, f"{path}.{key}", depth + 1, out)
        out.setdefault(path, len(props))
    items = schema.get("items")
    if items is not None:
        _sizes(items, f"{path}[]", depth + 1, out)
