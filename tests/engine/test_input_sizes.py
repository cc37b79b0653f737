"""The cost estimate rests on declared sizes: every array of the record and request schemas has a
``maxItems`` and every free string a ``maxLength``, and the input converter enforces them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from xueji_rules._schemas import load_schema
from xueji_rules.engine._compile import input_sizes
from xueji_rules.engine._inputs import input_model
from xueji_rules.errors import InputError


def _nodes(node: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        yield path, node
        for key, sub in (node.get("properties") or {}).items():
            yield from _nodes(sub, f"{path}.{key}")
        if "items" in node:
            yield from _nodes(node["items"], f"{path}[]")
        for name, sub in (node.get("$defs") or {}).items():
            yield from _nodes(sub, f"{path}#{name}")


@pytest.mark.parametrize("kind", ["record", "request"])
def test_every_array_and_free_string_has_a_declared_bound(kind: str) -> None:
    for path, node in _nodes(load_schema(f"{kind}.schema.json"), kind):
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "array" in kinds:
            assert isinstance(node.get("maxItems"), int), f"{path}: array without maxItems"
        free = "enum" not in node and node.get("format") != "date" and "const" not in node
        if "string" in kinds and free:
            assert isinstance(node.get("maxLength"), int), f"{path}: string without maxLength"


def test_the_declared_sizes_reach_the_cost_estimate() -> None:
    sizes = input_sizes("request")
    assert sizes["request.documents"] == 100 and sizes["request.documents[]"] == 64
    assert input_sizes("record")["record.suspensions"] == 100


def test_the_converter_refuses_a_list_longer_than_declared() -> None:
    model = input_model("request")
    base = {"transition": "transfer", "date": "2026-03-10"}
    model.convert({**base, "documents": ["id_card"] * 100})
    with pytest.raises(InputError, match=r"request\.documents"):
        model.convert({**base, "documents": ["id_card"] * 101})
    with pytest.raises(InputError, match=r"request\.documents"):
        model.convert({**base, "documents": ["x" * 65]})
