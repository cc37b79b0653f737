"""Registry snapshots on disk, read as streams (docs/scale.md, DESIGN decision 11).

A snapshot is a directory::

    snapshot.json          optional manifest (schemas/snapshot.schema.json)
    bundles.jsonl          one bundle per line (schemas/bundle.schema.json), or
    bundles.parquet        the same rows as Parquet (read batch by batch), or
    bundles/part-*.jsonl|parquet   several parts, read in name order
    verifications.jsonl    optional: term verifications per school (O04)
    accounts.jsonl         optional: registry-system accounts (O12, schemas/account.schema.json)
    staff.jsonl            optional: registry staff (O15, schemas/staff.schema.json)

Nothing here holds more than one chunk of rows: :func:`iter_chunks` yields ``Chunk`` values of at
most ``size`` rows, each carrying its file and line numbers so a bad line can be named.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xueji_rules._json import loads_strict
from xueji_rules.engine._inputs import input_model
from xueji_rules.errors import InputError, Location

__all__ = ["Chunk", "Snapshot", "iter_chunks", "iter_side_rows", "open_snapshot", "side_row"]

MANIFEST = "snapshot.json"
SIDE_FILES = {
    "verifications": "verifications.jsonl",
    "accounts": "accounts.jsonl",
    "staff": "staff.jsonl",
}
SIDE_SCHEMAS = {
    "verifications": "verification",
    "accounts": "account",
    "staff": "staff",
}
_SUFFIXES = (".jsonl", ".parquet")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A snapshot directory: its manifest (if any), bundle files and side files."""

    root: Path
    manifest: dict[str, Any]
    bundle_files: tuple[Path, ...]
    side_files: dict[str, Path]

    def display(self, path: Path) -> str:
        """A path as shown in findings and errors: relative to the snapshot directory."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows of one bundle file, numbered from ``first``: JSONL lines (bytes), an Arrow record
    batch, or — for worker processes, so that the lines need not travel through a pipe — a byte
    range of a JSONL file (``path``, ``offset``, ``length``) that starts at line ``first``."""

    source: str
    first: int
    lines: tuple[tuple[int, bytes], ...] = ()
    batch: Any = None  # a pyarrow.RecordBatch for Parquet
    path: str | None = None
    offset: int = 0
    length: int = 0

    def rows(self) -> tuple[tuple[int, bytes], ...]:
        """The JSONL lines of the chunk with their numbers (read from ``path`` if need be)."""
        if self.path is None:
            return self.lines
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(self.length)
        # split as reading the file line by line does: at b"\n" only (not at a bare b"\r")
        parts = data.split(b"\n")
        if parts and not parts[-1]:
            parts.pop()
        return tuple(
            (number, line)
            for number, line in enumerate(parts, start=self.first)
            if line and not line.isspace()
        )


def _bad(message: str, path: Path | None = None) -> InputError:
    return InputError(message, Location(file=str(path) if path else None))


def _inside(root: Path, name: str) -> bool:
    target = (root / name).resolve()
    base = root.resolve()
    return target == base or base in target.parents


def open_snapshot(path: str | Path) -> Snapshot:
    """Open a snapshot directory (or a single ``.jsonl``/``.parquet`` bundle file).

    Raises :class:`InputError` when the path is not a snapshot: no bundle file, an unreadable or
    invalid manifest, or a listed file that does not exist.
    """
    root = Path(path)
    if root.is_file():
        if root.suffix not in _SUFFIXES:
            raise _bad("a snapshot file must end in .jsonl or .parquet", root)
        return Snapshot(root.parent, {}, (root,), {})
    if not root.is_dir():
        raise _bad("snapshot not found (a directory or a .jsonl/.parquet file)", root)
    manifest: dict[str, Any] = {}
    manifest_path = root / MANIFEST
    if manifest_path.exists():
        try:
            raw = loads_strict(manifest_path.read_bytes())
        except (OSError, ValueError, RecursionError) as exc:
            raise _bad(f"cannot read the manifest: {exc}", manifest_path) from None
        manifest = input_model("snapshot").convert(raw, str(manifest_path))
    for name in [*manifest.get("bundles", ()), *(manifest.get(k) for k in SIDE_FILES)]:
        if name is not None and not _inside(root, name):
            raise _bad(
                f"the manifest names {name!r}, which is outside the snapshot directory",
                manifest_path,
            )
    if "bundles" in manifest:
        files = tuple(root / name for name in manifest["bundles"])
    else:
        files = tuple(
            p for p in (root / "bundles.jsonl", root / "bundles.parquet") if p.is_file()
        ) or tuple(
            sorted(p for p in (root / "bundles").glob("*") if p.suffix in _SUFFIXES and p.is_file())
        )
    if not files:
        raise _bad(
            "no bundle file (bundles.jsonl, bundles.parquet or bundles/*.jsonl|parquet)", root
        )
    for file in files:
        if not file.is_file() or file.suffix not in _SUFFIXES:
            raise _bad("bundle file missing or not .jsonl/.parquet", file)
    side: dict[str, Path] = {}
    for kind, default in SIDE_FILES.items():
        name = manifest.get(kind, default)
        candidate = root / name
        if candidate.is_file():
            side[kind] = candidate
        elif kind in manifest:
            raise _bad(f"the manifest lists {kind} file {name!r}, which does not exist", root)
    return Snapshot(root, manifest, files, side)


