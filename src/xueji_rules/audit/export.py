"""De-identified copies of whole registry snapshots (``xueji-rules export --deidentify``).

A snapshot directory (docs/scale.md) is copied bundle by bundle, streamed (JSONL or Parquet in,
JSONL out), into a new directory of the same layout. It is a data release, not an audit input:
generalised birth dates (``2016-01``) are no longer dates, and the rules that read ages would
decide differently on them.

* the bundle's ``record`` and its history's ``start`` through the records package's
  :class:`~xueji_rules.records.Deidentifier` (the pack's ``records/privacy.yaml``: names,
  document numbers and phones removed, the 学籍号 and the person replaced by keyed pseudonyms,
  birth dates and addresses generalised), so the same child keeps the same pseudonyms across
  records, events and exports made with the same key;
* every event's ``after.id`` (a changed 学籍号) pseudonymised with the same key;
* as a last guard, any string left anywhere in the bundle (requests included) that contains a
  name, document number, phone or 学籍号 of the bundle's records is dropped;
* rosters, archive entries, transfer backups: school ids and dates, kept;
* the side files (verifications, accounts, staff) hold no personal data of the pack's list and
  are copied line by line after their schema check.

The report counts what was removed, pseudonymised and generalised over the bundles' records and
gives the k-anonymity of the quasi-identifiers that remain (spill files: bounded memory). A line
that cannot be read stops the export (exit 2, naming file and line); nothing partial is left.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xueji_rules._json import DECODE_ERRORS, loads
from xueji_rules.audit.bundle import chunk_rows
from xueji_rules.audit.snapshot import SIDE_FILES, iter_chunks, iter_side_rows, open_snapshot
from xueji_rules.errors import InputError, Location
from xueji_rules.records.deidentify import (
    GUARDED_KINDS,
    Deidentifier,
    DeidentifyReport,
    QuasiIdentifierClasses,
    drop_personal_strings,
)

__all__ = ["deidentify_bundle", "export_snapshot", "is_snapshot"]


def is_snapshot(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a snapshot directory (a manifest or a bundle file in it)."""
    root = Path(path)
    return root.is_dir() and any(
        (root / name).exists()
        for name in ("snapshot.json", "bundles.jsonl", "bundles.parquet", "bundles")
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def deidentify_bundle(
    bundle: Mapping[str, Any], deidentifier: Deidentifier, report: DeidentifyReport | None = None
) -> dict[str, Any]:
    """A de-identified copy of one bundle (its ``record`` counted in ``report``)."""
    data: dict[str, Any] = _plain(bundle)
    masker = deidentifier.masker
    sources = [data.get("record")]
    history = data.get("history")
    if isinstance(history, dict):
        sources.append(history.get("start"))
    personal = [
        text
        for source in sources
        if isinstance(source, Mapping)
        for f, text in masker.personal_values(source)
        if f.kind in GUARDED_KINDS
    ]
    if isinstance(data.get("record"), Mapping):
        data["record"] = deidentifier.record(data["record"], report)
    if isinstance(history, dict):
        if isinstance(history.get("start"), Mapping):
            history["start"] = deidentifier.record(history["start"])
        events = history.get("events")
        for event in events if isinstance(events, list) else ():  # a damaged bundle: anything
            after = event.get("after") if isinstance(event, dict) else None
            if isinstance(after, dict) and isinstance(after.get("id"), str):
                after["id"] = deidentifier.pseudonym("registry_number", after["id"])
    dropped = drop_personal_strings(data, personal)
    if report is not None:
        report.dropped_by_guard += dropped
    return data


def export_snapshot(
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    deidentifier: Deidentifier,
    *,
    workdir: str | os.PathLike[str],
    chunk_size: int = 1000,
) -> DeidentifyReport:
    """Write a de-identified copy of the snapshot ``source`` into the new directory ``out_dir``.

    Raises :class:`~xueji_rules.errors.InputError` (and leaves no output) when a line cannot be
    read or ``out_dir`` exists already.
    """
    snap = open_snapshot(Path(source))
    target = Path(out_dir)
    if target.exists():
        raise InputError("the output directory exists already", Location(file=str(target)))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    report = DeidentifyReport()
    classes = QuasiIdentifierClasses(deidentifier.spec, workdir)
    try:
        with open(staging / "bundles.jsonl", "w", encoding="utf-8") as out:
            for chunk in iter_chunks(snap, chunk_size):
                for line, raw in chunk_rows(chunk):
                    try:
                        bundle = loads(raw) if isinstance(raw, bytes | str) else raw
                    except DECODE_ERRORS:
                        raise InputError(
                            "not valid JSON", Location(file=chunk.source, line=line)
                        ) from None
                    if not isinstance(bundle, Mapping):
                        raise InputError(
                            "a bundle line must hold one JSON object",
                            Location(file=chunk.source, line=line),
                        )
                    copy = deidentify_bundle(bundle, deidentifier, report)
                    out.write(json.dumps(copy, ensure_ascii=False, sort_keys=True) + "\n")
                    if isinstance(copy.get("record"), Mapping):
                        classes.add(copy["record"])
        manifest: dict[str, Any] = {
            "format": "xueji-snapshot/1",
            "bundles": ["bundles.jsonl"],
            "deidentified": True,
            "generator": "xueji-rules export --deidentify",
        }
        for key in ("region", "taken_on", "pack"):
            if key in snap.manifest:
                manifest[key] = _plain(snap.manifest[key])
        for kind, default in SIDE_FILES.items():
            if kind not in snap.side_files:
                continue
            with open(staging / default, "w", encoding="utf-8") as side:
                for number, row in iter_side_rows(snap, kind):
                    if isinstance(row, InputError):
                        raise InputError(
                            row.message,
                            Location(file=snap.display(snap.side_files[kind]), line=number),
                        )
                    side.write(json.dumps(_plain(row), ensure_ascii=False, sort_keys=True) + "\n")
            manifest[kind] = default
        (staging / "snapshot.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        classes.finish(report)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        classes.close()
    return report
