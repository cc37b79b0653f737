"""``Engine.decide_many``: (record, request) pairs, in process or in worker processes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from xueji_rules.bulk._errors import PortableError, portable, restore
from xueji_rules.bulk._pool import ordered_map
from xueji_rules.bulk._transport import dumps, loads
from xueji_rules.bulk._worker import recipe_of, worker_engine
from xueji_rules.errors import InputError, Location, XuejiRulesError

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = ["check_count", "decide_pairs"]

Pair = tuple[Mapping[str, Any], Mapping[str, Any]]


def check_count(name: str, value: object) -> int:
    """``value`` if it is a whole number of at least 1, else :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be a whole number of at least 1, not {value!r}", Location())
    return value


def decide_pairs(
    engine: Engine, pairs: Iterable[Pair], *, jobs: int = 1, chunk_size: int = 256
) -> Iterator[Decision | XuejiRulesError]:
    """Decide every pair in order; a bad pair yields its error in its place (``decide_many``)."""
    check_count("jobs", jobs)
    check_count("chunk_size", chunk_size)
    if jobs == 1:
        return _in_process(engine, pairs)
    return _in_workers(engine, pairs, jobs, chunk_size)


def _decide_item(engine: Engine, item: Any) -> Decision:
    """``engine.decide`` of one item of ``decide_many``; an item that is not a (record,
    request) pair is an :class:`InputError` of its own, in its place (never the end of the run)."""
    if isinstance(item, Sequence) and not isinstance(item, str | bytes) and len(item) == 2:
        return engine.decide(item[0], item[1])
    raise InputError(
        f"each item must be a (record, request) pair, not {type(item).__name__}"
        + (f" of {len(item)}" if isinstance(item, tuple | list) else ""),
        Location(),
    )


def _in_process(engine: Engine, pairs: Iterable[Pair]) -> Iterator[Decision | XuejiRulesError]:
    for item in pairs:
        try:
            yield _decide_item(engine, item)
        except XuejiRulesError as exc:
            yield exc


def _chunks(pairs: Iterable[Pair], size: int) -> Iterator[list[Pair]]:
    it = iter(pairs)
    while chunk := list(islice(it, size)):
        yield chunk


def decide_chunk(chunk: list[Pair]) -> bytes:
    """Worker task: decide a chunk with the process's engine; errors in portable form.

    The list of decisions and portable errors comes back pickled by :mod:`._transport`.
    """
    engine = worker_engine()
    out: list[Decision | PortableError] = []
    for item in chunk:
        try:
            out.append(_decide_item(engine, item))
        except XuejiRulesError as exc:
            out.append(portable(exc))
    return dumps(out)


def _in_workers(
    engine: Engine, pairs: Iterable[Pair], jobs: int, chunk_size: int
) -> Iterator[Decision | XuejiRulesError]:
    for data in ordered_map(
        decide_chunk, _chunks(pairs, chunk_size), recipe_of(engine), jobs, engine
    ):
        for item in loads(data):
            yield restore(item) if isinstance(item, PortableError) else item
