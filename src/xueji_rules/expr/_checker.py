"""Static type checking against declared variables and functions.

Sets ``ty`` on every node and ``overloads`` on every call. Every problem is collected with its
position and a suggestion where one helps; a node with a problem is typed ``dyn`` so that it does
not cause further, derived problems. ``check`` raises one ``ExpressionError`` listing them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from xueji_rules.errors import ExpressionError
from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t
from xueji_rules.expr._errors import expression_error
from xueji_rules.expr._functions import FunctionRegistry, Overload
from xueji_rules.expr._lexer import string_offsets
from xueji_rules.expr._regex import RegexError, compile_re2

__all__ = ["assignable", "check", "check_all", "describe", "join", "signature"]

_ORDERED = frozenset({t.INT, t.DOUBLE, t.STRING, t.BYTES, t.BOOL, t.DATE})
_ARITH: dict[str, frozenset[t.Type]] = {
    "+": frozenset({t.INT, t.DOUBLE, t.STRING, t.BYTES, t.DATE}),
    "-": frozenset({t.INT, t.DOUBLE, t.DATE}),
    "*": frozenset({t.INT, t.DOUBLE}),
    "/": frozenset({t.INT, t.DOUBLE}),
    "%": frozenset({t.INT}),
}
_MAP_KEYS = frozenset({t.INT, t.STRING, t.BOOL, t.DYN})
_LITERAL_TYPES: dict[type, t.Type] = {
    bool: t.BOOL,
    int: t.INT,
    float: t.DOUBLE,
    str: t.STRING,
    bytes: t.BYTES,
    type(None): t.NULL,
}


def assignable(param: t.Type, arg: t.Type) -> bool:
    """Whether a value of static type ``arg`` may be passed where ``param`` is expected."""
    if param == t.DYN or arg == t.DYN or param == arg:
        return True
    if isinstance(param, t.ListType):
        return isinstance(arg, t.ListType) and assignable(param.elem, arg.elem)
    if isinstance(param, t.MapType):
        if isinstance(arg, t.MapType):
            return assignable(param.key, arg.key) and assignable(param.value, arg.value)
        if isinstance(arg, t.ObjectType):
            return assignable(param.key, t.STRING) and all(
                assignable(param.value, f) for f in arg.fields.values()
            )
        return False
    if isinstance(param, t.ObjectType) and isinstance(arg, t.MapType):
        return assignable(arg.key, t.STRING) and arg.value == t.DYN
    return False


def comparable(x: t.Type, y: t.Type) -> bool:
    """Whether ``==`` may compare the two static types (``null`` compares with anything)."""
    return t.NULL in (x, y) or assignable(x, y) or assignable(y, x)


def join(x: t.Type, y: t.Type) -> t.Type:
    """The most precise type holding values of both ``x`` and ``y``."""
    if x == y:
        return x
    if isinstance(x, t.ListType) and isinstance(y, t.ListType):
        return t.ListType(join(x.elem, y.elem))
    if isinstance(x, t.MapType) and isinstance(y, t.MapType):
        return t.MapType(join(x.key, y.key), join(x.value, y.value))
    return t.DYN


def describe(node: a.Node) -> str:
    """A short text naming the value ``node`` computes, for messages: ``record.guardian``."""
    if isinstance(node, a.Ident):
        return node.name
    if isinstance(node, a.Select) and not node.test_only:
        return f"{describe(node.operand)}.{node.field}"
    if isinstance(node, a.Index):
        return f"{describe(node.operand)}[...]"
    return f"the {node.ty} value"


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown_field(operand: a.Node, name: str, ty: t.ObjectType) -> str:
    where = describe(operand)
    close = difflib.get_close_matches(name, list(ty.fields), n=1, cutoff=0.6)
    hint = f" (did you mean '{where}.{close[0]}'?)" if close else ""
    return f"unknown field '{where}.{name}'{hint}"


def _types(args: Iterable[t.Type]) -> str:
    return ", ".join(str(x) for x in args)


def signature(name: str, overload: Overload, receiver: bool) -> str:
    """How a person writes one overload: ``string.startsWith(string) -> bool``."""
    params = overload.params
    if receiver:
        return f"{params[0]}.{name}({_types(params[1:])}) -> {overload.result}"
    return f"{name}({_types(params)}) -> {overload.result}"


def _expected(name: str, overloads: Iterable[Overload], receiver: bool) -> str:
    shown = sorted({signature(name, o, receiver) for o in overloads})
    if not shown:
        return ""
    more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
    return "; expected " + " or ".join(shown[:8]) + more


_ORDERED_NAMES = "int, double, string, bytes, bool or date"
# what each operator accepts, written as the signatures a person would (shown with the error)
_OPERATOR_SIGNATURES: dict[str, tuple[str, ...]] = {
    "+": (
        "int + int -> int", "double + double -> double", "string + string -> string",
        "bytes + bytes -> bytes", "list(T) + list(T) -> list(T)", "date + int -> date",
    ),
    "-": ("int - int -> int", "double - double -> double", "date - date -> int",
          "date - int -> date", "-int -> int", "-double -> double"),
    "*": ("int * int -> int", "double * double -> double"),
    "/": ("int / int -> int", "double / double -> double"),
    "%": ("int % int -> int",),
    "!": ("!bool -> bool",),
    "==": ("T == T -> bool", "T == null -> bool"),
    "!=": ("T != T -> bool", "T != null -> bool"),
    "in": ("T in list(T) -> bool", "K in map(K, V) -> bool", "string in object -> bool"),
    "[]": ("list(T)[int] -> T", "map(K, V)[K] -> V", "object['field']"),
}  # fmt: skip


def _operator_expected(op: str, types: tuple[t.Type, ...]) -> str:
    """``; expected ...`` for an operator applied to operands it does not take."""
    mixed = set(types) == {t.INT, t.DOUBLE}
    hint = " (no implicit int/double conversion: write double(n))" if mixed else ""
    if op in ("<", "<=", ">", ">="):
        return f"; expected T {op} T -> bool, T one of {_ORDERED_NAMES}{hint}"
    shown = _OPERATOR_SIGNATURES.get(op, ())
    if op == "-":  # unary and binary minus share the symbol: show the kind that was written
        shown = tuple(x for x in shown if x.startswith("-") == (len(types) == 1))
    return "; expected " + " or ".join(shown) + hint if shown else ""


class _Checker:
    def __init__(
        self, source: str, variables: Mapping[str, t.Type], functions: FunctionRegistry
    ) -> None:
        self.src = source
        self.variables = variables
        self.functions = functions
        self.scopes: list[tuple[str, t.Type]] = []
        self.errors: list[ExpressionError] = []

    def fail(self, message: str, node: a.Node, offset: int | None = None) -> t.Type:
        """Record a problem at ``node`` (or at ``offset``); the node's type becomes ``dyn``."""
        where = node.offset if offset is None else offset
        self.errors.append(expression_error(message, self.src, where))
        return t.DYN

    def no_overload(self, op: str, node: a.Node, *types: t.Type) -> t.Type:
        return self.fail(
            f"no matching overload for '{op}' applied to ({_types(types)})"
            + _operator_expected(op, types),
            node,
        )

    def check(self, node: a.Node) -> t.Type:
        method = getattr(self, "check_" + type(node).__name__.lower())
        ty: t.Type = method(node)
        node.ty = ty
        return ty

    def check_literal(self, node: a.Literal) -> t.Type:
        return _LITERAL_TYPES[type(node.value)]

    def check_ident(self, node: a.Ident) -> t.Type:
        for name, ty in reversed(self.scopes):
            if name == node.name:
                return ty
        if node.name in self.variables:
            return self.variables[node.name]
        known = [*self.variables, *(n for n, _ in self.scopes)]
        return self.fail(f"undeclared reference to '{node.name}'{_suggest(node.name, known)}", node)

    def check_select(self, node: a.Select) -> t.Type:
        operand = self.check(node.operand)
        result: t.Type
        if isinstance(operand, t.ObjectType):
            found = operand.field(node.field)
            if found is None:
                return self.fail(_unknown_field(node.operand, node.field, operand), node)
            result = found
        elif isinstance(operand, t.MapType) and operand.key in (t.STRING, t.DYN):
            result = operand.value
        elif operand == t.DYN:
            result = t.DYN
        else:
            what = "has()" if node.test_only else f"field '{node.field}'"
            return self.fail(
                f"cannot select {what} from {describe(node.operand)} of type {operand}", node
            )
        return t.BOOL if node.test_only else result

    def check_index(self, node: a.Index) -> t.Type:
        operand = self.check(node.operand)
        index = self.check(node.index)
        if isinstance(operand, t.ListType) and index in (t.INT, t.DYN):
            return operand.elem
        if isinstance(operand, t.MapType) and assignable(operand.key, index):
            return operand.value
        if isinstance(operand, t.ObjectType) and index in (t.STRING, t.DYN):
            if isinstance(node.index, a.Literal) and isinstance(node.index.value, str):
                found = operand.field(node.index.value)
                if found is None:
                    return self.fail(_unknown_field(node.operand, node.index.value, operand), node)
                return found
            return t.DYN
        if operand == t.DYN:
            return t.DYN
        return self.no_overload("[]", node, operand, index)

    def check_unary(self, node: a.Unary) -> t.Type:
        operand = self.check(node.operand)
        if node.op == "!":
            if operand in (t.BOOL, t.DYN):
                return t.BOOL
        elif operand in (t.INT, t.DOUBLE, t.DYN):
            return operand
        return self.no_overload(node.op, node, operand)

    def check_binary(self, node: a.Binary) -> t.Type:
        left, right = self.check(node.left), self.check(node.right)
        op = node.op
        if op in ("==", "!="):
            if comparable(left, right):
                return t.BOOL
        elif op in ("<", "<=", ">", ">="):
            if (left == right and left in _ORDERED) or (
                t.DYN in (left, right) and {left, right} <= (_ORDERED | {t.DYN})
            ):
                return t.BOOL
        elif op == "in":
            if self.membership_ok(left, right):
                return t.BOOL
        else:
            result = self.arithmetic(op, left, right)
            if result is not None:
                return result
        return self.no_overload(op, node, left, right)

    @staticmethod
    def membership_ok(item: t.Type, container: t.Type) -> bool:
        if isinstance(container, t.ListType):
            return comparable(item, container.elem)
        if isinstance(container, t.MapType):
            return comparable(item, container.key)
        if isinstance(container, t.ObjectType):
            return item in (t.STRING, t.DYN)
        return container == t.DYN

    @staticmethod
    def arithmetic(op: str, left: t.Type, right: t.Type) -> t.Type | None:
        allowed = _ARITH[op]
        if left == right and left in allowed and not (left == t.DATE and op == "+"):
            return t.INT if left == t.DATE else left
        if left == t.DATE and right == t.INT and op in "+-":
            return t.DATE
        if op == "+" and isinstance(left, t.ListType) and isinstance(right, t.ListType):
            return t.ListType(join(left.elem, right.elem))
        if t.DYN in (left, right):
            other = right if left == t.DYN else left
            if other == t.DYN or other in allowed or (op == "+" and isinstance(other, t.ListType)):
                return t.DYN
        return None

    def check_logical(self, node: a.Logical) -> t.Type:
        for term in node.terms:
            ty = self.check(term)
            if ty not in (t.BOOL, t.DYN):
                self.fail(
                    f"no matching overload for '{node.op}' applied to ({ty}): "
                    f"{describe(term)} is not a bool",
                    term,
                )
        return t.BOOL

    def check_conditional(self, node: a.Conditional) -> t.Type:
        cond = self.check(node.cond)
        if cond not in (t.BOOL, t.DYN):
            self.fail(f"the condition of '?:' must be a bool, not {cond}", node.cond)
        then, otherwise = self.check(node.then), self.check(node.otherwise)
        if t.NULL not in (then, otherwise) and not (
            assignable(then, otherwise) or assignable(otherwise, then)
        ):
            return self.fail(
                f"no matching overload for '?:': the branches have different types ({then}, {otherwise})",
                node,
            )
        return join(then, otherwise)

    def check_listlit(self, node: a.ListLit) -> t.Type:
        elem: t.Type | None = None
        for element in node.elements:
            ty = self.check(element)
            elem = ty if elem is None else join(elem, ty)
        return t.ListType(elem or t.DYN)

    def check_maplit(self, node: a.MapLit) -> t.Type:
        key_t: t.Type | None = None
        value_t: t.Type | None = None
        for key, value in node.entries:
            kt = self.check(key)
            if kt not in _MAP_KEYS:
                kt = self.fail(f"unsupported map key type {kt} (use int, string or bool)", key)
            vt = self.check(value)
            key_t = kt if key_t is None else join(key_t, kt)
            value_t = vt if value_t is None else join(value_t, vt)
        return t.MapType(key_t or t.DYN, value_t or t.DYN)

    def check_call(self, node: a.Call) -> t.Type:
        receiver = node.target is not None
        operands = ([node.target] if node.target is not None else []) + node.args
        types = [self.check(x) for x in operands]  # problems inside the arguments count too
        overloads = self.functions.overloads(node.name, receiver)
        if not overloads:
            if self.functions.overloads(node.name, not receiver):
                style = "a method: call it as x." if not receiver else "not a method: call it as "
                return self.fail(f"function '{node.name}' is {style}{node.name}(...)", node)
            hint = _suggest(node.name, self.functions.names())
            return self.fail(f"unknown function '{node.name}'{hint}", node)
        candidates = tuple(
            o
            for o in overloads
            if len(o.params) == len(types)
            and all(assignable(p, x) for p, x in zip(o.params, types, strict=True))
        )
        if not candidates:
            return self.fail(
                f"no matching overload for '{node.name}' applied to ({_types(types)})"
                + _expected(node.name, overloads, receiver),
                node,
            )
        node.overloads = candidates
        if self.check_constant_argument(node, operands) is not None:
            return t.DYN
        if len(candidates) == 1 and candidates[0].check is not None:
            literals = [x.value if isinstance(x, a.Literal) else None for x in operands]
            try:
                candidates[0].check(*literals)
            except Exception as exc:
                return self.fail(f"{node.name}(): {exc}", node)
        results = {o.result for o in candidates}
        return results.pop() if len(results) == 1 else t.DYN

    def check_constant_argument(self, node: a.Call, operands: list[a.Node]) -> t.Type | None:
        """Check a literal pattern or date now, not when it runs; the problem's type or None."""
        last = operands[-1]
        if not (isinstance(last, a.Literal) and isinstance(last.value, str)):
            return None
        if node.name == "matches" and len(operands) == 2:
            try:
                compile_re2(last.value)
            except RegexError as exc:
                return self.fail(str(exc), last, self.pattern_offset(last, exc.position))
        elif node.name == "date" and len(operands) == 1 and _is_standard(node.overloads):
            from xueji_rules.expr._functions import date_of_string

            try:
                date_of_string(last.value)
            except Exception as exc:
                return self.fail(str(exc), last)
        return None

    def pattern_offset(self, literal: a.Literal, position: int | None) -> int:
        """Where in the source a position inside a string literal's value is (else the literal)."""
        if position is None:
            return literal.offset
        offsets = string_offsets(self.src, literal.offset)
        if offsets is None or position >= len(offsets):
            return literal.offset
        return offsets[position]

    def check_comprehension(self, node: a.Comprehension) -> t.Type:
        rng = self.check(node.range)
        if isinstance(rng, t.ListType):
            var_t = rng.elem
        elif isinstance(rng, t.MapType):
            var_t = rng.key
        elif isinstance(rng, t.ObjectType):
            var_t = t.STRING
        elif rng == t.DYN:
            var_t = t.DYN
        else:
            var_t = self.fail(f"'{node.kind}' needs a list or a map, not {rng}", node.range)
        self.scopes.append((node.var, var_t))
        try:
            if node.predicate is not None:
                pred = self.check(node.predicate)
                if pred not in (t.BOOL, t.DYN):
                    self.fail(
                        f"the condition of '{node.kind}' must be a bool, not {pred}", node.predicate
                    )
            transform = self.check(node.transform) if node.transform is not None else None
        finally:
            self.scopes.pop()
        if node.kind in ("all", "exists", "exists_one"):
            return t.BOOL
        if node.kind == "filter":
            return t.ListType(var_t)
        return t.ListType(transform or t.DYN)


def _is_standard(overloads: tuple[Overload, ...]) -> bool:
    return all(o.name in ("string_to_date", "date_to_date") for o in overloads)


def check_all(
    root: a.Node, source: str, variables: Mapping[str, t.Type], functions: FunctionRegistry
) -> tuple[t.Type, list[ExpressionError]]:
    """Type-check the tree ``root``: its result type and every problem found (in order)."""
    checker = _Checker(source, variables, functions)
    result = checker.check(root)
    return result, sorted(checker.errors, key=lambda e: e.offset or 0)


def check(
    root: a.Node, source: str, variables: Mapping[str, t.Type], functions: FunctionRegistry
) -> t.Type:
    """Type-check the tree ``root``; return its result type or raise one ``ExpressionError``
    listing every problem."""
    result, errors = check_all(root, source, variables, functions)
    if errors:
        raise ExpressionError.group(errors)
    return result
