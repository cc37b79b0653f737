"""The syntax tree: one small class per construct, each with its source offset.

The checker fills in ``ty`` (the static type) of every node and ``overloads`` of every call;
the interpreter and the code generator read both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xueji_rules.expr import types as t

if TYPE_CHECKING:
    from xueji_rules.expr._functions import Overload

__all__ = [
    "Binary",
    "Call",
    "Comprehension",
    "Conditional",
    "Ident",
    "Index",
    "ListLit",
    "Literal",
    "Logical",
    "MapLit",
    "Node",
    "Select",
    "Unary",
]


@dataclass(eq=False, slots=True)
class Node:
    """Base of every node: ``offset`` is the 0-based position in the source."""

    offset: int
    ty: t.Type = field(default=t.DYN, init=False)
    depth: int = field(default=1, init=False)


@dataclass(eq=False, slots=True)
class Literal(Node):
    """A literal value: int, double, string, bytes, bool or null."""

    value: Any


@dataclass(eq=False, slots=True)
class Ident(Node):
    """A variable, or a comprehension's iteration variable."""

    name: str


@dataclass(eq=False, slots=True)
class Select(Node):
    """``operand.field``; with ``test_only`` it is ``has(operand.field)``."""

    operand: Node
    field: str
    test_only: bool = False


@dataclass(eq=False, slots=True)
class Index(Node):
    """``operand[index]``."""

    operand: Node
    index: Node


@dataclass(eq=False, slots=True)
class Unary(Node):
    """``-operand`` or ``!operand``."""

    op: str
    operand: Node


@dataclass(eq=False, slots=True)
class Binary(Node):
    """An arithmetic, comparison or ``in`` operation."""

    op: str
    left: Node
    right: Node


@dataclass(eq=False, slots=True)
class Logical(Node):
    """``a && b && ...`` or ``a || b || ...``, flattened; errors are absorbed as CEL requires."""

    op: str
    terms: list[Node]


@dataclass(eq=False, slots=True)
class Conditional(Node):
    """``cond ? then : otherwise``."""

    cond: Node
    then: Node
    otherwise: Node


@dataclass(eq=False, slots=True)
class Call(Node):
    """``name(args)`` or, with a ``target``, the method style ``target.name(args)``."""

    name: str
    target: Node | None
    args: list[Node]
    overloads: tuple[Overload, ...] = field(default=(), init=False)


@dataclass(eq=False, slots=True)
class ListLit(Node):
    """``[a, b, ...]``."""

    elements: list[Node]


@dataclass(eq=False, slots=True)
class MapLit(Node):
    """``{k: v, ...}``."""

    entries: list[tuple[Node, Node]]


@dataclass(eq=False, slots=True)
class Comprehension(Node):
    """A macro over a list or map: ``all``, ``exists``, ``exists_one``, ``map``, ``filter``.

    ``predicate`` is the condition (``None`` for a two-argument ``map``); ``transform`` is the
    mapped expression of ``map``.
    """

    kind: str
    range: Node
    var: str
    predicate: Node | None
    transform: Node | None
