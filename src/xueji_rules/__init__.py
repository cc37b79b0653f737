"""xueji-rules: China's student-registry law (学籍管理) as code.

>>> from xueji_rules import Engine
>>> engine = Engine("shanxi")                       # doctest: +SKIP
>>> decision = engine.decide(record, request)      # doctest: +SKIP
>>> decision.outcome, decision.next_status          # doctest: +SKIP

The engine and the pack loader are imported on first use, so ``import xueji_rules`` (and the
pytest plugin) stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine, explain
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

_LAZY = {
    "Decision": "xueji_rules.engine",
    "Engine": "xueji_rules.engine",
    "explain": "xueji_rules.engine",
    "load_pack": "xueji_rules.packs",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xueji_rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
