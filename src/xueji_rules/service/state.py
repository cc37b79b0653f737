"""The pack a service decides with, swapped atomically on reload.

A request takes one :class:`Snapshot` when it starts and uses it to the end, so a reload never
changes the engine under a request in flight, and every answer names the digest that decided it.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xueji_rules.service.config import ServiceConfig
from xueji_rules.service.decision_log import Masking, masking_for

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = ["PackHolder", "Snapshot", "pack_digest"]


def pack_digest(engine: Engine) -> str:
    """The digest of the engine's pack (``Pack.digest``, SD1: every file of every layer that can
    change a decision, ``tests/`` excluded), as every answer names it."""
    return engine.pack.digest


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One loaded engine with the identity of its pack (and how its logs mask records)."""

    engine: Engine
    digest: str
    generation: int
    masking: Masking

    @property
    def pack_json(self) -> dict[str, str]:
        """``{"id", "version", "digest"}`` of the pack."""
        pack = self.engine.pack
        return {"id": pack.id, "version": pack.version, "digest": self.digest}


def load_snapshot(config: ServiceConfig, generation: int) -> Snapshot:
    """Load and compile the configured pack (raises ``PackError`` listing every problem)."""
    from xueji_rules.engine import Engine

    engine = Engine(
        config.pack,
        calendar_files=config.calendar_files,
        strict_calendar=config.strict_calendar,
    )
    return Snapshot(engine, pack_digest(engine), generation, masking_for(engine.pack))


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload did: the digests before and after, and whether the pack changed."""

    previous: str
    current: str

    @property
    def changed(self) -> bool:
        """True when the new pack's digest differs from the one it replaced."""
        return self.previous != self.current


class PackHolder:
    """Holds the current snapshot; :meth:`reload` loads a new one beside it, then swaps."""

    def __init__(self, config: ServiceConfig, snapshot: Snapshot | None = None) -> None:
        self._config = config
        self._current = snapshot if snapshot is not None else load_snapshot(config, 1)
        self._lock = threading.Lock()  # one reload at a time; requests never take it

    @property
    def current(self) -> Snapshot:
        """The snapshot new requests use (a plain attribute read: atomic)."""
        return self._current

    def reload_blocking(self) -> ReloadResult:
        """Load the pack again and swap it in; on any error keep the old one and re-raise."""
        with self._lock:
            previous = self._current
            fresh = load_snapshot(self._config, previous.generation + 1)
            if fresh.digest == previous.digest:
                return ReloadResult(previous.digest, previous.digest)
            self._current = fresh
            return ReloadResult(previous.digest, fresh.digest)

    async def reload(self) -> ReloadResult:
        """:meth:`reload_blocking` in a thread of its own, so requests keep being served."""
        return await asyncio.to_thread(self.reload_blocking)
