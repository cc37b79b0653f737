"""Decision logs: one JSON line per decision, with personal fields masked.

Masking is the records package's ``Masker`` for the pack (SD7): every field the pack declares
personal is masked in the logged record and in the logged request (``records/privacy.yaml``:
``personal_fields`` and ``request_fields``), and the decision's ``record_id`` (the 学籍号, which
embeds the identity-card number) is masked the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from xueji_rules.errors import InputError, Location

if TYPE_CHECKING:
    from xueji_rules.packs.model import Pack

__all__ = ["DecisionLog", "Masking", "masking_for"]


class Masking(Protocol):
    """What a log needs from a masker."""

    def mask_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The record with its personal values masked."""
        ...

    def mask_request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The request with its personal values masked."""
        ...

    def mask_id(self, record_id: str) -> str:
        """The masked 学籍号."""
        ...


def masking_for(pack: Pack) -> Masking:
    """The records package's masker for ``pack`` (its declared personal fields)."""
    from xueji_rules.records.masking import Masker

    masker: Masking = Masker.for_pack(pack)
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
        """Log one decision (record and request masked, the decision's ``record_id`` too)."""
        record_id = decision.get("record_id")
        line = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "pack": dict(pack),
            "record": masking.mask_record(record),
            "request": masking.mask_request(request),
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
