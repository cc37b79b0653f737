"""Getting a pack to Spark executors.

* A **bundled** pack (and a bundled base of a path pack) is not shipped: executors have the
  installed package, and each checks that its pack has the driver's id, version and rule ids.
* Every other layer of the chain, and every extra calendar file, goes into one zip registered
  with ``SparkContext.addFile``; the layers keep their relative places (their common parent is
  the zip's root), so ``extends: ../national`` resolves on the executor as on the driver. Each
  executor process unpacks it once into a private temporary directory.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xueji_rules._resources import packs_root
from xueji_rules.errors import InputError, Location
from xueji_rules.packs.model import Pack

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = ["PackShipment", "fingerprint", "ship_engine"]


@dataclass(frozen=True, slots=True)
class PackShipment:
    """What an executor needs to build the driver's engine (small; pickled with the job).

    ``pack`` is a bundled name, or a path inside the zip named ``archive``; ``calendars`` are
    paths inside the zip; ``expected`` is the driver pack's :func:`fingerprint`.
    """

    key: str
    pack: str
    archive: str | None
    calendars: tuple[str, ...]
    strict_calendar: bool
    other_options: tuple[tuple[str, Any], ...]
    expected: tuple[Any, ...]


def fingerprint(pack: Pack) -> tuple[Any, ...]:
    """What must agree between driver and executor: id, version, chain, rule ids (and digest)."""
    return (
        pack.id,
        pack.version,
        pack.chain,
        tuple(rule.id for rule in pack.rules),
        getattr(pack, "digest", None),
    )


def _bundled_name(root: str) -> str | None:
    path = Path(root).resolve()
    base = packs_root().resolve()
    return path.name if path.parent == base else None


def _files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "tests" and not d.startswith("."))
        out += [Path(dirpath) / f for f in sorted(filenames) if not f.startswith(".")]
    return out


def _zip(layers: Sequence[Path], calendars: Sequence[Path]) -> tuple[bytes, dict[Path, str]]:
    """The zip's bytes and where each layer root / calendar file sits inside it."""
    where: dict[Path, str] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if layers:
            top = Path(os.path.commonpath([str(p) for p in layers]))
            if top in layers:  # a single layer, or a base that holds the others: keep its name
                top = top.parent
            for root in layers:
                where[root] = "packs/" + root.relative_to(top).as_posix()
                for file in _files(root):
                    info = zipfile.ZipInfo("packs/" + file.relative_to(top).as_posix())
                    info.date_time = (2020, 1, 1, 0, 0, 0)  # same pack, same bytes, same key
                    archive.writestr(info, file.read_bytes())
        for index, file in enumerate(calendars):
            name = f"calendars/{index}-{file.name}"
            where[file] = name
            info = zipfile.ZipInfo(name)
            info.date_time = (2020, 1, 1, 0, 0, 0)
            archive.writestr(info, file.read_bytes())
    return buffer.getvalue(), where


def ship_engine(spark: Any, engine: Engine) -> PackShipment:
    """Register what executors need to rebuild ``engine`` with ``spark``; return its shipment."""
    pack = engine.pack
    options: Mapping[str, Any] = engine._options
    calendars = [Path(f).resolve() for f in options.get("calendar_files", ())]
    layers = [Path(r).resolve() for r in (pack.root, *pack.base_roots)]
    to_ship = [root for root in layers if _bundled_name(str(root)) is None]
    top_bundled = _bundled_name(pack.root)
    for file in calendars:
        if not file.is_file():
            raise InputError("calendar file not found", Location(file=str(file)))
    archive_name = None
    where: dict[Path, str] = {}
    if to_ship or calendars:
        data, where = _zip(to_ship, calendars)
        digest = hashlib.sha256(data).hexdigest()[:16]
        archive_name = f"xueji-pack-{digest}.zip"
        folder = Path(tempfile.mkdtemp(prefix="xueji-spark-"))
        path = folder / archive_name
        path.write_bytes(data)
        spark.sparkContext.addFile(str(path))
    ref = top_bundled if top_bundled is not None else where[layers[0]]
    others = tuple(
        sorted((k, v) for k, v in options.items() if k not in ("calendar_files", "strict_calendar"))
    )
    expected = fingerprint(pack)
    key_text = repr(
        (
            ref,
            archive_name,
            sorted(where.values()),
            options.get("strict_calendar"),
            others,
            expected,
        )
    )
    return PackShipment(
        key=hashlib.sha256(key_text.encode()).hexdigest()[:24],
        pack=ref,
        archive=archive_name,
        calendars=tuple(where[f] for f in calendars),
        strict_calendar=bool(options.get("strict_calendar", False)),
        other_options=others,
        expected=expected,
    )
