"""Bounds that keep a hostile expression from exhausting time, memory or the Python stack."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Size and cost limits; each violation at check time is an ``ExpressionError`` at its position.

    ``max_depth`` bounds the nesting of the syntax tree (parentheses, calls, operators, literals),
    so neither the parser nor anything that walks the tree can exhaust the Python stack.

    ``max_cost`` is the budget for the cost estimated at check time (see ``docs/expressions.md``,
    "Cost"): an expression whose worst case over inputs of the declared sizes is dearer is refused.
    Sizes nobody declared count as ``unknown_size`` elements or characters. ``max_iterations``
    bounds one evaluation at run time: the macros (``all``, ``exists``, ``map``, ...) of one
    evaluation may iterate over at most that many elements in all, else ``CostLimitExceeded``.
    ``None`` switches a bound off.
    """

    max_source_length: int = 10_000
    max_nodes: int = 2_000
    max_depth: int = 64
    max_string_length: int = 4_096
    max_collection_literal: int = 1_000
    max_cost: int | None = 100_000
    max_iterations: int | None = 100_000
    unknown_size: int = 100
