"""Functions callable from expressions: overloads, registries and the standard library."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xueji_rules.errors import EvaluationError, PatternError
from xueji_rules.expr import _regex
from xueji_rules.expr import _values as v
from xueji_rules.expr import types as t

__all__ = ["FunctionRegistry", "Overload", "dispatch", "standard_functions", "value_matches"]


@dataclass(frozen=True, slots=True)
class Overload:
    """One signature of a function: parameter types, result type and the Python callable.

    For a method-style function (registered with ``receiver=True``) the first parameter is the
    receiver: ``s.startsWith(p)`` has ``params=(STRING, STRING)``. ``impl`` receives plain run-time
    values and returns one; any exception it raises becomes an ``EvaluationError``.
    """

    params: tuple[t.Type, ...]
    result: t.Type
    impl: Callable[..., Any]
    name: str | None = None
    check: Callable[..., None] | None = None
    """Called at check time with the literal arguments (``None`` for the others); an exception
    it raises is an error at the call, so ``period_end(d, 1, 'mnths')`` fails when the pack
    loads rather than when it decides."""


class FunctionRegistry:
    """Named functions with their overloads, global (``f(x)``) and method style (``x.f()``)."""

    def __init__(self) -> None:
        self._functions: dict[tuple[str, bool], tuple[Overload, ...]] = {}

    def register(self, name: str, *overloads: Overload, receiver: bool = False) -> FunctionRegistry:
        """Add ``overloads`` to function ``name``; returns the registry for chaining."""
        if not name.isidentifier():
            raise ValueError(f"not a function name: {name!r}")
        for overload in overloads:
            if not isinstance(overload, Overload):
                raise TypeError(f"expected Overload, got {type(overload).__name__}")
            if receiver and not overload.params:
                raise ValueError(f"method '{name}' needs the receiver as its first parameter")
        key = (name, receiver)
        self._functions[key] = self._functions.get(key, ()) + tuple(overloads)
        return self

    def extended(self, other: FunctionRegistry) -> FunctionRegistry:
        """A new registry with this registry's functions and then ``other``'s."""
        merged = FunctionRegistry()
        for source in (self, other):
            for (name, receiver), overloads in source._functions.items():
                merged.register(name, *overloads, receiver=receiver)
        return merged

    def overloads(self, name: str, receiver: bool) -> tuple[Overload, ...]:
        """The overloads of ``name`` in the given call style (empty when there are none)."""
        return self._functions.get((name, receiver), ())

    def names(self) -> list[str]:
        """Every function name, sorted."""
        return sorted({name for name, _ in self._functions})

    def __contains__(self, name: object) -> bool:
        return any(key[0] == name for key in self._functions)


def value_matches(value: Any, ty: t.Type) -> bool:
    """Whether a run-time value belongs to ``ty`` (shallowly for lists and maps)."""
    if ty == t.DYN:
        return True
    if isinstance(ty, t.ListType):
        return isinstance(value, list | tuple)
    if isinstance(ty, t.MapType | t.ObjectType):
        return isinstance(value, Mapping)
    if ty == t.DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return _PRIMITIVE.get(ty) is type(value)


_PRIMITIVE: dict[t.Type, type] = {
    t.INT: int,
    t.DOUBLE: float,
    t.STRING: str,
    t.BYTES: bytes,
    t.BOOL: bool,
    t.NULL: type(None),
}


def dispatch(name: str, overloads: Iterable[Overload], args: tuple[Any, ...]) -> Any:
    """Call the first overload whose parameters match the run-time ``args``."""
    for overload in overloads:
        params = overload.params
        if len(params) == len(args) and all(
            value_matches(a, p) for a, p in zip(args, params, strict=True)
        ):
            try:
                return overload.impl(*args)
            except EvaluationError:
                raise
            except Exception as exc:  # a function's own failure is an evaluation error
                raise EvaluationError(f"error in function '{name}': {exc}") from exc
    raise v.no_overload(name, *args)


# -- conversions --------------------------------------------------------------------------------

_INT_TEXT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_FLOAT_TEXT = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)",
    re.ASCII | re.IGNORECASE,
)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_BOOL_TEXT = {
    "1": True, "t": True, "true": True, "TRUE": True, "True": True,
    "0": False, "f": False, "false": False, "FALSE": False, "False": False,
}  # fmt: skip


def int_of_double(x: float) -> int:
    """``int(double)``: truncate toward zero; NaN, infinities and out-of-range values fail."""
    if math.isnan(x) or not (-(2.0**63) < x < 2.0**63):
        raise EvaluationError(f"double {x!r} is out of the int64 range")
    return int(x)


def int_of_string(s: str) -> int:
    """``int(string)``: optional sign and decimal digits."""
    if len(s) > 40 or not _INT_TEXT.fullmatch(s):
        raise EvaluationError(f"cannot convert {s[:40]!r} to int")
    value = int(s)
    if not v.INT64_MIN <= value <= v.INT64_MAX:
        raise EvaluationError(f"{s!r} is out of the int64 range")
    return value


def double_of_string(s: str) -> float:
    """``double(string)``: a decimal or exponent number, or inf/infinity/nan."""
    if len(s) > 400 or not _FLOAT_TEXT.fullmatch(s):
        raise EvaluationError(f"cannot convert {s[:40]!r} to double")
    return float(s)


def string_of_double(x: float) -> str:
    """``string(double)``: the shortest text that reads back as ``x`` (``1.5``, ``100``, ``1e+20``)."""
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def string_of_bytes(b: bytes) -> str:
    """``string(bytes)``: UTF-8 decoding; invalid UTF-8 fails."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        raise EvaluationError("bytes are not valid UTF-8") from None


