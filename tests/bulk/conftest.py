"""Inputs for the bulk tests: every scenario of the bundled packs, a seeded population, bad pairs."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest

from xueji_rules import Engine
from xueji_rules.testing.scenarios import load_scenarios

ROOT = Path(__file__).resolve().parents[2]
Pair = tuple[dict[str, Any], dict[str, Any]]


def scenario_pairs(pack: str) -> list[Pair]:
    """The (record, request) of every scenario file of a bundled pack, in file order."""
    pairs: list[Pair] = []
    for path in sorted((ROOT / "rulepacks" / pack / "tests").glob("*.yaml")):
        pairs += [(s.record, s.request) for s in load_scenarios(path)]
    return pairs


def damaged(pairs: list[Pair], seed: int, count: int) -> list[Pair]:
    """Seeded variants of ``pairs``: fields dropped or changed, unknown ids, dates out of range."""
    rng = random.Random(seed)
    out: list[Pair] = []
    for _ in range(count):
        record, request = copy.deepcopy(rng.choice(pairs))
        kind = rng.randrange(6)
        if kind == 0:
            record.pop(rng.choice(sorted(record)))
        elif kind == 1:
            request["transition"] = rng.choice(["transfer", "nope", "withdraw", ""])
        elif kind == 2:
            request["date"] = rng.choice(["1999-01-01", "2026-02-30", "2026-13-01", "soon"])
        elif kind == 3:
            record["status"] = rng.choice(["enrolled", "enroled", "suspended", 7])
        elif kind == 4:
            record["grade"] = rng.choice([-1, 3, 99, "3"])
        else:
            request["date"] = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append((record, request))
    return out


@pytest.fixture(scope="session")
def shanxi() -> Engine:
    return Engine("shanxi")


@pytest.fixture(scope="session")
def national() -> Engine:
    return Engine("national")


def outcome_of(item: Any) -> Any:
    """A comparable form of a decision or an error: its JSON, or its class, text and location."""
    if isinstance(item, Exception):
        return (type(item).__name__, str(item), getattr(item, "location", None))
    return item.to_json()
