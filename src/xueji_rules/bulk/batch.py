"""Batch files: a JSONL stream of requests in, a JSONL stream of decisions out, in order.

:func:`run_batch` reads line by line (at most
:data:`~xueji_rules.bulk._lines.MAX_LINE_BYTES` per line), decides in this process or in worker
processes (:mod:`xueji_rules.bulk._pool`), and writes each result as soon as its chunk is back
and every earlier chunk is written: memory does not grow with the file. A bad line becomes an
error line in the output and an entry in the :class:`BatchSummary`; it never stops the run.
"""

from __future__ import annotations

import functools
import io
import os
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from xueji_rules.bulk._blocks import block_lines as _block_lines
from xueji_rules.bulk._lines import (
    MAX_LINE_BYTES,
    ChunkResult,
    Oversized,
    RawLine,
    decide_line_chunk,
    decide_rows,
)
from xueji_rules.bulk._pairs import check_count
from xueji_rules.bulk._pool import in_flight_limit, ordered_map, pool_start_method
from xueji_rules.bulk._ranges import (
    RangeJob,
    RangeResult,
    Slots,
    cut_ranges,
    decide_range,
    slot_bytes,
)
from xueji_rules.bulk._worker import recipe_of
from xueji_rules.engine.decision import OUTCOMES

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = ["BatchSummary", "iter_lines", "run_batch"]

_LISTED_ERRORS = 20

Row = tuple[int, RawLine]
Job = tuple[str, list[Row]]


