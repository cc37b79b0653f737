"""Compile expression text into a :class:`Program`: parse, check, generate the fast path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xueji_rules.errors import EvaluationError, ExpressionError
from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t
from xueji_rules.expr._analysis import (
    Facts,
    FieldRead,
    LiteralUse,
    facts_when_true,
    field_reads,
    literal_uses,
    when_true,
)
from xueji_rules.expr._checker import check_all
from xueji_rules.expr._codegen import generate
from xueji_rules.expr._cost import CostEstimate, estimate_cost
from xueji_rules.expr._errors import expression_error
from xueji_rules.expr._functions import FunctionRegistry, standard_functions
from xueji_rules.expr._interpreter import Interpreter
from xueji_rules.expr._parser import parse_all
from xueji_rules.expr.limits import Limits

__all__ = [
    "Declarations",
    "Program",
    "compile",
    "evaluate",
    "sizes_of_value",
    "type_of_value",
]

_STANDARD = standard_functions()


@dataclass(frozen=True, slots=True)
class Declarations:
    """What an expression may refer to: typed variables and functions.

    ``functions=None`` means :func:`standard_functions`. The order of ``variables`` is the order
    of the positional parameters of :attr:`Program.function`.
    """

    variables: Mapping[str, t.Type] = field(default_factory=dict)
    functions: FunctionRegistry | None = None
    constants: Mapping[str, tuple[t.Type, Any]] = field(default_factory=dict)
    """Names bound to a fixed value for every evaluation (type, value): an engine's settings.
    They are type-checked like variables but are not parameters of :attr:`Program.function`."""
    sizes: Mapping[str, int] = field(default_factory=dict)
    """The largest size each input path may have, for the cost estimate: elements of a list,
    entries of a map, characters of a string (``{"request.documents": 100,
    "request.documents[]": 64}``); see :func:`xueji_rules.expr.types.sizes_from_json_schema`.
    Constants' sizes are taken from their values."""

    def __post_init__(self) -> None:
        both = set(self.variables) & set(self.constants)
        if both:
            raise ValueError(f"names declared both as variable and constant: {sorted(both)}")

    def types(self) -> dict[str, t.Type]:
        """The type of every name an expression may refer to."""
        return {**{name: kind for name, (kind, _) in self.constants.items()}, **self.variables}

    def all_sizes(self) -> dict[str, int]:
        """The declared sizes, with those of the constants' values."""
        out: dict[str, int] = {}
        for name, (_, value) in self.constants.items():
            out.update(sizes_of_value(value, name))
        out.update(self.sizes)
        return out


