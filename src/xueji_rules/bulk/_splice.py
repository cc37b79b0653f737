"""File to file with worker processes: workers read byte ranges and write part files.

When both the input and the output of a batch are regular files, the lines and the decisions'
text need not pass through the parent process (which shares the cores with the workers). The
parent reads the input only to cut it into chunks of ``chunk_size`` lines — it counts newlines,
which gives each chunk its first line number — and sends each worker a byte range. The worker
reads its range with ``pread`` (an inherited descriptor after ``fork``, else the file reopened
and checked to be the same file), decides its lines exactly as :func:`~._lines.decide_rows`
does for the in-process path, and writes the chunk's output to a part file in a private
directory. The parent appends the part files to the output in input order — in the kernel
(``copy_file_range``, else ``sendfile``, else ``pread``/``write``) — and removes each one as
soon as it is appended; the directory goes at the end, on error and on Ctrl-C as well.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from xueji_rules.bulk._blocks import BLOCK, block_lines
from xueji_rules.bulk._errors import portable
from xueji_rules.bulk._lines import MAX_LINE_BYTES, decide_rows
from xueji_rules.bulk._worker import WorkerFailed, worker_engine
from xueji_rules.errors import EvaluationError, InputError, Location, XuejiRulesError

__all__ = [
    "BLOCK",
    "InputFile",
    "PartResult",
    "RangeJob",
    "Splicer",
    "cut_ranges",
    "decide_range",
    "parts_directory",
    "remove_parts",
]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class InputFile:
    """The batch input as a worker finds it: the parent's descriptor, a path, the identity."""

    fd: int
    path: str | None
    device: int
    inode: int


class RangeJob(NamedTuple):
    """One chunk: ``lines`` lines from byte ``offset`` (``length`` bytes), the first numbered
    ``first_line``; the output goes to a part file in directory ``parts``."""

    source: str
    file: InputFile
    offset: int
    length: int
    first_line: int
    lines: int
    parts: str


class PartResult(NamedTuple):
    """A decided chunk: its part file (``""`` when the chunk wrote nothing) and counts."""

    path: str
    size: int
    outcomes: dict[str, int]
    errors: list[tuple[int, str]]
    blank: int


def cut_ranges(
    read_at: Callable[[int, int], bytes], start: int, lines: int
) -> Iterator[tuple[int, int, int, int]]:
    """``(offset, length, first line, line count)`` of each chunk of ``lines`` lines.

    ``read_at(size, offset)`` reads the input (``os.pread``); reading begins at ``start``. A
    chunk ends just after a newline, or at the end of the input (a last line without one).
    Lines are counted as :func:`~xueji_rules.bulk.batch.iter_lines` counts them, and only the
    current block is held, however long a line is.
    """
    chunk_start, first, count = start, 1, 0
    offset, ends_with_newline = start, True
    while block := read_at(BLOCK, offset):
        pos, left = 0, block.count(b"\n")  # newlines after pos
        while left >= lines - count:  # the block finishes the chunk
            for _ in range(lines - count):
                pos = block.index(b"\n", pos) + 1
            left -= lines - count
            yield chunk_start, offset + pos - chunk_start, first, lines
            chunk_start, first, count = offset + pos, first + lines, 0
        count += left
        offset += len(block)
        ends_with_newline = block.endswith(b"\n")
    if offset > chunk_start:
        yield chunk_start, offset - chunk_start, first, count + (0 if ends_with_newline else 1)


