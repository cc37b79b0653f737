"""The exact evaluator: walks the checked tree with CEL's error semantics.

It is the reference the generated fast path falls back on whenever that path raises: errors
absorbed by ``&&``, ``||``, ``all`` and ``exists`` from either side, and a readable
``EvaluationError`` for every other failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xueji_rules.errors import CostLimitExceeded, EvaluationError
from xueji_rules.expr import _ast as a
from xueji_rules.expr import _values as v
from xueji_rules.expr._checker import describe
from xueji_rules.expr._functions import dispatch

__all__ = ["BUDGET", "Interpreter", "build_map", "charge", "over_budget"]

#: the key under which one evaluation's remaining iteration budget travels in the environment
#: (no CEL identifier can contain a space, so it never meets a variable)
BUDGET = " budget"

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": v.add,
    "-": v.sub,
    "*": v.mul,
    "/": v.div,
    "%": v.mod,
    "==": v.eq,
    "!=": v.ne,
    "<": v.lt,
    "<=": v.le,
    ">": v.gt,
    ">=": v.ge,
}


def _as_error(exc: Exception) -> EvaluationError:
    if isinstance(exc, EvaluationError):
        return exc
    if isinstance(exc, RecursionError):
        return EvaluationError("input is nested too deeply to evaluate")
    if isinstance(exc, MemoryError):
        return EvaluationError("out of memory while evaluating")
    return EvaluationError(f"evaluation failed: {type(exc).__name__}: {exc}")


def over_budget(limit: int) -> CostLimitExceeded:
    """The error for an evaluation whose macros went past ``limit`` elements."""
    return CostLimitExceeded(
        f"evaluation stopped: its macros iterated over more than {limit} elements in all "
        "(the run-time cost bound, Limits.max_iterations)"
    )


def charge(items: Any, budget: list[int]) -> Any:
    """Take the size of a macro's range from the evaluation's remaining ``budget`` (a list of the
    remaining count and the limit); raise :class:`CostLimitExceeded` when it runs out. Returns
    ``items`` unchanged."""
    budget[0] -= len(items)
    if budget[0] < 0:
        raise over_budget(budget[1])
    return items


def build_map(entries: tuple[tuple[Any, Any], ...]) -> dict[Any, Any]:
    """A map literal's value; duplicate keys (with CEL key equality) are an error."""
    out: dict[Any, Any] = {}
    for key, value in entries:
        if type(key) not in (str, int, bool):
            raise EvaluationError(f"unsupported map key type {v.type_name(key)}")
        if key in out:
            stored = next(k for k in out if k == key)
            if type(stored) is type(key):
                raise EvaluationError(f"duplicate key {key!r} in map literal")
            raise EvaluationError(
                f"map keys {stored!r} and {key!r} cannot share one map "
                "(booleans and integers collide as Python dict keys)"
            )
        out[key] = value
    return out


