"""Run-time operations with exact CEL semantics over plain Python values.

Values are ``int`` (never ``bool``), ``float``, ``str``, ``bytes``, ``bool``, ``None``, ``list``,
``dict`` and ``datetime.date``. Every function here checks the run-time types of its operands and
raises :class:`EvaluationError` with a readable message on any CEL error; the interpreter uses
them for everything and the generated fast path uses them wherever static types leave the
run-time types open (``dyn``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from xueji_rules.errors import EvaluationError

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "add",
    "check_bool",
    "div",
    "eq",
    "ge",
    "gt",
    "has_field",
    "index",
    "le",
    "lt",
    "map_lookup",
    "mod",
    "mul",
    "ne",
    "neg",
    "no_overload",
    "select",
    "sub",
    "type_name",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_MISSING: Any = object()

_TYPE_NAMES: dict[type, str] = {
    bool: "bool",
    int: "int",
    float: "double",
    str: "string",
    bytes: "bytes",
    type(None): "null_type",
    list: "list",
    tuple: "list",
    dict: "map",
    dt.date: "date",
}


def type_name(value: Any) -> str:
    """The CEL type name of a run-time value, for messages."""
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if isinstance(value, Mapping):
        return "map"
    return type(value).__name__


def no_overload(op: str, *args: Any) -> EvaluationError:
    """The error for an operator or function applied to values of the wrong types."""
    kinds = ", ".join(type_name(a) for a in args)
    return EvaluationError(f"no matching overload for '{op}' applied to ({kinds})")


def _int(value: Any) -> bool:
    return type(value) is int


def _checked(value: int, op: str) -> int:
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise EvaluationError(f"integer overflow in '{op}'")


def add_days(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days`` days; an error outside years 1..9999."""
    try:
        return day + dt.timedelta(days=days)
    except (OverflowError, ValueError):
        raise EvaluationError(f"date out of range in {day.isoformat()} + {days} days") from None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, the day clamped to the target month's end."""
    if not _int(months) or not isinstance(day, dt.date):
        raise no_overload("add_months", day, months)
    total = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise EvaluationError(f"date out of range in add_months({day.isoformat()}, {months})")
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def _is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def add(a: Any, b: Any) -> Any:
    """``a + b``: int, double, string, bytes, list concatenation, date + int days."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _checked(a + b, "+")
    if ta is tb and ta in (float, str, bytes):
        return a + b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return [*a, *b]
    if _is_date(a) and tb is int:
        return add_days(a, b)
    raise no_overload("+", a, b)


def sub(a: Any, b: Any) -> Any:
    """``a - b``: int, double, date - date (days), date - int days."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _checked(a - b, "-")
    if ta is float and tb is float:
        return a - b
    if _is_date(a):
        if _is_date(b):
            return (a - b).days
        if tb is int:
            return add_days(a, -b)
    raise no_overload("-", a, b)


def mul(a: Any, b: Any) -> Any:
    """``a * b`` on two ints (overflow checked) or two doubles."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return _checked(a * b, "*")
    if ta is float and tb is float:
        return a * b
    raise no_overload("*", a, b)


def int_div(a: int, b: int) -> int:
    """Integer division truncating toward zero; errors on zero and overflow."""
    if b == 0:
        raise EvaluationError("division by zero")
    q = abs(a) // abs(b)
    return _checked(q if (a < 0) == (b < 0) else -q, "/")


def int_mod(a: int, b: int) -> int:
    """Remainder with the sign of the dividend (as in C); errors on zero."""
    if b == 0:
        raise EvaluationError("modulo by zero")
    if a == INT64_MIN and b == -1:  # as in the reference runtimes: the quotient overflows
        raise EvaluationError("integer overflow in '%'")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def float_div(a: float, b: float) -> float:
    """IEEE division: ``x / 0.0`` is an infinity or NaN, never an error."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def div(a: Any, b: Any) -> Any:
    """``a / b`` on two ints or two doubles."""
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return int_div(a, b)
    if ta is float and tb is float:
        return float_div(a, b)
    raise no_overload("/", a, b)


def mod(a: Any, b: Any) -> Any:
    """``a % b`` on two ints."""
    if type(a) is int and type(b) is int:
        return int_mod(a, b)
    raise no_overload("%", a, b)


def neg(a: Any) -> Any:
    """Unary ``-a``."""
    if type(a) is int:
        return _checked(-a, "-")
    if type(a) is float:
        return -a
    raise no_overload("-", a)


