"""Dotted paths into a record: ``person.name``, ``family[0].phone``, ``family[].phone``.

A path names a value of a JSON-like record. ``[n]`` is one element of an array, ``[]`` every
element (only for reading every value and for patterns). Paths are parsed once and cached.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

__all__ = [
    "MISSING",
    "Segment",
    "get",
    "iter_values",
    "matches",
    "parse",
    "render",
    "values_and_misfits",
]

# one path segment: a key, and for an array either an index, or None for "every element"
Segment = tuple[str, int | None, bool]  # (key, index, is_array)

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([0-9]*)\])?$")


class _Missing:
    """The marker for a value that is not in the record (distinct from ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@lru_cache(maxsize=1024)
def parse(path: str) -> tuple[Segment, ...]:
    """Split ``path`` into segments; ``ValueError`` for a malformed path."""
    segments: list[Segment] = []
    for part in path.split("."):
        m = _SEGMENT.match(part)
        if m is None:
            raise ValueError(f"malformed record path {path!r}")
        key, index = m.group(1), m.group(2)
        if index is None:
            segments.append((key, None, False))
        else:
            segments.append((key, int(index) if index else None, True))
    return tuple(segments)


def render(segments: tuple[Segment, ...]) -> str:
    """The text of a parsed path (``[]`` for an every-element segment)."""
    parts = []
    for key, index, is_array in segments:
        if not is_array:
            parts.append(key)
        else:
            parts.append(f"{key}[{'' if index is None else index}]")
    return ".".join(parts)


def get(record: Any, path: str) -> Any:
    """The value at a concrete ``path`` (no ``[]``), or :data:`MISSING`."""
    node = record
    for key, index, is_array in parse(path):
        if (node.__class__ is not dict and not isinstance(node, Mapping)) or key not in node:
            return MISSING
        node = node[key]
        if is_array:
            if not isinstance(node, list) or index is None or index >= len(node):
                return MISSING
            node = node[index]
    return node


def iter_values(record: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every (concrete path, value) that ``path`` names in ``record`` (``[]`` fans out)."""
    yield from _walk(record, parse(path), "")


def _walk(node: Any, segments: tuple[Segment, ...], prefix: str) -> Iterator[tuple[str, Any]]:
    if not segments:
        yield prefix, node
        return
    (key, index, is_array), rest = segments[0], segments[1:]
    if (node.__class__ is not dict and not isinstance(node, Mapping)) or key not in node:
        return
    here = f"{prefix}.{key}" if prefix else key
    value = node[key]
    if not is_array:
        yield from _walk(value, rest, here)
        return
    if not isinstance(value, list):
        return
    indices = range(len(value)) if index is None else [index] if index < len(value) else []
    for i in indices:
        yield from _walk(value[i], rest, f"{here}[{i}]")


def values_and_misfits(record: Any, path: str) -> tuple[list[Any], list[Any]]:
    """The values ``path`` names in ``record`` (those of :func:`iter_values`, without their
    concrete paths), and the misfits: values where the path cannot be followed because of their
    shape (a scalar where a mapping is expected, a mapping where a list is), so that masking can
    treat them whole."""
    values: list[Any] = []
    misfits: list[Any] = []
    _collect(record, parse(path), values, misfits)
    return values, misfits


def _collect(
    node: Any, segments: tuple[Segment, ...], values: list[Any], misfits: list[Any]
) -> None:
    if not segments:
        values.append(node)
        return
    if node.__class__ is not dict and not isinstance(node, Mapping):
        misfits.append(node)
        return
    (key, index, is_array), rest = segments[0], segments[1:]
    if key not in node:
        return
    value = node[key]
    if not is_array:
        _collect(value, rest, values, misfits)
        return
    if not isinstance(value, list):
        misfits.append(value)
        return
    indices = range(len(value)) if index is None else [index] if index < len(value) else []
    for i in indices:
        _collect(value[i], rest, values, misfits)


def matches(pattern: str, concrete: str) -> bool:
    """Whether ``concrete`` (``family[1].name``) is named by ``pattern`` (``family[].name``)."""
    p, c = parse(pattern), parse(concrete)
    if len(p) != len(c):
        return False
    for (pk, pi, pa), (ck, ci, ca) in zip(p, c, strict=True):
        if pk != ck or pa != ca or (pa and pi is not None and pi != ci):
            return False
    return True
