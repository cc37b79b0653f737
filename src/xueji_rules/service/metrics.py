"""Prometheus metrics of one service process (its own registry, so apps never share counters).

``xueji_http_requests_total{endpoint,method,status}``, ``xueji_http_request_duration_seconds
{endpoint}``, ``xueji_decisions_total{outcome}``, ``xueji_pack_info{id,version,digest}`` (the
pack in use; one series, replaced on reload) and ``xueji_pack_reloads_total{result}``.
With ``--workers N`` each worker keeps its own; a scrape sees the worker that answered it.
"""

from __future__ import annotations

from typing import Any

from xueji_rules.service._deps import require

__all__ = ["Metrics"]


class Metrics:
    """The service's metrics; ``render()`` is the text exposition format."""

    def __init__(self) -> None:
        prometheus = require("prometheus_client")
        self._prometheus = prometheus
        self.registry: Any = prometheus.CollectorRegistry(auto_describe=True)
        self.requests = prometheus.Counter(
            "xueji_http_requests",
            "HTTP requests answered, per endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = prometheus.Histogram(
            "xueji_http_request_duration_seconds",
            "time to answer a request, per endpoint (a batch: until its last line is sent)",
            ["endpoint"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.decisions = prometheus.Counter(
            "xueji_decisions", "decisions made, per outcome", ["outcome"], registry=self.registry
        )
        self.pack = prometheus.Info(
            "xueji_pack", "the pack this process decides with", registry=self.registry
        )
        self.reloads = prometheus.Counter(
            "xueji_pack_reloads",
            "pack reloads, per result (changed, unchanged, failed)",
            ["result"],
            registry=self.registry,
        )

    def set_pack(self, pack: dict[str, str]) -> None:
        """Name the pack in use (the info metric's labels)."""
        self.pack.info(pack)

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        self.requests.labels(endpoint, method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        body: bytes = self._prometheus.generate_latest(self.registry)
        content_type: str = self._prometheus.CONTENT_TYPE_LATEST
        return body, content_type
