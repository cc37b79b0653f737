"""Compliance-testing support: scenarios, their runner, coverage, boundaries, strategies, plugin.

Import-light on purpose (the pytest plugin lives here): the names below are imported on first
use, so ``import xueji_rules.testing`` loads neither PyYAML, jsonschema nor the engine.

* :mod:`xueji_rules.testing.scenarios` — scenario files (``load_scenarios``, ``run_scenario``)
* :mod:`xueji_rules.testing.runner` — ``xueji-rules test``
* :mod:`xueji_rules.testing.coverage` — rule and article coverage
* :mod:`xueji_rules.testing.boundaries` — generated N−1/N/N+1 cases
* :mod:`xueji_rules.testing.strategies` — Hypothesis strategies (needs ``hypothesis``)
* :mod:`xueji_rules.testing.plugin` — the pytest plugin (entry point ``pytest11``)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xueji_rules.testing.scenarios import (
        Scenario,
        ScenarioResult,
        load_scenarios,
        run_scenario,
    )

__all__ = ["Scenario", "ScenarioResult", "load_scenarios", "run_scenario"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'xueji_rules.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module("xueji_rules.testing.scenarios"), name)
    globals()[name] = value
    return value
