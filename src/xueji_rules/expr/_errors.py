"""Building ``ExpressionError`` values at a position in the source."""

from __future__ import annotations

from xueji_rules.errors import ExpressionError

__all__ = ["expression_error"]


def expression_error(message: str, source: str, offset: int | None) -> ExpressionError:
    """An ``ExpressionError`` at ``offset`` (0-based) in ``source``."""
    return ExpressionError(message, source=source, offset=offset)
