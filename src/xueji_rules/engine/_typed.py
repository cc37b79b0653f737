"""Decoding JSON text straight into converted values, with msgspec (the ``[fast]`` extra).

The generated converter (:mod:`._generate`) takes parsed JSON and checks and converts it in
Python. For a schema whose every keyword msgspec can state exactly, :func:`typed_decoder`
builds a msgspec type instead, so that one native call parses the text, checks it and turns
``format: date`` strings into dates; the result, as plain dicts and lists, equals what the
converter gives for the parsed text (``tests/engine/test_typed.py`` compares both on generated
and on malformed inputs).

What the decoder accepts, the converter accepts; the reverse does not hold, and need not: the
decoder refuses some valid inputs (an integral JSON float such as ``3.0`` in an integer field,
which the converter turns into ``3``). A caller takes any of the decoder's ``rejected`` errors
as "use the general path", which accepts the input or words its problems. Nothing here is ever
the only check of an input.

What the msgspec type states for each keyword of the converter's subset:

* a closed object (``additionalProperties: false``): a ``Struct`` that forbids unknown fields,
  whose optional fields default to ``UNSET`` (left out of the result, as an absent key is);
* an object of any keys and no properties: ``dict[str, Any]``;
* a string: its length bounds and pattern (``re.search``, as the converter's); an ``enum`` the
  values that also meet the string's other keywords, as a ``Literal``;
* an integer: its bounds, clamped to 64 bits as the converter clamps them; a boolean: ``bool``;
* an array: its item type and length bounds; ``format: date``: ``datetime.date`` (RFC 3339's
  ``yyyy-mm-dd``, which is the converter's pattern and calendar check).

A schema with anything else (an object with properties that allows other keys; a ``number``,
since masking reads the value the audit holds and a JSON ``3`` would show as ``3.0``; an
``enum`` on a number or boolean; a ``$ref`` to itself) gets no decoder: :func:`typed_decoder` returns
``None`` and callers keep the general path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from xueji_rules.engine._generate import _INT64, _KNOWN, _resolve

__all__ = ["TypedDecoder", "typed_decoder"]


@dataclass(frozen=True, slots=True)
class TypedDecoder:
    """``decode(text)``: the converted values of JSON ``text``, or one of ``rejected`` raised."""

    decode: Callable[[bytes | str], dict[str, Any]]
    rejected: tuple[type[BaseException], ...]


class _Inexpressible(Exception):
    """The schema uses something the msgspec type could not state exactly."""


def _msgspec() -> Any:
    """msgspec, or None when the ``[fast]`` extra is not installed."""
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec


class _TypeWriter:
    """Turns the converter's schema subset into msgspec types, one Struct per closed object."""

    def __init__(self, msgspec: Any, name: str) -> None:
        self.msgspec = msgspec
        self.name = name
        self.structs: dict[int, Any] = {}
        self.active: set[int] = set()

    def deref(
        self, schema: Mapping[str, Any], root: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        for _ in range(21):
            if set(schema) - _KNOWN:
                raise _Inexpressible(f"keywords {sorted(set(schema) - _KNOWN)}")
            if "$ref" not in schema:
                return schema, root
            schema, root = _resolve(schema["$ref"], root, self.name)
        raise _Inexpressible("$ref chain too long")

    def type_of(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
        schema, root = self.deref(schema, root)
        kind = schema.get("type")
        if kind == "object":
            return self.object_type(schema, root)
        if kind == "array":
            items = schema.get("items")
            item: Any = self.type_of(items, root) if items else Any
            listed = list.__class_getitem__(item)  # list[item], built at run time
            return self.bounded(listed, schema.get("minItems", 0), schema.get("maxItems"))
        if kind == "string":
            return self.string_type(schema)
        if kind == "integer" and "enum" not in schema:
            low = max(schema.get("minimum", _INT64[0]), _INT64[0])
            high = min(schema.get("maximum", _INT64[1]), _INT64[1])
            if not (isinstance(low, int) and isinstance(high, int)):
                raise _Inexpressible("integer bounds that are not integers")
            return Annotated[int, self.msgspec.Meta(ge=low, le=high)]
        if kind == "boolean" and "enum" not in schema:
            return bool
        raise _Inexpressible(f"type {kind!r}" + (" with enum" if "enum" in schema else ""))

    def bounded(self, base: Any, low: int, high: int | None) -> Any:
        meta = {"min_length": low} if low > 0 else {}
        if high is not None:
            meta["max_length"] = high
        return Annotated[base, self.msgspec.Meta(**meta)] if meta else base

    def string_type(self, schema: Mapping[str, Any]) -> Any:
        if schema.get("format") == "date":
            return dt.date
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        pattern = schema.get("pattern")
        if "enum" in schema:
            # the values the converter's other tests of the string also let through
            found = re.compile(pattern).search if pattern is not None else None
            allowed = tuple(
                v
                for v in schema["enum"]
                if isinstance(v, str)
                and low <= len(v)
                and (high is None or len(v) <= high)
                and (found is None or found(v) is not None)
            )
            if not allowed:
                raise _Inexpressible("an enum no string meets")
            return Literal[allowed]
        base: Any = str
        if pattern is not None:
            base = Annotated[str, self.msgspec.Meta(pattern=pattern)]
        return self.bounded(base, low, high)

    def object_type(self, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
        props: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        closed = schema.get("additionalProperties", True) is False
        if not closed:
            if props or required:
                raise _Inexpressible("an object with properties that allows other keys")
            return dict[str, Any]
        if required - set(props):
            raise _Inexpressible("a required key no property describes")
        key = id(schema)
        if key in self.structs:
            return self.structs[key]
        if key in self.active:
            raise _Inexpressible("a schema that contains itself")
        self.active.add(key)
        msgspec = self.msgspec
        fields: list[Any] = []
        rename: dict[str, str] = {}
        for index, (prop, sub) in enumerate(props.items()):
            attr = f"f{index}"  # any key works as a field's JSON name; attributes stay plain
            rename[attr] = prop
            kind = self.type_of(sub, root)
            if prop in required:
                fields.append((attr, kind))
            else:
                fields.append((attr, Union[kind, msgspec.UnsetType], msgspec.UNSET))  # noqa: UP007
        self.active.discard(key)
        struct = msgspec.defstruct(
            f"Object{len(self.structs)}",
            fields,
            kw_only=True,
            forbid_unknown_fields=True,
            gc=False,  # short-lived and acyclic: turned into dicts at once
            rename=rename,
        )
        self.structs[key] = struct
        return struct


def typed_decoder(schema: Mapping[str, Any], name: str) -> TypedDecoder | None:
    """A decoder of JSON text into ``schema``'s converted values, or ``None``.

    ``None`` when msgspec is not installed or ``schema`` uses something its type could not
    state exactly (module docstring). The decoder raises one of its ``rejected`` on text it
    does not take; the caller then parses and converts the text the general way.
    """
    msgspec = _msgspec()
    if msgspec is None:
        return None
    writer = _TypeWriter(msgspec, name)
    try:
        top, root = writer.deref(schema, schema)
        if top.get("type") != "object":
            return None
        kind = writer.type_of(top, root)
    except _Inexpressible:
        return None
    decode = msgspec.json.Decoder(kind).decode
    plain = msgspec.to_builtins
    keep = (dt.date,)

    def decode_typed(text: bytes | str) -> dict[str, Any]:
        result: dict[str, Any] = plain(decode(text), builtin_types=keep)
        return result

    return TypedDecoder(
        decode_typed, (msgspec.ValidationError, msgspec.DecodeError, RecursionError)
    )
