"""Errors as ``application/problem+json`` (RFC 9457), with the messages the CLI prints.

Every problem has ``type``, ``title``, ``status`` and ``detail``, plus ``problems``: one entry
per located problem (the lines ``xueji-rules`` prints after ``error:``), each with its message
and, when known, file, line, column, path and rule id. The shape, the types and the JSON are
:mod:`xueji_rules.bulk.problems`, which batch lines share (without ``status``).
"""

from __future__ import annotations

from xueji_rules._safeio import escape_controls
from xueji_rules.bulk.problems import (
    PROBLEM_TYPES,
    problem_json,
    problem_kind,
)
from xueji_rules.errors import Problem, XuejiRulesError

__all__ = [
    "MEDIA_TYPE",
    "PROBLEM_TYPES",
    "HttpProblem",
    "problem_from_error",
    "problem_json",
]

MEDIA_TYPE = "application/problem+json"


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


def problem_from_error(exc: XuejiRulesError) -> HttpProblem:
    """The problem for a library error: the same text ``xueji-rules`` prints, one per line."""
    problems = exc.problems
    detail = "\n".join(escape_controls(str(p)) for p in problems)
    return HttpProblem(problem_kind(exc), detail, tuple(problems))
