"""xueji-rules: China's student-registry law (学籍管理) as code.

>>> from xueji_rules import Engine
>>> engine = Engine("shanxi")
>>> decision = engine.decide(record, request)      # doctest: +SKIP
>>> decision.outcome, decision.next_status          # doctest: +SKIP
"""

from xueji_rules.engine import Decision, Engine, explain
from xueji_rules.errors import (
    CalendarUnavailable,
    EvaluationError,
    ExpressionError,
    InputError,
    LoadError,
    OutsideValidity,
    PackError,
    XuejiRulesError,
)
from xueji_rules.packs import load_pack

__all__ = [
    "CalendarUnavailable",
    "Decision",
    "Engine",
    "EvaluationError",
    "ExpressionError",
    "InputError",
    "LoadError",
    "OutsideValidity",
    "PackError",
    "XuejiRulesError",
    "explain",
    "load_pack",
]
__version__ = "0.1.0"
