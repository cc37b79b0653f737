"""Deciding off the event loop, in a bounded pool, with a deadline per request.

How the deadline is enforced (docs/service.md, "Limits"): the work goes to a
``ThreadPoolExecutor`` of fixed size and the request waits for it at most ``timeout`` seconds.
If the work has not started by then it is cancelled and the answer is 503 (``overloaded``); if
it has started the answer is 504 (``deadline-exceeded``). A Python thread cannot be stopped from
outside, so work that already runs finishes in the background and its result is dropped; the
pool's size bounds how many such runs can exist at once, and each run is itself bounded (a
decision's expressions have a cost limit checked at run time). More than ``max_pending``
requests waiting at once get 503 at once, without queueing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

from xueji_rules.service.problems import HttpProblem

__all__ = ["DeadlineExecutor"]

T = TypeVar("T")


class DeadlineExecutor:
    """A fixed pool of threads; :meth:`run` awaits one call with a deadline."""

    def __init__(self, threads: int, max_pending: int) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="xueji-decide"
        )
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Calls submitted and not yet answered."""
        return self._pending

    async def run(self, fn: Callable[[], T], timeout: float) -> T:
        """Run ``fn`` in the pool; raise 503/504 problems when ``timeout`` seconds pass."""
        with self._lock:
            if self._pending >= self._max_pending:
                raise HttpProblem(
                    "overloaded",
                    f"{self._pending} requests are already waiting (limit {self._max_pending})",
                    headers=(("Retry-After", "1"),),
                )
            self._pending += 1
        started = threading.Event()

        def call() -> T:
            started.set()
            return fn()

        future = self._pool.submit(call)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
        except TimeoutError:
            if future.cancel() or not started.is_set():
                raise HttpProblem(
                    "overloaded",
                    f"the work did not start within the {timeout:g} s deadline",
                    headers=(("Retry-After", "1"),),
                ) from None
            raise HttpProblem(
                "deadline-exceeded", f"the work did not finish within the {timeout:g} s deadline"
            ) from None
        finally:
            with self._lock:
                self._pending -= 1

    def shutdown(self) -> None:
        """Stop taking work; queued calls are cancelled, running ones finish."""
        self._pool.shutdown(wait=False, cancel_futures=True)
