"""The service's shared state: the pack holder, the deciding pool, metrics and the log."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from xueji_rules.errors import XuejiRulesError
from xueji_rules.service.config import ServiceConfig
from xueji_rules.service.decision_log import DecisionLog
from xueji_rules.service.executor import DeadlineExecutor
from xueji_rules.service.metrics import Metrics
from xueji_rules.service.state import PackHolder, ReloadResult, Snapshot

__all__ = ["Service"]

log = logging.getLogger("xueji_rules.service")


class Service:
    """Everything a request handler needs: the pack holder, the pool, metrics and the log."""

    def __init__(self, config: ServiceConfig, snapshot: Snapshot | None = None) -> None:
        self.config = config
        self.holder = PackHolder(config, snapshot)
        self.executor = DeadlineExecutor(config.threads, config.max_pending)
        self.metrics = Metrics()
        self.metrics.set_pack(self.holder.current.pack_json)
        self.decision_log = DecisionLog(config.decision_log) if config.decision_log else None

    def note_decision(
        self,
        snap: Snapshot,
        record: Mapping[str, Any],
        request: Mapping[str, Any],
        decision: Any,
        data: Mapping[str, Any],
    ) -> None:
        """Count a decision and, when the log is on, log it (record and request masked)."""
        self.metrics.decisions.labels(decision.outcome).inc()
        if self.decision_log is not None:
            self.decision_log.write(snap.masking, record, request, data, snap.pack_json)

    async def reload(self) -> ReloadResult:
        """Reload the pack; in-flight requests finish with the snapshot they started with."""
        try:
            result = await self.holder.reload()
        except Exception:
            self.metrics.reloads.labels("failed").inc()
            raise
        self.metrics.reloads.labels("changed" if result.changed else "unchanged").inc()
        self.metrics.set_pack(self.holder.current.pack_json)
        return result

    async def reload_logged(self) -> None:
        """A reload started by SIGHUP: its result or its error goes to the log."""
        try:
            result = await self.reload()
        except XuejiRulesError as exc:
            log.error("pack reload failed; still deciding with %s:\n%s",
                      self.holder.current.digest, exc)  # fmt: skip
            return
        log.warning("pack reload: %s -> %s", result.previous, result.current)

    def close(self) -> None:
        """Stop the pool and close the decision log."""
        self.executor.shutdown()
        if self.decision_log is not None:
            self.decision_log.close()
