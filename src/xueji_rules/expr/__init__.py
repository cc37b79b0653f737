"""The expression language: a subset of CEL with a date extension.

Parse once, type-check against declared variables, compile to a fast Python function::

    from xueji_rules import expr
    from xueji_rules.expr import types as t

    decls = expr.Declarations(variables={"n": t.INT})
    program = expr.compile("n * 2 > 10", decls)
    program.result_type          # t.BOOL
    program.evaluate({"n": 6})   # True
    program.function(6)          # True, positional in declaration order

See ``docs/expressions.md`` for the supported subset and its semantics.
"""

from __future__ import annotations

from xueji_rules.expr import types
from xueji_rules.expr._analysis import FieldRead, LiteralUse
from xueji_rules.expr._functions import FunctionRegistry, Overload, standard_functions
from xueji_rules.expr._program import (
    Declarations,
    Program,
    compile,
    evaluate,
    sizes_of_value,
    type_of_value,
)
from xueji_rules.expr.limits import Limits

__all__ = [
    "Declarations",
    "FieldRead",
    "FunctionRegistry",
    "Limits",
    "LiteralUse",
    "Overload",
    "Program",
    "compile",
    "evaluate",
    "sizes_of_value",
    "standard_functions",
    "type_of_value",
    "types",
]
