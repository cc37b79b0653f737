"""Engine.decide_many with worker processes: same results, same order, errors in place."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bulk.conftest import Pair, damaged, outcome_of, scenario_pairs
from xueji_rules import Engine, InputError, PackError
from xueji_rules.authoring.population import generate_population
from xueji_rules.bulk import EngineRecipe, recipe_of
from xueji_rules.bulk._pairs import decide_chunk
from xueji_rules.bulk._pool import in_flight_limit, ordered_map
from xueji_rules.bulk._transport import dumps, loads
from xueji_rules.packs.loader import load_pack


def _compare(engine: Engine, pairs: list[Pair], jobs: int, chunk_size: int = 16) -> None:
    one = [outcome_of(x) for x in engine.decide_many(pairs)]
    many = [outcome_of(x) for x in engine.decide_many(pairs, jobs=jobs, chunk_size=chunk_size)]
    assert len(one) == len(many) == len(pairs)
    for index, (a, b) in enumerate(zip(one, many, strict=True)):
        assert a == b, f"pair {index} differs"


@pytest.mark.parametrize("pack", ["national", "shanxi"])
def test_scenarios_same_with_two_jobs(pack: str, request: pytest.FixtureRequest) -> None:
    engine = request.getfixturevalue(pack)
    pairs = scenario_pairs(pack)
    assert len(pairs) > 100
    _compare(engine, pairs + damaged(pairs, seed=3, count=200), jobs=2)


def test_generated_population_same_with_three_jobs(shanxi: Engine) -> None:
    transitions = sorted(shanxi.pack.lifecycle.transitions)
    pairs = generate_population([shanxi.pack], transitions, size=300, seed=11)
    assert len(pairs) >= 200
    _compare(shanxi, pairs, jobs=3, chunk_size=7)


def test_errors_in_place_with_their_class_and_location(shanxi: Engine) -> None:
    good = scenario_pairs("shanxi")[0]
    bad_record: Pair = ({"id": "x"}, good[1])
    out_of_range: Pair = (good[0], {**good[1], "date": "1990-01-01"})
    results = list(shanxi.decide_many([good, bad_record, good, out_of_range], jobs=2, chunk_size=1))
    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Decision", "InputError", "Decision", "OutsideValidity"]
    assert results[3].location.path == "request.date"  # type: ignore[union-attr]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_item_that_is_not_a_pair_is_an_error_in_its_place(shanxi: Engine, jobs: int) -> None:
    good = scenario_pairs("shanxi")[0]
    items: list[Any] = [good, {"record": good[0], "request": good[1]}, (*good, {}), "ab", good]
    results = list(shanxi.decide_many(items, jobs=jobs, chunk_size=2))
    assert [type(r).__name__ for r in results] == ["Decision", *["InputError"] * 3, "Decision"]
    assert [str(r) for r in results[1:4]] == [
        "each item must be a (record, request) pair, not dict",
        "each item must be a (record, request) pair, not tuple of 3",
        "each item must be a (record, request) pair, not str",
    ]


def test_pack_object_and_options_reach_the_workers(tmp_path: Path) -> None:
    pack = load_pack("shanxi")
    engine = Engine(pack, strict_calendar=True)
    recipe = recipe_of(engine)
    assert recipe.pack is pack
    assert dict(recipe.options) == {
        "calendar_files": (),
        "strict_calendar": True,
        "reveal_personal_data": False,
    }
    pairs = scenario_pairs("shanxi")[:40]
    _compare(engine, pairs, jobs=2, chunk_size=5)


def test_every_engine_option_is_recorded_for_workers(shanxi: Engine) -> None:
    # a new keyword argument of Engine must also reach worker processes
    params = inspect.signature(Engine.__init__).parameters.values()
    options = {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert options == set(shanxi._options)


@pytest.mark.parametrize("jobs", [0, -1, True, 1.5, "2"])
def test_bad_jobs_refused_at_once(shanxi: Engine, jobs: Any) -> None:
    with pytest.raises(InputError, match="jobs must be a whole number"):
        shanxi.decide_many([], jobs=jobs)


def test_bad_chunk_size_refused(shanxi: Engine) -> None:
    with pytest.raises(InputError, match="chunk_size"):
        shanxi.decide_many([], jobs=2, chunk_size=0)


def test_unbounded_input_is_pulled_only_as_far_as_needed(shanxi: Engine) -> None:
    pair = scenario_pairs("shanxi")[0]
    pulled = itertools.count()

    def endless() -> Iterator[Pair]:
        while True:
            next(pulled)
            yield pair

    chunk, jobs = 4, 2
    results = shanxi.decide_many(endless(), jobs=jobs, chunk_size=chunk)
    taken = list(itertools.islice(results, 10))
    results.close()  # type: ignore[attr-defined]
    assert len(taken) == 10
    assert next(pulled) <= 10 + chunk * (in_flight_limit(jobs) + 1)


def test_worker_that_cannot_build_its_engine_raises_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    recipe = EngineRecipe("./np")  # run from tmp_path: a short path the message shows whole
    with pytest.raises(PackError) as info:
        list(ordered_map(decide_chunk, [scenario_pairs("shanxi")[:1]], recipe, jobs=2))
    assert "no pack at" in str(info.value) and "np" in str(info.value)


def test_transport_round_trips_decisions(shanxi: Engine) -> None:
    decisions = [
        d for d in shanxi.decide_many(scenario_pairs("shanxi")[:60]) if not isinstance(d, Exception)
    ]
    again = loads(dumps(decisions))
    assert again == decisions
    assert [d.to_json() for d in again] == [d.to_json() for d in decisions]


def engine_identity(_: object) -> tuple[int, str]:
    """Worker task for the tests: which engine object this worker uses."""
    from xueji_rules.bulk._worker import worker_engine

    engine = worker_engine()
    return id(engine), engine.pack.version


def test_forked_workers_inherit_the_parents_engine(shanxi: Engine) -> None:
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    recipe = recipe_of(shanxi)
    seen = set(ordered_map(engine_identity, range(6), recipe, jobs=2, engine=shanxi))
    assert seen == {(id(shanxi), shanxi.pack.version)}


def test_spawned_workers_build_the_same_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from xueji_rules.bulk import _pool

    monkeypatch.setattr(_pool, "_context", lambda: multiprocessing.get_context("spawn"))
    engine = Engine(load_pack("shanxi"), strict_calendar=True)
    seen = set(ordered_map(engine_identity, range(4), recipe_of(engine), jobs=2, engine=engine))
    assert id(engine) not in {i for i, _ in seen}  # built in the worker, not inherited
    _compare(engine, scenario_pairs("shanxi")[:60], jobs=2, chunk_size=8)
