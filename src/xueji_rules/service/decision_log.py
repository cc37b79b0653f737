"""Decision logs: one JSON line per decision, with personal fields masked.

Masking uses the records package's ``Masker`` (SD7: the pack's own list of personal fields)
when it is installed; until then the personal fields of a record are masked here: the 学籍号
(``id``, which embeds the identity-card number) and the birth date, in the record and in the
decision's ``record_id``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from xueji_rules.errors import InputError, Location

if TYPE_CHECKING:
    from xueji_rules.packs.model import Pack

__all__ = ["DecisionLog", "FallbackMasking", "Masking", "mask_id", "masking_for"]


class Masking(Protocol):
    """What a log needs from a masker."""

    def mask_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record with its personal values masked."""
        ...

    def mask_id(self, record_id: str) -> str:
        """The masked 学籍号."""
        ...


def mask_id(value: str) -> str:
    """Keep the first four and last two characters; the rest becomes ``*``."""
    if len(value) <= 6:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


@dataclass(frozen=True, slots=True)
class FallbackMasking:
    """The fallback: 学籍号 and birth date."""

    def mask_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(record)
        if isinstance(out.get("id"), str):
            out["id"] = mask_id(out["id"])
        if isinstance(out.get("birth_date"), str):
            out["birth_date"] = out["birth_date"][:4] + "-**-**"
        return out

    def mask_id(self, record_id: str) -> str:
        return mask_id(record_id)


def masking_for(pack: Pack) -> Masking:
    """The records package's masker for ``pack`` when available, else the fallback."""
    try:
        module = importlib.import_module("xueji_rules.records.masking")
    except ImportError:
        return FallbackMasking()
    masker: Masking = module.Masker.for_pack(pack)
    return masker


class DecisionLog:
    """Appends decision lines to a file (``-``: standard output).

    Each line is one ``write`` on a file opened with ``O_APPEND``, so the lines of several
    threads, or of several worker processes sharing the file, never interleave.
    """

    def __init__(self, target: str) -> None:
        self._own = target != "-"
        self._lock = threading.Lock()
        self._fd = sys.stdout.fileno() if not self._own else -1
        if self._own:
            try:
                self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            except OSError as exc:
                raise InputError(
                    f"cannot open the decision log: {exc.strerror}", Location(file=target)
                ) from None

    def write(
        self,
        masking: Masking,
        record: Mapping[str, Any],
        request: Mapping[str, Any],
        decision: Mapping[str, Any],
        pack: Mapping[str, str],
    ) -> None:
        """Log one decision (the record masked, the decision's ``record_id`` too)."""
        record_id = decision.get("record_id")
        line = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "pack": dict(pack),
            "record": masking.mask_record(record),
            "request": dict(request),
            "decision": {
                **decision,
                "record_id": masking.mask_id(record_id) if isinstance(record_id, str) else "",
            },
        }
        data = (json.dumps(line, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        """Close the file (standard output is left open)."""
        if self._own and self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
