"""Compliance-testing support: scenario files, their runner, and (lazily) strategies and the plugin."""

from xueji_rules.testing.scenarios import Scenario, ScenarioResult, load_scenarios, run_scenario

__all__ = ["Scenario", "ScenarioResult", "load_scenarios", "run_scenario"]
