"""The ASGI application: :func:`create_app` builds it from a :class:`ServiceConfig`.

Routes (the OpenAPI document, ``schemas/openapi.json``, describes each):

==========================================================  ===================================
``GET  /healthz``                                           liveness and the pack in use
``GET  /metrics``                                           Prometheus text format
``GET  /openapi.json``                                      the API description
``GET  /v1/packs``                                          the pack served (id, digest, …)
``GET  /v1/packs/{pack_id}``                                the effective pack, with provenance
``GET  /v1/packs/{pack_id}/transitions/{transition_id}``    a transition's input contract
``POST /v1/decide``                                         one decision
``POST /v1/decide/batch``                                   NDJSON in, NDJSON out
``POST /v1/explain?lang=zh|en``                             the decision and its readable trace
``POST /v1/records/validate``                               a record's findings
``GET  /v1/calendar/{is-workday,add-workdays,term}``        working days and school terms
``POST /admin/reload``                                      reload the pack (off by default)
==========================================================  ===================================
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from xueji_rules.errors import XuejiRulesError
from xueji_rules.service import _batch, _decide, _info
from xueji_rules.service._deps import require
from xueji_rules.service._http import json_response, problem_response
from xueji_rules.service._service import Service
from xueji_rules.service.config import ServiceConfig
from xueji_rules.service.metrics import Metrics
from xueji_rules.service.problems import HttpProblem, problem_from_error
from xueji_rules.service.state import Snapshot

__all__ = ["Service", "create_app"]

log = logging.getLogger("xueji_rules.service")

Handler = Callable[["Service", Any], Awaitable[Any]]


def _endpoint(service: Service, handler: Handler) -> Callable[[Any], Awaitable[Any]]:
    async def endpoint(request: Any) -> Any:
        try:
            return await handler(service, request)
        except HttpProblem as exc:
            return problem_response(exc)
        except XuejiRulesError as exc:
            return problem_response(problem_from_error(exc))
        except Exception:
            log.exception("internal error on %s %s", request.method, request.url.path)
            return problem_response(HttpProblem("internal-error", "see the service's log"))

    return endpoint


async def _metrics(service: Service, request: Any) -> Any:
    responses = require("starlette.responses")
    body, content_type = service.metrics.render()
    return responses.Response(body, media_type=content_type.split(";")[0])


async def _openapi(service: Service, request: Any) -> Any:
    from xueji_rules.service.openapi import build_openapi

    return json_response(build_openapi())


def _routes(service: Service) -> list[Any]:
    routing = require("starlette.routing")
    get, post = ["GET"], ["POST"]
    table: list[tuple[str, Handler, list[str]]] = [
        ("/healthz", _info.healthz, get),
        ("/metrics", _metrics, get),
        ("/openapi.json", _openapi, get),
        ("/v1/packs", _info.list_packs, get),
        ("/v1/packs/{pack_id}", _info.show_pack, get),
        ("/v1/packs/{pack_id}/transitions/{transition_id}", _info.transition_inputs, get),
        ("/v1/decide", _decide.decide, post),
        ("/v1/explain", _decide.explain, post),
        ("/v1/records/validate", _decide.validate_record, post),
        ("/v1/calendar/is-workday", _info.is_workday, get),
        ("/v1/calendar/add-workdays", _info.add_workdays, get),
        ("/v1/calendar/term", _info.term, get),
        ("/admin/reload", _info.reload_pack, post),
    ]
    routes = [
        routing.Route(path, _endpoint(service, handler), methods=methods)
        for path, handler, methods in table
    ]
    batch = _batch.BatchEndpoint(service)
    routes.insert(7, routing.Route("/v1/decide/batch", batch, methods=["POST"]))
    return routes


class _Measured:
    """ASGI middleware: count and time every HTTP request per route template."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", "other") if route is not None else "other"
            self.metrics.observe(endpoint, scope["method"], status, time.perf_counter() - start)


def create_app(config: ServiceConfig, snapshot: Snapshot | None = None) -> Any:
    """The ASGI app for ``config`` (loads the pack now; raises ``PackError`` if it is bad)."""
    applications = require("starlette.applications")
    exceptions = require("starlette.exceptions")
    service = Service(config, snapshot)

    async def http_error(request: Any, exc: Any) -> Any:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-input")
        detail = f"{request.method} {request.url.path}: {exc.detail}"
        headers = tuple((exc.headers or {}).items())
        return problem_response(HttpProblem(kind, detail, headers=headers))

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if config.handle_sighup:
            loop.add_signal_handler(
                signal.SIGHUP, lambda: loop.create_task(service.reload_logged())
            )
        try:
            yield
        finally:
            if config.handle_sighup:
                loop.remove_signal_handler(signal.SIGHUP)
            service.close()

    app = applications.Starlette(
        routes=_routes(service),
        exception_handlers={exceptions.HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.service = service
    return _Measured(app, service.metrics)
