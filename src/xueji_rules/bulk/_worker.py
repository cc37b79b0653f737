"""One Engine per worker process, built once from a small picklable recipe.

A recipe holds the pack — a reference (bundled name or directory) or a loaded
:class:`~xueji_rules.packs.model.Pack`, which pickles whole (about 200 kB for Shanxi) so a
worker compiles exactly the pack the caller holds, edits included — and the engine's keyword
options. The pool initializer turns it into the process's engine; a task then calls
:func:`worker_engine`. A worker started by ``fork`` inherits the parent's engine instead of
building its own (the same object, copied with the process), which saves compiling the pack.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xueji_rules.bulk._errors import PortableError, portable
from xueji_rules.errors import XuejiRulesError
from xueji_rules.packs.model import Pack

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = [
    "EngineRecipe",
    "build_engine",
    "init_worker",
    "recipe_of",
    "set_inherited",
    "worker_engine",
]


@dataclass(frozen=True, slots=True)
class EngineRecipe:
    """How to build an engine in another process: the pack and the ``Engine`` keyword options."""

    pack: str | Pack
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, pack: str | os.PathLike[str] | Pack, options: Mapping[str, Any]) -> EngineRecipe:
        """A recipe for ``Engine(pack, **options)``."""
        ref: str | Pack = pack if isinstance(pack, Pack) else os.fspath(pack)
        return cls(ref, tuple(sorted(options.items())))


def recipe_of(engine: Engine) -> EngineRecipe:
    """The recipe that rebuilds ``engine``: its loaded pack and its constructor options."""
    return EngineRecipe.of(engine.pack, engine._options)


def build_engine(recipe: EngineRecipe) -> Engine:
    """``Engine(recipe.pack, **recipe.options)``."""
    from xueji_rules.engine import Engine

    return Engine(recipe.pack, **dict(recipe.options))


_ENGINE: Engine | None = None
_FAILURE: PortableError | None = None
# set by the parent just before it forks its workers: a forked child finds the parent's engine
# here, already built, and uses it instead of compiling the pack again
_INHERITED: tuple[EngineRecipe, Engine] | None = None


def set_inherited(recipe: EngineRecipe, engine: Engine | None) -> None:
    """Offer ``engine`` (built from ``recipe``) to workers forked from now on."""
    global _INHERITED
    _INHERITED = (recipe, engine) if engine is not None else None


def init_worker(recipe: EngineRecipe) -> None:
    """Pool initializer: this process's engine — inherited through ``fork`` or built once."""
    global _ENGINE, _FAILURE
    # Ctrl-C reaches the whole process group: the parent stops the pool; a worker that raised
    # KeyboardInterrupt would only add a traceback per process to the terminal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inherited = _INHERITED
    if inherited is not None and inherited[0] is recipe:  # the same object: a forked child
        _ENGINE = inherited[1]
        return
    try:
        _ENGINE = build_engine(recipe)
    except XuejiRulesError as exc:
        _FAILURE = portable(exc)


class WorkerFailed(Exception):
    """Raised in a task when the process's engine could not be built (carries the error)."""

    def __init__(self, box: PortableError) -> None:
        super().__init__(box.text)
        self.box = box

    def __reduce__(self) -> tuple[Any, ...]:
        return (WorkerFailed, (self.box,))


def worker_engine() -> Engine:
    """The engine :func:`init_worker` built in this process."""
    if _ENGINE is None:
        if _FAILURE is not None:
            raise WorkerFailed(_FAILURE)
        raise RuntimeError("worker_engine() called outside a worker initialised by init_worker")
    return _ENGINE
