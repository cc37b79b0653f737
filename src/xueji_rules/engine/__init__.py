"""The decision engine: :class:`Engine`, :class:`Decision` and :func:`explain`."""

from xueji_rules.engine._explain import explain
from xueji_rules.engine.decision import (
    ApprovalNeeded,
    Decision,
    MissingDocument,
    Obligation,
    RuleResult,
)
from xueji_rules.engine.engine import Engine

__all__ = [
    "ApprovalNeeded",
    "Decision",
    "Engine",
    "MissingDocument",
    "Obligation",
    "RuleResult",
    "explain",
]
