"""Reading bounded JSON bodies and writing JSON answers (shared by the route modules)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from xueji_rules.bulk import loads_strict
from xueji_rules.service._deps import require
from xueji_rules.service.problems import MEDIA_TYPE, HttpProblem, problem_json

__all__ = [
    "DIGEST_HEADER",
    "check_fields",
    "json_response",
    "parse_json",
    "problem_response",
    "read_body",
]

DIGEST_HEADER = "Xueji-Pack-Digest"


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Any:
    """A ``application/json`` response (UTF-8, Chinese unescaped)."""
    responses = require("starlette.responses")
    return responses.Response(
        _dumps(data), status_code=status, media_type="application/json", headers=headers
    )


def problem_response(problem: HttpProblem) -> Any:
    """The ``application/problem+json`` response for ``problem``."""
    responses = require("starlette.responses")
    body = problem_json(problem.kind, problem.detail, problem.problems)
    return responses.Response(
        _dumps(body),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=dict(problem.headers),
    )


async def read_body(request: Any, limit: int) -> bytes:
    """The whole body, or a 413 problem as soon as it is over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HttpProblem("body-too-large", f"the body has {declared} bytes; the limit is {limit}")
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpProblem("body-too-large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(data: bytes, what: str = "the body") -> Any:
    """Parse strict JSON (no duplicate keys, no NaN); a 400 problem says where it breaks."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpProblem("malformed-json", f"{what} is not UTF-8 (byte {exc.start})") from None
    try:
        return loads_strict(text)
    except json.JSONDecodeError as exc:
        raise HttpProblem(
            "malformed-json",
            f"{what} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
        ) from None
    except ValueError as exc:
        raise HttpProblem("malformed-json", f"{what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise HttpProblem("malformed-json", f"{what} is nested too deeply") from None


def check_fields(
    body: Any, required: Sequence[str], optional: Sequence[str] = (), what: str = "the body"
) -> dict[str, Any]:
    """``body`` as an object with these fields, or a 422 naming the first field that is wrong."""
    if not isinstance(body, dict):
        raise HttpProblem("bad-input", f"{what} must be a JSON object")
    known = [*required, *optional]
    for key in body:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise HttpProblem("bad-input", f"unknown field '{key}' in {what}{hint}")
    for key in required:
        if key not in body:
            raise HttpProblem("bad-input", f"{what}: '{key}' is a required property")
    return body
