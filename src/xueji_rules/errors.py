"""The one error root of xueji-rules and its branches.

Every error is built from structured fields (file, line, column, YAML path, rule id, ...) and its
``str()`` is the sentence a person reads, for example::

    rulepacks/shanxi/rules/transfer.yaml:14:11: rule 'shanxi.transfer.window':
    unknown field 'record.stag' (did you mean 'record.stage'?)

Load-time errors (a pack, a schema, an expression in a pack) derive from :class:`LoadError`;
errors raised while deciding derive from :class:`EvaluationError`; bad records, requests and
command-line input derive from :class:`InputError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "CalendarUnavailable",
    "EvaluationError",
    "ExpressionError",
    "InputError",
    "LoadError",
    "Location",
    "OutsideValidity",
    "PackError",
    "Problem",
    "XuejiRulesError",
]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: a file, a 1-based line and column, a YAML path, a rule id."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    rule_id: str | None = None

    def prefix(self) -> str:
        """Render as ``file:line:col: rule 'id': `` (each part only when known)."""
        parts: list[str] = []
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        elif self.line is not None:
            parts.append(f"line {self.line}" + (f":{self.column}" if self.column else ""))
        if self.path:
            parts.append(self.path)
        if self.rule_id:
            parts.append(f"rule '{self.rule_id}'")
        return "".join(p + ": " for p in parts)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found while loading or linting: where it is and what is wrong."""

    message: str
    location: Location = field(default_factory=Location)
    code: str = "error"

    def __str__(self) -> str:
        return f"{self.location.prefix()}{self.message}"


class XuejiRulesError(Exception):
    """Root of every error raised by xueji-rules."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        problems: Iterable[Problem] | None = None,
    ) -> None:
        self.message = message
        self.location = location or Location()
        self._listed = tuple(problems) if problems is not None else ()
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.location.prefix()}{self.message}"

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems this error stands for (one, unless it groups several)."""
        return self._listed or (Problem(self.message, self.location),)


class LoadError(XuejiRulesError):
    """A pack, schema or expression could not be loaded."""


class PackError(LoadError):
    """One or more problems in a rule pack; ``problems`` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self._problems = tuple(problems)
        first = self._problems[0] if self._problems else Problem("invalid pack")
        super().__init__(first.message, first.location)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self._problems)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems


class ExpressionError(LoadError):
    """An expression failed to parse, type-check or stay within limits.

    ``source`` is the expression text and ``offset`` the 0-based character position of the
    problem in it; ``str()`` shows the source line with a caret under the column.
    """

    def __init__(
        self,
        message: str,
        source: str = "",
        offset: int | None = None,
        location: Location | None = None,
    ) -> None:
        self.source = source
        self.offset = offset
        super().__init__(message, location)

    @property
    def expr_line(self) -> int | None:
        """1-based line of the problem inside the expression."""
        if self.offset is None:
            return None
        return self.source.count("\n", 0, self.offset) + 1

    @property
    def expr_column(self) -> int | None:
        """1-based column of the problem inside its expression line."""
        if self.offset is None:
            return None
        start = self.source.rfind("\n", 0, self.offset) + 1
        return self.offset - start + 1

    def __str__(self) -> str:
        head = f"{self.location.prefix()}{self.message}"
        if self.offset is None or not self.source:
            return head
        line_no = self.expr_line or 1
        col = self.expr_column or 1
        lines = self.source.split("\n")  # the same separator expr_line counts
        text = lines[line_no - 1] if line_no <= len(lines) else ""
        if len(text) > 200:
            # keep the caret visible on very long lines
            lo = max(0, col - 100)
            text = text[lo : lo + 200]
            col -= lo
        return (
            f"{head} (expression line {line_no}, column {col})\n  | {text}\n  | {' ' * (col - 1)}^"
        )

    def with_location(self, location: Location) -> ExpressionError:
        """Return a copy that also names the pack file, line and rule holding the expression."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.location = location
        Exception.__init__(clone, str(clone))
        return clone


class EvaluationError(XuejiRulesError):
    """An error while evaluating an expression or deciding a request."""


class CalendarUnavailable(EvaluationError):
    """No holiday data covers a year: supply it in the pack or a calendar file."""

    def __init__(self, year: int, message: str | None = None) -> None:
        self.year = year
        super().__init__(
            message
            or (
                f"no working-day data for {year}: the chinese-calendar package does not cover it "
                f"and no pack or calendar file supplies it; add a 'calendars/holidays-{year}.yaml' "
                "to the pack or pass a calendar file (see docs/time.md)"
            )
        )


class InputError(XuejiRulesError):
    """A record, request, date or command-line argument is malformed."""


class OutsideValidity(InputError):
    """A request is dated outside the period a pack covers."""
