"""A program's fast path as a Python expression that another code generator can splice.

The engine generates one function per (transition, stage) that evaluates every rule of that key
(``engine/_plan.py``). Calling each condition's compiled function costs a Python call per
condition; splicing the condition's generated expression into that function removes the call.
The spliced text is produced by the same code generator as :attr:`Program.function` (so the same
guarantee holds: nothing from the expression's text becomes code except through ``repr()`` of
decoded literals and generated names), with every name it binds prefixed by a tag so that many
expressions can share one namespace.

Macros (``all``, ``exists``, ``map``, ...) charge the elements they iterate over to a budget of
one evaluation (``Limits.max_iterations``), as in :attr:`Program.function`: their splice has a
``prelude``, a statement the caller runs right before each evaluation of ``code`` (it binds a
fresh budget). A caller whose generated code Python refuses to compile (nesting deeper than its
parser allows) must fall back to calling :attr:`Program.function`. A spliced expression that raises must be
followed by a call of :attr:`Program.function` with the same arguments (which retries the fast
path and then the exact interpreter), exactly as the function itself would do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xueji_rules.expr._codegen import _Gen
from xueji_rules.expr._program import Program

__all__ = ["Splice", "splice"]


@dataclass(frozen=True, slots=True)
class Splice:
    """``code`` is one Python expression; ``names`` the values its free names must be bound to
    (helpers and constants, all prefixed with the caller's tag or shared helpers); ``prelude``,
    when not empty, a statement to run right before every evaluation of ``code``."""

    code: str
    names: Mapping[str, Any]
    prelude: str = ""


class _TaggedGen(_Gen):
    """The expression generator with tagged fresh names."""

    def __init__(
        self, variables: list[str], constants: Mapping[str, Any], tag: str, budget: int | None
    ) -> None:
        super().__init__(variables, constants, budget)
        self.tag = tag

    def fresh(self, prefix: str) -> str:
        return super().fresh(f"{prefix}{self.tag}_")


def splice(program: Program, variables: Mapping[str, str], tag: str) -> Splice | None:
    """``program``'s fast path over the Python names ``variables`` (CEL variable name → Python
    identifier the caller binds), its own names prefixed with ``tag`` (an identifier part such as
    ``e12``); ``None`` when it cannot be spliced (see the module docstring)."""
    if not tag.isidentifier() or not all(v.isidentifier() for v in variables.values()):
        raise ValueError("splice: the tag and the variable names must be identifiers")
    declared = list(program.declarations.variables)
    if set(declared) - set(variables):
        raise ValueError(
            f"splice: no Python name for variables {sorted(set(declared) - set(variables))}"
        )
    constants = {name: value for name, (_, value) in program.declarations.constants.items()}
    budget = program.limits.max_iterations
    gen = _TaggedGen(declared, constants, tag, budget)
    gen.variables = {name: variables[name] for name in declared}
    try:
        code = gen.gen(program.root)
    except RecursionError:
        return None
    # the macros' budget, fresh for each evaluation (the name is the generator's, see _codegen)
    prelude = f"_b = [{int(budget or 0)}, {int(budget or 0)}]" if gen.charged else ""
    return Splice(code, dict(gen.names), prelude)
