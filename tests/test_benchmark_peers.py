"""The peers of ``benchmarks/bench_decide.py`` answer what the hand-written function answers.

A benchmark that compares speeds is only worth reading if the contenders decide the same thing:
the engine's outcome, zen-engine's boolean and the Rego policy's outcome with its failed rule ids
must match the hand-written function on the benchmark's own seeded inputs. (The benchmark checks
the same before it times anything; this keeps the peers honest between benchmark runs.)
"""

from __future__ import annotations

from types import ModuleType

import pytest

from xueji_rules import Engine

from ._bench_scripts import load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("bench_decide")


def test_the_engine_and_the_hand_written_function_agree(bench: ModuleType) -> None:
    engine = Engine("shanxi")
    pairs = bench.population(2000)
    outcomes = {o for o in (bench.hand_written(r, q)[0] for r, q in pairs)}
    assert outcomes >= {"denied", "denied_by_default", "needs_approval"}  # the inputs vary
    for record, request in pairs:
        assert engine.decide(record, request).outcome == bench.hand_written(record, request)[0]


def test_the_rego_policy_returns_the_same_failed_conditions(bench: ModuleType) -> None:
    pytest.importorskip("regopy", reason="the Rego peer needs regopy: pip install -e '.[bench]'")
    rego = bench.rego_transfer()
    assert rego is not None
    pairs = bench.population(600)
    failed = set()
    for record, request in pairs:
        expected = bench.hand_written(record, request)
        assert rego(record, request) == expected, record["id"]
        failed.update(expected[1])
    assert len(failed) >= 8  # most conditions fail somewhere in the sample


def test_zen_engine_allows_what_the_hand_written_function_allows(bench: ModuleType) -> None:
    zen = pytest.importorskip("zen", reason="the zen-engine peer: pip install -e '.[bench]'")
    compiled = zen.compile_expression(bench.ZEN_EXPRESSION)
    for record, request in bench.population(2000):
        allowed = bench.hand_written(record, request)[0] in ("allowed", "needs_approval")
        assert compiled.evaluate(bench.zen_context(record, request)) is allowed
