"""Reading a batch input: the block reader splits lines exactly as reading line by line does."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from xueji_rules.bulk import Oversized, iter_lines
from xueji_rules.bulk.batch import _block_lines

LIMIT = 8


class _LineByLine:
    """A binary stream without ``read1``: ``iter_lines`` falls back to ``readline``."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)

    def readline(self, size: int = -1) -> bytes:
        return self._stream.readline(size)


# lines around the limit, with and without a final newline, blank lines, CR before LF
_line = st.binary(min_size=0, max_size=3 * LIMIT).map(lambda b: b.replace(b"\n", b"."))
_inputs = st.tuples(st.lists(_line, max_size=12), st.booleans()).map(
    lambda t: b"\n".join(t[0]) + (b"\n" if t[1] and t[0] else b"")
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=_inputs, block=st.integers(min_value=1, max_value=40))
def test_blocks_of_any_size_give_the_lines_readline_gives(data: bytes, block: int) -> None:
    expected = list(iter_lines(_LineByLine(data), limit=LIMIT))  # type: ignore[arg-type]
    assert list(_block_lines(io.BytesIO(data).read1, LIMIT, block)) == expected


def test_a_file_stream_is_read_in_blocks_and_an_overlong_line_is_dropped() -> None:
    data = b"ok\n" + b"x" * 100 + b"\n" + b"y" * 30
    assert list(iter_lines(io.BytesIO(data), limit=LIMIT)) == [
        (1, b"ok\n"),
        (2, Oversized(100)),
        (3, Oversized(30)),
    ]
    # the readline path agrees, and reading in small blocks keeps nothing of the long line
    assert list(iter_lines(_LineByLine(data), limit=LIMIT)) == list(  # type: ignore[arg-type]
        _block_lines(io.BytesIO(data).read1, LIMIT, 4)
    )
