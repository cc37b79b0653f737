"""``xueji-rules serve``: the HTTP API over one pack (docs/service.md)."""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

from xueji_rules.errors import InputError, Location

__all__ = ["register"]

_TOKEN_ENV = "XUEJI_ADMIN_TOKEN"


def _serve(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    from xueji_rules.service._deps import require
    from xueji_rules.service.config import ServiceConfig
    from xueji_rules.service.server import serve

    require("starlette")
    require("uvicorn")
    require("prometheus_client")
    token = os.environ.get(_TOKEN_ENV) if args.admin_token_env else args.admin_token
    if args.admin_token_env and not token:
        raise InputError(f"--admin-token-env: the variable {_TOKEN_ENV} is empty or not set")
    if token is not None and len(token) < 16:
        raise InputError(
            "the admin token must be at least 16 characters", Location(path="--admin-token")
        )
    if args.workers < 1:
        raise InputError("--workers must be at least 1", Location(path="--workers"))
    config = ServiceConfig(
        pack=args.pack,
        calendar_files=tuple(args.calendar or ()),
        strict_calendar=args.strict_calendar,
        timeout=args.timeout,
        batch_timeout=args.batch_timeout,
        max_body_bytes=args.max_body_bytes,
        max_batch_bytes=args.max_batch_bytes,
        threads=args.threads,
        max_pending=args.max_pending,
        admin_token=token,
        decision_log=args.decision_log,
    )
    return serve(config, args.host, args.port, args.workers, access_log=args.access_log)


def register(sub: Any) -> None:
    """Add ``serve`` to the CLI's sub-parsers."""
    p = sub.add_parser(
        "serve",
        help="HTTP API: decide, batch, explain, packs, calendar, metrics (needs [service])",
        description="Serve one pack over HTTP (docs/service.md). The pack is fixed at start; "
        "SIGHUP or POST /admin/reload loads it again and swaps it in atomically.",
    )
    p.add_argument("--pack", required=True, help="bundled pack name or pack directory")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--threads", type=int, default=2, help="deciding threads per worker (default 2)")
    p.add_argument("--calendar", action="append", help="extra holiday-year file (repeatable)")
    p.add_argument(
        "--strict-calendar", action="store_true", help="fail when a due date cannot be computed"
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    p.add_argument(
        "--batch-timeout", type=float, default=600.0, help="seconds per batch stream (default 600)"
    )
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=1 << 20,
        help="limit of a JSON body and of a batch line (default 1 MiB)",
    )
    p.add_argument(
        "--max-batch-bytes",
        type=int,
        default=1 << 30,
        help="limit of a whole batch (default 1 GiB)",
    )
    p.add_argument(
        "--max-pending",
        type=int,
        default=64,
        help="requests that may wait for a thread before 503 (default 64)",
    )
    token = p.add_mutually_exclusive_group()
    token.add_argument("--admin-token", help="switch POST /admin/reload on, with this bearer token")
    token.add_argument(
        "--admin-token-env", action="store_true", help=f"the same, token read from ${_TOKEN_ENV}"
    )
    p.add_argument(
        "--decision-log",
        metavar="FILE",
        help="append one JSON line per decision (personal fields masked); - for stdout",
    )
    p.add_argument(
        "--access-log", action="store_true", help="log every request (uvicorn's access log)"
    )
    p.set_defaults(handler=_serve)
