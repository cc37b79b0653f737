"""``benchmarks/count_decide.py`` and ``count_audit.py``: their child runs every part, and their
arithmetic and reports hold.

The counting itself needs valgrind and minutes; it is run on demand, not here. What can break
between runs without anyone noticing is a child's set-up (a renamed engine method, a changed
population or snapshot layout) and the parsing of callgrind's totals: both are exercised here.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ._bench_scripts import BENCHMARKS, load_script


@pytest.fixture(scope="module")
def counter() -> ModuleType:
    return load_script("count_decide")


@pytest.fixture(scope="module")
def audit_counter() -> ModuleType:
    return load_script("count_audit")


def test_the_child_runs_every_part(counter: ModuleType) -> None:
    sys.path.insert(0, str(BENCHMARKS))  # the child imports bench_decide by name
    try:
        for part in counter.PARTS:
            counter._inner(part, 7, 40)
    finally:
        sys.path.remove(str(BENCHMARKS))
        gc.unfreeze()  # the child freezes the heap before counting


def test_the_audit_child_runs_every_part(audit_counter: ModuleType, tmp_path: Path) -> None:
    from xueji_rules.audit.synth import SynthConfig, synthesize

    synthesize(tmp_path / "s", SynthConfig(students=60, seed=3))
    try:
        for part in audit_counter.PARTS:
            audit_counter._inner(part, str(tmp_path / "s"), 70, 50)
    finally:
        gc.unfreeze()
        from xueji_rules.audit.context import _CACHE

        _CACHE.clear()  # the general part took the typed decoder off its cached context


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("version: 1\nevents: Ir\nsummary: 123456\n", 123456),
        ("events: Ir\nfn=main\n0 5\ntotals: 987\n", 987),
    ],
)
def test_callgrind_totals_are_read(text: str, total: int) -> None:
    found = load_script("_callgrind").TOTALS.search(text)
    assert found is not None and int(found.group(1)) == total


def test_per_item_takes_the_difference_of_two_runs() -> None:
    per_item = load_script("_callgrind").per_item
    assert per_item(lambda n: 1_000_000 + 250 * n, 100, 500) == 250


def test_the_report_gives_each_part_against_the_hand_written_function(
    counter: ModuleType,
) -> None:
    per = {"full": 74_300.0, "core": 38_100.0, "convert": 36_000.0, "hand": 10_300.0}
    section = counter.render(per, 2_000, 12_000, 20_000)
    assert "| `Engine.decide` (full decision) | 74.3k | 13.9% |" in section
    assert "38.1k | 27.0% |" in section
    assert "divided by 10,000" in section
    assert "rate ÷ hand-written rate (predicted)" in section


def test_the_audit_report_gives_each_part_against_the_general_path(
    audit_counter: ModuleType,
) -> None:
    section = audit_counter.render({"audit": 350_100.0, "general": 408_800.0}, 1_000, 6_000, 5_000)
    assert "| the audit as it runs (`audit_chunk`) | 350.1k | 85.6% |" in section
    assert "408.8k | 100.0% |" in section
    assert "divided by 5,000" in section


@pytest.mark.parametrize("name", ["count_decide", "count_audit"])
def test_a_short_run_not_below_the_long_one_is_refused(name: str, tmp_path: Path) -> None:
    extra = ["--snapshot", str(tmp_path)] if name == "count_audit" else []
    with pytest.raises(SystemExit) as stopped:
        load_script(name).main([*extra, "--short", "500", "--long", "500"])
    assert stopped.value.code == 2
