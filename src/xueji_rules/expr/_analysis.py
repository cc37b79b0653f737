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

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t

__all__ = [
    "Facts",
    "FieldRead",
    "LiteralUse",
    "facts_when_true",
    "field_reads",
    "literal_uses",
    "prefixes",
    "when_true",
]

Bindings = Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class FieldRead:
    """One selection in an expression: the ``path`` it reads, where (``offset`` in the source),
    whether a schema-valid input may lack it (``optional``), and whether it is a ``has()`` test."""

    path: str
    offset: int
    optional: bool
    test_only: bool


@dataclass(frozen=True, slots=True)
class LiteralUse:
    """A string literal an input path is compared with: ``request.ground == 'illness'``,
    ``request.applicant in ['guardian', 'student']``, ``'id_card' in request.documents`` (path
    ``request.documents[]``), ``request.approvals.exists(a, a.body == 'school')``."""

    path: str
    value: str
    offset: int


def literal_uses(root: a.Node) -> Iterator[LiteralUse]:
    """Every string literal compared for equality or membership with an input path."""
    yield from _literals(root, {})


def _literals(node: a.Node, bindings: Bindings) -> Iterator[LiteralUse]:
    if isinstance(node, a.Binary) and node.op in ("==", "!=", "in"):
        left, right = node.left, node.right
        if node.op == "in" and isinstance(right, a.ListLit):
            path = path_of(left, bindings)
            if path is not None:
                for element in right.elements:
                    if isinstance(element, a.Literal) and isinstance(element.value, str):
                        yield LiteralUse(path, element.value, element.offset)
        elif node.op == "in":
            path = path_of(right, bindings)
            text = left.value if isinstance(left, a.Literal) else None
            if path is not None and isinstance(text, str) and isinstance(right.ty, t.ListType):
                yield LiteralUse(f"{path}[]", text, left.offset)
        else:
            for side, other in ((left, right), (right, left)):
                path = path_of(side, bindings)
                if (
                    path is not None
                    and isinstance(other, a.Literal)
                    and isinstance(other.value, str)
                ):
                    yield LiteralUse(path, other.value, other.offset)
    if isinstance(node, a.Comprehension):
        yield from _literals(node.range, bindings)
        inner = element_bindings(node, bindings)
        for part in (node.predicate, node.transform):
            if part is not None:
                yield from _literals(part, inner)
        return
    for child in _children(node):
        yield from _literals(child, bindings)


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


class Facts:
    """What is known about the presence of input paths at a point of an expression.

    A disjunction of alternatives, each a set of paths known present and a set known absent
    (``has(x) || has(y)`` leaves two alternatives; the ``else`` branch of ``has(x) ? ... : ...``
    adds "x absent" to each, which rules out the first). A path is guaranteed when every
    alternative that is not self-contradictory holds it present.
    """

    __slots__ = ("alternatives",)
    _MAX = 32  # beyond this many alternatives, keep only what they all share

    def __init__(self, alternatives: frozenset[tuple[frozenset[str], frozenset[str]]]) -> None:
        self.alternatives = alternatives

    @classmethod
    def nothing(cls) -> Facts:
        """No knowledge: one alternative that knows nothing."""
        return cls(frozenset({(frozenset(), frozenset())}))

    @classmethod
    def present(cls, paths: Iterable[str]) -> Facts:
        """The ``paths`` (and the paths above them) are present."""
        known = frozenset(p for path in paths for p in prefixes(path))
        return cls(frozenset({(known, frozenset())}))

    def both(self, other: Facts) -> Facts:
        """What holds when both hold."""
        out = set()
        for present, absent in self.alternatives:
            for present2, absent2 in other.alternatives:
                p, n = present | present2, absent | absent2
                if not p & n:
                    out.add((p, n))
        return Facts(frozenset(out))._bounded()

    def either(self, other: Facts) -> Facts:
        """What holds when at least one holds."""
        return Facts(self.alternatives | other.alternatives)._bounded()

    def _bounded(self) -> Facts:
        if len(self.alternatives) <= self._MAX:
            return self
        presents = [p for p, _ in self.alternatives]
        absents = [n for _, n in self.alternatives]
        shared = (frozenset.intersection(*presents), frozenset.intersection(*absents))
        return Facts(frozenset({shared}))

    def guaranteed(self) -> frozenset[str]:
        """The paths present in every alternative (everything, when none is possible)."""
        if not self.alternatives:
            return frozenset({"*"})
        return frozenset.intersection(*(p for p, _ in self.alternatives))

    def holds(self, path: str) -> bool:
        """Whether ``path`` is present in every possible alternative."""
        return all(path in present for present, _ in self.alternatives)