def logical_not(a: Any) -> bool:
    """``!a``."""
    if type(a) is bool:
        return not a
    raise no_overload("!", a)


def check_bool(value: Any, where: str) -> bool:
    """``value`` if it is a bool, else an error naming ``where`` it was needed."""
    if type(value) is bool:
        return value
    raise EvaluationError(f"expected bool in {where}, got {type_name(value)}")


def eq(a: Any, b: Any) -> bool:
    """CEL equality: numbers compare across int and double, ``true != 1``, deep for lists/maps."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if ta in (int, float) and tb in (int, float):
        return bool(a == b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list | tuple):
        if not isinstance(b, list | tuple) or len(a) != len(b):
            return False
        return all(eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping):
        if not isinstance(b, Mapping) or len(a) != len(b):
            return False
        for key, value in a.items():
            other = map_lookup(b, key)
            if other is _MISSING or not eq(value, other):
                return False
        return True
    if ta is tb and ta in (str, bytes):
        return bool(a == b)
    if _is_date(a) and _is_date(b):
        return bool(a == b)
    return False


def ne(a: Any, b: Any) -> bool:
    """CEL ``!=``."""
    return not eq(a, b)


def _orderable(op: str, a: Any, b: Any) -> None:
    ta, tb = type(a), type(b)
    if ta is tb and ta in (int, float, str, bytes, bool):
        return
    if ta in (int, float) and tb in (int, float):
        return
    if _is_date(a) and _is_date(b):
        return
    raise no_overload(op, a, b)


def lt(a: Any, b: Any) -> bool:
    """``a < b``; int and double compare exactly across types."""
    _orderable("<", a, b)
    return bool(a < b)


def le(a: Any, b: Any) -> bool:
    """``a <= b``."""
    _orderable("<=", a, b)
    return bool(a <= b)


def gt(a: Any, b: Any) -> bool:
    """``a > b``."""
    _orderable(">", a, b)
    return bool(a > b)


def ge(a: Any, b: Any) -> bool:
    """``a >= b``."""
    _orderable(">=", a, b)
    return bool(a >= b)


def map_lookup(m: Mapping[Any, Any], key: Any) -> Any:
    """The value under ``key`` with CEL key semantics (``1`` and ``true`` differ, ``1.0`` finds
    ``1``), or the ``_MISSING`` sentinel."""
    kt = type(key)
    if kt is float:
        if not key.is_integer():
            return _MISSING
        key, kt = int(key), int
    if kt is str:
        return m.get(key, _MISSING)
    if kt is int or kt is bool:
        if key not in m:
            return _MISSING
        for stored in m:
            if type(stored) is kt and stored == key:
                return m[stored]
        return _MISSING
    return _MISSING


def contains(container: Any, item: Any) -> bool:
    """``item in container`` for a list (CEL equality) or a map (its keys)."""
    if isinstance(container, list | tuple):
        return any(eq(item, x) for x in container)
    if isinstance(container, Mapping):
        return map_lookup(container, item) is not _MISSING
    raise no_overload("in", item, container)


def _show_key(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


def index(container: Any, key: Any) -> Any:
    """``container[key]``: a list element (0-based, in range) or a map value."""
    if isinstance(container, list | tuple):
        if type(key) is float and key.is_integer():
            key = int(key)
        if type(key) is not int:
            raise no_overload("[]", container, key)
        if 0 <= key < len(container):
            return container[key]
        raise EvaluationError(f"index {key} out of range for a list of size {len(container)}")
    if isinstance(container, Mapping):
        if type(key) not in (str, int, bool, float):
            raise EvaluationError(f"unsupported map key type {type_name(key)}")
        value = map_lookup(container, key)
        if value is _MISSING:
            raise EvaluationError(f"no such key {_show_key(key)} in map")
        return value
    raise no_overload("[]", container, key)


def select(container: Any, field: str, what: str) -> Any:
    """``container.field`` on a map or JSON object; ``what`` names the container in messages."""
    if isinstance(container, Mapping):
        value = container.get(field, _MISSING)
        if value is _MISSING:
            raise EvaluationError(f"no such key '{field}' in {what} (guard it with has())")
        return value
    raise EvaluationError(
        f"cannot select field '{field}' from {what}: it is {type_name(container)}, not a map"
    )


def has_field(container: Any, field: str, what: str) -> bool:
    """``has(container.field)``."""
    if isinstance(container, Mapping):
        return field in container
    raise EvaluationError(f"has() needs a map or object, but {what} is {type_name(container)}")
