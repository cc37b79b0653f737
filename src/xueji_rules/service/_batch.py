"""``POST /v1/decide/batch``: NDJSON in, NDJSON out, in constant memory.

Each non-blank input line is ``{"record": …, "request": …}`` (optionally ``"id"``, echoed
back). Each answer line is ``{"line": N, "decision": …}`` or ``{"line": N, "error": problem}``,
in input order; a bad line is reported in the stream and the batch goes on. The body is read as
it arrives and answered as it goes (at most :data:`CHUNK_LINES` lines are held at a time), so a
batch of any length runs in bounded memory. The deadline is per chunk (``timeout``) and for the
whole stream (``batch_timeout``): past the latter the stream ends with an error line.

This is a plain ASGI endpoint: Starlette's streaming response would read the request's messages
to watch for a disconnect, racing the body this endpoint is still reading.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from xueji_rules.errors import XuejiRulesError
from xueji_rules.service._decide import decide_pair
from xueji_rules.service._http import DIGEST_HEADER, parse_json
from xueji_rules.service.problems import HttpProblem, problem_from_error, problem_json

if TYPE_CHECKING:
    from xueji_rules.service._service import Service
    from xueji_rules.service.state import Snapshot

__all__ = ["CHUNK_LINES", "BatchEndpoint"]

CHUNK_LINES = 32
log = logging.getLogger("xueji_rules.service")
NDJSON = "application/x-ndjson"

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _TooLong(Exception):
    """A line over the size limit (its bytes are skipped up to the next newline)."""


class _Drained(Exception):
    """Every complete line received so far was yielded: a good moment to answer them."""


async def _lines(
    receive: Receive, line_limit: int, total_limit: int
) -> AsyncIterator[bytes | Exception]:
    """The body's lines as they arrive; an over-long line yields an error in its place.

    After the lines of each received message comes a :class:`_Drained` marker.
    """
    buffer = b""
    skipping = False
    total = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        total += len(chunk)
        if total > total_limit:
            yield HttpProblem(
                "body-too-large", f"the batch is over the limit of {total_limit} bytes"
            )
            return
        buffer += chunk
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                break
            line, buffer = buffer[:cut], buffer[cut + 1 :]
            if skipping:
                skipping = False
                continue
            yield _TooLong() if len(line) > line_limit else line
        if len(buffer) > line_limit:
            if not skipping:
                yield _TooLong()
            skipping = True
            buffer = b""
        yield _Drained()
    if buffer and not skipping:
        yield buffer


def _error_line(number: int, problem: HttpProblem) -> dict[str, Any]:
    return {"line": number, "error": problem_json(problem.kind, problem.detail, problem.problems)}


def _decide_chunk(
    service: Service, snap: Snapshot, chunk: list[tuple[int, Any]]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for number, body in chunk:
        has_id = isinstance(body, dict) and isinstance(body.get("id"), str)
        echo = {"id": body["id"]} if has_id else {}
        try:
            if echo:
                body = {k: v for k, v in body.items() if k != "id"}
            _, data = decide_pair(service, snap, body, what=f"line {number}")
            out.append({"line": number, **echo, "decision": data})
        except HttpProblem as exc:
            out.append({**_error_line(number, exc), **echo})
        except XuejiRulesError as exc:
            out.append({**_error_line(number, problem_from_error(exc)), **echo})
        except Exception:  # a bug: answer the line, log the traceback, keep the stream going
            log.exception("internal error on batch line %d", number)
            problem = HttpProblem("internal-error", "see the service's log")
            out.append({**_error_line(number, problem), **echo})
    return out


class BatchEndpoint:
    """The ASGI app behind ``POST /v1/decide/batch``."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        """Check the method and size, then stream the answers (status 200 from the start)."""
        from xueji_rules.service._http import problem_response

        config = self.service.config
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        problem = None
        if scope.get("method") != "POST":
            problem = HttpProblem("method-not-allowed", "use POST", headers=(("Allow", "POST"),))
        elif declared.isdigit() and int(declared) > config.max_batch_bytes:
            problem = HttpProblem(
                "body-too-large",
                f"the batch has {declared} bytes; the limit is {config.max_batch_bytes}",
            )
        if problem is not None:
            await problem_response(problem)(scope, receive, send)
            return
        await self._stream(receive, send)

    async def _stream(self, receive: Receive, send: Send) -> None:
        service = self.service
        config = service.config
        snap = service.holder.current
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", NDJSON.encode()),
                    (DIGEST_HEADER.lower().encode(), snap.digest.encode()),
                ],
            }
        )
        deadline = time.monotonic() + config.batch_timeout
        number = 0
        chunk: list[tuple[int, Any]] = []

        async def flush() -> None:
            try:
                answers = await service.executor.run(
                    lambda: _decide_chunk(service, snap, chunk), config.timeout
                )
            except HttpProblem as exc:
                answers = [_error_line(n, exc) for n, _ in chunk]
            text = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
            await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
            chunk.clear()

        async for item in _lines(receive, config.max_body_bytes, config.max_batch_bytes):
            number += 1
            if isinstance(item, HttpProblem):
                if chunk:
                    await flush()
                await self._send_line(send, _error_line(number, item))
                break
            if isinstance(item, _Drained):
                number -= 1
                if chunk:
                    await flush()
                continue
            if isinstance(item, _TooLong):
                if chunk:
                    await flush()
                too_long = HttpProblem(
                    "body-too-large",
                    f"line {number} is over the limit of {config.max_body_bytes} bytes",
                )
                await self._send_line(send, _error_line(number, too_long))
                continue
            if isinstance(item, Exception):
                continue
            if not item.strip():
                continue
            try:
                chunk.append((number, parse_json(item, f"line {number}")))
            except HttpProblem as exc:
                if chunk:
                    await flush()
                await self._send_line(send, _error_line(number, exc))
                continue
            if len(chunk) >= CHUNK_LINES:
                await flush()
            if time.monotonic() > deadline:
                if chunk:
                    await flush()
                late = HttpProblem(
                    "deadline-exceeded",
                    f"the batch ran past its {config.batch_timeout:g} s deadline after line {number}",
                )
                await self._send_line(send, _error_line(number, late))
                break
        if chunk:
            await flush()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _send_line(send: Send, line: dict[str, Any]) -> None:
        body = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        await send({"type": "http.response.body", "body": body, "more_body": True})