def field_reads(root: a.Node, given: Facts | None = None) -> Iterator[tuple[FieldRead, Facts]]:
    """Every selection of the tree, with what is known present where it is evaluated."""
    yield from _reads(root, {}, given or Facts.nothing())


def _reads(node: a.Node, bindings: Bindings, facts: Facts) -> Iterator[tuple[FieldRead, Facts]]:
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
            when_true(term, bindings) if node.op == "&&" else when_false(term, bindings)
            for term in node.terms
        ]
        for i, term in enumerate(node.terms):
            known = facts
            for j, side in enumerate(sides):
                if j != i:
                    known = known.both(side)
            yield from _reads(term, bindings, known)
        return
    if isinstance(node, a.Conditional):
        yield from _reads(node.cond, bindings, facts)
        yield from _reads(node.then, bindings, facts.both(when_true(node.cond, bindings)))
        yield from _reads(node.otherwise, bindings, facts.both(when_false(node.cond, bindings)))
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


def when_true(node: a.Node, bindings: Bindings | None = None) -> Facts:
    """What is known about presence when ``node`` evaluates to true."""
    bindings = bindings or {}
    if isinstance(node, a.Select) and node.test_only:
        base = path_of(node.operand, bindings)
        if base is not None:
            return Facts.present([f"{base}.{node.field}"])
    if isinstance(node, a.Unary) and node.op == "!":
        return when_false(node.operand, bindings)
    if isinstance(node, a.Logical):
        parts = [when_true(term, bindings) for term in node.terms]
        return _combine(parts, all_of=node.op == "&&")
    if isinstance(node, a.Conditional):
        return (
            when_true(node.cond, bindings)
            .both(when_true(node.then, bindings))
            .either(when_false(node.cond, bindings).both(when_true(node.otherwise, bindings)))
        )
    return Facts.nothing()


def when_false(node: a.Node, bindings: Bindings | None = None) -> Facts:
    """What is known about presence when ``node`` evaluates to false."""
    bindings = bindings or {}
    if isinstance(node, a.Select) and node.test_only:
        base = path_of(node.operand, bindings)
        if base is not None:  # has() answered false: the field is absent, its parent present
            above = Facts.present([base])
            gone = frozenset({f"{base}.{node.field}"})
            return Facts(frozenset((p, n | gone) for p, n in above.alternatives))
    if isinstance(node, a.Unary) and node.op == "!":
        return when_true(node.operand, bindings)
    if isinstance(node, a.Logical):
        parts = [when_false(term, bindings) for term in node.terms]
        return _combine(parts, all_of=node.op == "||")
    if isinstance(node, a.Conditional):
        return (
            when_true(node.cond, bindings)
            .both(when_false(node.then, bindings))
            .either(when_false(node.cond, bindings).both(when_false(node.otherwise, bindings)))
        )
    return Facts.nothing()


def _combine(parts: list[Facts], all_of: bool) -> Facts:
    if not parts:
        return Facts.nothing()
    out = parts[0]
    for part in parts[1:]:
        out = out.both(part) if all_of else out.either(part)
    return out


def facts_when_true(node: a.Node, bindings: Bindings | None = None) -> frozenset[str]:
    """Paths certainly present when ``node`` evaluates to true."""
    return when_true(node, bindings).guaranteed() - {"*"}