class Interpreter:
    """Evaluate one checked tree over variable values given by name."""

    def __init__(self, root: a.Node, max_iterations: int | None = None) -> None:
        self.root = root
        self.max_iterations = max_iterations

    def run(self, env: Mapping[str, Any]) -> Any:
        """The value of the expression, or ``EvaluationError``; nothing else escapes."""
        if self.max_iterations is not None:
            env = {**env, BUDGET: [self.max_iterations, self.max_iterations]}
        try:
            return self.value_of(self.root, env)
        except Exception as exc:
            raise _as_error(exc) from None

    def value_of(self, node: a.Node, env: Mapping[str, Any]) -> Any:
        method: Callable[[Any, Mapping[str, Any]], Any] = getattr(
            self, "eval_" + type(node).__name__.lower()
        )
        return method(node, env)

    def eval_literal(self, node: a.Literal, env: Mapping[str, Any]) -> Any:
        return node.value

    def eval_ident(self, node: a.Ident, env: Mapping[str, Any]) -> Any:
        try:
            return env[node.name]
        except KeyError:
            raise EvaluationError(f"no value for variable '{node.name}'") from None

    def eval_select(self, node: a.Select, env: Mapping[str, Any]) -> Any:
        container = self.value_of(node.operand, env)
        if node.test_only:
            return v.has_field(container, node.field, describe(node.operand))
        return v.select(container, node.field, describe(node.operand))

    def eval_index(self, node: a.Index, env: Mapping[str, Any]) -> Any:
        container = self.value_of(node.operand, env)
        key = self.value_of(node.index, env)
        try:
            return v.index(container, key)
        except EvaluationError as exc:
            if isinstance(container, Mapping) and isinstance(key, str):
                raise EvaluationError(
                    f"no such key {key!r} in {describe(node.operand)} (guard it with has())"
                ) from None
            raise exc from None

    def eval_unary(self, node: a.Unary, env: Mapping[str, Any]) -> Any:
        operand = self.value_of(node.operand, env)
        return v.neg(operand) if node.op == "-" else v.logical_not(operand)

    def eval_binary(self, node: a.Binary, env: Mapping[str, Any]) -> Any:
        left = self.value_of(node.left, env)
        right = self.value_of(node.right, env)
        if node.op == "in":
            return v.contains(right, left)
        return _BINARY[node.op](left, right)

    def eval_logical(self, node: a.Logical, env: Mapping[str, Any]) -> Any:
        decisive = node.op == "||"  # the value that settles the result
        error: EvaluationError | None = None
        for term in node.terms:
            try:
                value = self.value_of(term, env)
            except CostLimitExceeded:
                raise  # a cost bound stops the evaluation; && and || do not absorb it
            except Exception as exc:
                error = error or _as_error(exc)
                continue
            if type(value) is not bool:
                error = error or v.no_overload(node.op, value)
            elif value is decisive:
                return decisive
        if error is not None:
            raise error
        return not decisive

    def eval_conditional(self, node: a.Conditional, env: Mapping[str, Any]) -> Any:
        cond = v.check_bool(self.value_of(node.cond, env), "the condition of '?:'")
        return self.value_of(node.then if cond else node.otherwise, env)

    def eval_call(self, node: a.Call, env: Mapping[str, Any]) -> Any:
        operands = ([node.target] if node.target is not None else []) + node.args
        args = tuple(self.value_of(x, env) for x in operands)
        return dispatch(node.name, node.overloads, args)

    def eval_listlit(self, node: a.ListLit, env: Mapping[str, Any]) -> Any:
        return [self.value_of(x, env) for x in node.elements]

    def eval_maplit(self, node: a.MapLit, env: Mapping[str, Any]) -> Any:
        return build_map(
            tuple((self.value_of(k, env), self.value_of(x, env)) for k, x in node.entries)
        )

    def eval_comprehension(self, node: a.Comprehension, env: Mapping[str, Any]) -> Any:
        rng = self.value_of(node.range, env)
        if not isinstance(rng, list | tuple | Mapping):
            raise v.no_overload(node.kind, rng)
        budget = env.get(BUDGET)
        if budget is not None:
            charge(rng, budget)
        scope = dict(env)
        items = list(rng)
        kind = node.kind
        if kind in ("all", "exists"):
            return self.quantify(node, scope, items)
        predicate, transform = node.predicate, node.transform
        out: list[Any] = []
        count = 0
        for item in items:
            scope[node.var] = item
            keep = True
            if predicate is not None:
                keep = v.check_bool(self.value_of(predicate, scope), f"the condition of '{kind}'")
            if kind == "exists_one":
                count += keep
            elif keep:
                out.append(self.value_of(transform, scope) if transform is not None else item)
        return count == 1 if kind == "exists_one" else out

    def quantify(self, node: a.Comprehension, scope: dict[str, Any], items: list[Any]) -> bool:
        decisive = node.kind == "exists"
        error: EvaluationError | None = None
        assert node.predicate is not None
        for item in items:
            scope[node.var] = item
            try:
                value = self.value_of(node.predicate, scope)
            except CostLimitExceeded:
                raise
            except Exception as exc:
                error = error or _as_error(exc)
                continue
            if type(value) is not bool:
                error = error or v.no_overload(node.kind, value)
            elif value is decisive:
                return decisive
        if error is not None:
            raise error
        return not decisive
