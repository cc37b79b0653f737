"""Compiled expressions as the authoring tools show them: a canonical text and a reading in words.

Both walk the checked tree of a compiled program (:attr:`expr.Program.root
<xueji_rules.expr.Program>`, compiled with the engine's declarations) and take the input path of
each selection from ``Program.field_reads()`` and of each compared id from
``Program.literal_uses()``, so a macro's variable (``s.end`` in ``record.suspensions.exists(s,
...)``) reads as the list element it stands for. Nothing is evaluated and no text is parsed again.

The canonical text ignores layout and parentheses, so a diff does not report a re-wrapped
condition. The reading names fields instead of paths, says 并且/或者 (and/or) instead of
``&&``/``||``, shows a compared id by its vocabulary label, and leaves out the ``has()`` guards of
fields the same conjunction reads (the exact CEL stays beside it on the site).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Protocol

from xueji_rules import expr
from xueji_rules.expr import _ast as a  # the node classes of Program.root

__all__ = ["WORDS", "Namer", "Words", "canonical_text", "readable"]


class Namer(Protocol):
    """Names what an expression reads: :class:`~xueji_rules.authoring.labels.Labels`."""

    lang: str

    def field(self, path: str) -> str:
        """An input path, ``params.NAME`` or ``settings.NAME`` by its name."""

    def value(self, path: str, value: str) -> str | None:
        """The label of an id compared with ``path`` (``None``: show the id)."""


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


def canonical_text(program: expr.Program) -> str:
    """The program's expression with one layout and full parentheses: two spellings of one
    condition give the same text, a changed operator does not."""
    return _canon(program.root)


# -- words ------------------------------------------------------------------------------------


_ZH_FUNCTIONS = {
    "add_days": "{0}后第{1}天",
    "add_months": "{0}后{1}个月的对应日",
    "add_years": "{0}后{1}年的同月同日",
    "add_workdays": "{0}后第{1}个工作日",
    "age_on": "按{0}出生在{1}时的周岁",
    "date": "日期{0}",
    "day": "{0}的日",
    "days_between": "{0}至{1}的天数",
    "days_in_years": "自{0}起{1}年的天数",
    "days_since_term_start": "{0}距所在学期开学的天数",
    "earliest": "{0}中最早的日期",
    "entry_grade": "{0}在学制{1}下的起始年级",
    "graduating_grade": "{0}在学制{1}下的毕业年级",
    "is_entry_grade": "{1}是{0}的起始年级（学制{2}）",
    "is_graduating_grade": "{1}是{0}的毕业年级（学制{2}）",
    "is_workday": "{0}是工作日",
    "last_day_of_months": "自{0}起{1}个月的最后一天",
    "last_day_of_years": "自{0}起{1}年的最后一天",
    "month": "{0}的月份",
    "period_end": "自{0}起{1}（{2}）期限的最后一天",
    "school_system": "{0}的学制",
    "school_year": "{0}所在学年",
    "school_year_end": "{0}所在学年的最后一天",
    "school_year_start": "{0}所在学年的开始日",
    "size": "{0}的个数",
    "stage_of_grade": "{0}年级在学制{1}下所属的学段",
    "sum": "{0}之和",
    "term_end": "{0}所在学期的结束日",
    "term_number": "{0}所在学期序号（第1或第2学期）",
    "term_start": "{0}所在学期的开学日",
    "weekday": "{0}是星期几",
    "workdays_between": "{0}至{1}之间的工作日数",
    "year": "{0}的年份",
    "contains": "{0}包含{1}",
    "startsWith": "{0}以{1}开头",
    "endsWith": "{0}以{1}结尾",
    "matches": "{0}符合模式{1}",
}
_EN_FUNCTIONS = {
    "add_days": "{1} days after {0}",
    "add_months": "{1} months after {0}",
    "add_years": "{1} years after {0}",
    "add_workdays": "the {1}th working day after {0}",
    "age_on": "the age on {1} of a child born on {0}",
    "date": "the date {0}",
    "day": "the day of {0}",
    "days_between": "the days from {0} to {1}",
    "days_in_years": "the days in {1} years from {0}",
    "days_since_term_start": "the days from the start of its term to {0}",
    "earliest": "the earliest of {0}",
    "entry_grade": "the first grade of {0} under system {1}",
    "graduating_grade": "the last grade of {0} under system {1}",
    "is_entry_grade": "{1} is the first grade of {0} (system {2})",
    "is_graduating_grade": "{1} is the last grade of {0} (system {2})",
    "is_workday": "{0} is a working day",
    "last_day_of_months": "the last day of {1} months from {0}",
    "last_day_of_years": "the last day of {1} years from {0}",
    "month": "the month of {0}",
    "period_end": "the last day of {1} ({2}) from {0}",
    "school_system": "the school system of {0}",
    "school_year": "the school year of {0}",
    "school_year_end": "the last day of the school year of {0}",
    "school_year_start": "the first day of the school year of {0}",
    "size": "the number of {0}",
    "stage_of_grade": "the stage of grade {0} under system {1}",
    "sum": "the sum of {0}",
    "term_end": "the last day of the term of {0}",
    "term_number": "the term of {0} (1 or 2)",
    "term_start": "the first day of the term of {0}",
    "weekday": "the weekday of {0}",
    "workdays_between": "the working days between {0} and {1}",
    "year": "the year of {0}",
    "contains": "{0} contains {1}",
    "startsWith": "{0} starts with {1}",
    "endsWith": "{0} ends with {1}",
    "matches": "{0} matches the pattern {1}",
}

# each phrase in Chinese and in English; ``{}`` stands for the parts it joins
_PHRASES: dict[str, tuple[str, str]] = {
    "conj": (" 并且 ", " and "),
    "disj": (" 或者 ", " or "),
    "group": ("（{}）", "({})"),
    "negation": ("并非（{}）", "not ({})"),
    "given": ("已填写{}", "{} is given"),
    "not_given": ("未填写{}", "{} is not given"),
    "true": ("成立", "true"),
    "false": ("不成立", "false"),
    "null": ("无", "none"),
    "holds": ("{}为是", "{} is yes"),
    "fails": ("{}为否", "{} is no"),
    "one_of": ("{}属于{{{}}}", "{} is one of {{{}}}"),
    "item": ("该项", "the item"),
    "sep": ("、", ", "),
    "arg_sep": ("，", ", "),
    "conditional": ("若{}则为{}，否则为{}", "if {} then {}, else {}"),
    "mapped": ("{r}的各项的{x}", "{x} of each item of {r}"),
    "mapped_where": ("{r}中满足“{p}”的各项的{x}", "{x} of each item of {r} with “{p}”"),
}
_COMPARE = {
    "==": ("等于", "is"),
    "!=": ("不等于", "is not"),
    "<": ("<", "<"),
    "<=": ("≤", "≤"),
    ">": (">", ">"),
    ">=": ("≥", "≥"),
}
_MACROS = {
    "exists": ("{r}中有一项满足：{p}", "some item of {r} has: {p}"),
    "all": ("{r}中每一项都满足：{p}", "every item of {r} has: {p}"),
    "exists_one": ("{r}中恰有一项满足：{p}", "exactly one item of {r} has: {p}"),
    "filter": ("{r}中满足“{p}”的各项", "the items of {r} with “{p}”"),
}


class Words:
    """The words of one language (``zh`` or ``en``) a condition is read in."""

    conj: str
    disj: str
    group: str
    negation: str
    given: str
    not_given: str
    true: str
    false: str
    null: str
    holds: str
    fails: str
    one_of: str
    item: str
    sep: str
    arg_sep: str
    conditional: str
    mapped: str
    mapped_where: str

    def __init__(self, lang: str) -> None:
        index = 1 if lang == "en" else 0
        for name, pair in _PHRASES.items():
            setattr(self, name, pair[index])
        self.compare = {op: pair[index] for op, pair in _COMPARE.items()}
        self.macros = {kind: pair[index] for kind, pair in _MACROS.items()}
        self.functions = _EN_FUNCTIONS if lang == "en" else _ZH_FUNCTIONS


WORDS = {lang: Words(lang) for lang in ("zh", "en")}
"""The words conditions are read in, by language."""


# -- reading ----------------------------------------------------------------------------------


def _children(node: a.Node) -> Iterator[a.Node]:
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, a.Node):
                yield item
            elif isinstance(item, tuple):
                yield from (x for x in item if isinstance(x, a.Node))


def _selections(node: a.Node) -> Iterator[a.Select]:
    if isinstance(node, a.Select):
        yield node
    for child in _children(node):
        yield from _selections(child)


class _Reader:
    def __init__(self, program: expr.Program, namer: Namer) -> None:
        self.paths = {r.offset: r.path for r in program.field_reads()}
        self.compared = {u.offset: u.path for u in program.literal_uses()}
        self.namer = namer
        self.w = WORDS.get(namer.lang, WORDS["zh"])
        self.variables: set[str] = set()

    def unguarded(self, terms: list[a.Node]) -> list[a.Node]:
        """The terms of a conjunction without the ``has()`` guards of fields another term reads:
        a reader needs "转入学校所在市等于…", not "已填写转入学校 并且 已填写转入学校所在市 并且 …"."""
        reads = [
            {self.paths[s.offset] for s in _selections(t) if s.offset in self.paths} for t in terms
        ]
        keep = []
        for i, term in enumerate(terms):
            if isinstance(term, a.Select) and term.test_only and term.offset in self.paths:
                path = self.paths[term.offset]
                others = set().union(*(r for j, r in enumerate(reads) if j != i))
                if any(o == path or o.startswith((path + ".", path + "[]")) for o in others):
                    continue
            keep.append(term)
        return keep or terms

    def literal(self, node: a.Literal) -> str:
        if node.value is True:
            return self.w.true
        if node.value is False:
            return self.w.false
        if node.value is None:
            return self.w.null
        if isinstance(node.value, str):
            path = self.compared.get(node.offset)
            shown = self.namer.value(path, node.value) if path is not None else None
            return f"“{shown or node.value}”"
        return _lit(node.value)

    def selection(self, node: a.Select | a.Ident | a.Index) -> str:
        if isinstance(node, a.Ident):
            return self.w.item if node.name in self.variables else self.namer.field(node.name)
        path = self.paths.get(node.offset)
        if isinstance(node, a.Select) and node.test_only:
            return self.w.given.format(self.namer.field(path) if path else self.text(node.operand))
        if path is not None and not path.endswith("[]"):
            return self.namer.field(path)
        if isinstance(node, a.Index):
            return f"{self.text(node.operand)}[{self.text(node.index)}]"
        return f"{self.text(node.operand)}.{node.field}"

    def binary(self, node: a.Binary, parent: str) -> str:
        w = self.w
        if node.op == "in" and isinstance(node.right, a.ListLit):
            items = w.sep.join(self.text(x) for x in node.right.elements)
            return w.one_of.format(self.text(node.left), items)
        right = node.right
        if (
            node.op in ("==", "!=")
            and isinstance(right, a.Literal)
            and isinstance(right.value, bool)
        ):
            positive = (node.op == "==") == right.value
            return (w.holds if positive else w.fails).format(self.text(node.left))
        if node.op in w.compare:
            shown = self.text(node.left, "cmp"), self.text(node.right, "cmp")
            return f"{shown[0]} {w.compare[node.op]} {shown[1]}"
        if node.op == "in":
            return f"{self.text(node.left, 'cmp')} ∈ {self.text(node.right, 'cmp')}"
        text = f"{self.text(node.left, 'arith')} {node.op} {self.text(node.right, 'arith')}"
        return f"({text})" if parent == "arith" else text

    def call(self, node: a.Call) -> str:
        args = ([node.target] if node.target is not None else []) + list(node.args)
        rendered = [self.text(x, "arg") for x in args]
        template = self.w.functions.get(node.name)
        fits = template is not None and all(
            (f"{{{i}}}" in template) == (i < len(rendered)) for i in range(len(rendered) + 1)
        )
        if template is not None and fits:
            return template.format(*rendered)
        return f"{node.name}({self.w.arg_sep.join(rendered)})"

    def comprehension(self, node: a.Comprehension) -> str:
        r = self.text(node.range)
        added = node.var not in self.variables
        self.variables.add(node.var)
        try:
            p = self.text(node.predicate) if node.predicate is not None else ""
            if node.kind == "map":
                x = self.text(node.transform) if node.transform is not None else ""
                return (self.w.mapped_where if p else self.w.mapped).format(r=r, p=p, x=x)
            template = self.w.macros.get(node.kind, node.kind + "({r}, {p})")
            return template.format(r=r, p=p)
        finally:
            if added:
                self.variables.discard(node.var)

    def text(self, node: a.Node, parent: str = "") -> str:
        if isinstance(node, a.Literal):
            return self.literal(node)
        if isinstance(node, a.Select | a.Ident | a.Index):
            return self.selection(node)
        if isinstance(node, a.Unary):
            if node.op != "!":
                return f"-{self.text(node.operand, 'arith')}"
            inner = node.operand
            if isinstance(inner, a.Select) and inner.test_only and inner.offset in self.paths:
                return self.w.not_given.format(self.namer.field(self.paths[inner.offset]))
            return self.w.negation.format(self.text(inner))
        if isinstance(node, a.Binary):
            return self.binary(node, parent)
        if isinstance(node, a.Logical):
            word = self.w.conj if node.op == "&&" else self.w.disj
            terms = self.unguarded(node.terms) if node.op == "&&" else node.terms
            if len(terms) == 1:
                return self.text(terms[0], parent)
            text = word.join(self.text(t, node.op) for t in terms)
            nested = parent in ("&&", "||", "?", "cmp") and parent != node.op
            return self.w.group.format(text) if nested else text
        if isinstance(node, a.Conditional):
            parts = (
                self.text(node.cond, "?"),
                self.text(node.then, "?"),
                self.text(node.otherwise, "?"),
            )
            text = self.w.conditional.format(*parts)
            return self.w.group.format(text) if parent else text
        if isinstance(node, a.Call):
            return self.call(node)
        if isinstance(node, a.ListLit):
            return "{" + self.w.sep.join(self.text(x) for x in node.elements) + "}"
        if isinstance(node, a.MapLit):
            pairs = (f"{self.text(k)}: {self.text(v)}" for k, v in node.entries)
            return "{" + self.w.sep.join(pairs) + "}"
        if isinstance(node, a.Comprehension):
            return self.comprehension(node)
        return "?"  # pragma: no cover


def readable(program: expr.Program, namer: Namer) -> list[str]:
    """The program's condition in words, one item per top-level ``&&`` term (a single item when
    it is not a conjunction), in ``namer.lang``."""
    reader = _Reader(program, namer)
    root = program.root
    if isinstance(root, a.Logical) and root.op == "&&":
        return [reader.text(t) for t in reader.unguarded(root.terms)]
    return [reader.text(root)]
