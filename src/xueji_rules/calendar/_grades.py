"""Grades (年级) numbered 1 to 12 across primary, junior and senior secondary, by school system.

Under the 6-3 system primary is grades 1-6 and junior secondary 7-9; under 5-4 primary is 1-5
and junior secondary 6-9. Senior secondary is 10-12 under both. The entry grade of a stage is
its first grade, the graduating grade its last.
"""

from __future__ import annotations

from collections.abc import Mapping

from xueji_rules.errors import EvaluationError

__all__ = [
    "SCHOOL_SYSTEMS",
    "grade_range",
    "is_entry_grade",
    "is_graduating_grade",
    "stage_of_grade",
]

SCHOOL_SYSTEMS: Mapping[str, Mapping[str, tuple[int, int]]] = {
    "6-3": {"primary": (1, 6), "junior_secondary": (7, 9), "senior_secondary": (10, 12)},
    "5-4": {"primary": (1, 5), "junior_secondary": (6, 9), "senior_secondary": (10, 12)},
}
# stages without grades: an entry/graduating-grade test is simply false for them
_UNGRADED = frozenset({"preschool", "preschool_toddler"})


def _system(school_system: str) -> Mapping[str, tuple[int, int]]:
    try:
        return SCHOOL_SYSTEMS[school_system]
    except KeyError:
        known = ", ".join(SCHOOL_SYSTEMS)
        raise EvaluationError(f"unknown school system {school_system!r} (known: {known})") from None


def grade_range(stage: str, school_system: str = "6-3") -> tuple[int, int] | None:
    """The first and last grade of ``stage``; ``None`` for a stage without grades (preschool)."""
    stages = _system(school_system)
    if stage in stages:
        return stages[stage]
    if stage in _UNGRADED:
        return None
    known = ", ".join([*stages, *sorted(_UNGRADED)])
    raise EvaluationError(f"unknown stage {stage!r} (known: {known})")


# (school system, stage) -> grades, for the graded stages: rules ask these on every decision
_SPANS = {
    (system, stage): span
    for system, stages in SCHOOL_SYSTEMS.items()
    for stage, span in stages.items()
}


def is_entry_grade(stage: str, grade: int, school_system: str = "6-3") -> bool:
    """Whether ``grade`` is the first grade (起始年级) of ``stage``: 1, 7 (6-3) or 6 (5-4), 10."""
    span = _SPANS.get((school_system, stage)) or grade_range(stage, school_system)
    return span is not None and grade == span[0]


def is_graduating_grade(stage: str, grade: int, school_system: str = "6-3") -> bool:
    """Whether ``grade`` is the last grade (毕业年级) of ``stage``: 6 (6-3) or 5 (5-4), 9, 12."""
    span = _SPANS.get((school_system, stage)) or grade_range(stage, school_system)
    return span is not None and grade == span[1]


def stage_of_grade(grade: int, school_system: str = "6-3") -> str:
    """The stage a ``grade`` (1-12) belongs to under ``school_system``."""
    for stage, (first, last) in _system(school_system).items():
        if first <= grade <= last:
            return stage
    raise EvaluationError(f"grade {grade} is outside 1-12")
