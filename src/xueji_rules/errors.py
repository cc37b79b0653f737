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
    "CostLimitExceeded",
    "EvaluationError",
    "ExpressionError",
    "InputError",
    "LoadError",
    "Location",
    "OutsideValidity",
    "PackError",
    "PatternError",
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


def _known_tail(known: tuple[str, ...]) -> str:
    return f" (known: {', '.join(known)})" if known else ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found while loading or linting: where it is and what is wrong.

    ``known`` lists the values that would have been accepted where the problem is an unknown id
    (``str()`` ends with them); :meth:`brief` is the located message without that list.
    """

    message: str
    location: Location = field(default_factory=Location)
    code: str = "error"
    known: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.brief()}{_known_tail(self.known)}"

    def brief(self) -> str:
        """The located message without the list of accepted values."""
        return f"{self.location.prefix()}{self.message}"


class XuejiRulesError(Exception):
    """Root of every error raised by xueji-rules."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        problems: Iterable[Problem] | None = None,
        *,
        known: Iterable[str] = (),
    ) -> None:
        self.message = message
        self.location = location or Location()
        self.known = tuple(known)
        self._listed = tuple(problems) if problems is not None else ()
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.location.prefix()}{self.message}{_known_tail(self.known)}"

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems this error stands for (one, unless it groups several)."""
        return self._listed or (Problem(self.message, self.location, known=self.known),)


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
    problem in it; ``str()`` shows the source line with a caret under the column. One expression
    can have several problems: :attr:`errors` lists every one (this error first), and ``str()``
    shows them all.
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
        self._more: tuple[ExpressionError, ...] = ()
        super().__init__(message, location)

    @classmethod
    def group(cls, errors: Iterable[ExpressionError]) -> ExpressionError:
        """One error standing for ``errors`` (at least one), ordered by position."""
        ordered = sorted(errors, key=lambda e: e.offset if e.offset is not None else -1)
        if not ordered:
            raise ValueError("ExpressionError.group needs at least one error")
        first = ordered[0]._copy(first_only=True)
        first._more = tuple(e._copy(first_only=True) for e in ordered[1:])
        Exception.__init__(first, str(first))
        return first

    @property
    def errors(self) -> tuple[ExpressionError, ...]:
        """Every problem of the expression, each on its own (this one first)."""
        if not self._more:
            return (self,)
        return (self._copy(first_only=True), *self._more)

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

    def _render(self) -> str:
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

    def __str__(self) -> str:
        return "\n".join([self._render(), *(e._render() for e in self._more)])

    def _copy(self, *, first_only: bool = False) -> ExpressionError:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        if first_only:
            clone._more = ()
        Exception.__init__(clone, str(clone))
        return clone

    def with_location(self, location: Location) -> ExpressionError:
        """Return a copy that also names the pack file, line and rule holding the expression
        (every one of its problems)."""
        clone = self._copy()
        clone.location = location
        more = []
        for error in self._more:
            other = error._copy()
            other.location = location
            more.append(other)
        clone._more = tuple(more)
        Exception.__init__(clone, str(clone))
        return clone


class EvaluationError(XuejiRulesError):
    """An error while evaluating an expression or deciding a request."""


class CostLimitExceeded(EvaluationError):
    """An evaluation went past its run-time cost bound (``Limits.max_iterations``).

    The check-time estimate keeps a pack's expressions under the bound for every input within the
    declared sizes of the schemas, so this means an input larger than declared or a hand-built
    program; nothing was decided.
    """


class PatternError(EvaluationError):
    """A regular expression that came from data (not from the pack) is not valid RE2.

    ``pattern`` is the offending text. It is the input's fault, not the pack's: a caller deciding
    requests reports it as bad input.
    """

    def __init__(self, message: str, pattern: str = "") -> None:
        self.pattern = pattern
        super().__init__(message)


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
