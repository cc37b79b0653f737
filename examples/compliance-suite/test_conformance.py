"""The conformance harness finds the fake registry's planted mistake, and only that one."""

from __future__ import annotations

from pathlib import Path

import pytest
from adapter import make_answer
from fake_registry import FakeRegistry
from http_adapter import start_in_thread

from xueji_rules.testing.conform import HttpSystem, PythonSystem, System, conform_suite

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
PLANTED = "开学第16天申请转学，原则上不予受理"  # 2026-03-17: day 15 after the term opened


def _failures(system: System) -> dict[str, list[str]]:
    results = conform_suite(SCENARIOS, system, pack="shanxi")
    assert any(r.status == "passed" for r in results)
    return {
        r.scenario.name: [d.render() for d in r.differences] or [str(r.error)]
        for r in results
        if not r.passed
    }


def _check_planted_mistake_only(failures: dict[str, list[str]]) -> None:
    assert list(failures) == [PLANTED]
    outcome, status = failures[PLANTED]
    assert outcome.startswith(
        "outcome: expected 'denied_by_default', the system answered 'needs_approval'"
    )
    assert "晋教〔2026〕1号 第十六条" in outcome and "shanxi.transfer.window" in outcome
    assert status.startswith(
        "next_status: expected 'enrolled', the system answered 'transfer_pending'"
    )


def test_the_python_adapter_shows_the_planted_mistake() -> None:
    _check_planted_mistake_only(_failures(PythonSystem(make_answer(FakeRegistry()))))


def test_the_http_adapter_shows_the_same_mistake() -> None:
    server, url = start_in_thread(FakeRegistry())
    try:
        _check_planted_mistake_only(_failures(HttpSystem(url)))
    finally:
        server.shutdown()


@pytest.mark.parametrize("via", ["python", "http"])
def test_without_the_mistake_the_system_conforms(via: str) -> None:
    fixed = FakeRegistry(planted_mistake=False)
    if via == "python":
        assert _failures(PythonSystem(make_answer(fixed))) == {}
        return
    server, url = start_in_thread(fixed)
    try:
        assert _failures(HttpSystem(url)) == {}
    finally:
        server.shutdown()
