"""Read a rule expression without running it: what it reads, a canonical form, a readable form.

The authoring tools need three things from a CEL condition: the input fields, parameters and
settings it reads (for the per-transition input lists and to tie a changed parameter to the rules
it moves), a canonical text (so a diff does not report a rule as changed when only its line breaks
moved), and a rendering a policy author who does not program can read (field labels instead of
paths, 并且/或者 instead of ``&&``/``||``). All three walk the parsed syntax tree; nothing is
evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xueji_rules.errors import ExpressionError
from xueji_rules.expr import _ast as a
from xueji_rules.expr._parser import parse

__all__ = ["Reads", "canonical", "readable", "reads"]

ROOTS = ("record", "request", "params", "settings")


@dataclass(frozen=True, slots=True)
class Reads:
    """What one expression reads: dotted input paths, ``has()`` tests, parameters, settings,
    functions, and the string literals each input path is compared with."""

    fields: frozenset[str] = frozenset()
    tested: frozenset[str] = frozenset()
    params: frozenset[str] = frozenset()
    settings: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    literals: frozenset[tuple[str, str]] = frozenset()

    def __or__(self, other: Reads) -> Reads:
        return Reads(
            self.fields | other.fields,
            self.tested | other.tested,
            self.params | other.params,
            self.settings | other.settings,
            self.functions | other.functions,
            self.literals | other.literals,
        )


def _path(node: a.Node, scopes: dict[str, str]) -> str | None:
    """``record.to_school.city`` for a chain of selections on a root (or a macro variable)."""
    parts: list[str] = []
    while isinstance(node, a.Select) and not node.test_only:
        parts.append(node.field)
        node = node.operand
    if isinstance(node, a.Index):
        inner = _path(node.operand, scopes)
        return None if inner is None else ".".join([inner + "[]", *reversed(parts)])
    if isinstance(node, a.Ident):
        base = scopes.get(node.name, node.name if node.name in ROOTS else None)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])
    return None


class _Walker:
    def __init__(self) -> None:
        self.fields: set[str] = set()
        self.tested: set[str] = set()
        self.params: set[str] = set()
        self.settings: set[str] = set()
        self.functions: set[str] = set()
        self.literals: set[tuple[str, str]] = set()

    def note(self, path: str, tested: bool) -> None:
        root, _, rest = path.partition(".")
        if not rest:
            return
        if root == "params":
            self.params.add(rest.split(".")[0])
        elif root == "settings":
            self.settings.add(rest.split(".")[0])
        else:
            (self.tested if tested else self.fields).add(path)

    def walk(self, node: a.Node, scopes: dict[str, str]) -> None:
        if isinstance(node, a.Select):
            if node.test_only:
                inner = _path(a.Select(node.offset, node.operand, node.field), scopes)
                if inner is not None:
                    self.note(inner, tested=True)
                    return
                self.walk(node.operand, scopes)
                return
            path = _path(node, scopes)
            if path is not None:
                self.note(path, tested=False)
                return
            self.walk(node.operand, scopes)
        elif isinstance(node, a.Index):
            self.walk(node.operand, scopes)
            self.walk(node.index, scopes)
        elif isinstance(node, a.Unary):
            self.walk(node.operand, scopes)
        elif isinstance(node, a.Binary):
            self._literal(node, scopes)
            self.walk(node.left, scopes)
            self.walk(node.right, scopes)
        elif isinstance(node, a.Logical):
            for term in node.terms:
                self.walk(term, scopes)
        elif isinstance(node, a.Conditional):
            for part in (node.cond, node.then, node.otherwise):
                self.walk(part, scopes)
        elif isinstance(node, a.Call):
            self.functions.add(node.name)
            if node.target is not None:
                self.walk(node.target, scopes)
            for arg in node.args:
                self.walk(arg, scopes)
        elif isinstance(node, a.ListLit):
            for element in node.elements:
                self.walk(element, scopes)
        elif isinstance(node, a.MapLit):
            for key, value in node.entries:
                self.walk(key, scopes)
                self.walk(value, scopes)
        elif isinstance(node, a.Comprehension):
            self.walk(node.range, scopes)
            range_path = _path(node.range, scopes)
            scoped = dict(scopes)
            if range_path is not None:
                scoped[node.var] = range_path + "[]"
            else:
                scoped.pop(node.var, None)
            for body in (node.predicate, node.transform):
                if body is not None:
                    self.walk(body, scoped)

    def _literal(self, node: a.Binary, scopes: dict[str, str]) -> None:
        if node.op in ("==", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                path = _path(side, scopes)
                if path and isinstance(other, a.Literal) and isinstance(other.value, str):
                    self.literals.add((path, other.value))
        elif node.op == "in" and isinstance(node.right, a.ListLit):
            path = _path(node.left, scopes)
            if path:
                for element in node.right.elements:
                    if isinstance(element, a.Literal) and isinstance(element.value, str):
                        self.literals.add((path, element.value))


def _parse(source: str) -> a.Node | None:
    try:
        return parse(source)
    except ExpressionError:
        return None


def reads(source: str | None) -> Reads:
    """What ``source`` reads (empty for ``None`` or an expression that does not parse)."""
    node = _parse(source) if source else None
    if node is None:
        return Reads()
    walker = _Walker()
    walker.walk(node, {})
    return Reads(
        frozenset(walker.fields),
        frozenset(walker.tested),
        frozenset(walker.params),
        frozenset(walker.settings),
        frozenset(walker.functions),
        frozenset(walker.literals),
    )


# -- canonical text ---------------------------------------------------------------------------


def _lit(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bytes):
        return "b" + _lit(value.decode("latin-1"))
    return repr(value)


def _canon(node: a.Node) -> str:
    if isinstance(node, a.Literal):
        return _lit(node.value)
    if isinstance(node, a.Ident):
        return node.name
    if isinstance(node, a.Select):
        inner = f"{_canon(node.operand)}.{node.field}"
        return f"has({inner})" if node.test_only else inner
    if isinstance(node, a.Index):
        return f"{_canon(node.operand)}[{_canon(node.index)}]"
    if isinstance(node, a.Unary):
        return f"{node.op}({_canon(node.operand)})"
    if isinstance(node, a.Binary):
        return f"({_canon(node.left)} {node.op} {_canon(node.right)})"
    if isinstance(node, a.Logical):
        return "(" + f" {node.op} ".join(_canon(t) for t in node.terms) + ")"
    if isinstance(node, a.Conditional):
        return f"({_canon(node.cond)} ? {_canon(node.then)} : {_canon(node.otherwise)})"
    if isinstance(node, a.Call):
        args = ", ".join(_canon(x) for x in node.args)
        head = f"{_canon(node.target)}." if node.target is not None else ""
        return f"{head}{node.name}({args})"
    if isinstance(node, a.ListLit):
        return "[" + ", ".join(_canon(x) for x in node.elements) + "]"
    if isinstance(node, a.MapLit):
        return "{" + ", ".join(f"{_canon(k)}: {_canon(v)}" for k, v in node.entries) + "}"
    if isinstance(node, a.Comprehension):
        parts = [node.var] + [_canon(p) for p in (node.predicate, node.transform) if p is not None]
        return f"{_canon(node.range)}.{node.kind}({', '.join(parts)})"
    raise TypeError(f"unknown node {type(node).__name__}")  # pragma: no cover


def canonical(source: str | None) -> str | None:
    """A whitespace- and parenthesis-independent form of ``source`` (itself, stripped, when it
    does not parse), so two spellings of one condition compare equal."""
    if source is None:
        return None
    node = _parse(source)
    return " ".join(source.split()) if node is None else _canon(node)


# -- readable Chinese -------------------------------------------------------------------------

Labeler = Callable[[str], str]
"""Maps an input path (``request.to_school.city``) or ``params.NAME`` to the text shown."""

_COMPARE = {"==": "等于", "!=": "不等于", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "in": "属于"}

# how each domain function reads in a sentence; {0}, {1}… are the rendered arguments
_FUNCTIONS: dict[str, str] = {
    "days_since_term_start": "{0}距所在学期开学的天数",
    "term_number": "{0}所在学期序号（第1或第2学期）",
    "term_start": "{0}所在学期的开学日",
    "term_end": "{0}所在学期的结束日",
    "school_year": "{0}所在学年",
    "school_year_start": "{0}所在学年的开始日",
    "add_workdays": "{0}后第{1}个工作日",
    "workdays_between": "{0}至{1}之间的工作日数",
    "is_workday": "{0}是工作日",
    "is_entry_grade": "{1}是{0}的起始年级（学制{2}）",
    "is_graduating_grade": "{1}是{0}的毕业年级（学制{2}）",
    "stage_of_grade": "{0}在学制{1}下所属的学段",
    "school_system": "{0}的学制",
    "age_on": "按{0}出生在{1}时的周岁",
    "add_days": "{0}后第{1}天",
    "add_months": "{0}后{1}个月的对应日",
    "size": "{0}的个数",
    "sum": "{0}之和",
    "date": "日期{0}",
}
_MACROS = {
    "exists": "{r}中有一项满足：{p}",
    "all": "{r}中每一项都满足：{p}",
    "exists_one": "{r}中恰有一项满足：{p}",
    "filter": "{r}中满足“{p}”的各项",
}


class _Reader:
    def __init__(self, label: Labeler) -> None:
        self.label = label
        self.scopes: dict[str, str] = {}

    def unguarded(self, terms: list[a.Node]) -> list[a.Node]:
        """The terms of a conjunction without the ``has()`` guards of fields another term reads:
        a reader needs "转入学校所在市等于…", not "已填写转入学校 并且 已填写转入学校所在市 并且 …"."""
        read: list[set[str]] = []
        for term in terms:
            walker = _Walker()
            walker.walk(term, self.scopes)
            read.append(walker.fields)
        keep = []
        for i, term in enumerate(terms):
            if isinstance(term, a.Select) and term.test_only:
                path = _path(a.Select(term.offset, term.operand, term.field), self.scopes)
                others = set().union(*(r for j, r in enumerate(read) if j != i))
                if path and any(o == path or o.startswith(path + ".") for o in others):
                    continue
            keep.append(term)
        return keep or terms

    def text(self, node: a.Node, parent: str = "") -> str:
        if isinstance(node, a.Literal):
            if node.value is True:
                return "成立"
            if node.value is False:
                return "不成立"
            if isinstance(node.value, str):
                return f"“{node.value}”"
            return _lit(node.value)
        if isinstance(node, a.Select | a.Ident | a.Index):
            path = _path(node, self.scopes) if not getattr(node, "test_only", False) else None
            if isinstance(node, a.Select) and node.test_only:
                inner = _path(a.Select(node.offset, node.operand, node.field), self.scopes)
                return f"已填写{self.label(inner) if inner else self.text(node.operand)}"
            if path is not None:
                return self.label(path)
            if isinstance(node, a.Ident):
                return node.name
            if isinstance(node, a.Index):
                return f"{self.text(node.operand)}[{self.text(node.index)}]"
            return f"{self.text(node.operand)}的{node.field}"
        if isinstance(node, a.Unary):
            if node.op == "!":
                operand = node.operand
                if isinstance(operand, a.Select) and operand.test_only:
                    tested = a.Select(operand.offset, operand.operand, operand.field)
                    path = _path(tested, self.scopes)
                    if path:
                        return f"未填写{self.label(path)}"
                return f"并非（{self.text(operand)}）"
            return f"-{self.text(node.operand, 'unary')}"
        if isinstance(node, a.Binary):
            if node.op in _COMPARE:
                right = node.right
                if node.op == "in" and isinstance(right, a.ListLit):
                    items = "、".join(self.text(x) for x in right.elements)
                    return f"{self.text(node.left)}属于{{{items}}}"
                if (
                    node.op in ("==", "!=")
                    and isinstance(right, a.Literal)
                    and isinstance(right.value, bool)
                ):
                    positive = (node.op == "==") == right.value
                    return f"{self.text(node.left)}{'为是' if positive else '为否'}"
                return f"{self.text(node.left)} {_COMPARE[node.op]} {self.text(right)}"
            text = f"{self.text(node.left, 'arith')} {node.op} {self.text(node.right, 'arith')}"
            return f"（{text}）" if parent == "arith" else text
        if isinstance(node, a.Logical):
            word = " 并且 " if node.op == "&&" else " 或者 "
            terms = self.unguarded(node.terms) if node.op == "&&" else node.terms
            if len(terms) == 1:
                return self.text(terms[0], parent)
            text = word.join(self.text(t, node.op) for t in terms)
            return f"（{text}）" if parent in ("&&", "||") and parent != node.op else text
        if isinstance(node, a.Conditional):
            return (
                f"若{self.text(node.cond)}则为{self.text(node.then)}，"
                f"否则为{self.text(node.otherwise)}"
            )
        if isinstance(node, a.Call):
            args = ([node.target] if node.target is not None else []) + list(node.args)
            rendered = [self.text(x) for x in args]
            template = _FUNCTIONS.get(node.name)
            if template is not None and template.count("{") <= len(rendered):
                try:
                    return template.format(*rendered)
                except IndexError:  # pragma: no cover - guarded by the count above
                    pass
            return f"{node.name}({'，'.join(rendered)})"
        if isinstance(node, a.ListLit):
            return "{" + "、".join(self.text(x) for x in node.elements) + "}"
        if isinstance(node, a.MapLit):
            return "{" + "，".join(f"{self.text(k)}: {self.text(v)}" for k, v in node.entries) + "}"
        if isinstance(node, a.Comprehension):
            range_path = _path(node.range, self.scopes)
            saved = dict(self.scopes)
            if range_path is not None:
                self.scopes[node.var] = range_path + "[]"
            try:
                r = self.text(node.range)
                p = self.text(node.predicate) if node.predicate is not None else ""
                if node.kind == "map":
                    x = self.text(node.transform) if node.transform is not None else ""
                    cond = f"中满足“{p}”的各项" if p else "的各项"
                    return f"{r}{cond}的{x}"
                return _MACROS.get(node.kind, node.kind + "({r}, {p})").format(r=r, p=p)
            finally:
                self.scopes = saved
        return "?"  # pragma: no cover


def readable(source: str, label: Labeler) -> list[str]:
    """``source`` in Chinese words, one item per top-level ``&&`` term (a single item when the
    expression is not a conjunction). ``has()`` guards of fields the same conjunction reads are
    left out (the exact CEL stays beside it on the site). An expression that does not parse is
    returned as is."""
    node = _parse(source)
    if node is None:
        return [" ".join(source.split())]
    reader = _Reader(label)
    if isinstance(node, a.Logical) and node.op == "&&":
        return [reader.text(t) for t in reader.unguarded(node.terms)]
    return [reader.text(node)]
