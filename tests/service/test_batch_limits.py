"""A batch's limits, answered in the stream as problem lines: the whole stream's deadline, a
chunk's deadline and the whole body's size (tested in process, the body sent line by line)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tests.service.test_limits import ENGINE, RECORD, REQUEST, SlowEngine, _app
from xueji_rules._schemas import validator_for
from xueji_rules.service.config import ServiceConfig


def _good(ident: str) -> bytes:
    return json.dumps({"id": ident, "record": RECORD, "request": REQUEST}).encode() + b"\n"


def _post(app: Any, lines: list[bytes]) -> list[dict[str, Any]]:
    async def body() -> AsyncIterator[bytes]:
        for line in lines:  # one ASGI message per line: the endpoint answers as they arrive
            yield line

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/v1/decide/batch", content=body(), timeout=60)

    answer = asyncio.run(post())
    assert answer.status_code == 200
    out = [json.loads(x) for x in answer.text.splitlines()]
    validator = validator_for("batch-output.schema.json")
    for line in out:
        assert not list(validator.iter_errors(line)), line
    return out


def test_a_batch_past_its_deadline_ends_with_one_problem_line() -> None:
    app = _app(ServiceConfig("shanxi", batch_timeout=0.5), SlowEngine(0.4))
    answers = _post(app, [_good(f"r{i}") for i in range(1, 7)])
    *decided, last = answers
    # at least the first line is decided; by the third line the 0.5 s are over whatever the load
    assert 1 <= len(decided) <= 3
    assert [a["line"] for a in decided] == list(range(1, len(decided) + 1))
    assert all("decision" in a for a in decided)
    k = len(decided)
    assert last == {
        "line": k + 1,
        "error": {
            "type": "https://xueji-rules.example/problems/deadline-exceeded",
            "title": "The request did not finish before its deadline",
            "detail": f"the batch ran past its 0.5 s deadline after line {k}",
            "problems": [],
        },
    }


def test_a_chunk_past_its_deadline_answers_each_of_its_lines() -> None:
    app = _app(ServiceConfig("shanxi", timeout=0.3, threads=1), SlowEngine(1.0))
    answers = _post(app, [_good("a") + b"\n" + _good("b")])  # one message: one chunk
    assert [(a["line"], a["id"]) for a in answers] == [(1, "a"), (3, "b")]  # blank line 2
    for answer in answers:
        assert answer["error"]["type"].endswith("/deadline-exceeded")
        assert answer["error"]["detail"] == "the work did not finish within the 0.3 s deadline"


def test_a_streamed_batch_over_its_size_ends_with_one_problem_line() -> None:
    first = _good("a")
    limit = len(first) * 3 // 2
    app = _app(ServiceConfig("shanxi", max_batch_bytes=limit))
    answers = _post(app, [first, _good("b"), _good("c")])  # no Content-Length: streamed
    assert answers[0]["decision"] == ENGINE.decide(RECORD, REQUEST).to_json()
    assert answers[1] == {
        "line": 2,
        "error": {
            "type": "https://xueji-rules.example/problems/body-too-large",
            "title": "The request body is over the size limit",
            "detail": f"the batch is over the limit of {limit} bytes",
            "problems": [],
        },
    }
    assert len(answers) == 2
