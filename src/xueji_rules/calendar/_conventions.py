"""Counting conventions: named, documented choices a pack can set (docs/time.md).

Every default follows the general rules on periods of the Civil Code (民法典 第二百零一条 to
第二百零四条) and its reading of boundary words (第一千二百五十九条); a pack that reads its law
differently says so in ``settings`` instead of relying on a hidden constant.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from xueji_rules.errors import LoadError

__all__ = ["BOUNDARY_PHRASES", "Boundary", "Conventions", "boundary_of", "satisfies"]


@dataclass(frozen=True, slots=True)
class Conventions:
    """How periods are counted.

    * ``trigger_day_counts``: whether the day of the triggering event is day 1 of the period.
      Default ``False``: a period counted in days, months or years starts on the next day
      (民法典 第二百零一条); working-day periods follow the same rule.
    * ``extend_to_next_workday``: whether a calendar-day, week or month period whose last day is a
      rest day ends on the next working day instead (民法典 第二百零三条). Default ``True``.
      Working-day periods always end on a working day.
    * ``month_end_clamp``: when the due month has no day matching the start day (31 January plus
      one month), the period ends on that month's last day (民法典 第二百零二条). Default ``True``;
      ``False`` ends it on the first day of the following month instead.
    * ``week_days``: calendar days in a week of a period (7).
    """

    trigger_day_counts: bool = False
    extend_to_next_workday: bool = True
    month_end_clamp: bool = True
    week_days: int = 7

    def __post_init__(self) -> None:
        for name in ("trigger_day_counts", "extend_to_next_workday", "month_end_clamp"):
            if not isinstance(getattr(self, name), bool):
                raise LoadError(f"convention {name!r} must be true or false")
        if isinstance(self.week_days, bool) or not isinstance(self.week_days, int):
            raise LoadError("convention 'week_days' must be an integer")
        if not 1 <= self.week_days <= 7:
            raise LoadError(f"convention 'week_days' must be between 1 and 7, not {self.week_days}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The setting names a pack may use, in declaration order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> Conventions:
        """Build from a pack's settings; an unknown key is an error that lists the known ones.

        Pass only the counting settings: a pack's ``settings`` also holds other keys (such as
        ``default_school_system``), which the caller filters with :meth:`names` first.
        """
        known = cls.names()
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise LoadError(
                f"unknown counting convention(s) {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(known)})"
            )
        return cls(**dict(settings))

    def to_mapping(self) -> dict[str, Any]:
        """The settings as a plain mapping, for traces and documentation."""
        return {name: getattr(self, name) for name in self.names()}


class Boundary(enum.Enum):
    """Whether the number in a legal phrase is itself included (民法典 第一千二百五十九条)."""

    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


# phrase -> (comparison of value with limit, boundary). The first seven are the words
# 第一千二百五十九条 names; the rest are their everyday synonyms and negations.
BOUNDARY_PHRASES: Mapping[str, tuple[str, Boundary]] = {
    "以上": (">=", Boundary.INCLUSIVE),
    "以下": ("<=", Boundary.INCLUSIVE),
    "以内": ("<=", Boundary.INCLUSIVE),
    "届满": (">=", Boundary.INCLUSIVE),
    "不满": ("<", Boundary.EXCLUSIVE),
    "超过": (">", Boundary.EXCLUSIVE),
    "以外": (">", Boundary.EXCLUSIVE),
    "及以上": (">=", Boundary.INCLUSIVE),
    "及以下": ("<=", Boundary.INCLUSIVE),
    "内": ("<=", Boundary.INCLUSIVE),
    "满": (">=", Boundary.INCLUSIVE),
    "不超过": ("<=", Boundary.INCLUSIVE),
    "未满": ("<", Boundary.EXCLUSIVE),
    "不足": ("<", Boundary.EXCLUSIVE),
}

Comparable = int | float | dt.date


def boundary_of(phrase: str) -> Boundary:
    """Whether ``phrase`` (``以上``, ``不满``, ...) includes its number."""
    return _lookup(phrase)[1]


def satisfies(value: Comparable, phrase: str, limit: Comparable) -> bool:
    """Whether ``value`` is "``phrase`` ``limit``": ``satisfies(8, "超过", 8)`` is ``False``.

    ``以上``/``届满`` mean at least, ``以下``/``以内`` at most, ``超过``/``以外`` more than,
    ``不满`` less than (民法典 第一千二百五十九条).
    """
    op = _lookup(phrase)[0]
    if op == ">=":
        return value >= limit  # type: ignore[operator]
    if op == "<=":
        return value <= limit  # type: ignore[operator]
    if op == ">":
        return value > limit  # type: ignore[operator]
    return value < limit  # type: ignore[operator]


def _lookup(phrase: str) -> tuple[str, Boundary]:
    try:
        return BOUNDARY_PHRASES[phrase.strip()]
    except KeyError:
        known = "、".join(BOUNDARY_PHRASES)
        raise LoadError(f"unknown boundary phrase {phrase!r} (known: {known})") from None
