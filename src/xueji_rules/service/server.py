"""Running the service: one uvicorn process, or a small supervisor over N worker processes.

With one worker, SIGHUP reloads the pack in place. With ``workers > 1`` the supervisor binds the
socket once, starts the workers (each loads the pack and serves the shared socket), forwards
SIGHUP to every worker (each reloads in place: a broken new pack leaves it on the old one, never
down), restarts a worker that dies, and on SIGINT/SIGTERM stops them gracefully (uvicorn lets
requests in flight finish).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from types import FrameType
from typing import Any

from xueji_rules.service._deps import require
from xueji_rules.service.config import ServiceConfig

__all__ = ["serve"]

log = logging.getLogger("xueji_rules.service")


def _uvicorn_config(app: Any, host: str, port: int, access_log: bool) -> Any:
    uvicorn = require("uvicorn")
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
        lifespan="on",
        timeout_graceful_shutdown=30,
    )


def _run_one(config: ServiceConfig, host: str, port: int, access_log: bool, sock: Any) -> None:
    from xueji_rules.service.app import create_app

    uvicorn = require("uvicorn")
    app = create_app(config)
    server = uvicorn.Server(_uvicorn_config(app, host, port, access_log))
    server.run(sockets=[sock] if sock is not None else None)


def _worker(config: ServiceConfig, host: str, port: int, access_log: bool, sock: Any) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(levelname)s: [worker %(process)d] %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        _run_one(config, host, port, access_log, sock)


def serve(
    config: ServiceConfig,
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 1,
    access_log: bool = False,
) -> int:
    """Serve until SIGINT/SIGTERM; return the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    config = dataclasses.replace(config, handle_sighup=True, supervised=workers > 1)
    if workers <= 1:
        _run_one(config, host, port, access_log, None)
        return 0
    return _Supervisor(config, host, port, workers, access_log).run()


class _Supervisor:
    def __init__(
        self, config: ServiceConfig, host: str, port: int, workers: int, access_log: bool
    ) -> None:
        self.config, self.host, self.port = config, host, port
        self.workers, self.access_log = workers, access_log
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.stopping = False
        self.sock: socket.socket | None = None

    def _start(self) -> Any:
        process = self.context.Process(
            target=_worker,
            args=(self.config, self.host, self.port, self.access_log, self.sock),
            daemon=False,
        )
        process.start()
        return process

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        for process in self.processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signum)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        from xueji_rules.service.state import load_snapshot

        load_snapshot(self.config, 1)  # a bad pack fails here, once, not in every worker
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((self.host, self.port))
        except OSError as exc:
            sys.stderr.write(f"error: cannot listen on {self.host}:{self.port}: {exc.strerror}\n")
            return 2
        self.sock.listen(2048)
        self.sock.set_inheritable(True)
        signal.signal(signal.SIGHUP, self._forward)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        self.processes = [self._start() for _ in range(self.workers)]
        log.info("serving on http://%s:%d with %d workers (supervisor %d)",
                 self.host, self.port, self.workers, os.getpid())  # fmt: skip
        while not self.stopping:
            time.sleep(0.2)
            for index, process in enumerate(self.processes):
                if not process.is_alive() and not self.stopping:
                    log.warning("worker %s exited (%s); starting another",
                                process.pid, process.exitcode)  # fmt: skip
                    time.sleep(1.0)  # no tight restart loop if workers keep failing
                    self.processes[index] = self._start()
        for process in self.processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.join(35)
            if process.is_alive():
                process.kill()
        self.sock.close()
        return 0