def bool_of_string(s: str) -> bool:
    """``bool(string)``: 1, t, true, TRUE, True and 0, f, false, FALSE, False."""
    try:
        return _BOOL_TEXT[s]
    except KeyError:
        raise EvaluationError(f"cannot convert {s[:40]!r} to bool") from None


def date_of_string(s: str) -> dt.date:
    """``date(string)``: an ISO ``YYYY-MM-DD`` calendar date."""
    if _DATE_TEXT.fullmatch(s):
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    raise EvaluationError(f"invalid date {s[:40]!r} (expected YYYY-MM-DD)")


def regex_matches(text: str, pattern: str) -> bool:
    """``matches``: RE2 search anywhere in ``text``. A literal pattern was checked when the
    expression was; a pattern computed from data that RE2 refuses is a :class:`PatternError`."""
    try:
        return _regex.matches(text, pattern)
    except _regex.RegexError as exc:
        shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
        raise PatternError(f"pattern {shown!r} from the input: {exc}", pattern) from None


def _identity(x: Any) -> Any:
    return x


def _weekday(d: dt.date) -> int:
    return d.isoweekday()


def _days_between(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def _string_of_bool(b: bool) -> str:
    return "true" if b else "false"


def _o(params: tuple[t.Type, ...], result: t.Type, impl: Callable[..., Any], name: str) -> Overload:
    return Overload(params, result, impl, name)


_S, _I, _D, _B = t.STRING, t.INT, t.DOUBLE, t.BOOL
_ANY_LIST = t.ListType(t.DYN)
_ANY_MAP = t.MapType(t.DYN, t.DYN)
_SIZE = (
    _o((_S,), _I, len, "size_string"),
    _o((t.BYTES,), _I, len, "size_bytes"),
    _o((_ANY_LIST,), _I, len, "size_list"),
    _o((_ANY_MAP,), _I, len, "size_map"),
)
MATCHES_IMPL = regex_matches


def _standard() -> FunctionRegistry:
    r = FunctionRegistry()
    r.register("size", *_SIZE)
    r.register("size", *_SIZE, receiver=True)
    r.register("contains", _o((_S, _S), _B, str.__contains__, "contains_string"), receiver=True)
    r.register("startsWith", _o((_S, _S), _B, str.startswith, "starts_with_string"), receiver=True)
    r.register("endsWith", _o((_S, _S), _B, str.endswith, "ends_with_string"), receiver=True)
    r.register("matches", _o((_S, _S), _B, regex_matches, "matches_string"))
    r.register("matches", _o((_S, _S), _B, regex_matches, "matches_string"), receiver=True)
    r.register(
        "int",
        _o((_I,), _I, _identity, "int_to_int"),
        _o((_D,), _I, int_of_double, "double_to_int"),
        _o((_S,), _I, int_of_string, "string_to_int"),
    )
    r.register(
        "double",
        _o((_D,), _D, _identity, "double_to_double"),
        _o((_I,), _D, float, "int_to_double"),
        _o((_S,), _D, double_of_string, "string_to_double"),
    )
    r.register(
        "string",
        _o((_S,), _S, _identity, "string_to_string"),
        _o((_I,), _S, str, "int_to_string"),
        _o((_D,), _S, string_of_double, "double_to_string"),
        _o((_B,), _S, _string_of_bool, "bool_to_string"),
        _o((t.BYTES,), _S, string_of_bytes, "bytes_to_string"),
        _o((t.DATE,), _S, dt.date.isoformat, "date_to_string"),
    )
    r.register(
        "bool",
        _o((_B,), _B, _identity, "bool_to_bool"),
        _o((_S,), _B, bool_of_string, "string_to_bool"),
    )
    r.register(
        "bytes",
        _o((t.BYTES,), t.BYTES, _identity, "bytes_to_bytes"),
        _o((_S,), t.BYTES, str.encode, "string_to_bytes"),
    )
    r.register("dyn", _o((t.DYN,), t.DYN, _identity, "to_dyn"))
    r.register(
        "date",
        _o((_S,), t.DATE, date_of_string, "string_to_date"),
        _o((t.DATE,), t.DATE, _identity, "date_to_date"),
    )
    r.register("add_days", _o((t.DATE, _I), t.DATE, v.add_days, "add_days"))
    r.register("add_months", _o((t.DATE, _I), t.DATE, v.add_months, "add_months"))
    r.register("days_between", _o((t.DATE, t.DATE), _I, _days_between, "days_between"))
    r.register("year", _o((t.DATE,), _I, lambda d: d.year, "date_year"), receiver=True)
    r.register("month", _o((t.DATE,), _I, lambda d: d.month, "date_month"), receiver=True)
    r.register("day", _o((t.DATE,), _I, lambda d: d.day, "date_day"), receiver=True)
    r.register("weekday", _o((t.DATE,), _I, _weekday, "date_weekday"), receiver=True)
    return r


_STANDARD = _standard()


def standard_functions() -> FunctionRegistry:
    """A fresh registry holding the standard functions (changing it leaves others alone)."""
    return FunctionRegistry().extended(_STANDARD)
