"""Errors as ``application/problem+json`` (RFC 9457), with the messages the CLI prints.

Every problem has ``type``, ``title``, ``status`` and ``detail``, plus ``problems``: one entry
per located problem (the lines ``xueji-rules`` prints after ``error:``), each with its message
and, when known, file, line, column, path and rule id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xueji_rules._safeio import escape_controls
from xueji_rules.errors import (
    EvaluationError,
    InputError,
    OutsideValidity,
    PackError,
    Problem,
    XuejiRulesError,
)

__all__ = [
    "MEDIA_TYPE",
    "PROBLEM_TYPES",
    "HttpProblem",
    "problem_from_error",
    "problem_json",
]

MEDIA_TYPE = "application/problem+json"
_BASE = "https://xueji-rules.example/problems/"

# slug -> (status, title); the slugs are documented in docs/service.md
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "malformed-json": (400, "The body is not valid JSON"),
    "unauthorized": (401, "A valid admin token is required"),
    "not-found": (404, "No such resource"),
    "method-not-allowed": (405, "Method not allowed"),
    "body-too-large": (413, "The request body is over the size limit"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "bad-input": (422, "The record, request or query is not valid"),
    "outside-validity": (422, "The request is dated outside the pack's validity"),
    "evaluation-error": (422, "A rule could not be evaluated on this input"),
    "pack-error": (422, "The pack could not be loaded"),
    "overloaded": (503, "The service is busy; the request did not start before its deadline"),
    "deadline-exceeded": (504, "The request did not finish before its deadline"),
    "internal-error": (500, "Internal error"),
}


class HttpProblem(Exception):
    """An error answer; raised inside handlers, rendered by the application."""

    def __init__(
        self,
        kind: str,
        detail: str,
        problems: tuple[Problem, ...] = (),
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.problems = problems
        self.headers = headers

    @property
    def status(self) -> int:
        """The HTTP status of this kind of problem."""
        return PROBLEM_TYPES[self.kind][0]


def _problem_entry(problem: Problem) -> dict[str, Any]:
    loc = problem.location
    out: dict[str, Any] = {"message": escape_controls(str(problem))}
    for key in ("file", "line", "column", "path", "rule_id"):
        value = getattr(loc, key)
        if value is not None:
            out[key] = value
    return out


def problem_json(kind: str, detail: str, problems: Iterable[Problem] = ()) -> dict[str, Any]:
    """The JSON body of a problem of kind ``kind`` (a key of :data:`PROBLEM_TYPES`)."""
    status, title = PROBLEM_TYPES[kind]
    return {
        "type": _BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "problems": [_problem_entry(p) for p in problems],
    }


def problem_from_error(exc: XuejiRulesError) -> HttpProblem:
    """The problem for a library error: the same text ``xueji-rules`` prints, one per line."""
    if isinstance(exc, OutsideValidity):
        kind = "outside-validity"
    elif isinstance(exc, InputError):
        kind = "bad-input"
    elif isinstance(exc, EvaluationError):
        kind = "evaluation-error"
    elif isinstance(exc, PackError):
        kind = "pack-error"
    else:
        kind = "bad-input"
    problems = exc.problems
    detail = "\n".join(escape_controls(str(p)) for p in problems)
    return HttpProblem(kind, detail, tuple(problems))
