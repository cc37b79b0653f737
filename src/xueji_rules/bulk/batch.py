"""Batch files: a JSONL stream of requests in, a JSONL stream of decisions out, in order.

:func:`run_batch` reads line by line (at most
:data:`~xueji_rules.bulk._lines.MAX_LINE_BYTES` per line), decides in this process or in worker
processes (:mod:`xueji_rules.bulk._pool`), and writes each result as soon as its chunk is back
and every earlier chunk is written: memory does not grow with the file. A bad line becomes an
error line in the output and an entry in the :class:`BatchSummary`; it never stops the run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, BinaryIO

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
from xueji_rules.bulk._pool import ordered_map, pool_start_method
from xueji_rules.bulk._splice import (
    InputFile,
    PartResult,
    RangeJob,
    Splicer,
    cut_ranges,
    decide_range,
    parts_directory,
    remove_parts,
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

    def add_chunk(self, chunk: ChunkResult | PartResult) -> None:
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
    write: Callable[[str], Any] | Callable[[bytes], Any] | None = None,
    *,
    into: BinaryIO | None = None,
    encoded: bool = False,
    source: str = "<stdin>",
    jobs: int = 1,
    chunk_size: int = 256,
    on_chunk: Callable[[int, BatchSummary], None] | None = None,
) -> BatchSummary:
    """Decide every line of ``stream``; ``write`` gets the output lines of each chunk, in order
    (one string, every line ending in a newline; UTF-8 bytes when ``encoded``, which spares the
    parent process the encoding when it writes to a binary file).

    ``into``, instead of ``write``: a binary file the output goes to (UTF-8). When ``stream``
    and ``into`` are both regular files and ``jobs > 1``, the workers read their chunks' byte
    ranges themselves and write their output to part files which are appended to ``into`` in
    order (:mod:`xueji_rules.bulk._splice`): neither the lines nor the decisions pass through
    this process. If such a run fails, ``into`` keeps the output of the chunks before the
    failure, whole lines only.

    ``source`` names the input in error messages. ``on_chunk(bytes_read, summary)`` is called
    after each chunk is written (the progress bar). With ``jobs > 1`` worker processes build
    ``engine`` again from its pack and options (:func:`~xueji_rules.bulk.recipe_of`).
    """
    check_count("jobs", jobs)
    check_count("chunk_size", chunk_size)
    if (write is None) == (into is None):
        raise TypeError("run_batch needs exactly one of write and into")
    started = time.perf_counter()
    cpu_before = _cpu()
    summary = BatchSummary(source=source, jobs=jobs)
    ranged = _range_input(stream) if into is not None and jobs > 1 else None
    if into is not None and ranged is not None and _regular(into):
        _run_spliced(engine, ranged, into, summary, chunk_size, on_chunk)
    else:
        if into is not None:
            write, encoded = into.write, True
        assert write is not None
        _run_streamed(engine, stream, write, encoded, summary, chunk_size, on_chunk)
    summary.seconds = time.perf_counter() - started
    cpu_after = _cpu()
    summary.cpu_seconds = cpu_after[0] - cpu_before[0]
    summary.worker_cpu_seconds = cpu_after[1] - cpu_before[1]
    return summary


def _run_streamed(
    engine: Engine,
    stream: IO[bytes] | IO[str],
    write: Callable[[str], Any] | Callable[[bytes], Any],
    encoded: bool,
    summary: BatchSummary,
    chunk_size: int,
    on_chunk: Callable[[int, BatchSummary], None] | None,
) -> None:
    """Lines read here, decided here (one job) or sent to workers, output written here."""
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


def _regular(handle: IO[Any]) -> bool:
    try:
        return stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # no descriptor (a BytesIO), or closed
        return False


def _range_input(stream: IO[Any]) -> tuple[InputFile, int] | None:
    """The input as workers can read it by byte range, and where reading starts; ``None`` when
    it is not a regular file, or workers started by ``spawn`` could not reopen it."""
    if not _regular(stream):
        return None
    name = getattr(stream, "name", None)
    path = os.path.abspath(name) if isinstance(name, str) else None
    if path is None and pool_start_method() != "fork":
        return None
    fd = stream.fileno()
    info = os.fstat(fd)
    return InputFile(fd, path, info.st_dev, info.st_ino), stream.tell()


def _run_spliced(
    engine: Engine,
    file: tuple[InputFile, int],
    into: BinaryIO,
    summary: BatchSummary,
    chunk_size: int,
    on_chunk: Callable[[int, BatchSummary], None] | None,
) -> None:
    """Workers read byte ranges and write part files; this process appends them in order."""
    input_file, start = file
    name = getattr(into, "name", None)
    parts = parts_directory(name if isinstance(name, str) else None)
    pending: deque[RangeJob] = deque()

    def work() -> Iterator[RangeJob]:
        read_at = functools.partial(os.pread, input_file.fd)
        for offset, length, first, lines in cut_ranges(read_at, start, chunk_size):
            job = RangeJob(summary.source, input_file, offset, length, first, lines, parts)
            pending.append(job)
            yield job

    splicer: Splicer | None = None
    done = 0
    try:
        into.flush()
        splicer = Splicer(into.fileno())
        results = ordered_map(decide_range, work(), recipe_of(engine), summary.jobs, engine)
        try:
            for part in results:
                job = pending.popleft()
                summary.lines += job.lines
                summary.blank += part.blank
                if part.path:
                    splicer.append(part.path, part.size)
                summary.add_chunk(part)
                done += job.length
                if on_chunk is not None:
                    on_chunk(done, summary)
        finally:
            results.close()  # the pool stops before its part directory goes
    except BaseException:
        if splicer is not None:
            splicer.cut_back()
        raise
    finally:
        remove_parts(parts)
        if splicer is not None:  # the buffered file learns where the output now ends
            with contextlib.suppress(OSError):
                into.seek(os.lseek(splicer.out, 0, os.SEEK_CUR))


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its exited children."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 0.0, 0.0
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime
