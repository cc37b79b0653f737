"""A snapshot directory named by a URI (``hdfs://``, ``s3a://``, ``abfss://``, ``file://`` …).

On a cluster the snapshot lives where every executor can read it, which is rarely a local
directory of the driver. This module opens such a snapshot through the Hadoop ``FileSystem`` the
Spark session is configured with (its credentials and settings), applying the same rules as
:func:`xueji_rules.audit.open_snapshot` does to a local directory: the manifest is schema-checked,
names in it stay inside the snapshot, and without a manifest ``bundles.jsonl``,
``bundles.parquet`` or ``bundles/*.jsonl|parquet`` are used. Files are named in findings relative
to the snapshot, as on one machine.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from xueji_rules.audit.snapshot import MANIFEST, SIDE_FILES
from xueji_rules.engine._inputs import input_model
from xueji_rules.errors import InputError, Location

__all__ = ["RemoteSnapshot", "is_uri", "open_remote_snapshot"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SUFFIXES = (".jsonl", ".parquet")
MAX_MANIFEST_BYTES = 1 << 20


def is_uri(path: str) -> bool:
    """Whether ``path`` names a file system by its scheme (``hdfs://…``) rather than a local
    path."""
    return bool(_SCHEME.match(path))


@dataclass(frozen=True, slots=True)
class RemoteSnapshot:
    """A snapshot's bundle and side files as URIs, with the names findings show for them."""

    root: str
    bundle_files: tuple[str, ...]
    side_files: dict[str, str]

    def display(self, uri: str) -> str:
        """A file as shown in findings and errors: relative to the snapshot directory."""
        prefix = self.root.rstrip("/") + "/"
        return uri[len(prefix) :] if uri.startswith(prefix) else uri


class _FileSystem:
    """The few Hadoop ``FileSystem`` calls a snapshot needs, through the session's JVM."""

    def __init__(self, spark: Any, uri: str) -> None:
        self._jvm = spark.sparkContext._jvm
        conf = spark.sparkContext._jsc.hadoopConfiguration()
        try:
            self._fs = self._path(uri).getFileSystem(conf)
        except Exception as exc:  # py4j wraps the JVM's error; its first line says what
            raise _bad(f"no file system for this URI: {_first_line(exc)}", uri) from None

    def _path(self, uri: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def kind(self, uri: str) -> str | None:
        """``"file"``, ``"dir"`` or ``None`` when nothing is there."""
        try:
            status = self._fs.getFileStatus(self._path(uri))
        except Exception as exc:
            if "FileNotFoundException" in str(exc):
                return None
            raise _bad(f"cannot read: {_first_line(exc)}", uri) from None
        return "dir" if status.isDirectory() else "file"

    def files_in(self, uri: str) -> list[str]:
        """The names of the regular files directly inside directory ``uri``."""
        try:
            statuses = self._fs.listStatus(self._path(uri))
        except Exception as exc:
            raise _bad(f"cannot list: {_first_line(exc)}", uri) from None
        return sorted(s.getPath().getName() for s in statuses if s.isFile())

    def read(self, uri: str, limit: int) -> bytes:
        """The bytes of file ``uri`` (at most ``limit``)."""
        path = self._path(uri)
        try:
            size = self._fs.getFileStatus(path).getLen()
            if size > limit:
                raise _bad(f"the manifest is larger than {limit} bytes", uri)
            stream = self._fs.open(path)
            try:
                data = self._jvm.org.apache.commons.io.IOUtils.toByteArray(stream)
            finally:
                stream.close()
        except InputError:
            raise
        except Exception as exc:
            raise _bad(f"cannot read: {_first_line(exc)}", uri) from None
        return bytes(data)


def open_remote_snapshot(spark: Any, uri: str) -> RemoteSnapshot:
    """Open the snapshot directory (or single ``.jsonl``/``.parquet`` bundle file) at ``uri``.

    Raises :class:`InputError` naming the URI when it is not a snapshot: nothing there, no bundle
    file, an unreadable or invalid manifest, a name in the manifest outside the snapshot, or a
    listed file that does not exist.
    """
    fs = _FileSystem(spark, uri)
    root = uri.rstrip("/")
    found = fs.kind(root)
    if found == "file":
        if not root.endswith(_SUFFIXES):
            raise _bad("a snapshot file must end in .jsonl or .parquet", root)
        return RemoteSnapshot(posixpath.dirname(root), (root,), {})
    if found is None:
        raise _bad("snapshot not found (a directory or a .jsonl/.parquet file)", root)
    manifest = _manifest(fs, root)
    if "bundles" in manifest:
        files = tuple(_join(root, name) for name in manifest["bundles"])
    else:
        top = [
            name
            for name in ("bundles.jsonl", "bundles.parquet")
            if fs.kind(_join(root, name)) == "file"
        ]
        if top:
            files = tuple(_join(root, name) for name in top)
        elif fs.kind(_join(root, "bundles")) == "dir":
            names = fs.files_in(_join(root, "bundles"))
            files = tuple(_join(root, f"bundles/{n}") for n in names if n.endswith(_SUFFIXES))
        else:
            files = ()
    if not files:
        raise _bad(
            "no bundle file (bundles.jsonl, bundles.parquet or bundles/*.jsonl|parquet)", root
        )
    for file in files:
        if not file.endswith(_SUFFIXES) or fs.kind(file) != "file":
            raise _bad("bundle file missing or not .jsonl/.parquet", file)
    side: dict[str, str] = {}
    for kind, default in SIDE_FILES.items():
        name = manifest.get(kind, default)
        if fs.kind(_join(root, name)) == "file":
            side[kind] = _join(root, name)
        elif kind in manifest:
            raise _bad(f"the manifest lists {kind} file {name!r}, which does not exist", root)
    return RemoteSnapshot(root, files, side)


def _manifest(fs: _FileSystem, root: str) -> dict[str, Any]:
    where = _join(root, MANIFEST)
    if fs.kind(where) != "file":
        return {}
    try:
        raw = json.loads(fs.read(where, MAX_MANIFEST_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(f"cannot read the manifest: {exc}", where) from None
    manifest: dict[str, Any] = input_model("snapshot").convert(raw, where)
    for name in [*manifest.get("bundles", ()), *(manifest.get(k) for k in SIDE_FILES)]:
        if name is not None and not _relative_inside(name):
            raise _bad(
                f"the manifest names {name!r}, which is outside the snapshot directory", where
            )
    return manifest


def _relative_inside(name: str) -> bool:
    """Whether ``name``, read relative to the snapshot directory, stays inside it."""
    if is_uri(name) or name.startswith("/"):
        return False
    norm = posixpath.normpath(name)
    return norm != ".." and not norm.startswith("../")


def _join(root: str, name: str) -> str:
    return f"{root}/{posixpath.normpath(name)}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        if "Exception" in line or "Error" in line:
            return line.strip()[:300]
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _bad(message: str, uri: str) -> InputError:
    return InputError(message, Location(file=uri))
