"""The conformance harness: run scenario files against a registry system instead of the engine.

A team plugs its own system in through an *adapter*: a Python callable ``answer(record,
request) -> dict`` (``--system module:callable``) or an HTTP endpoint that takes
``{"record": …, "request": …}`` as a JSON POST and answers (``--endpoint URL``). The answer
follows ``schemas/conformance-answer.schema.json``: every field is optional, and the harness
compares **only the fields the system answers** with the scenario's expectations (the law's
answer), so a system that computes outcomes but not due dates is judged on outcomes alone. An
empty answer means "this system does not handle this request": the scenario is *not answered*,
neither passed nor failed. Every difference names the articles behind it (the rules the scenario
covers, and the rules, approvals, documents or duties of the engine's own decision that the
difference is about). See docs/conformance.md.

The harness is split by concern: :mod:`._systems` (the adapters), :mod:`._compare` (an answer
against a scenario's expectation, with the articles behind each difference) and :mod:`._run`
(one scenario, a suite, the ``conform`` command).
"""

from __future__ import annotations

from xueji_rules.testing.conform._compare import Difference
from xueji_rules.testing.conform._run import (
    ConformResult,
    conform_scenario,
    conform_suite,
    render_result,
    run_conform,
)
from xueji_rules.testing.conform._systems import (
    HttpSystem,
    PythonSystem,
    System,
    SystemFailure,
    SystemUnreachable,
    system_from_spec,
)

__all__ = [
    "ConformResult",
    "Difference",
    "HttpSystem",
    "PythonSystem",
    "System",
    "SystemFailure",
    "SystemUnreachable",
    "conform_scenario",
    "conform_suite",
    "render_result",
    "run_conform",
    "system_from_spec",
]
