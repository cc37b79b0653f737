"""Generate a fast Python function from a checked tree.

The generated code is a straight Python expression: ``and``/``or``, dict subscripts, Python
operators wherever the static types make them agree exactly with CEL, inline int64 overflow
checks, and calls to the checked helpers of ``_values`` wherever types are open (``dyn``). It is
wrapped in ``try``: any exception hands the same arguments to the exact interpreter, so the
result differs from CEL only if the fast path returned a value where CEL would not, which the
choices below rule out.

Nothing from the expression text is pasted into the code: literals enter through ``repr()`` of
values the lexer decoded (or as constants), variables through generated names ``v0, v1, ...``
and functions through a constants namespace.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from xueji_rules.errors import CostLimitExceeded, EvaluationError
from xueji_rules.expr import _ast as a
from xueji_rules.expr import _values as v
from xueji_rules.expr import types as t
from xueji_rules.expr._checker import describe
from xueji_rules.expr._functions import dispatch
from xueji_rules.expr._interpreter import build_map, charge
from xueji_rules.expr._regex import RegexError, compile_re2

__all__ = ["generate"]

_LO, _HI = v.INT64_MIN, v.INT64_MAX
_ORDERED = frozenset({t.INT, t.DOUBLE, t.STRING, t.BYTES, t.BOOL, t.DATE})
_EXACT_EQ = frozenset({t.INT, t.STRING, t.BYTES, t.BOOL, t.DATE})
_CMP_HELPERS = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge", "==": "_eq", "!=": "_ne"}


def _overflow(op: str) -> Any:
    raise EvaluationError(f"integer overflow in '{op}'")


def _checked(value: int, op: str) -> int:
    if _LO <= value <= _HI:
        return value
    raise EvaluationError(f"integer overflow in '{op}'")


def _iterable(value: Any, kind: str) -> Any:
    if isinstance(value, list | tuple | dict):
        return value
    raise v.no_overload(kind, value)


def _date_diff(x: dt.date, y: dt.date) -> int:
    return (x - y).days


_HELPERS: dict[str, Any] = {
    "_Exc": Exception,
    "_all": all,
    "_any": any,
    "_sum": sum,
    "_ovf": _overflow,
    "_chk": _checked,
    "_add": v.add,
    "_sub": v.sub,
    "_mul": v.mul,
    "_div": v.div,
    "_mod": v.mod,
    "_idiv": v.int_div,
    "_imod": v.int_mod,
    "_fdiv": v.float_div,
    "_neg": v.neg,
    "_not": v.logical_not,
    "_eq": v.eq,
    "_ne": v.ne,
    "_lt": v.lt,
    "_le": v.le,
    "_gt": v.gt,
    "_ge": v.ge,
    "_in": v.contains,
    "_idx": v.index,
    "_sel": v.select,
    "_has": v.has_field,
    "_cb": v.check_bool,
    "_days": v.add_days,
    "_ddiff": _date_diff,
    "_iter": _iterable,
    "_mkmap": build_map,
    "_call": dispatch,
    "_charge": charge,
}


def _exact_eq(ty: t.Type) -> bool:
    """Whether Python ``==`` on values of static type ``ty`` is exactly CEL equality."""
    if ty in _EXACT_EQ:
        return True
    if isinstance(ty, t.ListType):
        return _exact_eq(ty.elem)
    if isinstance(ty, t.MapType):
        return ty.key in (t.STRING, t.INT) and _exact_eq(ty.value)
    return False


def _makes_bool(node: a.Node) -> bool:
    """Whether the generated code for a bool-typed ``node`` certainly yields a Python bool.

    Values read from the input (variables, fields, elements) are typed ``bool`` but may be
    ``None`` when a JSON field is nullable; Python's ``and``/``not`` would accept that quietly,
    so those are checked.
    """
    if isinstance(node, a.Literal | a.Binary | a.Logical | a.Unary | a.Call):
        return True
    if isinstance(node, a.Select):
        return node.test_only
    if isinstance(node, a.Comprehension):
        return node.kind in ("all", "exists", "exists_one")
    if isinstance(node, a.Conditional):
        return _makes_bool(node.then) and _makes_bool(node.otherwise)
    return False


class _Gen:
    def __init__(
        self, variables: Sequence[str], constants: Mapping[str, Any], budget: int | None = None
    ) -> None:
        self.budget = budget
        self.names: dict[str, Any] = {}
        self.variables = {name: f"v{i}" for i, name in enumerate(variables)}
        self.constants = constants
        self.scopes: list[tuple[str, str]] = []
        self.counter = 0
        self.in_iterable = 0
        self.charged = False  # whether the code charges macro ranges to the budget ``_b``

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def const(self, value: Any) -> str:
        name = self.fresh("_k")
        self.names[name] = value
        return name

    def helper(self, name: str) -> str:
        self.names[name] = _HELPERS[name]
        return name

    def call(self, helper: str, *args: str) -> str:
        return f"{self.helper(helper)}({', '.join(args)})"

    def gen(self, node: a.Node) -> str:
        method: Callable[[Any], str] = getattr(self, "gen_" + type(node).__name__.lower())
        return method(node)

    def gen_literal(self, node: a.Literal) -> str:
        value = node.value
        if isinstance(value, float) and not math.isfinite(value):
            return self.const(value)
        text = repr(value)
        return f"({text})" if text.startswith("-") else text

    def gen_ident(self, node: a.Ident) -> str:
        for name, py in reversed(self.scopes):
            if name == node.name:
                return py
        if node.name in self.variables:
            return self.variables[node.name]
        return self.const(self.constants[node.name])

    def gen_select(self, node: a.Select) -> str:
        operand = self.gen(node.operand)
        ty = node.operand.ty
        if isinstance(ty, t.ObjectType | t.MapType):
            if node.test_only:
                return f"({node.field!r} in {operand})"
            return f"{operand}[{node.field!r}]"
        what = repr(describe(node.operand))
        return self.call("_has" if node.test_only else "_sel", operand, repr(node.field), what)

    def gen_index(self, node: a.Index) -> str:
        operand, index = self.gen(node.operand), self.gen(node.index)
        ty, ity = node.operand.ty, node.index.ty
        direct = (
            (isinstance(ty, t.ListType) and isinstance(node.index, a.Literal) and ity == t.INT
             and node.index.value >= 0)
            or (isinstance(ty, t.MapType) and ty.key in (t.STRING, t.INT) and ity == ty.key)
            or (isinstance(ty, t.ObjectType) and ity == t.STRING)
        )  # fmt: skip
        if direct:
            return f"{operand}[{index}]"
        return self.call("_idx", operand, index)

    def gen_unary(self, node: a.Unary) -> str:
        operand = self.gen(node.operand)
        ty = node.operand.ty
        if node.op == "!":
            if ty == t.BOOL and _makes_bool(node.operand):
                return f"(not {operand})"
            return self.call("_not", operand)
        return f"(-{operand})" if ty == t.DOUBLE else self.call("_neg", operand)

    def int_op(self, op: str, left: str, right: str) -> str:
        if self.in_iterable:
            return self.call("_chk", f"{left} {op} {right}", repr(op))
        tmp = self.fresh("_t")
        return (
            f"({tmp} if {_LO} <= ({tmp} := {left} {op} {right}) <= {_HI} "
            f"else {self.helper('_ovf')}({op!r}))"
        )

    def gen_binary(self, node: a.Binary) -> str:
        left, right = self.gen(node.left), self.gen(node.right)
        lt, rt, op = node.left.ty, node.right.ty, node.op
        if op in ("==", "!="):
            if lt == rt and (_exact_eq(lt) or lt == t.DOUBLE):
                return f"({left} {op} {right})"
            for lit, other_node, other in (
                (node.left, node.right, right),
                (node.right, node.left, left),
            ):
                if isinstance(lit, a.Literal) and lit.value is None:
                    if isinstance(other_node, a.Literal):
                        # both sides are constants: fold, since Python warns on "'x' is None"
                        return repr((other_node.value is None) == (op == "=="))
                    return f"({other} {'is' if op == '==' else 'is not'} None)"
            return self.call(_CMP_HELPERS[op], left, right)
        if op in ("<", "<=", ">", ">="):
            if lt == rt and lt in _ORDERED:
                return f"({left} {op} {right})"
            return self.call(_CMP_HELPERS[op], left, right)
        if op == "in":
            return self.membership(node, left, right)
        if lt == rt == t.INT:
            if op in "+-*":
                return self.int_op(op, left, right)
            return self.call("_idiv" if op == "/" else "_imod", left, right)
        if lt == rt == t.DOUBLE:
            return self.call("_fdiv", left, right) if op == "/" else f"({left} {op} {right})"
        if lt == rt and lt in (t.STRING, t.BYTES) and op == "+":
            return f"({left} + {right})"
        if lt == t.DATE and rt == t.DATE and op == "-":
            return self.call("_ddiff", left, right)
        if lt == t.DATE and rt == t.INT and op == "+":
            return self.call("_days", left, right)
        helper = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}[op]
        return self.call(helper, left, right)

    def membership(self, node: a.Binary, left: str, right: str) -> str:
        item, container = node.left.ty, node.right.ty
        if isinstance(node.right, a.ListLit) and item in (t.INT, t.STRING) and node.right.elements:
            values = [e.value for e in node.right.elements if isinstance(e, a.Literal)]
            if (
                len(values) == len(node.right.elements)
                and all(type(x) is type(values[0]) for x in values)
                and container == t.ListType(item)
            ):
                return f"({left} in {self.const(frozenset(values))})"
        if isinstance(container, t.ListType) and container.elem == item and _exact_eq(item):
            return f"({left} in {right})"
        if isinstance(container, t.MapType) and container.key == item and item in (t.STRING, t.INT):
            return f"({left} in {right})"
        if isinstance(container, t.ObjectType) and item == t.STRING:
            return f"({left} in {right})"
        return self.call("_in", right, left)

    def boolean(self, node: a.Node, where: str) -> str:
        code = self.gen(node)
        if node.ty == t.BOOL and _makes_bool(node):
            return code
        return self.call("_cb", code, repr(where))

    def gen_logical(self, node: a.Logical) -> str:
        joiner = " and " if node.op == "&&" else " or "
        where = f"'{node.op}'"
        return "(" + joiner.join(self.boolean(term, where) for term in node.terms) + ")"

    def gen_conditional(self, node: a.Conditional) -> str:
        cond = self.boolean(node.cond, "the condition of '?:'")
        return f"({self.gen(node.then)} if {cond} else {self.gen(node.otherwise)})"

    def gen_call(self, node: a.Call) -> str:
        operands = ([node.target] if node.target is not None else []) + node.args
        args = [self.gen(x) for x in operands]
        overloads = node.overloads
        last = operands[-1] if operands else None
        if (
            node.name == "matches"
            and len(overloads) == 1
            and overloads[0].name == "matches_string"
            and isinstance(last, a.Literal)
            and isinstance(last.value, str)
            and operands[0].ty == t.STRING
        ):
            try:
                pattern = compile_re2(last.value)
            except RegexError:  # the checker already refused it; keep the exact path
                pass
            else:
                return f"({self.const(pattern)}.search({args[0]}) is not None)"
        direct = len(overloads) == 1 and all(
            x.ty != t.DYN or p == t.DYN for x, p in zip(operands, overloads[0].params, strict=True)
        )
        if direct:
            return self.direct_call(node, overloads[0].impl, args)
        packed = "(" + "".join(f"{x}, " for x in args) + ")"
        return self.call("_call", repr(node.name), self.const(overloads), packed)

    def direct_call(self, node: a.Call, impl: Callable[..., Any], args: list[str]) -> str:
        """The code calling ``impl``, the only overload of ``node``, on ``args`` (code)."""
        return f"{self.const(impl)}({', '.join(args)})"

    def gen_listlit(self, node: a.ListLit) -> str:
        return "[" + ", ".join(self.gen(x) for x in node.elements) + "]"

    def gen_maplit(self, node: a.MapLit) -> str:
        keys = [k.value if isinstance(k, a.Literal) else None for k, _ in node.entries]
        if all(isinstance(k, str) for k in keys) and len(set(keys)) == len(keys):
            return (
                "{"
                + ", ".join(
                    f"{k!r}: {self.gen(x)}" for k, (_, x) in zip(keys, node.entries, strict=True)
                )
                + "}"
            )
        pairs = "".join(f"({self.gen(k)}, {self.gen(x)}), " for k, x in node.entries)
        return self.call("_mkmap", f"({pairs})")

    def gen_comprehension(self, node: a.Comprehension) -> str:
        self.in_iterable += 1
        try:
            rng = self.gen(node.range)
        finally:
            self.in_iterable -= 1
        if node.range.ty == t.DYN:
            rng = self.call("_iter", rng, repr(node.kind))
        if self.budget is not None:
            self.charged = True
            rng = self.call("_charge", rng, "_b")
        var = self.fresh("_x")
        self.scopes.append((node.var, var))
        try:
            where = f"the condition of '{node.kind}'"
            pred = self.boolean(node.predicate, where) if node.predicate is not None else None
            transform = self.gen(node.transform) if node.transform is not None else None
        finally:
            self.scopes.pop()
        loop = f"for {var} in {rng}"
        if node.kind == "all":
            return f"{self.helper('_all')}({pred} {loop})"
        if node.kind == "exists":
            return f"{self.helper('_any')}({pred} {loop})"
        if node.kind == "exists_one":
            return f"({self.helper('_sum')}(1 {loop} if {pred}) == 1)"
        if node.kind == "filter":
            return f"[{var} {loop} if {pred}]"
        if pred is None:
            return f"[{transform} {loop}]"
        return f"[{transform} {loop} if {pred}]"


def generate(
    root: a.Node,
    variables: Sequence[str],
    slow: Callable[..., Any],
    constants: Mapping[str, Any] | None = None,
    max_iterations: int | None = None,
) -> Callable[..., Any] | None:
    """The fast positional function over ``variables``, falling back on ``slow`` when it raises;
    ``None`` when Python cannot compile the generated code (then use ``slow`` alone).
    ``constants`` are names bound to fixed values, read from the function's namespace.
    ``max_iterations`` bounds the elements the macros of one call may iterate over in all;
    past it the call raises ``CostLimitExceeded`` (without trying ``slow``)."""
    gen = _Gen(variables, constants or {}, max_iterations)
    try:
        body = gen.gen(root)
    except RecursionError:
        return None
    params = ", ".join(gen.variables.values())
    lines = ["def _factory(_ns):"]
    lines += [f"    {name} = _ns[{name!r}]" for name in sorted(gen.names)]
    lines += [f"    def _fast({params}):"]
    if gen.charged:
        lines += [f"        _b = [{int(max_iterations or 0)}, {int(max_iterations or 0)}]"]
    lines += [
        "        try:",
        f"            return {body}",
        "        except _Cost:",
        "            raise",
        "        except _Exc:",
        "            pass",
        f"        return _slow({params})",
        "    return _fast",
    ]
    namespace: dict[str, Any] = {
        **gen.names,
        "_Exc": Exception,
        "_Cost": CostLimitExceeded,
        "_slow": slow,
    }
    lines.insert(1, "    _Exc = _ns['_Exc']")
    lines.insert(2, "    _Cost = _ns['_Cost']")
    lines.insert(3, "    _slow = _ns['_slow']")
    try:
        code = compile("\n".join(lines) + "\n", "<expression>", "exec")
        scope: dict[str, Any] = {"__builtins__": {}}
        exec(code, scope)
        fast: Callable[..., Any] = scope["_factory"](namespace)
    except (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError):
        return None
    return fast
