"""Hostile text and bytes through the shared reader: data or a PackError, nothing else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import case_deadline, fuzz_settings
from xueji_rules._yaml import load_data_text, load_yaml_bytes
from xueji_rules.errors import PackError

_PIECES = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        '"',
        "'",
        "&a",
        "*a",
        "<<: ",
        "!!python/name:os.system",
        "- ",
        "\n",
        "  ",
        "\t",
        "#",
        "---",
        "...",
        "%TAG ! tag:x:",
        "? ",
        "|",
        ">",
        "1e999",
        "NaN",
        "\\ud800",
        "\u0085",
        "\u009b",
        "\x00",
        "\x1b",
        "true",
        "yes",
        "~",
        "0x1F",
        "2026-02-30",
        '{"a": 1, "a": 2}',
        "9" * 50,
    ]
)
_TEXT = st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=30).map("".join))


@fuzz_settings(400)
@given(_TEXT)
def test_text_reads_as_data_or_a_pack_error(text: str) -> None:
    with case_deadline():
        try:
            load_data_text(text, "fuzz")
        except PackError as exc:
            assert str(exc).startswith("fuzz")


@fuzz_settings(300)
@given(st.binary(max_size=120) | _TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_bytes_read_as_yaml_or_a_pack_error(data: bytes) -> None:
    with case_deadline():
        try:
            load_yaml_bytes(data, "fuzz.yaml")
        except PackError as exc:
            assert str(exc).startswith("fuzz.yaml")
