"""One reading of JSON input, whatever is installed (``xueji_rules._json``, D-360).

msgspec's decoder (the ``[fast]`` extra) and the standard library's held to the same rules must
take the same texts, read them to the same values and refuse the same ones.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.test_keysets import same  # equal, types and key order included
from xueji_rules import _json

msgspec = pytest.importorskip("msgspec", reason="the comparison needs the [fast] extra (msgspec)")

_BIG = b"1" * 5000

# text -> what both readings give ("refused": one of DECODE_ERRORS)
EDGES: list[tuple[bytes | str, Any]] = [
    (b'{"a": 1}', {"a": 1}),
    (
        b' \t{"a": [1, 2.5, -0, 1E2, 1e-400, true, null]}\r\n',
        {"a": [1, 2.5, 0, 100.0, 0.0, True, None]},
    ),
    (b'{"a": 123456789012345678901234567890}', {"a": 123456789012345678901234567890}),
    (b'{"a": -9223372036854775809}', {"a": -9223372036854775809}),
    (b'{"a": 1, "a": 2}', {"a": 2}),  # the last value (loads_strict refuses it)
    (b'{"a": "\\ud83d\\ude00 \\u00e9 \\u0000"}', {"a": "\U0001f600 \u00e9 \x00"}),
    ('{"a": "学籍"}', {"a": "学籍"}),
    ('{"a": "学籍"}'.encode(), {"a": "学籍"}),
    (b'{"a": NaN}', "refused"),
    (b'{"a": -Infinity}', "refused"),
    (b'{"a": 1e400}', "refused"),
    (b'{"a": -1e400}', "refused"),
    (b"[" + _BIG + b"]", "refused"),  # past Python's 4,300 digits
    (b'{"a": "\\ud800"}', "refused"),  # half a surrogate pair
    (b'{"a": "\\udc00x"}', "refused"),
    (b'{"\\ud800": 1}', "refused"),
    ('{"a": "\ud800"}', "refused"),  # a surrogate in the text itself
    (b'"\xed\xa0\x80"', "refused"),  # an encoded surrogate
    (b"\xef\xbb\xbf{}", "refused"),  # a byte-order mark
    ("\ufeff{}", "refused"),
    ('{"a": 1}'.encode("utf-16"), "refused"),
    ('{"a": 1}'.encode("utf-16-le"), "refused"),
    (b'{"a": "\xff"}', "refused"),
    (b'{"a": "x\x01"}', "refused"),  # a raw control character
    (b"[1,]", "refused"),
    (b"01", "refused"),
    (b'{"a": 1}{}', "refused"),
    (b"", "refused"),
    (b"[" * 5000 + b"]" * 5000, "refused"),
]


def _read(reader: Any, text: bytes | str) -> Any:
    try:
        return reader(text)
    except _json.DECODE_ERRORS:
        return "refused"


@pytest.mark.parametrize(("text", "expected"), EDGES, ids=lambda v: repr(v)[:40])
def test_both_readings_agree_on_the_edges(text: bytes | str, expected: Any) -> None:
    fast = _read(msgspec.json.decode, text)
    standard = _read(_json._loads_standard, text)
    assert same(fast, expected)
    assert same(standard, expected)


def test_loads_is_msgspec_with_the_extra() -> None:
    assert _json.PARSER == "msgspec"
    assert _json.loads(b'{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890
    }


# values of any size and text of any code point, lone surrogates included, written by the
# standard library (which writes NaN, infinities and lone surrogates the rules refuse)
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(_values, st.booleans(), st.booleans())
def test_both_readings_agree_on_generated_texts(
    value: Any, ascii_only: bool, as_bytes: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    data: bytes | str = text.encode("utf-8", "surrogatepass") if as_bytes else text
    fast = _read(msgspec.json.decode, data)
    standard = _read(_json._loads_standard, data)
    assert same(fast, standard), (data, fast, standard)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.binary(max_size=40) | st.text(max_size=40))
def test_both_readings_refuse_the_same_garbage(data: bytes | str) -> None:
    fast = _read(msgspec.json.decode, data)
    standard = _read(_json._loads_standard, data)
    assert same(fast, standard), (data, fast, standard)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": NaN}',
        '{"a": 1e400}',
        '{"a": "\\ud800"}',
        "[" + "1" * 5000 + "]",
        b"\xef\xbb\xbf{}",
        b'{"a": "\xff"}',
        '{"a": 1}'.encode("utf-16"),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_loads_strict_refuses_with_a_value_error(text: str | bytes) -> None:
    with pytest.raises(ValueError):
        _json.loads_strict(text)


def test_loads_strict_takes_what_the_rules_allow() -> None:
    assert _json.loads_strict('{"a": [1e308, -0, "\\ud83d\\ude00"]}') == {"a": [1e308, 0, "😀"]}


def test_a_too_long_integer_is_worded_for_people() -> None:
    with pytest.raises(ValueError, match="an integer has more than 4,300 digits"):
        _json.loads_strict("[" + "9" * 4301 + "]")
    assert _json.loads_strict("[" + "9" * 4300 + "]") == [int("9" * 4300)]
