"""The HTTP adapter: the fake registry behind ``POST /answer`` (standard library only).

    python http_adapter.py 8765 &
    xueji-rules conform --endpoint http://127.0.0.1:8765/answer --pack shanxi scenarios

A system in Java or Go exposes the same thing: read ``{"record": …, "request": …}``, answer the
JSON of conformance-answer.schema.json (4xx with a message when it refuses the input).
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from adapter import make_answer
from fake_registry import FakeRegistry


def make_server(system: FakeRegistry, port: int = 0) -> ThreadingHTTPServer:
    """A loopback server answering for ``system`` (port 0: any free port)."""
    answer = make_answer(system)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/answer":
                self._send(404, {"detail": "POST /answer"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                data = answer(body["record"], body["request"])
            except (ValueError, KeyError) as exc:
                self._send(400, {"detail": f"bad input: {exc}"})
                return
            self._send(200, data)

        def _send(self, status: int, data: Any) -> None:
            payload = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def start_in_thread(system: FakeRegistry) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; return it and its /answer URL."""
    server = make_server(system)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/answer"


if __name__ == "__main__":
    make_server(FakeRegistry(), int(sys.argv[1]) if len(sys.argv) > 1 else 8765).serve_forever()
