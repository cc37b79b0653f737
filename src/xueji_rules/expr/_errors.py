"""Building ``ExpressionError`` values whose rendering can never fail."""

from __future__ import annotations

from xueji_rules.errors import ExpressionError

__all__ = ["expression_error"]


class _ExpressionError(ExpressionError):
    """An ``ExpressionError`` whose ``str()`` survives any source text.

    The base class picks the caret line with ``str.splitlines()``, which also splits at ``\\r``,
    ``\\v``, ``\\f`` and Unicode line separators while line numbers count only ``\\n``; for
    such text (or an offset just past a final newline) it falls back to naming the offset.
    """

    def __str__(self) -> str:
        try:
            return super().__str__()
        except IndexError:
            return f"{self.location.prefix()}{self.message} (at offset {self.offset})"


def expression_error(message: str, source: str, offset: int | None) -> ExpressionError:
    """An ``ExpressionError`` at ``offset`` (0-based) in ``source``."""
    return _ExpressionError(message, source=source, offset=offset)
