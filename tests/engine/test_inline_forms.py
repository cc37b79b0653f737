"""The engine's inline forms of domain functions give the functions' values (D-334)."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import pytest

from xueji_rules import Engine


class _Text(str):
    """A string subclass: the function returns it as it is."""


RECORDS: list[Any] = [
    {},
    {"school_system": "5-4"},
    {"school_system": "6-3"},
    {"school_system": None},
    {"school_system": 54},
    {"school_system": _Text("5-4")},
    OrderedDict(school_system="5-4"),
    MappingProxyType({"school_system": "5-4"}),
    MappingProxyType({}),
    [],
    "5-4",
    None,
]


@pytest.mark.parametrize("default", ["6-3", "5-4"])
def test_school_system_inline_is_the_function(default: str) -> None:
    engine = Engine("shanxi")
    time = engine.time
    if time.default_school_system != default:
        time = type(time)(time.workdays, time.school, time.conventions, default)
    registry = time.functions()
    [(impl, form)] = time.inline_forms(registry)
    assert impl.__func__ is type(time).school_system_of
    code, names = form(["rec"], "_it", "_call(rec)")
    assert set(names) == {"_it_v"} and names["_it_v"] == default
    namespace = {**names, "_call": impl, "_MISS": object()}
    exec(compile(f"def f(rec):\n    return {code}\n", "<form>", "exec"), namespace)
    for record in RECORDS:
        got, want = namespace["f"](record), impl(record)
        assert got == want and type(got) is type(want), record