@dataclass(slots=True)
class BatchSummary:
    """What a batch run read and decided: counts per outcome, bad lines (first few listed)."""

    source: str = ""
    lines: int = 0
    blank: int = 0
    decided: int = 0
    errors: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    error_examples: list[tuple[int, str]] = field(default_factory=list)
    jobs: int = 1
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process
    worker_cpu_seconds: float = 0.0  # the worker processes, once they have exited

    def add_chunk(self, chunk: ChunkResult | RangeResult) -> None:
        """Count one chunk's output lines."""
        for outcome, count in chunk.outcomes.items():
            self.decided += count
            self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + count
        self.errors += len(chunk.errors)
        room = _LISTED_ERRORS - len(self.error_examples)
        if room > 0:
            self.error_examples.extend(chunk.errors[:room])

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON (outcomes in their fixed order)."""
        return {
            "source": self.source,
            "lines": self.lines,
            "blank_lines": self.blank,
            "decided": self.decided,
            "errors": self.errors,
            "by_outcome": {o: self.by_outcome[o] for o in OUTCOMES if o in self.by_outcome},
            "error_examples": [{"line": n, "error": e} for n, e in self.error_examples],
            "jobs": self.jobs,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "worker_cpu_seconds": round(self.worker_cpu_seconds, 3),
        }

    def render(self) -> str:
        """The summary a person reads at the end of a run."""
        rate = self.lines / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"decided {self.decided} of {self.lines - self.blank} request line(s) from "
            f"{self.source} in {self.seconds:.1f} s ({rate:,.0f} lines/s, {self.jobs} job(s))"
        ]
        lines += [f"  {o}: {self.by_outcome[o]}" for o in OUTCOMES if o in self.by_outcome]
        if self.blank:
            lines.append(f"  blank lines ignored: {self.blank}")
        if self.errors:
            lines.append(
                f"  {self.errors} bad line(s) skipped, each with an error line in the output:"
            )
            lines += [f"    {text}" for _, text in self.error_examples]
            if self.errors > len(self.error_examples):
                lines.append(f"    … and {self.errors - len(self.error_examples)} more")
        return "\n".join(lines)


def iter_lines(stream: IO[bytes] | IO[str], limit: int = MAX_LINE_BYTES) -> Iterator[Row]:
    """``(line number, raw line)`` for every line; a line over ``limit`` (its newline not
    counted) is :class:`Oversized`.

    A binary stream with ``read1`` (a file, stdin's buffer) is read in blocks and split here,
    several times cheaper than a ``readline`` per line; ``read1`` returns what is there, so a
    pipe's lines are still decided as they arrive. Memory stays bounded: an over-long line is
    counted and dropped, never held.
    """
    read1 = getattr(stream, "read1", None)
    if read1 is not None:
        yield from _block_lines(read1, limit)
        return
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        newline: Any = b"\n" if isinstance(raw, bytes) else "\n"
        if len(raw) > limit and not raw.endswith(newline):
            length = len(raw)
            while raw and not raw.endswith(newline):
                raw = stream.readline(1 << 20)
                length += len(raw)
            if raw:  # the newline ends the line; it is not part of it
                length -= 1
            yield number, Oversized(length)
            continue
        yield number, raw


def _size(row: Row) -> int:
    raw = row[1]
    return raw.length if isinstance(raw, Oversized) else len(raw)


def _jobs(rows: Iterator[Row], source: str, size: int) -> Iterator[Job]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield source, chunk
            chunk = []
    if chunk:
        yield source, chunk


def run_batch(
    engine: Engine,
    stream: IO[bytes] | IO[str],
    write: Callable[[str], Any] | Callable[[bytes], Any],
    *,
    encoded: bool = False,
    source: str = "<stdin>",
    jobs: int = 1,
    chunk_size: int = 256,
    on_chunk: Callable[[int, BatchSummary], None] | None = None,
) -> BatchSummary:
    """Decide every line of ``stream``; ``write`` gets the output lines of each chunk, in order
    (one string, every line ending in a newline; UTF-8 bytes when ``encoded``, which spares the
    parent process the encoding when it writes to a binary file).

    ``source`` names the input in error messages. ``on_chunk(bytes_read, summary)`` is called
    after each chunk is written (the progress bar). With ``jobs > 1`` worker processes build
    ``engine`` again from its pack and options (:func:`~xueji_rules.bulk.recipe_of`); when
    ``stream`` is a regular file and the workers are forked, they read their chunks' lines
    themselves and hand their output back in shared memory (:mod:`xueji_rules.bulk._ranges`),
    so that this process neither reads lines nor receives text through a pipe.
    """
    check_count("jobs", jobs)
    check_count("chunk_size", chunk_size)
    started = time.perf_counter()
    cpu_before = _cpu()
    summary = BatchSummary(source=source, jobs=jobs)
    if jobs > 1 and _by_range(stream):
        _run_ranged(engine, stream, write, encoded, summary, chunk_size, on_chunk)
    else:
        _run_streamed(engine, stream, write, encoded, summary, chunk_size, on_chunk)
    summary.seconds = time.perf_counter() - started
    cpu_after = _cpu()
    summary.cpu_seconds = cpu_after[0] - cpu_before[0]
    summary.worker_cpu_seconds = cpu_after[1] - cpu_before[1]
    return summary


Writer = Callable[[str], Any] | Callable[[bytes], Any]
OnChunk = Callable[[int, BatchSummary], None] | None


def _run_streamed(
    engine: Engine,
    stream: IO[bytes] | IO[str],
    write: Writer,
    encoded: bool,
    summary: BatchSummary,
    chunk_size: int,
    on_chunk: OnChunk,
) -> None:
    """Lines read here, decided here (one job) or by workers, every output written here."""
    pending: deque[Job] = deque()  # chunks submitted and not yet written, oldest first

    def remember(jobs_in: Iterator[Job]) -> Iterator[Job]:
        for job in jobs_in:
            pending.append(job)
            yield job

    work = remember(_jobs(iter_lines(stream), summary.source, chunk_size))
    if summary.jobs == 1:
        results: Iterator[ChunkResult] = (decide_rows(engine, job) for job in work)
    else:
        results = ordered_map(decide_line_chunk, work, recipe_of(engine), summary.jobs, engine)
    done = 0
    for chunk in results:
        _, rows = pending.popleft()
        summary.lines += len(rows)
        summary.blank += chunk.blank
        if chunk.data:
            write(chunk.data if encoded else chunk.data.decode("utf-8"))  # type: ignore[arg-type]
        summary.add_chunk(chunk)
        done += sum(_size(r) for r in rows)
        if on_chunk is not None:
            on_chunk(done, summary)


def _by_range(stream: IO[Any]) -> bool:
    """Whether workers can read ``stream`` by byte range: a regular file they inherit, open
    in binary (a text stream's own newline handling and position cookies are not bytes)."""
    if pool_start_method() != "fork" or not hasattr(os, "pread"):
        return False
    if isinstance(stream, io.TextIOBase):
        return False
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no descriptor (a BytesIO), or closed
        return False


def _run_ranged(
    engine: Engine,
    stream: IO[Any],
    write: Writer,
    encoded: bool,
    summary: BatchSummary,
    chunk_size: int,
    on_chunk: OnChunk,
) -> None:
    """Workers read byte ranges and leave their output in shared slots; written here in order."""
    fd = stream.fileno()
    info = os.fstat(fd)
    start = stream.tell()  # what the caller has read already is not read again
    limit = in_flight_limit(summary.jobs)
    slots = Slots(limit, slot_bytes(chunk_size))  # before the workers are forked
    pending: deque[RangeJob] = deque()

    def work() -> Iterator[RangeJob]:
        read_at = functools.partial(os.pread, fd)
        for index, cut in enumerate(cut_ranges(read_at, start, chunk_size)):
            offset, length, first, lines = cut
            identity = (info.st_dev, info.st_ino)
            job = RangeJob(summary.source, fd, identity, offset, length, first, lines,
                           slots.run, index % limit)  # fmt: skip
            pending.append(job)
            yield job

    to_file = isinstance(getattr(write, "__self__", None), io.IOBase)
    results = ordered_map(decide_range, work(), recipe_of(engine), summary.jobs, engine)
    done = 0
    try:
        for part in results:
            job = pending.popleft()
            summary.lines += job.lines
            summary.blank += part.blank
            if part.data:
                write(part.data if encoded else part.data.decode("utf-8"))  # type: ignore[arg-type]
            elif part.size:
                with slots.view(job.slot, part.size) as view:
                    if not encoded:
                        write(str(view, "utf-8"))  # type: ignore[arg-type]
                    else:  # a file copies the bytes before it returns; anyone else may keep them
                        write(view if to_file else bytes(view))  # type: ignore[arg-type]
            summary.add_chunk(part)
            done += job.length
            if on_chunk is not None:
                on_chunk(done, summary)
    finally:
        try:
            results.close()  # the workers stop before the shared memory goes
        finally:
            slots.close()
    stream.seek(start + done)


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its exited children."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 0.0, 0.0
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime
