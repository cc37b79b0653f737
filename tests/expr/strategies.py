"""Well-typed CEL expressions for property tests, and the bridge to the reference runtime.

Three parts, shared by ``test_differential.py`` and ``test_conformance.py``:

* a tiny type model (``CelType``) with a text form (``int``, ``list(int)``,
  ``map(string, int)``) that the conformance YAML uses for declarations, and converters to
  ``xueji_rules.expr.types`` and to ``cel_expr_python`` types;
* Hypothesis strategies that build expressions of a requested type over a fixed set of declared
  variables, so every generated expression type-checks in both implementations;
* outcome helpers: run an expression through our ``expr`` or through the oracle and compare the
  results with CEL semantics (``1`` and ``1.0`` differ, NaN equals NaN, lists and maps compare
  deeply, any error matches any error).

The generator deliberately stays inside the subset that both implementations agree on by
specification. Conversions whose exact output the CEL spec leaves open (``string(double)``,
string-to-number parsing of surrounding whitespace) are not generated.
"""

from __future__ import annotations

import math
import string as _string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# ---------------------------------------------------------------------------------------------
# Type model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CelType:
    """A CEL type as the generator and the YAML files see it: a name and type arguments."""

    name: str
    args: tuple[CelType, ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}({', '.join(str(a) for a in self.args)})"


INT = CelType("int")
DOUBLE = CelType("double")
STRING = CelType("string")
BYTES = CelType("bytes")
BOOL = CelType("bool")
NULL = CelType("null")
DYN = CelType("dyn")


#: Object types (JSON objects with known fields, as rule inputs are): name -> (fields, required).
#: Reading an absent optional field fails, like a missing map key does in the C++ runtime.
OBJECTS: dict[str, tuple[dict[str, CelType], frozenset[str]]] = {}
SCHOOL = CelType("school")
RECORD = CelType("record")


def list_of(elem: CelType) -> CelType:
    """``list(elem)``."""
    return CelType("list", (elem,))


def map_of(key: CelType, value: CelType) -> CelType:
    """``map(key, value)``."""
    return CelType("map", (key, value))


_SIMPLE = {t.name: t for t in (INT, DOUBLE, STRING, BYTES, BOOL, NULL, DYN)}

OBJECTS["school"] = ({"county": STRING, "rank": INT}, frozenset({"county"}))
OBJECTS["record"] = (
    {
        "grade": INT,
        "score": DOUBLE,
        "name": STRING,
        "tags": list_of(STRING),
        "school": SCHOOL,
        "sanction_days": INT,
    },
    frozenset({"grade", "score", "name", "tags", "school"}),
)


def parse_type(text: str) -> CelType:
    """Read the text form: ``int``, ``list(string)``, ``map(string, list(int))``."""
    text = text.strip()
    if text in _SIMPLE:
        return _SIMPLE[text]
    for name in ("list", "map"):
        if text.startswith(name + "(") and text.endswith(")"):
            inner = text[len(name) + 1 : -1]
            parts, depth, start = [], 0, 0
            for i, ch in enumerate(inner):
                depth += ch == "("
                depth -= ch == ")"
                if ch == "," and depth == 0:
                    parts.append(inner[start:i])
                    start = i + 1
            parts.append(inner[start:])
            args = tuple(parse_type(p) for p in parts)
            if len(args) != (1 if name == "list" else 2):
                break
            return CelType(name, args)
    raise ValueError(f"not a type: {text!r}")


def to_ours(t: CelType) -> Any:
    """The matching ``xueji_rules.expr.types`` value."""
    from xueji_rules.expr import types as xt

    if t.name in OBJECTS:
        fields, required = OBJECTS[t.name]
        return xt.ObjectType(t.name, {n: to_ours(f) for n, f in fields.items()}, required)
    if t.name == "list":
        return xt.ListType(to_ours(t.args[0]))
    if t.name == "map":
        return xt.MapType(to_ours(t.args[0]), to_ours(t.args[1]))
    return getattr(xt, t.name.upper())


def to_oracle(t: CelType) -> Any:
    """The matching ``cel_expr_python`` type."""
    from cel_expr_python import cel

    if t.name in OBJECTS:  # a JSON object is a map to the C++ runtime
        return cel.Type.Map(cel.Type.STRING, cel.Type.DYN)
    if t.name == "list":
        return cel.Type.List(to_oracle(t.args[0]))
    if t.name == "map":
        return cel.Type.Map(to_oracle(t.args[0]), to_oracle(t.args[1]))
    return getattr(cel.Type, t.name.upper())


# ---------------------------------------------------------------------------------------------
# Outcomes and CEL equality
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running an expression gave: a value, a runtime error or a compile-time rejection."""

    kind: str  # "value" | "error" | "compile_error"
    value: Any = None
    message: str = ""

    def __str__(self) -> str:
        if self.kind == "value":
            return f"{self.value!r} ({type(self.value).__name__})"
        return f"{self.kind}: {self.message}"


def cel_equal(a: Any, b: Any) -> bool:
    """Structural equality of result values, strict about int/double/bool and treating NaN
    as equal to NaN (we compare *results*, not evaluate CEL ``==``). The sign of zero counts."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(cel_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for key, value in a.items():
            matches = [k for k in b if cel_equal(k, key)]
            if len(matches) != 1 or not cel_equal(value, b[matches[0]]):
                return False
        return True
    return bool(a == b)


def same_outcome(ours: Outcome, oracle: Outcome) -> bool:
    """Both the same value, or both failed (the error text is implementation specific)."""
    if ours.kind == "value" or oracle.kind == "value":
        return ours.kind == oracle.kind and cel_equal(ours.value, oracle.value)
    return ours.kind == oracle.kind


def plain(value: Any) -> Any:
    """The oracle's plain Python value with bytearray turned into bytes, recursively."""
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return value


class Oracle:
    """The official C++ runtime (``cel-expr-python``) over a fixed set of declarations."""

    def __init__(self, declarations: Mapping[str, CelType]) -> None:
        from cel_expr_python import cel

        self._cel = cel
        self._env = cel.NewEnv(variables={n: to_oracle(t) for n, t in declarations.items()})

    def run(self, source: str, bindings: Mapping[str, Any]) -> Outcome:
        """Compile (type-checked) and evaluate ``source``."""
        try:
            program = self._env.compile(source)
        except RuntimeError as exc:
            return Outcome("compile_error", message=str(exc).splitlines()[0])
        try:
            result = program.eval(data=dict(bindings))
        except RuntimeError as exc:  # e.g. duplicate map keys are raised, not returned
            return Outcome("error", message=str(exc))
        if result.type() == self._cel.Type.ERROR:
            return Outcome("error", message=str(result.value()))
        return Outcome("value", plain(result.plain_value()))


class Ours:
    """``xueji_rules.expr`` over a fixed set of declarations."""

    def __init__(self, declarations: Mapping[str, CelType]) -> None:
        from xueji_rules import expr

        self._expr = expr
        self._declarations = expr.Declarations(
            variables={n: to_ours(t) for n, t in declarations.items()}
        )

    def run(self, source: str, bindings: Mapping[str, Any]) -> Outcome:
        """Compile and evaluate ``source``; only the documented error classes count as errors."""
        from xueji_rules.errors import EvaluationError, ExpressionError

        sizes: dict[str, int] = {}
        for name, value in bindings.items():  # the cost estimate sees the sizes of the values
            sizes.update(self._expr.sizes_of_value(value, name))
        declarations = self._expr.Declarations(self._declarations.variables, sizes=sizes)
        try:
            program = self._expr.compile(source, declarations)
        except ExpressionError as exc:
            return Outcome("compile_error", message=str(exc).splitlines()[0])
        try:
            return Outcome("value", program.evaluate(dict(bindings)))
        except EvaluationError as exc:
            return Outcome("error", message=str(exc).splitlines()[0])


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

INT_EDGES = (
    0,
    1,
    -1,
    2,
    10,
    INT64_MAX,
    INT64_MIN,
    INT64_MAX - 1,
    INT64_MIN + 1,
    2**62,
    -(2**62),
    2**32,
    3037000499,  # floor(sqrt(INT64_MAX)): squares sit right at the overflow edge
    3037000500,
)

MAP_KEYS = ("a", "b", "c", "zz")
_TEXT_ALPHABET = "ab xyzAB_-." + "é学籍😀"


def ints() -> st.SearchStrategy[int]:
    """Small ints most of the time, int64 edges often, anything in range sometimes."""
    return st.one_of(
        st.integers(-12, 12),
        st.sampled_from(INT_EDGES),
        st.integers(INT64_MIN, INT64_MAX),
    )


def doubles(*, special: bool = False) -> st.SearchStrategy[float]:
    """Finite doubles of assorted sizes; with ``special`` also NaN and the infinities."""
    base = st.one_of(
        st.sampled_from((0.0, -0.0, 0.5, 1.0, -1.5, 2.5, 3.0, 1e300, -1e300, 1e-300)),
        st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3)),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    if special:
        return st.one_of(base, st.sampled_from((math.nan, math.inf, -math.inf)))
    return base


def texts() -> st.SearchStrategy[str]:
    """Short strings from a small alphabet with ASCII, CJK and an astral character."""
    return st.text(alphabet=_TEXT_ALPHABET, max_size=5)


def values_of(t: CelType) -> st.SearchStrategy[Any]:
    """Python values that inhabit ``t`` as a variable binding."""
    if t == INT:
        return ints()
    if t == DOUBLE:
        return doubles(special=True)
    if t == STRING:
        return texts()
    if t == BYTES:
        # the oracle's Python binding cuts a bytes value at its first NUL (size(by) is 0 for
        # b"\x00"), so bound values avoid NUL; test_oracle_cuts_bytes_bindings_at_nul pins this
        return st.binary(max_size=4).filter(lambda b: b"\x00" not in b)
    if t == BOOL:
        return st.booleans()
    if t.name == "list":
        return st.lists(values_of(t.args[0]), max_size=4)
    if t.name == "map":
        keys = st.sampled_from(MAP_KEYS) if t.args[0] == STRING else values_of(t.args[0])
        return st.dictionaries(keys, values_of(t.args[1]), max_size=3)
    if t.name in OBJECTS:
        fields, required = OBJECTS[t.name]
        return st.fixed_dictionaries(
            {n: values_of(f) for n, f in fields.items() if n in required},
            optional={n: values_of(f) for n, f in fields.items() if n not in required},
        )
    raise ValueError(f"no values for {t}")


#: The variables every generated expression may use, with their declared types.
VARIABLES: dict[str, CelType] = {
    "i": INT,
    "j": INT,
    "d": DOUBLE,
    "s": STRING,
    "t": STRING,
    "b": BOOL,
    "by": BYTES,
    "li": list_of(INT),
    "ld": list_of(DOUBLE),
    "ls": list_of(STRING),
    "m": map_of(STRING, INT),
    "ms": map_of(STRING, STRING),
    "rec": RECORD,
}


def bindings() -> st.SearchStrategy[dict[str, Any]]:
    """A value for each of ``VARIABLES``."""
    return st.fixed_dictionaries({name: values_of(t) for name, t in VARIABLES.items()})


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------

LIST_INT = list_of(INT)
LIST_DOUBLE = list_of(DOUBLE)
LIST_STRING = list_of(STRING)
MAP_STRING_INT = map_of(STRING, INT)
MAP_STRING_STRING = map_of(STRING, STRING)
RESULT_TYPES = (BOOL, BOOL, BOOL, INT, INT, DOUBLE, STRING, LIST_INT, LIST_STRING, MAP_STRING_INT)
ORDERED = (INT, DOUBLE, STRING, BOOL, BYTES)
EQUATABLE = (INT, DOUBLE, STRING, BOOL, BYTES, LIST_INT, LIST_STRING, MAP_STRING_INT)

#: Regular expressions whose meaning is the same in RE2 and Python's ``re``.
PATTERNS = (
    "a", "^a", "b$", "^$", "a+b", "[a-c]x?", "^.{2}$", "学", "(a|b)c", "[^ ]", "\\d",
    # RE2 features Python's re lacks or reads differently (the dialect is CEL's)
    "(?i)É", "^\\pL+$", "\\p{Han}", "[[:alpha:]]", "b\\z", "(?U)a+", "(?s).", "^(a+)+$",
    "\\x{1F600}", "[^\\x00-\\x7F]", "(?P<n>a)b", "(?<n>x)",
)  # fmt: skip

#: Strings given to int()/double()/bool(): valid ones and near misses whose rejection the spec
#: implies (digit separators, non-ASCII digits, hex for int, words for bool).
INT_TEXTS = ("0", "42", "-7", "+5", "9223372036854775807", "-9223372036854775808",
             "9223372036854775808", "1.5", "", "1_000", "٣", "１２", "0x10", "abc", "1e3")  # fmt: skip
DOUBLE_TEXTS = ("0", "1.5", "-2.25", ".5", "1e3", "-1E-2", "1e400", "inf", "-inf", "NaN",
                "1_0.5", "", "x", "٣.٥")  # fmt: skip
BOOL_TEXTS = ("true", "false", "True", "FALSE", "t", "f", "1", "0", "yes", "", "tRuE")


def int_literal(n: int) -> str:
    """CEL source for ``n``; negatives are parenthesised so they compose with any operator."""
    return str(n) if n >= 0 else f"({n})"


def double_literal(x: float) -> str:
    """CEL source for a finite double; ``repr`` always has a '.' or an exponent."""
    text = repr(x)
    return text if not text.startswith("-") else f"({text})"


def string_literal(text: str) -> str:
    """A double-quoted CEL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def bytes_literal(data: bytes) -> str:
    """A CEL bytes literal with every byte \\x-escaped outside printable ASCII."""
    printable = set(_string.ascii_letters + _string.digits + " ")
    return 'b"' + "".join(chr(c) if chr(c) in printable else f"\\x{c:02x}" for c in data) + '"'


Scope = tuple[tuple[str, CelType], ...]
Draw = Callable[[st.SearchStrategy[Any]], Any]


def _vars_of(t: CelType, scope: Scope) -> list[str]:
    return [n for n, vt in VARIABLES.items() if vt == t] + [n for n, vt in scope if vt == t]


def _literal(draw: Draw, t: CelType) -> str:
    if t == INT:
        return int_literal(draw(ints()))
    if t == DOUBLE:
        return double_literal(draw(doubles()))
    if t == STRING:
        return string_literal(draw(texts()))
    if t == BOOL:
        return draw(st.sampled_from(("true", "false")))
    if t == BYTES:
        return bytes_literal(draw(st.binary(max_size=3)))
    raise ValueError(t)


@st.composite
def _expression(draw: Draw, t: CelType, depth: int, scope: Scope, top: bool = False) -> str:
    """An expression of type ``t``; ``depth`` bounds nesting, ``scope`` holds macro variables.
    At the ``top`` an operator is always chosen, so no example is a bare variable or literal."""
    leaves: list[Callable[[], str]] = []
    names = _vars_of(t, scope)
    if names:
        leaves.append(lambda: draw(st.sampled_from(names)))
    if t in ORDERED:
        leaves.append(lambda: _literal(draw, t))
    if not top and (depth <= 0 or draw(st.integers(0, 4)) == 0):
        if not leaves:  # composite types need a constructor even at depth 0
            return draw(_composite_leaf(t, scope))
        return draw(st.sampled_from(leaves))()

    def sub(u: CelType, extra: Scope = ()) -> str:
        return draw(_expression(u, depth - 1, scope + extra))

    def ternary() -> str:
        return f"({sub(BOOL)} ? {sub(t)} : {sub(t)})"

    choices: list[Callable[[], str]] = [ternary] if top else [*leaves, ternary]
    if t == INT:
        x = _fresh(scope)
        choices += [
            lambda: f"({sub(INT)} {draw(st.sampled_from('+-*/%'))} {sub(INT)})",
            lambda: f"-{sub(INT)}",
            lambda: (
                f"size({sub(draw(st.sampled_from((STRING, BYTES, LIST_INT, MAP_STRING_INT))))})"
            ),
            lambda: f"{sub(LIST_STRING)}.size()",
            # Map iteration order is unspecified, so lists built from a map are only counted.
            lambda: f"size({sub(MAP_STRING_INT)}.filter({x}, {sub(BOOL, ((x, STRING),))}))",
            lambda: f"int({sub(DOUBLE)})",
            lambda: f"int({string_literal(draw(st.sampled_from(INT_TEXTS)))})",
            lambda: f"{sub(LIST_INT)}[{sub(INT)}]",
            lambda: f"{sub(MAP_STRING_INT)}[{string_literal(draw(st.sampled_from(MAP_KEYS)))}]",
            lambda: f"{sub(MAP_STRING_INT)}.{draw(st.sampled_from(MAP_KEYS))}",
            lambda: draw(st.sampled_from(("rec.grade", "rec.sanction_days", "rec.school.rank"))),
        ]
    elif t == DOUBLE:
        choices += [
            lambda: f"({sub(DOUBLE)} {draw(st.sampled_from('+-*/'))} {sub(DOUBLE)})",
            lambda: f"-{sub(DOUBLE)}",
            lambda: f"double({sub(INT)})",
            lambda: f"double({string_literal(draw(st.sampled_from(DOUBLE_TEXTS)))})",
            lambda: f"{sub(LIST_DOUBLE)}[{sub(INT)}]",
            lambda: "rec.score",
        ]
    elif t == STRING:
        choices += [
            lambda: f"({sub(STRING)} + {sub(STRING)})",
            lambda: f"string({sub(INT)})",
            lambda: f"string({sub(BOOL)})",
            lambda: f"{sub(LIST_STRING)}[{sub(INT)}]",
            lambda: f"{sub(MAP_STRING_STRING)}[{string_literal(draw(st.sampled_from(MAP_KEYS)))}]",
            lambda: draw(st.sampled_from(("rec.name", "rec.school.county"))),
        ]
    elif t == BOOL:
        x = _fresh(scope)
        choices += [
            lambda: _comparison(draw, sub),
            lambda: _equality(draw, sub),
            lambda: f"({sub(BOOL)} {draw(st.sampled_from(('&&', '||')))} {sub(BOOL)})",
            lambda: f"!{sub(BOOL)}",
            lambda: f"({sub(BOOL)} {draw(st.sampled_from(('&&', '||')))} {_failing(draw)})",
            lambda: f"({_failing(draw)} {draw(st.sampled_from(('&&', '||')))} {sub(BOOL)})",
            lambda: f"({sub(INT)} in {sub(LIST_INT)})",
            lambda: f"({sub(STRING)} in {sub(LIST_STRING)})",
            lambda: f"({sub(DOUBLE)} in {sub(LIST_DOUBLE)})",
            lambda: f"({sub(STRING)} in {sub(MAP_STRING_INT)})",
            lambda: (
                f"{sub(STRING)}.{draw(st.sampled_from(('contains', 'startsWith', 'endsWith')))}"
                f"({sub(STRING)})"
            ),
            lambda: f"{sub(STRING)}.matches({string_literal(draw(st.sampled_from(PATTERNS)))})",
            lambda: f"has({sub(MAP_STRING_INT)}.{draw(st.sampled_from(MAP_KEYS))})",
            lambda: draw(st.sampled_from(("has(rec.sanction_days)", "has(rec.school.rank)"))),
            lambda: f"(has(rec.sanction_days) ? rec.sanction_days > {sub(INT)} : {sub(BOOL)})",
            lambda: f"bool({string_literal(draw(st.sampled_from(BOOL_TEXTS)))})",
            lambda: (
                f"{sub(LIST_INT)}.{draw(st.sampled_from(('all', 'exists', 'exists_one')))}"
                f"({x}, {sub(BOOL, ((x, INT),))})"
            ),
            lambda: (
                f"{sub(LIST_STRING)}.{draw(st.sampled_from(('all', 'exists')))}"
                f"({x}, {sub(BOOL, ((x, STRING),))})"
            ),
            lambda: (
                f"{sub(MAP_STRING_INT)}.{draw(st.sampled_from(('all', 'exists')))}"
                f"({x}, {sub(BOOL, ((x, STRING),))})"
            ),
        ]
    elif t.name == "list":
        elem = t.args[0]
        x = _fresh(scope)
        choices += [
            lambda: _list_literal(draw, elem, sub),
            lambda: f"({sub(t)} + {sub(t)})",
            lambda: f"{sub(t)}.filter({x}, {sub(BOOL, ((x, elem),))})",
            lambda: f"{sub(LIST_INT)}.map({x}, {sub(elem, ((x, INT),))})",
            lambda: f"{sub(LIST_STRING)}.map({x}, {sub(elem, ((x, STRING),))})",
            lambda: f"{sub(LIST_INT)}.map({x}, {sub(BOOL, ((x, INT),))}, {sub(elem, ((x, INT),))})",
        ]
        if elem == STRING:
            choices.append(lambda: "rec.tags")
    elif t.name == "map":
        choices += [lambda: _map_literal(draw, t.args[1], sub)]
    return draw(st.sampled_from(choices))()


def _fresh(scope: Scope) -> str:
    return f"x{len(scope)}"


@st.composite
def _composite_leaf(draw: Draw, t: CelType, scope: Scope) -> str:
    if t.name == "list":
        return _list_literal(draw, t.args[0], lambda u: _literal(draw, u))
    return _map_literal(draw, t.args[1], lambda u: _literal(draw, u))


def _list_literal(draw: Draw, elem: CelType, sub: Callable[[CelType], str]) -> str:
    # Never empty: `[]` is list(dyn) and would make `[] == li`-style mixtures ill-typed in one
    # checker and fine in another; empty lists still come from variables and filter().
    n = draw(st.integers(1, 3))
    return "[" + ", ".join(sub(elem) for _ in range(n)) + "]"


def _map_literal(draw: Draw, value: CelType, sub: Callable[[CelType], str]) -> str:
    keys = draw(st.lists(st.sampled_from(MAP_KEYS), min_size=1, max_size=3, unique=True))
    return "{" + ", ".join(f"{string_literal(k)}: {sub(value)}" for k in keys) + "}"


def _comparison(draw: Draw, sub: Callable[[CelType], str]) -> str:
    u = draw(st.sampled_from(ORDERED))
    return f"({sub(u)} {draw(st.sampled_from(('<', '<=', '>', '>=')))} {sub(u)})"


def _equality(draw: Draw, sub: Callable[[CelType], str]) -> str:
    u = draw(st.sampled_from(EQUATABLE))
    return f"({sub(u)} {draw(st.sampled_from(('==', '!=')))} {sub(u)})"


def _failing(draw: Draw) -> str:
    """A boolean subterm that always fails at run time, to exercise error absorption."""
    return draw(
        st.sampled_from(
            (
                "(1 / 0 == 1)",
                "(i % 0 > 2)",
                "([1, 2][5] == 1)",
                "(m.zz_missing == 0)",
                "(int('x') == 0)",
                f"({INT64_MAX} + 1 > 0)",
                "(int(1e300) == 0)",
            )
        )
    )


def expressions(
    result_type: CelType | None = None, max_depth: int = 4
) -> st.SearchStrategy[tuple[str, CelType]]:
    """``(source, type)`` pairs; the type is drawn from ``RESULT_TYPES`` unless given."""

    @st.composite
    def build(draw: Draw) -> tuple[str, CelType]:
        t = result_type or draw(st.sampled_from(RESULT_TYPES))
        depth = draw(st.integers(1, max_depth))
        return draw(_expression(t, depth, (), top=True)), t

    return build()