def _input_fd(file: InputFile) -> int:
    """A descriptor of the batch input in this process: the inherited one, else reopened."""
    try:
        info = os.fstat(file.fd)
        if (info.st_dev, info.st_ino) == (file.device, file.inode):
            return file.fd
    except OSError:
        pass
    cached = _OPENED.get((file.device, file.inode))
    if cached is not None:
        return cached
    if file.path is None:
        raise EvaluationError(
            "a worker process cannot find the batch file (no inherited descriptor, no path)"
        )
    fd = os.open(file.path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != (file.device, file.inode):
        os.close(fd)
        raise InputError(
            "the batch file was replaced while it was being decided", Location(file=file.path)
        )
    _OPENED[(file.device, file.inode)] = fd
    return fd


_OPENED: dict[tuple[int, int], int] = {}  # per worker: files reopened by path, kept open


def _range_reader(fd: int, offset: int, length: int) -> Callable[[int], bytes]:
    """A ``read1`` over ``length`` bytes of ``fd`` from ``offset`` (for ``_block_lines``)."""
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


def decide_range(job: RangeJob) -> PartResult:
    """Worker task: decide the lines of one byte range and write their output to a part file.

    The output bytes are those :func:`~xueji_rules.bulk._lines.decide_rows` gives the same
    lines in the parent. A failure to read the input or to write the part file is raised as the
    library error that says so (it reaches the parent through the pool).
    """
    try:
        fd = _input_fd(job.file)
        read1 = _range_reader(fd, job.offset, job.length)
        rows = list(block_lines(read1, MAX_LINE_BYTES, BLOCK, first=job.first_line))
        chunk = decide_rows(worker_engine(), (job.source, rows))
        path = ""
        if chunk.data:
            path = os.path.join(job.parts, f"{job.first_line:012d}.jsonl")
            _write_part(path, chunk.data)
    except XuejiRulesError as exc:
        raise WorkerFailed(portable(exc)) from None
    except OSError as exc:
        where = Location(file=job.file.path or job.source)
        error = InputError(f"a worker process could not read or write: {_describe(exc)}", where)
        raise WorkerFailed(portable(error)) from None
    return PartResult(path, len(chunk.data), chunk.outcomes, chunk.errors, chunk.blank)


def _write_part(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o600)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _describe(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return f"{text} ({exc.filename})" if exc.filename else text


def parts_directory(output_path: str | None) -> str:
    """A new private directory for part files: beside the output (the same file system, so the
    kernel can copy or share the blocks), else in the system's temporary directory."""
    if output_path:
        folder = os.path.dirname(os.path.abspath(output_path))
        name = os.path.basename(output_path)
        try:
            return tempfile.mkdtemp(prefix=f".{name}.", suffix=".parts", dir=folder)
        except OSError:
            pass
    return tempfile.mkdtemp(prefix="xueji-batch-", suffix=".parts")


def remove_parts(folder: str) -> None:
    """Remove the part directory and anything a stopped worker left in it."""
    shutil.rmtree(folder, ignore_errors=True)


# errors meaning "this way of copying is not available here": try the next one
_UNSUPPORTED = {
    errno.EXDEV,
    errno.ENOSYS,
    errno.EINVAL,
    errno.EBADF,
    errno.EOPNOTSUPP,
    errno.ENOTSUP,
    errno.ETXTBSY,
    errno.EPERM,
}


class Splicer:
    """Appends part files to an output descriptor at its current offset, in the kernel.

    ``copy_file_range`` where the platform has it, else ``sendfile`` (Linux), else ``pread`` and
    ``write``; a way refused as unsupported for these files is dropped for the rest of the run.
    :attr:`committed` is the output's offset after the last part appended whole;
    :meth:`cut_back` truncates a failed run's output there, so it ends with a whole line.
    """

    def __init__(self, out_fd: int) -> None:
        self.out = out_fd
        self.committed = os.lseek(out_fd, 0, os.SEEK_CUR)
        self._ways = [
            way
            for way, present in (
                ("copy_file_range", hasattr(os, "copy_file_range")),
                ("sendfile", sys.platform.startswith("linux") and hasattr(os, "sendfile")),
                ("write", True),
            )
            if present
        ]

    @property
    def way(self) -> str:
        """How parts are copied now (``copy_file_range``, ``sendfile`` or ``write``)."""
        return self._ways[0]

    def append(self, path: str, size: int) -> None:
        """Append ``size`` bytes of part file ``path`` to the output, then remove the file."""
        src = os.open(path, os.O_RDONLY | _CLOEXEC)
        try:
            done = 0
            while done < size:
                copied = self._copy(src, done, size - done)
                if copied == 0:
                    raise OSError(errno.EIO, "a part file is shorter than its worker wrote", path)
                done += copied
        finally:
            os.close(src)
        os.unlink(path)
        self.committed = os.lseek(self.out, 0, os.SEEK_CUR)

    def _copy(self, src: int, offset: int, count: int) -> int:
        while True:
            way = self._ways[0]
            try:
                if way == "copy_file_range":
                    return os.copy_file_range(src, self.out, count, offset)
                if way == "sendfile":
                    return os.sendfile(self.out, src, offset, count)
                data = os.pread(src, min(count, BLOCK), offset)
                _write_all(self.out, data)
                return len(data)
            except OSError as exc:
                if way == "write" or exc.errno not in _UNSUPPORTED:
                    raise
                self._ways.pop(0)

    def cut_back(self) -> None:
        """Drop a partly appended part: the output ends after the last whole part."""
        try:
            if os.lseek(self.out, 0, os.SEEK_CUR) > self.committed:
                os.ftruncate(self.out, self.committed)
                os.lseek(self.out, self.committed, os.SEEK_SET)
        except OSError:  # the output is unusable anyway; the run's own error is the one to see
            pass