class Program:
    """A compiled expression: its ``source``, ``result_type`` and fast ``function``, its estimated
    ``cost``, and what it reads (``reads``, ``tested``, :meth:`field_reads`)."""

    __slots__ = (
        "_interpreter",
        "_names",
        "_reads",
        "cost",
        "declarations",
        "function",
        "limits",
        "result_type",
        "root",
        "source",
    )

    def __init__(
        self,
        source: str,
        root: a.Node,
        result_type: t.Type,
        declarations: Declarations,
        limits: Limits | None = None,
        cost: CostEstimate | None = None,
    ) -> None:
        self.source = source
        self.root = root
        self.result_type = result_type
        self.declarations = declarations
        self.limits = limits or Limits()
        self.cost: int = cost.cost if cost is not None else 0
        """The estimated worst-case cost of one evaluation (see ``docs/expressions.md``)."""
        self._names = tuple(declarations.variables)
        self._reads = tuple(sorted((read for read, _ in field_reads(root)), key=lambda r: r.offset))
        budget = self.limits.max_iterations
        self._interpreter = Interpreter(root, budget)
        names, run = self._names, self._interpreter.run
        constants = {name: value for name, (_, value) in declarations.constants.items()}

        def slow(*args: Any) -> Any:
            return run({**constants, **dict(zip(names, args, strict=True))})

        fast = generate(root, names, slow, constants, budget)
        self.function: Callable[..., Any] = fast if fast is not None else slow
        """Positional callable over the declared variables, in declaration order."""

    @property
    def reads(self) -> frozenset[str]:
        """Every input path the expression reads a value from, intermediate ones included
        (``request.to_school.city`` also reads ``request.to_school``); ``[]`` marks a list
        element (``request.approvals[].body``)."""
        return frozenset(r.path for r in self._reads if not r.test_only)

    @property
    def tested(self) -> frozenset[str]:
        """The paths the expression tests with ``has()``."""
        return frozenset(r.path for r in self._reads if r.test_only)

    def field_reads(self) -> tuple[FieldRead, ...]:
        """Every selection in source order: path, offset, whether it is optional, whether it is a
        ``has()`` test."""
        return self._reads

    def literal_uses(self) -> tuple[LiteralUse, ...]:
        """The string literals the expression compares input paths with, in source order: the
        grounds, applicants, document ids and approval bodies it tests for."""
        return tuple(sorted(literal_uses(self.root), key=lambda u: u.offset))

    def guarantees(self) -> frozenset[str]:
        """The paths certainly present whenever the expression is true (its ``has()`` guards):
        a rule's ``when`` protects its ``require`` this way."""
        return facts_when_true(self.root)

    def unguarded_reads(
        self,
        present: Iterable[str] = (),
        roots: Iterable[str] | None = None,
        *,
        assume: Iterable[Program] = (),
    ) -> tuple[FieldRead, ...]:
        """Reads of optional fields that no ``has()`` protects: each can raise an
        ``EvaluationError`` on an input that lacks the field.

        ``present`` are paths known to be there (a rule's ``needs``); ``assume`` are programs
        known to be true whenever this one runs (a rule's ``when`` for its ``require``), whose
        ``has()`` tests count as guards; ``roots`` limits the check to paths under those
        variables (default: every variable, not the constants)."""
        given = Facts.present(present)
        for program in assume:
            given = given.both(when_true(program.root))
        wanted = frozenset(roots) if roots is not None else frozenset(self._names)
        out: list[FieldRead] = []
        for read, facts in field_reads(self.root, given):
            root = read.path.split(".", 1)[0].removesuffix("[]")
            if (
                read.optional
                and not read.test_only
                and root in wanted
                and not facts.holds(read.path)
            ):
                out.append(read)
        return tuple(sorted(out, key=lambda r: r.offset))

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The value for the given variable values (by name); ``EvaluationError`` on failure."""
        try:
            args = [variables[name] for name in self._names]
        except KeyError as exc:
            raise EvaluationError(f"no value for variable {exc.args[0]!r}") from None
        except Exception as exc:
            raise EvaluationError(f"variables must be a mapping: {exc}") from None
        return self.function(*args)

    def interpret(self, variables: Mapping[str, Any]) -> Any:
        """Evaluate with the exact interpreter only (slower; for tests and debugging)."""
        constants = {name: value for name, (_, value) in self.declarations.constants.items()}
        return self._interpreter.run({**constants, **variables})

    def __repr__(self) -> str:
        return f"Program({self.source!r}, result_type={self.result_type})"


def compile(
    source: str, declarations: Declarations | None = None, *, limits: Limits | None = None
) -> Program:
    """Parse, type-check, estimate and compile ``source``.

    Raises one ``ExpressionError`` listing every problem found (``.errors``): syntax, types,
    limits, and an estimated cost above ``limits.max_cost``.
    """
    declarations = declarations or Declarations()
    limits = limits or Limits()
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}")
    functions = declarations.functions if declarations.functions is not None else _STANDARD
    try:
        root, errors = parse_all(source, limits)
        result: t.Type = t.DYN
        if root is not None:
            result, type_errors = check_all(root, source, declarations.types(), functions)
            errors = [*errors, *type_errors]
        if errors or root is None:
            raise ExpressionError.group(errors or [expression_error("empty expression", source, 0)])
        cost = estimate_cost(root, declarations.all_sizes(), limits.unknown_size)
        if limits.max_cost is not None and cost.cost > limits.max_cost:
            raise _too_costly(source, cost, limits.max_cost)
        return Program(source, root, result, declarations, limits, cost)
    except ExpressionError:
        raise
    except (RecursionError, MemoryError):
        raise expression_error("expression is too complex", source, 0) from None


def _too_costly(source: str, cost: CostEstimate, budget: int) -> ExpressionError:
    where = 0
    detail = ""
    if cost.costliest is not None:
        kind, where, count, part = cost.costliest
        detail = f"; the dearest part is '{kind}' over up to {count} elements, costing {part}"
    return expression_error(
        f"expression is too costly: its estimated worst-case cost is {cost.cost}, over the budget "
        f"of {budget}{detail} (nested macros multiply: declare smaller sizes or restructure)",
        source,
        where,
    )


_MAX_INFER_DEPTH = 16


def type_of_value(value: Any, depth: int = 0) -> t.Type:
    """The type :func:`evaluate` declares for a Python value."""
    if isinstance(value, bool):
        return t.BOOL
    if isinstance(value, int):
        return t.INT
    if isinstance(value, float):
        return t.DOUBLE
    if isinstance(value, str):
        return t.STRING
    if isinstance(value, bytes):
        return t.BYTES
    if value is None:
        return t.NULL
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return t.DATE
    if depth >= _MAX_INFER_DEPTH:
        return t.DYN
    if isinstance(value, list | tuple):
        kinds = {type_of_value(x, depth + 1) for x in value}
        return t.ListType(kinds.pop() if len(kinds) == 1 else t.DYN)
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value):
            return t.MapType(t.STRING, t.DYN)
        return t.MapType(t.DYN, t.DYN)
    return t.DYN


def evaluate(
    source: str,
    variables: Mapping[str, Any] | None = None,
    *,
    functions: FunctionRegistry | None = None,
    limits: Limits | None = None,
) -> Any:
    """Compile and evaluate ``source`` once, declaring each variable from its Python value."""
    variables = dict(variables or {})
    sizes: dict[str, int] = {}
    for name, value in variables.items():
        sizes.update(sizes_of_value(value, name))
    decls = Declarations(
        {n: type_of_value(x) for n, x in variables.items()}, functions, sizes=sizes
    )
    return compile(source, decls, limits=limits).evaluate(variables)


def sizes_of_value(value: Any, path: str, depth: int = 0) -> dict[str, int]:
    """The sizes of a value and of what it holds, by path (as :attr:`Declarations.sizes`)."""
    out: dict[str, int] = {}
    if depth > _MAX_INFER_DEPTH:
        return out
    if isinstance(value, str | bytes | list | tuple | Mapping):
        out[path] = len(value)
    if isinstance(value, list | tuple):
        for item in value:
            for key, size in sizes_of_value(item, f"{path}[]", depth + 1).items():
                out[key] = max(out.get(key, 0), size)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                out.update(sizes_of_value(item, f"{path}.{key}", depth + 1))
    return out
