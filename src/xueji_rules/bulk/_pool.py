"""Ordered, bounded fan-out of chunks to worker processes.

The parent pulls chunks from its (possibly unbounded) iterator only while fewer than
``2 * jobs + 2`` are in flight, and yields results in submission order: memory stays bounded
and the output order is the input order whatever the number of workers.

Start method: the one the program chose (``multiprocessing.set_start_method``), else ``fork``
where the platform has it (workers start in milliseconds and inherit the imported modules),
else ``spawn``. Each worker builds its engine once, in the pool initializer.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, TypeVar

from xueji_rules.bulk._errors import restore
from xueji_rules.bulk._worker import EngineRecipe, WorkerFailed, init_worker, set_inherited
from xueji_rules.errors import EvaluationError

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = ["in_flight_limit", "ordered_map", "pool_start_method"]

T = TypeVar("T")
R = TypeVar("R")


def in_flight_limit(jobs: int) -> int:
    """How many chunks may be submitted and not yet taken back."""
    return 2 * jobs + 2


def _context() -> multiprocessing.context.BaseContext:
    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen is None:
        chosen = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(chosen)


def pool_start_method() -> str:
    """How :func:`ordered_map` starts its workers (``fork``, ``spawn``, ``forkserver``)."""
    return _context().get_start_method()


def ordered_map(
    task: Callable[[T], R],
    chunks: Iterable[T],
    recipe: EngineRecipe,
    jobs: int,
    engine: Engine | None = None,
) -> Generator[R, None, None]:
    """``task(chunk)`` for every chunk in ``jobs`` worker processes, results in input order.

    ``task`` must be a module-level function (it is pickled by reference) that gets its engine
    from :func:`~xueji_rules.bulk._worker.worker_engine`. When a worker cannot build its engine
    the error it raised is raised here; a worker that dies raises
    :class:`~xueji_rules.errors.EvaluationError`. ``engine``, built from ``recipe``, is handed
    to workers started by ``fork`` instead of being built again.
    """
    context = _context()
    set_inherited(recipe, engine if context.get_start_method() == "fork" else None)
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=init_worker, initargs=(recipe,)
    )
    window: deque[Future[R]] = deque()
    limit = in_flight_limit(jobs)
    try:
        for chunk in chunks:
            window.append(_submit(pool, task, chunk))
            if len(window) >= limit:
                yield _result(window.popleft())
        while window:
            yield _result(window.popleft())
    finally:
        for future in window:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        set_inherited(recipe, None)


_STOPPED = (
    "a worker process stopped unexpectedly (killed, or out of memory?); "
    "rerun with fewer jobs or a smaller chunk size"
)


def _submit(pool: ProcessPoolExecutor, task: Callable[[T], R], chunk: T) -> Future[R]:
    try:
        return pool.submit(task, chunk)
    except BrokenProcessPool:  # a worker died before its result was asked for
        raise EvaluationError(_STOPPED) from None


def _result(future: Future[R]) -> R:
    try:
        return future.result()
    except WorkerFailed as exc:
        raise restore(exc.box) from None
    except BrokenProcessPool:
        raise EvaluationError(_STOPPED) from None