def iter_chunks(snapshot: Snapshot, size: int = 1000, *, by_range: bool = False) -> Iterator[Chunk]:
    """The snapshot's bundle rows, ``size`` at a time, file by file in order.

    ``by_range``: JSONL chunks name a byte range of their file instead of carrying the lines
    (worker processes read them; a line's bytes then never pass through a pipe).
    """
    for file in snapshot.bundle_files:
        source = snapshot.display(file)
        if file.suffix == ".parquet":
            yield from _parquet_chunks(file, source, size)
            continue
        if by_range:
            yield from _range_chunks(file, source, size)
            continue
        with file.open("rb") as handle:
            lines: list[tuple[int, bytes]] = []
            for number, line in enumerate(handle, start=1):
                if not line or line.isspace():  # blank: isspace stops at the first other byte
                    continue
                lines.append((number, line))
                if len(lines) >= size:
                    yield Chunk(source, lines[0][0], tuple(lines))
                    lines = []
            if lines:
                yield Chunk(source, lines[0][0], tuple(lines))


def _range_chunks(file: Path, source: str, size: int) -> Iterator[Chunk]:
    path = str(file)
    with file.open("rb") as handle:
        start, first, rows, offset = 0, 1, 0, 0
        for number, line in enumerate(handle, start=1):
            offset += len(line)
            if line and not line.isspace():
                rows += 1
            if rows >= size:
                yield Chunk(source, first, path=path, offset=start, length=offset - start)
                start, first, rows = offset, number + 1, 0
        if offset > start:
            yield Chunk(source, first, path=path, offset=start, length=offset - start)


def _parquet_chunks(file: Path, source: str, size: int) -> Iterator[Chunk]:
    from xueji_rules.audit._arrow import require_pyarrow

    pa = require_pyarrow()
    try:
        reader = pa.parquet.ParquetFile(file)
        first = 1
        for batch in reader.iter_batches(batch_size=size):
            yield Chunk(source, first, batch=batch)
            first += batch.num_rows
    except (OSError, pa.ArrowException) as exc:
        raise _bad(f"cannot read Parquet: {exc}", file) from None


def iter_side_rows(
    snapshot: Snapshot, kind: str
) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    """Rows of a side file, or their error: verifications converted (dates as ``date``), accounts
    and staff checked against ``schemas/account.schema.json`` / ``staff.schema.json`` and kept as
    JSON."""
    path = snapshot.side_files.get(kind)
    if path is None:
        return
    source = snapshot.display(path)
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield number, side_row(kind, source, number, line)


def side_row(kind: str, source: str, number: int, line: bytes | str) -> dict[str, Any] | InputError:
    """One non-blank line of side file ``kind`` read as :func:`iter_side_rows` reads it (the
    single-machine audit and Spark call this same function): the row, or its error."""
    model = input_model(SIDE_SCHEMAS[kind])
    try:
        raw = loads_strict(line)
        converted = model.convert(raw, f"{source}:{number}")
        # accounts and staff go to the records package's checks as JSON (ISO dates)
        return converted if kind == "verifications" else raw
    except RecursionError:
        return InputError("not JSON: nested too deeply", Location(file=source, line=number))
    except ValueError as exc:  # UnicodeError included
        return InputError(f"not JSON: {exc}", Location(file=source, line=number))
    except InputError as exc:
        return exc
