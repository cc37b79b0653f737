"""A batch file decided by workers that read their own lines and hand back text in shared memory.

When the input is a regular file and the workers are started by ``fork``, neither the request
lines nor the decisions' text need to be pickled or pass through a pipe. The parent reads the
input only to cut it into chunks of ``chunk_size`` lines (it counts newlines, which gives each
chunk its first line number) and sends each worker a byte range. The worker reads its range
with ``pread`` on the descriptor it inherited, decides the lines exactly as
:func:`~xueji_rules.bulk._lines.decide_rows` does in the parent, and copies the chunk's output
into a slot of a shared anonymous mapping made before the workers were forked. The parent
writes each slot's bytes to the output in input order, straight from the mapping.

A chunk ``n`` uses slot ``n % in_flight_limit(jobs)``: the pool never has more chunks in flight
than that, and chunk ``n + limit`` is submitted only after chunk ``n``'s output was written, so
a slot is never reused while its bytes are still wanted. A chunk whose output does not fit its
slot comes back as bytes through the pipe, as in the streamed path. Nothing goes to disk but
the output: there are no temporary files to remove, on success, on error or on Ctrl-C.
"""

from __future__ import annotations

import itertools
import mmap
import os
from collections.abc import Callable, Iterator
from typing import NamedTuple

from xueji_rules.bulk._blocks import BLOCK, block_lines
from xueji_rules.bulk._errors import portable
from xueji_rules.bulk._lines import MAX_LINE_BYTES, decide_rows
from xueji_rules.bulk._worker import WorkerFailed, worker_engine
from xueji_rules.errors import EvaluationError, XuejiRulesError

__all__ = [
    "RangeJob",
    "RangeResult",
    "Slots",
    "cut_ranges",
    "decide_range",
    "slot_bytes",
]


def cut_ranges(
    read_at: Callable[[int, int], bytes], start: int, lines: int, block: int = BLOCK
) -> Iterator[tuple[int, int, int, int]]:
    """``(offset, length, first line, line count)`` of each chunk of ``lines`` lines.

    ``read_at(size, offset)`` reads the input (``os.pread``); reading begins at ``start`` and
    the line there is line 1. A chunk ends just after a newline, or at the end of the input (a
    last line without one). Lines are counted as :func:`~xueji_rules.bulk.iter_lines` counts
    them; only the current block is held, however long a line is.
    """
    chunk_start, first, count = start, 1, 0
    offset, ends_with_newline = start, True
    while data := read_at(block, offset):
        pos, left = 0, data.count(b"\n")  # newlines after pos
        while left >= lines - count:  # this block ends the chunk
            for _ in range(lines - count):
                pos = data.index(b"\n", pos) + 1
            left -= lines - count
            yield chunk_start, offset + pos - chunk_start, first, lines
            chunk_start, first, count = offset + pos, first + lines, 0
        count += left
        offset += len(data)
        ends_with_newline = data.endswith(b"\n")
    if offset > chunk_start:
        yield chunk_start, offset - chunk_start, first, count + (0 if ends_with_newline else 1)


def slot_bytes(chunk_size: int) -> int:
    """The size of a slot: room for ``chunk_size`` decisions of up to 16 kB (they are about
    5 kB), at least 4 MB and at most 64 MB; a larger output goes through the pipe."""
    return min(64 << 20, max(4 << 20, chunk_size << 14))


# the mappings of the runs in progress, by run; a forked worker finds its run's here
_MAPPINGS: dict[int, tuple[mmap.mmap, int]] = {}
_RUNS = itertools.count(1)


class Slots:
    """Shared memory for chunk outputs: ``count`` slots of ``size`` bytes, made before the
    workers are forked (``MAP_SHARED``: a worker's writes are what the parent reads)."""

    def __init__(self, count: int, size: int) -> None:
        self.run = next(_RUNS)
        self.count, self.size = count, size
        self._map = mmap.mmap(-1, count * size)
        _MAPPINGS[self.run] = (self._map, size)

    def view(self, slot: int, length: int) -> memoryview:
        """The first ``length`` bytes of ``slot`` (release the view before :meth:`close`)."""
        at = slot * self.size
        return memoryview(self._map)[at : at + length]

    def close(self) -> None:
        """Forget the mapping (after the workers have stopped) and unmap it."""
        _MAPPINGS.pop(self.run, None)
        self._map.close()


class RangeJob(NamedTuple):
    """One chunk: ``lines`` lines from byte ``offset`` (``length`` bytes) of the file open as
    descriptor ``fd`` (device and inode checked), the first numbered ``first_line``; the output
    goes to slot ``slot`` of run ``run``'s :class:`Slots`."""

    source: str
    fd: int
    identity: tuple[int, int]
    offset: int
    length: int
    first_line: int
    lines: int
    run: int
    slot: int


class RangeResult(NamedTuple):
    """A decided chunk: ``size`` bytes of output in its slot, or in ``data`` when they did not
    fit; counts as :class:`~xueji_rules.bulk._lines.ChunkResult` has them."""

    size: int
    data: bytes
    outcomes: dict[str, int]
    errors: list[tuple[int, str]]
    blank: int


def _range_reader(fd: int, offset: int, length: int) -> Callable[[int], bytes]:
    """A ``read1`` over ``length`` bytes of ``fd`` from ``offset`` (for ``block_lines``)."""
    end = offset + length
    position = offset

    def read1(size: int) -> bytes:
        nonlocal position
        size = min(size, end - position)
        if size <= 0:
            return b""
        data = os.pread(fd, size, position)
        if not data:
            raise EvaluationError(
                f"the batch file became shorter while it was being decided (byte {position})"
            )
        position += len(data)
        return data

    return read1


def decide_range(job: RangeJob) -> RangeResult:
    """Worker task: decide the lines of one byte range; the output goes to the job's slot.

    The output bytes are those :func:`~xueji_rules.bulk._lines.decide_rows` gives the same lines
    in the parent. A worker that cannot read its range raises the library error that says so.
    """
    try:
        info = os.fstat(job.fd)
        if (info.st_dev, info.st_ino) != job.identity:
            raise EvaluationError("a worker process found another file than the batch file")
        read1 = _range_reader(job.fd, job.offset, job.length)
        rows = list(block_lines(read1, MAX_LINE_BYTES, first=job.first_line))
        chunk = decide_rows(worker_engine(), (job.source, rows))
    except XuejiRulesError as exc:
        raise WorkerFailed(portable(exc)) from None
    except OSError as exc:
        failed = EvaluationError(f"a worker process could not read the batch file: {exc}")
        raise WorkerFailed(portable(failed)) from None
    size, data = len(chunk.data), chunk.data
    mapping = _MAPPINGS.get(job.run)
    if mapping is not None and 0 < size <= mapping[1]:
        at = job.slot * mapping[1]
        mapping[0][at : at + size] = data
        data = b""
    return RangeResult(size, data, chunk.outcomes, chunk.errors, chunk.blank)
