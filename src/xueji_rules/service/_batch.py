"""``POST /v1/decide/batch``: NDJSON in, NDJSON out, in constant memory.

Each non-blank input line is ``{"record": …, "request": …}`` (optionally ``"id"``, echoed
back). Each answer line is ``{"line": N, "decision": …}`` or ``{"line": N, "error": problem}``,
in input order; a bad line is reported in the stream and the batch goes on. Every line is
decided by :func:`xueji_rules.bulk.decide_line`, the function ``xueji-rules decide --batch``
uses, so a bad line gets byte for byte the answer the command line writes for it (the same
problem object; ``schemas/batch-output.schema.json``). The body is read as it arrives and
answered as it goes (at most :data:`CHUNK_LINES` lines are held at a time), so a batch of any
length runs in bounded memory. The deadline is per chunk (``timeout``) and for the whole stream
(``batch_timeout``): past the latter the stream ends with an error line.

This is a plain ASGI endpoint: Starlette's streaming response would read the request's messages
to watch for a disconnect, racing the body this endpoint is still reading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from xueji_rules.bulk import Oversized, decide_line, error_line
from xueji_rules.bulk._lines import RawLine, salvage_id
from xueji_rules.service._http import DIGEST_HEADER
from xueji_rules.service.problems import HttpProblem

if TYPE_CHECKING:
    from xueji_rules.service._service import Service
    from xueji_rules.service.state import Snapshot

__all__ = ["CHUNK_LINES", "BatchEndpoint"]

CHUNK_LINES = 32
log = logging.getLogger("xueji_rules.service")
NDJSON = "application/x-ndjson"
SOURCE = "<batch>"  # names the body in the service's own log, never in an answer

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class _Drained(Exception):
    """Every complete line received so far was yielded: a good moment to answer them."""


async def _lines(
    receive: Receive, line_limit: int, total_limit: int
) -> AsyncIterator[bytes | Oversized | HttpProblem | _Drained]:
    """The body's lines as they arrive (without their newline); a line over ``line_limit`` is
    skipped, not buffered, and yields :class:`Oversized` with its length in its place.

    After the lines of each received message comes a :class:`_Drained` marker; a body over
    ``total_limit`` ends the stream with a ``body-too-large`` problem.
    """
    buffer = b""
    skipped = -1  # bytes of an over-long line skipped so far; -1 when not skipping
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
            if skipped >= 0:
                yield Oversized(skipped + len(line))
                skipped = -1
            else:
                yield Oversized(len(line)) if len(line) > line_limit else line
        if len(buffer) > line_limit:
            skipped = max(skipped, 0) + len(buffer)
            buffer = b""
        yield _Drained()
    if skipped >= 0:
        yield Oversized(skipped + len(buffer))
    elif buffer:
        yield Oversized(len(buffer)) if len(buffer) > line_limit else buffer


def _decide_chunk(
    service: Service, snap: Snapshot, chunk: list[tuple[int, RawLine]], limit: int
) -> list[str]:
    """The answer lines of a chunk (blank lines have none), decided with ``snap``."""

    def observe(record: Any, request: Any, decision: Any, data: dict[str, Any]) -> None:
        service.note_decision(snap, record, request, decision, data)

    out: list[str] = []
    for number, raw in chunk:
        try:
            result = decide_line(snap.engine, SOURCE, number, raw, limit=limit, observe=observe)
        except Exception:  # a bug: answer the line, log the traceback, keep the stream going
            log.exception("internal error on batch line %d", number)
            out.append(error_line(number, _id_of(raw), "internal-error", "see the service's log"))
            continue
        if result is not None:
            out.append(result.text)
    return out


def _id_of(raw: RawLine) -> Any:
    return None if isinstance(raw, Oversized) else salvage_id(raw)


def _blank(raw: RawLine) -> bool:
    return not isinstance(raw, Oversized) and not raw.strip()


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
        limit = config.max_body_bytes
        number = 0
        chunk: list[tuple[int, RawLine]] = []

        async def flush() -> None:
            work = list(chunk)
            chunk.clear()
            try:
                answers = await service.executor.run(
                    lambda: _decide_chunk(service, snap, work, limit), config.timeout
                )
            except HttpProblem as exc:  # the chunk did not start or finish in time
                answers = [
                    error_line(n, _id_of(raw), exc.kind, exc.detail)
                    for n, raw in work
                    if not _blank(raw)
                ]
            await self._send_lines(send, answers)

        async for item in _lines(receive, limit, config.max_batch_bytes):
            if isinstance(item, _Drained):
                if chunk:
                    await flush()
                continue
            number += 1
            if isinstance(item, HttpProblem):
                if chunk:
                    await flush()
                await self._send_lines(send, [error_line(number, None, item.kind, item.detail)])
                break
            chunk.append((number, item))
            if len(chunk) >= CHUNK_LINES:
                await flush()
            if time.monotonic() > deadline:
                if chunk:
                    await flush()
                late = (
                    f"the batch ran past its {config.batch_timeout:g} s deadline after line "
                    f"{number}"
                )
                await self._send_lines(
                    send, [error_line(number + 1, None, "deadline-exceeded", late)]
                )
                break
        if chunk:
            await flush()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    @staticmethod
    async def _send_lines(send: Send, lines: list[str]) -> None:
        if not lines:
            return
        body = "".join(line + "\n" for line in lines).encode()
        await send({"type": "http.response.body", "body": body, "more_body": True})
