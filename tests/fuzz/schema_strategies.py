"""Hypothesis strategies from the project's JSON Schemas, and mutations of what they generate.

``hypothesis-jsonschema`` (0.23, the current release) does not run on the Hypothesis this
project pins (it calls a private API that was removed), so this module covers the keywords our
record and request schemas use: ``type``, ``properties``, ``required``,
``additionalProperties``, ``enum``, ``format: date``, ``minimum``/``maximum``,
``minLength``/``maxLength``, ``items``/``maxItems`` and ``$ref`` (local and to another schema
file). A test asserts that what it generates validates against the schema, so the strategy
cannot drift from it silently.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from xueji_rules._schemas import load_schema

__all__ = ["from_schema", "mutated"]

# Dates the engine must survive: the packs' years, term starts, the ends of the date range.
_DATES = st.one_of(
    st.dates(dt.date(2024, 1, 1), dt.date(2029, 12, 31)),
    st.sampled_from(
        [
            dt.date(1, 1, 1),
            dt.date(1900, 2, 28),
            dt.date(2026, 2, 10),
            dt.date(2026, 3, 2),
            dt.date(2026, 9, 1),
            dt.date(2031, 2, 9),
            dt.date(9998, 12, 31),
            dt.date(9999, 12, 31),
        ]
    ),
    st.dates(),
).map(dt.date.isoformat)

_TEXT = st.one_of(
    st.sampled_from(["", "a", "太原市", "小店区", "guardian", "enrolled", "primary", "6-3"]),
    st.text(max_size=12),
)


def _resolve(ref: str, root: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    file, _, pointer = ref.partition("#")
    if file:
        root = load_schema(file)
    node: Any = root
    for part in pointer.strip("/").split("/"):
        if part:
            node = node[part]
    return node, root


def _strategy(node: dict[str, Any], root: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        target, target_root = _resolve(node["$ref"], root)
        return _strategy(target, target_root, depth)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if isinstance(kind, list):
        return st.one_of(*(_strategy({**node, "type": k}, root, depth) for k in kind))
    if kind == "string":
        if node.get("format") == "date":
            return _DATES
        low, high = node.get("minLength", 0), node.get("maxLength", 12)
        return _TEXT.filter(lambda s: low <= len(s) <= high)
    if kind == "integer":
        return st.integers(node.get("minimum", -(2**40)), node.get("maximum", 2**40))
    if kind == "number":
        return st.floats(node.get("minimum", -1e9), node.get("maximum", 1e9), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = node.get("items", {})
        size = min(node.get("maxItems", 4), 4)
        return st.lists(_strategy(items, root, depth + 1), max_size=size)
    if kind == "object" or "properties" in node:
        return _object(node, root, depth)
    return st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _TEXT)


def _object(node: dict[str, Any], root: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    properties: dict[str, Any] = node.get("properties", {})
    required = [k for k in node.get("required", []) if k in properties]
    optional = [k for k in properties if k not in required]
    fields = {k: _strategy(v, root, depth + 1) for k, v in properties.items()}

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        chosen = (
            required + draw(st.lists(st.sampled_from(optional), unique=True))
            if optional
            else required
        )
        return {key: draw(fields[key]) for key in chosen}

    return build()


def from_schema(name: str) -> st.SearchStrategy[Any]:
    """Values valid under ``schemas/<name>`` (a subset of JSON Schema, see the docstring)."""
    root = load_schema(name)
    return _strategy(root, root, 0)


_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(),
    st.sampled_from([3.0, -1.0, 1e308, 0.5]),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    _DATES,
)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A value of ``base`` with a few random edits: a field replaced by junk, removed, added."""
    value: dict[str, Any] = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        target: Any = value
        while isinstance(target, dict) and target and draw(st.booleans()):
            child = target[draw(st.sampled_from(sorted(target)))]
            if not isinstance(child, dict) or not child:
                break
            target = child
        if not isinstance(target, dict):
            continue
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "add" or not target:
            target[draw(st.text(max_size=8))] = draw(_JUNK)
        elif action == "remove":
            del target[draw(st.sampled_from(sorted(target)))]
        else:
            target[draw(st.sampled_from(sorted(target)))] = draw(_JUNK)
    return value
