"""Problem objects (RFC 9457): the one error shape of batch lines and of the HTTP service.

A problem is ``{"type", "title", "status"?, "detail", "problems"}``
(``schemas/problem.schema.json``): ``type`` is a URI naming the kind of problem (the list is
:data:`PROBLEM_TYPES`, documented in docs/service.md), ``detail`` the messages a person reads,
one per line, and ``problems`` one entry per located problem with its ``message`` (the text
``xueji-rules`` prints after ``error:``) and, when known, ``file``, ``line``, ``column``,
``path`` and ``rule_id``, and for an unknown id or key the accepted values (``known``). An HTTP error answer carries its ``status``; the error of a batch line
(``decide --batch``, ``POST /v1/decide/batch``, Spark's ``error`` column) does not, since the
line is not an HTTP answer of its own. Both are built here, so a Java or Go client parses one
shape, and the command line and the service write the same bytes for the same bad line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xueji_rules._safeio import escape_controls
from xueji_rules.errors import (
    EvaluationError,
    InputError,
    LoadError,
    Location,
    OutsideValidity,
    Problem,
    XuejiRulesError,
)

__all__ = [
    "PROBLEM_BASE",
    "PROBLEM_TYPES",
    "LineError",
    "error_problem",
    "problem_entry",
    "problem_json",
    "problem_kind",
]

PROBLEM_BASE = "https://xueji-rules.example/problems/"

# slug -> (HTTP status, title); docs/service.md lists when each is used
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


class LineError(InputError):
    """A batch line refused before the engine saw it; ``kind`` is its problem type.

    ``malformed-json`` (not UTF-8, not JSON), ``bad-input`` (not the shape of
    ``batch-input.schema.json``) or ``body-too-large`` (over the line limit).
    """

    def __init__(
        self,
        kind: str,
        message: str,
        location: Location | None = None,
        *,
        known: tuple[str, ...] = (),
    ) -> None:
        if kind not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem type {kind!r}")
        self.kind = kind
        super().__init__(message, location, known=known)


def problem_kind(exc: XuejiRulesError) -> str:
    """The problem type of a library error (a key of :data:`PROBLEM_TYPES`)."""
    if isinstance(exc, LineError):
        return exc.kind
    if isinstance(exc, OutsideValidity):
        return "outside-validity"
    if isinstance(exc, InputError):
        return "bad-input"
    if isinstance(exc, EvaluationError):
        return "evaluation-error"
    if isinstance(exc, LoadError):
        return "pack-error"
    return "bad-input"


def problem_entry(problem: Problem) -> dict[str, Any]:
    """One entry of ``problems``: the located message, then each known part of the location."""
    loc = problem.location
    out: dict[str, Any] = {"message": escape_controls(str(problem))}
    for key in ("file", "line", "column", "path", "rule_id"):
        value = getattr(loc, key)
        if value is not None:
            out[key] = value
    if problem.known:
        out["known"] = [escape_controls(value) for value in problem.known]
    return out


def problem_json(
    kind: str, detail: str, problems: Iterable[Problem] = (), *, status: bool = True
) -> dict[str, Any]:
    """The problem object of kind ``kind`` (``status`` included unless ``status=False``)."""
    code, title = PROBLEM_TYPES[kind]
    out: dict[str, Any] = {"type": PROBLEM_BASE + kind, "title": title}
    if status:
        out["status"] = code
    out["detail"] = detail
    out["problems"] = [problem_entry(p) for p in problems]
    return out


def error_problem(exc: XuejiRulesError, *, status: bool = False) -> dict[str, Any]:
    """The problem object of a library error: its kind by class, every problem it lists.

    ``detail`` is every problem's located message, one per line (what ``xueji-rules`` prints
    after ``error:``). Without ``status`` (the default) it is the ``error`` of a batch line.
    """
    problems = exc.problems
    detail = "\n".join(escape_controls(str(p)) for p in problems)
    return problem_json(problem_kind(exc), detail, problems, status=status)
