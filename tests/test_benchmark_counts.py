"""``benchmarks/count_decide.py``: its child runs every part, and its arithmetic and report hold.

The counting itself needs valgrind and minutes; it is run on demand, not here. What can break
between runs without anyone noticing is the child's set-up (a renamed engine method, a changed
population) and the parsing of callgrind's totals: both are exercised here.
"""

from __future__ import annotations

import gc
import sys
from types import ModuleType

import pytest

from ._bench_scripts import BENCHMARKS, load_script


@pytest.fixture(scope="module")
def counter() -> ModuleType:
    return load_script("count_decide")


def test_the_child_runs_every_part(counter: ModuleType) -> None:
    sys.path.insert(0, str(BENCHMARKS))  # the child imports bench_decide by name
    try:
        for part in counter.PARTS:
            counter._inner(part, 7, 40)
    finally:
        sys.path.remove(str(BENCHMARKS))
        gc.unfreeze()  # the child freezes the heap before counting


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("version: 1\nevents: Ir\nsummary: 123456\n", 123456),
        ("events: Ir\nfn=main\n0 5\ntotals: 987\n", 987),
    ],
)
def test_callgrind_totals_are_read(counter: ModuleType, text: str, total: int) -> None:
    found = counter._TOTALS.search(text)
    assert found is not None and int(found.group(1)) == total


def test_the_report_gives_each_part_against_the_hand_written_function(
    counter: ModuleType,
) -> None:
    per = {"full": 74_300.0, "core": 38_100.0, "convert": 36_000.0, "hand": 10_300.0}
    section = counter.render(per, 2_000, 12_000, 20_000)
    assert "| `Engine.decide` (full decision) | 74.3k | 13.9% |" in section
    assert "38.1k | 27.0% |" in section
    assert "divided by 10,000" in section
    assert "rate ÷ hand-written rate (predicted)" in section


def test_a_short_run_not_below_the_long_one_is_refused(counter: ModuleType) -> None:
    with pytest.raises(SystemExit) as stopped:
        counter.main(["--short", "500", "--long", "500"])
    assert stopped.value.code == 2
