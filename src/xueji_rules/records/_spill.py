"""Hash-partitioned spill files: group rows by key over a stream with bounded memory.

Rows are appended, as JSON lines, to one of ``partitions`` files chosen by a stable hash of
their key (BLAKE2b, the same in every process and run); writes are buffered up to
``buffer_bytes`` in total. :meth:`Spill.groups` then reads one partition at a time and yields
each key's rows, so memory holds the write buffer plus one partition: for N rows about N /
``partitions`` of them. Keys should already be keyed hashes (never personal data in clear); the
files are private to the process (a fresh ``mkdtemp`` directory, mode 0700) and removed when
the groups have been read or :meth:`Spill.close` is called.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["Spill"]


class Spill:
    """Rows grouped by key through ``partitions`` files under ``workdir``."""

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        name: str,
        *,
        partitions: int = 256,
        buffer_bytes: int = 16 << 20,
    ) -> None:
        if partitions < 1 or partitions > 65536:
            raise ValueError("partitions must be between 1 and 65536")
        Path(workdir).mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"xueji-{name}-", dir=workdir))
        self.partitions = partitions
        self.buffer_bytes = buffer_bytes
        self._buffers: list[list[str]] = [[] for _ in range(partitions)]
        self._buffered = 0
        self.rows = 0

    def _index(self, key: str) -> int:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.partitions

    def add(self, key: str, row: Any) -> None:
        """Append ``row`` (JSON-serialisable) under ``key``."""
        line = json.dumps([key, row], ensure_ascii=False, separators=(",", ":")) + "\n"
        self._buffers[self._index(key)].append(line)
        self._buffered += len(line)
        self.rows += 1
        if self._buffered >= self.buffer_bytes:
            self.flush()

    def flush(self) -> None:
        """Write every buffered row to its partition file."""
        for index, lines in enumerate(self._buffers):
            if lines:
                with open(self.dir / f"{index:05d}.jsonl", "a", encoding="utf-8") as fh:
                    fh.writelines(lines)
                lines.clear()
        self._buffered = 0

    def groups(self) -> Iterator[tuple[str, list[Any]]]:
        """Each key with its rows (in insertion order), partition by partition, keys sorted.

        The spill is consumed: its files are removed as they are read, and the directory at
        the end.
        """
        self.flush()
        try:
            for index in range(self.partitions):
                path = self.dir / f"{index:05d}.jsonl"
                if not path.exists():
                    continue
                grouped: dict[str, list[Any]] = {}
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        key, row = json.loads(line)
                        grouped.setdefault(key, []).append(row)
                path.unlink()
                for key in sorted(grouped):
                    yield key, grouped[key]
        finally:
            self.close()

    def close(self) -> None:
        """Remove the spill directory and everything in it."""
        self._buffers = [[] for _ in range(self.partitions)]
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
