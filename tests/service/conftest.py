"""A real server for the client tests: uvicorn in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nobody listens on right now (loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``xueji-rules serve`` running in a subprocess."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "xueji_rules", "serve", "--port", str(self.port), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.proc.stdout.read() if self.proc.stdout else ''}"
                )
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start within 60 s")

    def stop(self) -> str:
        """Stop the server (SIGTERM, then kill); return what it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.stdout.read() if self.proc.stdout else ""


@pytest.fixture(scope="session")
def shanxi_server() -> Iterator[Server]:
    """One shared Shanxi service for the read-only client tests."""
    server = Server("--pack", "shanxi", "--threads", "2")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def national_server() -> Iterator[Server]:
    """One shared national service (for the national pack's scenarios)."""
    server = Server("--pack", "national")
    yield server
    server.stop()
