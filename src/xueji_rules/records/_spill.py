"""Hash-partitioned spill files: group rows by key over a stream with bounded memory.

Rows are appended to one of ``partitions`` files chosen by a stable hash of their key (CRC-32,
the same in every process and run; the keys are keyed hashes or ids already, so spreading them
evenly needs no cryptographic hash), buffered up to ``buffer_bytes`` in total and written as
blocks: two lengths (8 bytes each, little-endian), then the block's keys and its rows, each a
``marshal`` tuple (rows: tuples, lists, text, numbers, booleans, ``None``). :func:`read_groups`
then reads one partition at a time and yields each key's rows, so memory holds the write buffer
plus one partition: for N rows about N / ``partitions`` of them. :func:`read_repeated` reads
only the keys first and loads the rows of the blocks that hold a key seen twice: the
cross-record checks need no other (D-343).

Several processes may write into one spill directory at once (the audit's workers do), each
under its own ``writer`` name; a partition is all its writers' files together. Keys should
already be keyed hashes (never personal data in clear); the directory is private to the
process (``mkdtemp``, mode 0700) and removed when the groups have been read or :meth:`Spill.close`
is called. The files live only for one run and are read by the process family that wrote them,
so the format is ``marshal``'s (fast, and only plain data can be in it).
"""

from __future__ import annotations

import marshal
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["Spill", "SpillWriter", "partition_of", "read_groups", "read_partition", "read_repeated"]


def partition_of(key: str, partitions: int) -> int:
    """The partition of ``key`` (stable across processes and runs)."""
    return zlib.crc32(key.encode("utf-8")) % partitions


