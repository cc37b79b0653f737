"""Bounds that keep a hostile expression from exhausting time, memory or the Python stack."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits checked while parsing; each violation is an ``ExpressionError`` at its position.

    ``max_depth`` bounds the nesting of the syntax tree (parentheses, calls, operators, literals),
    so neither the parser nor anything that walks the tree can exhaust the Python stack.
    """

    max_source_length: int = 10_000
    max_nodes: int = 2_000
    max_depth: int = 64
    max_string_length: int = 4_096
    max_collection_literal: int = 1_000
