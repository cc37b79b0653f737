"""What a service is started with: the pack (fixed for its lifetime) and its limits."""

from __future__ import annotations

from dataclasses import dataclass

from xueji_rules.errors import InputError

__all__ = ["ServiceConfig"]


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Settings of one service process; nothing in a request can change them.

    ``pack`` is a bundled pack name or a pack directory, read at start and again only on a
    reload (SIGHUP or ``POST /admin/reload``). ``timeout`` is the per-request deadline in
    seconds (for a batch: per line, with ``batch_timeout`` for the whole stream);
    ``max_body_bytes`` bounds a JSON body and each batch line, ``max_batch_bytes`` a whole batch.
    ``threads`` is the size of the pool that decides, ``max_pending`` the number of requests
    that may wait for it before new ones get 503. ``admin_token`` switches ``POST /admin/reload``
    on (off when ``None``). ``decision_log`` is a file path (``-`` for standard output) that
    receives one JSON line per decision, personal fields masked.
    """

    pack: str
    calendar_files: tuple[str, ...] = ()
    strict_calendar: bool = False
    timeout: float = 10.0
    batch_timeout: float = 600.0
    max_body_bytes: int = 1 << 20
    max_batch_bytes: int = 1 << 30
    threads: int = 2
    max_pending: int = 64
    admin_token: str | None = None
    decision_log: str | None = None
    handle_sighup: bool = False
    supervised: bool = False

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.batch_timeout <= 0:
            raise InputError("--timeout and --batch-timeout must be positive")
        if self.threads < 1 or self.max_pending < 1 or self.max_body_bytes < 1:
            raise InputError("--threads, --max-pending and --max-body-bytes must be at least 1")