class SpillWriter:
    """Appends ``(key, row)`` pairs to the partition files of ``directory`` as ``writer``.

    Each :meth:`flush` writes one block per partition with one unbuffered ``write``, so a
    process that ends without closing the writer loses nothing already flushed.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        partitions: int,
        *,
        writer: str = "w",
        buffer_bytes: int = 16 << 20,
    ) -> None:
        if partitions < 1 or partitions > 65536:
            raise ValueError("partitions must be between 1 and 65536")
        self.dir = Path(directory)
        self.partitions = partitions
        self.writer = writer
        self.buffer_rows = max(1, buffer_bytes // 64)
        self._buffers: list[list[tuple[str, Any]]] = [[] for _ in range(partitions)]
        self._buffered = 0
        self.rows = 0
        # partition files stay open between flushes (opening them again cost more than the
        # writes), up to _OPEN_FILES of them; the rest are opened for each write
        self._handles: dict[int, Any] = {}

    def add(self, key: str, row: Any) -> None:
        """Append ``row`` under ``key``."""
        self._buffers[partition_of(key, self.partitions)].append((key, row))
        self._buffered += 1
        self.rows += 1
        if self._buffered >= self.buffer_rows:
            self.flush()

    def add_many(self, pairs: Iterable[tuple[str, Any]]) -> None:
        """Append many ``(key, row)`` pairs."""
        buffers, n, crc = self._buffers, self.partitions, zlib.crc32
        count = 0
        for key, row in pairs:
            buffers[crc(key.encode("utf-8")) % n].append((key, row))
            count += 1
        self._buffered += count
        self.rows += count
        if self._buffered >= self.buffer_rows:
            self.flush()

    def flush(self) -> None:
        """Write every buffered pair to its partition file."""
        for index, pairs in enumerate(self._buffers):
            if pairs:
                keys, rows = zip(*pairs, strict=True)
                key_block, row_block = marshal.dumps(keys), marshal.dumps(rows)
                block = b"".join(
                    (
                        len(key_block).to_bytes(8, "little"),
                        len(row_block).to_bytes(8, "little"),
                        key_block,
                        row_block,
                    )
                )
                handle = self._handles.get(index)
                if handle is not None:
                    handle.write(block)
                else:
                    path = self.dir / f"{index:05d}.{self.writer}.bin"
                    handle = open(path, "ab", buffering=0)  # noqa: SIM115 (kept open, closed in close)
                    handle.write(block)
                    if len(self._handles) < _OPEN_FILES:
                        self._handles[index] = handle
                    else:
                        handle.close()
                pairs.clear()
        self._buffered = 0

    def close(self) -> None:
        """Flush, then close the partition files this writer keeps open."""
        self.flush()
        handles, self._handles = self._handles, {}
        for handle in handles.values():
            handle.close()


_OPEN_FILES = 256  # partition files a writer keeps open (well under the usual 1024 descriptors)


def _blocks(directory: str | os.PathLike[str], index: int) -> Iterator[tuple[Any, int, int]]:
    """The blocks of partition ``index``: each block's open file, its rows' offset and size
    (writers by name, each in its order); the file is open until the next block is asked."""
    for path in sorted(Path(directory).glob(f"{index:05d}.*.bin")):
        with open(path, "rb") as fh:
            # length-prefixed blocks: marshal.load on a file reads it a few bytes at a time
            offset = 0
            while len(header := fh.read(16)) == 16:
                key_size = int.from_bytes(header[:8], "little")
                row_size = int.from_bytes(header[8:], "little")
                yield fh, key_size, row_size
                offset += 16 + key_size + row_size
                fh.seek(offset)


def read_partition(directory: str | os.PathLike[str], index: int) -> dict[str, list[Any]]:
    """Every key of partition ``index`` with its rows (in each writer's order, writers by name)."""
    grouped: dict[str, list[Any]] = {}
    for fh, key_size, row_size in _blocks(directory, index):
        keys = marshal.loads(fh.read(key_size))
        for key, row in zip(keys, marshal.loads(fh.read(row_size)), strict=True):
            rows = grouped.get(key)
            if rows is None:
                grouped[key] = [row]
            else:
                rows.append(row)
    return grouped


def read_repeated(directory: str | os.PathLike[str], index: int) -> dict[str, list[Any]]:
    """:func:`read_partition` restricted to the keys with two rows or more (same order).

    Almost every key of a registry's facts has one row (one record per person and number),
    and such a key can make no finding; so the keys are read first and only the blocks that
    hold a repeated key have their rows loaded.
    """
    blocks: list[tuple[str, tuple[Any, ...], int, int]] = []
    seen: set[Any] = set()
    repeated: set[Any] = set()
    for fh, key_size, row_size in _blocks(directory, index):
        start = fh.tell()
        keys = marshal.loads(fh.read(key_size))
        distinct = set(keys)
        if len(distinct) < len(keys):  # a key twice in one block
            repeated.update(k for k in distinct if keys.count(k) > 1)
        repeated |= seen & distinct
        seen |= distinct
        blocks.append((fh.name, keys, start + key_size, row_size))
    del seen
    grouped: dict[str, list[Any]] = {}
    if not repeated:
        return grouped
    handles: dict[str, Any] = {}
    try:
        for name, keys, offset, row_size in blocks:
            if repeated.isdisjoint(keys):
                continue
            fh = handles.get(name)
            if fh is None:
                fh = handles[name] = open(name, "rb")  # noqa: SIM115 (closed below)
            fh.seek(offset)
            for key, row in zip(keys, marshal.loads(fh.read(row_size)), strict=True):
                if key in repeated:
                    rows = grouped.get(key)
                    if rows is None:
                        grouped[key] = [row]
                    else:
                        rows.append(row)
    finally:
        for fh in handles.values():
            fh.close()
    return grouped


def read_groups(
    directory: str | os.PathLike[str], partitions: int
) -> Iterator[tuple[str, list[Any]]]:
    """Each key with its rows, partition by partition, keys sorted within a partition."""
    for index in range(partitions):
        grouped = read_partition(directory, index)
        for key in sorted(grouped):
            yield key, grouped[key]


class Spill:
    """Rows grouped by key through ``partitions`` files in a fresh directory under ``workdir``."""

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        name: str,
        *,
        partitions: int = 256,
        buffer_bytes: int = 16 << 20,
    ) -> None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"xueji-{name}-", dir=workdir))
        self.partitions = partitions
        self._writer = SpillWriter(self.dir, partitions, buffer_bytes=buffer_bytes)

    @property
    def rows(self) -> int:
        """How many rows were added."""
        return self._writer.rows

    def add(self, key: str, row: Any) -> None:
        """Append ``row`` (plain data) under ``key``."""
        self._writer.add(key, row)

    def flush(self) -> None:
        """Write every buffered row to its partition file."""
        self._writer.flush()

    def groups(self) -> Iterator[tuple[str, list[Any]]]:
        """Each key with its rows (in insertion order), partition by partition, keys sorted.

        The spill is consumed: the directory is removed at the end.
        """
        self.flush()
        try:
            yield from read_groups(self.dir, self.partitions)
        finally:
            self.close()

    def close(self) -> None:
        """Remove the spill directory and everything in it."""
        self._writer._buffers = [[] for _ in range(self.partitions)]
        self._writer.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
