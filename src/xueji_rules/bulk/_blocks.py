"""Splitting a byte stream read in blocks into numbered lines (the batch input's reader)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from xueji_rules.bulk._lines import Oversized, RawLine

__all__ = ["BLOCK", "block_lines"]

BLOCK = 1 << 20


def block_lines(
    read1: Callable[[int], bytes], limit: int, block: int = BLOCK, *, first: int = 1
) -> Iterator[tuple[int, RawLine]]:
    """``(line number, raw line)`` of the bytes ``read1(block)`` returns until it returns none.

    Numbers start at ``first``. A line keeps its newline; a last line may lack one. A line over
    ``limit`` bytes (its newline not counted) is :class:`Oversized`, counted and never held:
    memory stays within ``limit`` plus a block.
    """
    number = first - 1
    rest = b""  # the start of a line whose newline has not been read yet
    skipped: int | None = None  # the length so far of an over-long line being dropped
    while data := read1(block):
        if skipped is not None:
            end = data.find(b"\n")
            if end < 0:
                skipped += len(data)
                continue
            number += 1
            yield number, Oversized(skipped + end)
            skipped, data = None, data[end + 1 :]
        buf = rest + data if rest else data
        start = 0
        while (end := buf.find(b"\n", start)) >= 0:
            number += 1
            yield number, (buf[start : end + 1] if end - start <= limit else Oversized(end - start))
            start = end + 1
        rest = buf[start:]
        if len(rest) > limit:
            skipped, rest = len(rest), b""
    if skipped is not None:
        yield number + 1, Oversized(skipped)
    elif rest:
        yield number + 1, rest
