"""Compile expression text into a :class:`Program`: parse, check, generate the fast path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xueji_rules.errors import EvaluationError, ExpressionError
from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t
from xueji_rules.expr._checker import check
from xueji_rules.expr._codegen import generate
from xueji_rules.expr._errors import expression_error
from xueji_rules.expr._functions import FunctionRegistry, standard_functions
from xueji_rules.expr._interpreter import Interpreter
from xueji_rules.expr._parser import parse
from xueji_rules.expr.limits import Limits

__all__ = ["Declarations", "Program", "compile", "evaluate", "type_of_value"]

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

    def __post_init__(self) -> None:
        both = set(self.variables) & set(self.constants)
        if both:
            raise ValueError(f"names declared both as variable and constant: {sorted(both)}")

    def types(self) -> dict[str, t.Type]:
        """The type of every name an expression may refer to."""
        return {**{name: kind for name, (kind, _) in self.constants.items()}, **self.variables}


class Program:
    """A compiled expression: its ``source``, ``result_type`` and fast ``function``."""

    __slots__ = (
        "_interpreter",
        "_names",
        "declarations",
        "function",
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
    ) -> None:
        self.source = source
        self.root = root
        self.result_type = result_type
        self.declarations = declarations
        self._names = tuple(declarations.variables)
        self._interpreter = Interpreter(root)
        names, run = self._names, self._interpreter.run
        constants = {name: value for name, (_, value) in declarations.constants.items()}

        def slow(*args: Any) -> Any:
            return run({**constants, **dict(zip(names, args, strict=True))})

        fast = generate(root, names, slow, constants)
        self.function: Callable[..., Any] = fast if fast is not None else slow
        """Positional callable over the declared variables, in declaration order."""

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
    """Parse, type-check and compile ``source``; raises ``ExpressionError`` on any problem."""
    declarations = declarations or Declarations()
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}")
    functions = declarations.functions if declarations.functions is not None else _STANDARD
    try:
        root = parse(source, limits or Limits())
        result = check(root, source, declarations.types(), functions)
        return Program(source, root, result, declarations)
    except ExpressionError:
        raise
    except (RecursionError, MemoryError):
        raise expression_error("expression is too complex", source, 0) from None


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
    decls = Declarations({n: type_of_value(x) for n, x in variables.items()}, functions)
    return compile(source, decls, limits=limits).evaluate(variables)
