"""What a checked expression reads: field paths, ``has()`` tests, and reads no guard protects.

A *path* names an input position from a declared variable down: ``record.grade``,
``request.to_school.vacancies``. An element of a list is written with ``[]``:
``request.approvals[].body`` is the ``body`` of any element of ``request.approvals`` (a macro's
variable over that list, or an index into it). A field of an object that a schema-valid input may
lack, or a key of a map, is *optional*; reading it when it is absent is an evaluation error, so a
pack guards it with ``has()`` (or, in a rule, with ``needs:``).

Guards follow CEL's evaluation, where ``&&`` and ``||`` absorb an error from either side: in
``a && b`` a ``has()`` that ``b`` makes true protects the reads of ``a`` as well as the other way
round; ``!has(x) || x > 0`` protects ``x``; ``has(x) ? x : 0`` protects ``x`` in its first branch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t

__all__ = ["FieldRead", "facts_when_false", "facts_when_true", "field_reads", "prefixes"]

Bindings = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class FieldRead:
    """One selection in an expression: the ``path`` it reads, where (``offset`` in the source),
    whether a schema-valid input may lack it (``optional``), and whether it is a ``has()`` test."""

    path: str
    offset: int
    optional: bool
    test_only: bool


def prefixes(path: str) -> Iterator[str]:
    """``path`` and every path above it: ``a.b[].c`` gives ``a.b[].c``, ``a.b[]``, ``a.b``, ``a``."""
    current = path
    while current:
        yield current
        if current.endswith("[]"):
            current = current[:-2]
            continue
        cut = current.rfind(".")
        if cut < 0:
            return
        current = current[:cut]


def path_of(node: a.Node, bindings: Bindings) -> str | None:
    """The input path ``node`` reads, or ``None`` when it is not a plain selection chain."""
    if isinstance(node, a.Ident):
        if node.name in bindings:
            return bindings[node.name]
        return node.name
    if isinstance(node, a.Select) and not node.test_only:
        base = path_of(node.operand, bindings)
        return None if base is None else f"{base}.{node.field}"
    if isinstance(node, a.Index):
        base = path_of(node.operand, bindings)
        if base is None:
            return None
        index = node.index
        keyed = isinstance(node.operand.ty, t.ObjectType | t.MapType)
        if keyed and isinstance(index, a.Literal) and isinstance(index.value, str):
            return f"{base}.{index.value}"
        return f"{base}[]"
    return None


def _optional(operand: t.Type, name: str | None) -> bool:
    if isinstance(operand, t.ObjectType):
        return name is not None and name not in operand.required
    return isinstance(operand, t.MapType)


def _children(node: a.Node) -> Iterator[a.Node]:
    if isinstance(node, a.Select | a.Unary):
        yield node.operand
    elif isinstance(node, a.Index):
        yield node.operand
        yield node.index
    elif isinstance(node, a.Binary):
        yield node.left
        yield node.right
    elif isinstance(node, a.Logical):
        yield from node.terms
    elif isinstance(node, a.Conditional):
        yield node.cond
        yield node.then
        yield node.otherwise
    elif isinstance(node, a.Call):
        if node.target is not None:
            yield node.target
        yield from node.args
    elif isinstance(node, a.ListLit):
        yield from node.elements
    elif isinstance(node, a.MapLit):
        for key, value in node.entries:
            yield key
            yield value


def element_bindings(node: a.Comprehension, bindings: Bindings) -> dict[str, str | None]:
    """The bindings inside a macro: its variable stands for an element of a list range."""
    inner = dict(bindings)
    rng = path_of(node.range, bindings)
    is_list = isinstance(node.range.ty, t.ListType)
    inner[node.var] = f"{rng}[]" if rng is not None and is_list else None
    return inner


def field_reads(root: a.Node) -> Iterator[tuple[FieldRead, frozenset[str]]]:
    """Every selection of the tree, with the paths known present where it is evaluated."""
    yield from _reads(root, {}, frozenset())


def _reads(
    node: a.Node, bindings: Bindings, facts: frozenset[str]
) -> Iterator[tuple[FieldRead, frozenset[str]]]:
    if isinstance(node, a.Select | a.Index):
        name: str | None
        if isinstance(node, a.Select):
            name = node.field
            test_only = node.test_only
        else:
            index = node.index
            name = (
                index.value
                if isinstance(index, a.Literal) and isinstance(index.value, str)
                else None
            )
            test_only = False
            if isinstance(node.operand.ty, t.ListType):
                name = None  # an index out of range is not a missing field
        base = path_of(node.operand, bindings)
        if base is not None and (isinstance(node, a.Select) or name is not None):
            path = f"{base}.{name}" if name is not None else f"{base}[]"
            optional = name is not None and _optional(node.operand.ty, name)
            yield FieldRead(path, node.offset, optional, test_only), facts
    if isinstance(node, a.Logical):
        sides = [
            facts_when_true(term, bindings) if node.op == "&&" else facts_when_false(term, bindings)
            for term in node.terms
        ]
        for i, term in enumerate(node.terms):
            others = frozenset().union(*(f for j, f in enumerate(sides) if j != i))
            yield from _reads(term, bindings, facts | others)
        return
    if isinstance(node, a.Conditional):
        yield from _reads(node.cond, bindings, facts)
        yield from _reads(node.then, bindings, facts | facts_when_true(node.cond, bindings))
        yield from _reads(node.otherwise, bindings, facts | facts_when_false(node.cond, bindings))
        return
    if isinstance(node, a.Comprehension):
        yield from _reads(node.range, bindings, facts)
        inner = element_bindings(node, bindings)
        for part in (node.predicate, node.transform):
            if part is not None:
                yield from _reads(part, inner, facts)
        return
    for child in _children(node):
        yield from _reads(child, bindings, facts)


def _tested(node: a.Node, bindings: Bindings) -> frozenset[str]:
    if isinstance(node, a.Select) and node.test_only:
        base = path_of(node.operand, bindings)
        if base is not None:
            return frozenset(prefixes(f"{base}.{node.field}"))
    return frozenset()


def facts_when_true(node: a.Node, bindings: Bindings | None = None) -> frozenset[str]:
    """Paths certainly present when ``node`` evaluates to true."""
    bindings = bindings or {}
    if isinstance(node, a.Select) and node.test_only:
        return _tested(node, bindings)
    if isinstance(node, a.Unary) and node.op == "!":
        return facts_when_false(node.operand, bindings)
    if isinstance(node, a.Logical):
        parts = [facts_when_true(term, bindings) for term in node.terms]
        if node.op == "&&":
            return frozenset().union(*parts)
        return frozenset.intersection(*parts) if parts else frozenset()
    if isinstance(node, a.Conditional):
        cond_true = facts_when_true(node.cond, bindings)
        cond_false = facts_when_false(node.cond, bindings)
        return (cond_true | facts_when_true(node.then, bindings)) & (
            cond_false | facts_when_true(node.otherwise, bindings)
        )
    return frozenset()


def facts_when_false(node: a.Node, bindings: Bindings | None = None) -> frozenset[str]:
    """Paths certainly present when ``node`` evaluates to false."""
    bindings = bindings or {}
    if isinstance(node, a.Unary) and node.op == "!":
        return facts_when_true(node.operand, bindings)
    if isinstance(node, a.Logical):
        parts = [facts_when_false(term, bindings) for term in node.terms]
        if node.op == "||":
            return frozenset().union(*parts)
        return frozenset.intersection(*parts) if parts else frozenset()
    if isinstance(node, a.Conditional):
        cond_true = facts_when_true(node.cond, bindings)
        cond_false = facts_when_false(node.cond, bindings)
        return (cond_true | facts_when_false(node.then, bindings)) & (
            cond_false | facts_when_false(node.otherwise, bindings)
        )
    return frozenset()
