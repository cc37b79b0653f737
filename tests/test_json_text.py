"""``xueji_rules._json.dumps``: orjson and the standard library write the same compact text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xueji_rules import _json

# what decisions and problem objects hold: text (any code point, lone surrogates included),
# integers of any size, booleans, null, lists and objects with text keys
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _standard(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(_values)
def test_dumps_writes_what_the_standard_library_writes(value: Any) -> None:
    assert _json.dumps(value) == _standard(value)


def test_values_orjson_refuses_are_written_by_the_standard_library() -> None:
    for value in ({"id": "\ud800"}, {"n": 2**70}, {"k": [1, True, None, "学籍"]}):
        assert _json.dumps(value) == _standard(value)
