"""A program's fast path as a Python expression that another code generator can splice.

The engine generates one function per (transition, stage) that evaluates every rule of that key
(``engine/_plan.py``). Calling each condition's compiled function costs a Python call per
condition; splicing the condition's generated expression into that function removes the call.
The spliced text is produced by the same code generator as :attr:`Program.function` (so the same
guarantee holds: nothing from the expression's text becomes code except through ``repr()`` of
decoded literals and generated names), with every name it binds prefixed by a tag so that many
expressions can share one namespace.

Calls of functions on the inputs (``school_system(record)``, ``term_number(request.date)``) are
often made by several expressions of one function with the same arguments. Given a
:class:`CallMemo`, a splice computes such a call once per evaluation of the caller's function: the
call's value goes into a variable named by the memo (the same name in every splice that makes the
same call), which the caller sets to ``_MISS`` before its first expression. Functions are pure, so
the value is the one a second call would give; a call that raises leaves the variable unset. Only
calls whose arguments are literals, variables, fields of them and such calls are memoized, never
inside a macro (whose iteration variables differ per element, and whose iterations count).

Macros (``all``, ``exists``, ``map``, ...) charge the elements they iterate over to a budget of
one evaluation (``Limits.max_iterations``), as in :attr:`Program.function`: their splice has a
``prelude``, a statement the caller runs right before each evaluation of ``code`` (it binds a
fresh budget). A caller whose generated code Python refuses to compile (nesting deeper than its
parser allows) must fall back to calling :attr:`Program.function`. A spliced expression that raises must be
followed by a call of :attr:`Program.function` with the same arguments (which retries the fast
path and then the exact interpreter), exactly as the function itself would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xueji_rules.expr import _ast as a
from xueji_rules.expr import types as t
from xueji_rules.expr._codegen import _Gen
from xueji_rules.expr._program import Program

__all__ = ["ABSENT", "CallMemo", "InlineForm", "Splice", "field_init", "splice"]


@dataclass(frozen=True, slots=True)
class Splice:
    """``code`` is one Python expression; ``names`` the values its free names must be bound to
    (helpers and constants, all prefixed with the caller's tag or shared helpers); ``prelude``,
    when not empty, a statement to run right before every evaluation of ``code``; ``memos`` the
    variables of memoized calls it uses, which the caller sets to ``_MISS`` (see the module
    docstring) before its first expression; ``fields`` the objects it reads through variables (see
    the module docstring)."""

    code: str
    names: Mapping[str, Any]
    prelude: str = ""
    memos: tuple[str, ...] = ()
    #: (variable, Python name of the expression variable, field) of each object ``code`` reads
    #: through a variable; the caller binds each by :func:`field_init` before its first
    #: expression, with :data:`ABSENT` bound to ``_ABSENT``
    fields: tuple[tuple[str, str, str], ...] = ()


#: an inline form: (the arguments' code, a fresh identifier, the code calling the function) -> a
#: Python expression with the call's value, and the values its own names (each the fresh
#: identifier plus a suffix) must be bound to (see the module docstring)
InlineForm = Callable[[list[str], str, str], tuple[str, Mapping[str, Any]]]


class CallMemo:
    """The names of memoized calls shared by the splices of one caller: a variable per
    (function, argument code), and a name per function (``_fN``, ``_gN``).

    ``tabled`` are the functions whose results are also kept across evaluations (see the module
    docstring), at most ``table_limit`` per function (the table is emptied when full: the
    arguments come from untrusted inputs)."""

    def __init__(
        self,
        tabled: Iterable[Callable[..., Any]] = (),
        table_limit: int = 4096,
        inline: Iterable[tuple[Callable[..., Any], InlineForm]] = (),
    ) -> None:
        self.variables: dict[tuple[int, str], str] = {}
        self.functions: dict[int, tuple[str, Any]] = {}
        #: id(function) -> (function, its inline form)
        self.inline: dict[int, tuple[Callable[..., Any], InlineForm]] = {
            id(f): (f, form) for f, form in inline
        }
        self.tabled: dict[int, Callable[..., Any]] = {id(f): f for f in tabled}
        #: (Python name of an expression variable, field) -> the variable holding that object
        self.fields: dict[tuple[str, str], str] = {}
        self.table_limit = table_limit
        #: id(function) -> (the name of its table's ``get``, the name of its filling call,
        #: the table's ``get``, the filling call)
        self.tables: dict[int, tuple[str, str, Callable[..., Any], Callable[..., Any]]] = {}

    def field(self, variable: str, field: str) -> str:
        """The variable holding ``variable[field]`` (or :data:`ABSENT`) for every splice."""
        name = self.fields.get((variable, field))
        if name is None:
            name = self.fields[(variable, field)] = f"_h{len(self.fields)}"
        return name

    def table(self, impl: Any) -> tuple[str, str, Callable[..., Any], Callable[..., Any]] | None:
        """For a tabled ``impl``: the names bound to its table's ``get`` and to the call that
        computes a result and keeps it (``_tgN``, ``_tfN``), and the two values; ``None`` for
        any other function."""
        if id(impl) not in self.tabled:
            return None
        found = self.tables.get(id(impl))
        if found is None:
            number = len(self.tables)
            table: dict[Any, Any] = {}
            filler = _filler(impl, table, self.table_limit)
            found = (f"_tg{number}", f"_tf{number}", table.get, filler)
            self.tables[id(impl)] = found
        return found

    def name(self, impl: Any, args: str) -> tuple[str, str]:
        """The variable holding ``impl(args)`` and the name bound to ``impl``."""
        function = self.functions.get(id(impl))
        if function is None:
            function = self.functions[id(impl)] = (f"_g{len(self.functions)}", impl)
        key = (id(impl), args)
        variable = self.variables.get(key)
        if variable is None:
            variable = self.variables[key] = f"_f{len(self.variables)}"
        return variable, function[0]


class _Absent:
    """The value of a field read once (see the module docstring) when the object lacks it: any
    read from it, or test of a key in it, raises, as reading the absent field would have."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        raise KeyError(key)

    def __contains__(self, key: Any) -> bool:
        raise KeyError(key)

    def __repr__(self) -> str:
        return "<absent>"


#: what a field read once holds when its object lacks the field
ABSENT = _Absent()


def field_init(name: str, variable: str, field: str) -> str:
    """The statement binding ``name`` to ``variable[field]``, or to ``_ABSENT`` when absent
    (``field`` is a CEL identifier, written as its ``repr``)."""
    if not (name.isidentifier() and variable.isidentifier() and field.isidentifier()):
        raise ValueError("field_init: names and fields are identifiers")
    return f"{name} = {variable}[{field!r}] if {field!r} in {variable} else _ABSENT"


def _filler(impl: Callable[..., Any], table: dict[Any, Any], limit: int) -> Callable[..., Any]:
    """``impl``'s result, kept in ``table`` under its argument (one argument) or the tuple of
    its arguments; nothing is kept when ``impl`` raises."""

    def fill(*args: Any) -> Any:
        value = impl(*args)
        if len(table) >= limit:
            table.clear()
        table[args[0] if len(args) == 1 else args] = value
        return value

    return fill


# the argument types a tabled call may be keyed by: values of these types are equal only when
# they are the same value of the same type (unlike ``1 == 1.0 == True``), so a table hit is the
# result of an identical call
_KEY_TYPES = (t.STRING, t.INT, t.DATE)


def _plain(node: a.Node) -> bool:
    """Whether ``node`` reads only literals, variables, their fields and plain calls."""
    if isinstance(node, a.Literal | a.Ident):
        return True
    if isinstance(node, a.Select):
        return not node.test_only and _plain(node.operand)
    if isinstance(node, a.Call):
        operands = ([node.target] if node.target is not None else []) + node.args
        return all(_plain(x) for x in operands)
    return False


class _TaggedGen(_Gen):
    """The expression generator with tagged fresh names, and memoized plain calls."""

    def __init__(
        self,
        variables: list[str],
        constants: Mapping[str, Any],
        tag: str,
        budget: int | None,
        memo: CallMemo | None,
    ) -> None:
        super().__init__(variables, constants, budget)
        self.tag = tag
        self.memo = memo
        self.memos: list[str] = []
        self.fields: list[tuple[str, str, str]] = []

    def fresh(self, prefix: str) -> str:
        return super().fresh(f"{prefix}{self.tag}_")

    def gen_select(self, node: a.Select) -> str:
        inner = node.operand
        if (
            self.memo is not None
            and not self.scopes
            and isinstance(node.operand.ty, t.ObjectType | t.MapType)
            and isinstance(inner, a.Select)
            and not inner.test_only
            and isinstance(inner.operand, a.Ident)
            and inner.operand.name in self.variables
            and isinstance(inner.operand.ty, t.ObjectType | t.MapType)
            and inner.field.isidentifier()
        ):
            variable = self.variables[inner.operand.name]
            name = self.memo.field(variable, inner.field)
            entry = (name, variable, inner.field)
            if entry not in self.fields:
                self.fields.append(entry)
            if node.test_only:
                return f"({node.field!r} in {name})"
            return f"{name}[{node.field!r}]"
        return super().gen_select(node)

    def direct_call(self, node: a.Call, impl: Any, args: list[str]) -> str:
        if self.memo is None or self.scopes or self.in_iterable or not _plain(node):
            return super().direct_call(node, impl, args)
        variable, function = self.memo.name(impl, ", ".join(args))
        self.names[function] = impl
        if variable not in self.memos:
            self.memos.append(variable)
        call = f"{function}({', '.join(args)})"
        inline = self.memo.inline.get(id(impl))
        if inline is not None:
            temp = self.fresh("_i")
            code, names = inline[1](args, temp, call)
            for name, value in names.items():
                if not name.startswith(temp):  # a form binds names of its own only
                    raise ValueError(f"inline form: name {name!r} is not under {temp!r}")
                self.names[name] = value
            return f"({variable} if {variable} is not _MISS else ({variable} := {code}))"
        operands = ([node.target] if node.target is not None else []) + node.args
        table = self.memo.table(impl)
        if table is not None and all(x.ty in _KEY_TYPES for x in operands):
            get, fill, getter, filler = table
            self.names[get] = getter
            self.names[fill] = filler
            key = args[0] if len(args) == 1 else f"({', '.join(args)},)"
            call = (
                f"{variable} if ({variable} := {get}({key}, _MISS)) is not _MISS "
                f"else ({variable} := {fill}({', '.join(args)}))"
            )
            return f"({variable} if {variable} is not _MISS else ({call}))"
        return f"({variable} if {variable} is not _MISS else ({variable} := {call}))"


def splice(
    program: Program, variables: Mapping[str, str], tag: str, memo: CallMemo | None = None
) -> Splice | None:
    """``program``'s fast path over the Python names ``variables`` (CEL variable name → Python
    identifier the caller binds), its own names prefixed with ``tag`` (an identifier part such as
    ``e12``), plain calls memoized under ``memo``'s names when given; ``None`` when it cannot be
    spliced (see the module docstring)."""
    if not tag.isidentifier() or not all(v.isidentifier() for v in variables.values()):
        raise ValueError("splice: the tag and the variable names must be identifiers")
    declared = list(program.declarations.variables)
    if set(declared) - set(variables):
        raise ValueError(
            f"splice: no Python name for variables {sorted(set(declared) - set(variables))}"
        )
    constants = {name: value for name, (_, value) in program.declarations.constants.items()}
    budget = program.limits.max_iterations
    gen = _TaggedGen(declared, constants, tag, budget, memo)
    gen.variables = {name: variables[name] for name in declared}
    try:
        code = gen.gen(program.root)
    except RecursionError:
        return None
    # the macros' budget, fresh for each evaluation (the name is the generator's, see _codegen)
    prelude = f"_b = [{int(budget or 0)}, {int(budget or 0)}]" if gen.charged else ""
    return Splice(code, dict(gen.names), prelude, tuple(gen.memos), tuple(gen.fields))
