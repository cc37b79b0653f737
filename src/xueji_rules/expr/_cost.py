"""Cost estimation at check time, after CEL's cost estimator.

The estimate is an upper bound on the work one evaluation can do, in abstract steps, computed from
the expression's structure and the largest sizes its inputs may have (``Declarations.sizes``,
filled from a schema's ``maxItems``/``maxLength``; :attr:`Limits.unknown_size` where nothing is
declared). The model, documented in ``docs/expressions.md``:

* a literal costs 0; every other node 1 plus its operands;
* a macro (``all``, ``exists``, ``exists_one``, ``map``, ``filter``) costs its range plus, per
  element of the range, 1 plus its condition and transform: ``n × (1 + body)``;
* ``?:`` costs its condition plus the dearer branch;
* work that grows with a value adds its size: ``in`` on a list, ``==``/``!=`` on lists or maps,
  ``+`` on lists, any function taking a list (``sum``, ``size`` excepted), and one step per ten
  characters for ``matches``, ``contains``, ``startsWith``, ``endsWith`` and ``+`` on strings.

Sizes propagate: a list literal has its length, ``map``/``filter`` at most their range's, ``a + b``
the sum, ``?:`` the larger branch, a macro's variable the element size of its range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t
from xueji_rules.expr._analysis import Bindings, element_bindings, path_of

__all__ = ["CostEstimate", "estimate_cost"]

_TEXT_FUNCTIONS = frozenset({"matches", "contains", "startsWith", "endsWith"})
_SIZED = (t.ListType, t.MapType, t.ObjectType)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """The estimated worst-case cost of one evaluation and the macro that weighs most in it
    (its kind, source offset, range size and cost), for the message when it is too dear."""

    cost: int
    costliest: tuple[str, int, int, int] | None = None


def _ceil_div(x: int, y: int) -> int:
    return -(-x // y)


class _Estimator:
    def __init__(self, sizes: Mapping[str, int], unknown: int) -> None:
        self.sizes = sizes
        self.unknown = unknown
        self.costliest: tuple[str, int, int, int] | None = None

    def size(self, node: a.Node, bindings: Bindings) -> int:
        """An upper bound on the size (elements, entries or characters) of ``node``'s value."""
        if isinstance(node, a.Literal):
            return len(node.value) if isinstance(node.value, str | bytes) else 1
        if isinstance(node, a.ListLit):
            return len(node.elements)
        if isinstance(node, a.MapLit):
            return len(node.entries)
        if isinstance(node, a.Comprehension) and node.kind in ("map", "filter"):
            return self.size(node.range, bindings)
        if isinstance(node, a.Binary) and node.op == "+":
            return self.size(node.left, bindings) + self.size(node.right, bindings)
        if isinstance(node, a.Conditional):
            return max(self.size(node.then, bindings), self.size(node.otherwise, bindings))
        if isinstance(node, a.Call) and node.name == "dyn" and len(node.args) == 1:
            return self.size(node.args[0], bindings)
        if isinstance(node, a.Ident) and node.name in bindings and bindings[node.name] is None:
            return self.unknown
        path = path_of(node, bindings)
        if path is not None and path in self.sizes:
            return self.sizes[path]
        if isinstance(node.ty, t.ObjectType):
            return len(node.ty.fields)
        return self.unknown

    def cost(self, node: a.Node, bindings: Bindings) -> int:
        method = getattr(self, "cost_" + type(node).__name__.lower())
        value: int = method(node, bindings)
        return value

    def cost_literal(self, node: a.Literal, bindings: Bindings) -> int:
        return 0

    def cost_ident(self, node: a.Ident, bindings: Bindings) -> int:
        return 1

    def cost_select(self, node: a.Select, bindings: Bindings) -> int:
        return 1 + self.cost(node.operand, bindings)

    def cost_index(self, node: a.Index, bindings: Bindings) -> int:
        return 1 + self.cost(node.operand, bindings) + self.cost(node.index, bindings)

    def cost_unary(self, node: a.Unary, bindings: Bindings) -> int:
        return 1 + self.cost(node.operand, bindings)

    def cost_binary(self, node: a.Binary, bindings: Bindings) -> int:
        total = 1 + self.cost(node.left, bindings) + self.cost(node.right, bindings)
        left, right = node.left.ty, node.right.ty
        if node.op == "in" and isinstance(right, t.ListType):
            total += self.size(node.right, bindings)
        elif node.op in ("==", "!=") and isinstance(left, _SIZED) and isinstance(right, _SIZED):
            total += min(self.size(node.left, bindings), self.size(node.right, bindings))
        elif node.op == "+" and isinstance(left, t.ListType):
            total += self.size(node, bindings)
        elif node.op == "+" and left in (t.STRING, t.BYTES):
            total += _ceil_div(self.size(node, bindings), 10)
        return total

    def cost_logical(self, node: a.Logical, bindings: Bindings) -> int:
        return 1 + sum(self.cost(term, bindings) for term in node.terms)

    def cost_conditional(self, node: a.Conditional, bindings: Bindings) -> int:
        branches = max(self.cost(node.then, bindings), self.cost(node.otherwise, bindings))
        return 1 + self.cost(node.cond, bindings) + branches

    def cost_call(self, node: a.Call, bindings: Bindings) -> int:
        operands = ([node.target] if node.target is not None else []) + node.args
        total = 1 + sum(self.cost(x, bindings) for x in operands)
        if node.name in _TEXT_FUNCTIONS and operands:
            total += _ceil_div(self.size(operands[0], bindings), 10)
        elif node.name != "size":
            total += sum(self.size(x, bindings) for x in operands if isinstance(x.ty, t.ListType))
        return total

    def cost_listlit(self, node: a.ListLit, bindings: Bindings) -> int:
        return 1 + sum(self.cost(x, bindings) for x in node.elements)

    def cost_maplit(self, node: a.MapLit, bindings: Bindings) -> int:
        return 1 + sum(self.cost(k, bindings) + self.cost(v, bindings) for k, v in node.entries)

    def cost_comprehension(self, node: a.Comprehension, bindings: Bindings) -> int:
        count = self.size(node.range, bindings)
        inner = element_bindings(node, bindings)
        body = 1 + sum(
            self.cost(part, inner) for part in (node.predicate, node.transform) if part is not None
        )
        total = self.cost(node.range, bindings) + count * body
        if self.costliest is None or total > self.costliest[3]:
            self.costliest = (node.kind, node.offset, count, total)
        return total


def estimate_cost(root: a.Node, sizes: Mapping[str, int], unknown: int) -> CostEstimate:
    """The worst-case cost of evaluating the checked tree ``root`` once (see the module)."""
    estimator = _Estimator(sizes, unknown)
    cost = estimator.cost(root, {})
    return CostEstimate(cost, estimator.costliest)
