"""Shared pieces of the fuzz suite: settings, a per-case time bound, engines built once.

Every fuzz test is derandomized (the same examples on every run, no example database) and
bounded: each case runs under :func:`case_deadline`, which interrupts it with
:class:`CaseTimeout` when it has not finished within its bound. The bound is a hang detector,
not a speed assertion: it is tens of times what a case takes on a loaded machine.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

CASE_SECONDS = 10.0


def fuzz_settings(max_examples: int) -> settings:
    """Derandomized, database-free settings; time is bounded by :func:`case_deadline`."""
    return settings(
        derandomize=True,
        database=None,
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


class CaseTimeout(BaseException):
    """A fuzz case ran past its bound (raised from the alarm signal)."""


@contextlib.contextmanager
def case_deadline(seconds: float = CASE_SECONDS) -> Iterator[None]:
    """Interrupt the block with :class:`CaseTimeout` after ``seconds`` (main thread, POSIX)."""

    def expire(signum: int, frame: Any) -> None:
        raise CaseTimeout(f"a fuzz case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def engines() -> dict[str, Any]:
    """One engine per bundled pack."""
    from xueji_rules.engine import Engine
    from xueji_rules.packs.loader import bundled_packs

    return {name: Engine(name) for name in bundled_packs()}
