"""Bulk decisions: many requests, in order, in this process or in worker processes.

>>> from xueji_rules import Engine
>>> engine = Engine("shanxi")
>>> decisions = engine.decide_many(pairs, jobs=2)                  # doctest: +SKIP

:meth:`Engine.decide_many <xueji_rules.engine.Engine.decide_many>` and ``xueji-rules decide
--batch`` are built from this package: :func:`run_batch` streams a JSONL file of requests,
:func:`decide_line` is the per-line function (the same in workers, in Spark executors and in
the HTTP service's batch endpoint), :mod:`xueji_rules.bulk.problems` the error shape a bad line
gets (RFC 9457 problem objects, shared with the service), and an :class:`EngineRecipe` is what
a worker process needs to build the same engine once. See ``docs/scale.md``.
"""

from __future__ import annotations

from xueji_rules.bulk._errors import PortableError, error_json, portable, restore
from xueji_rules.bulk._lines import (
    MAX_LINE_BYTES,
    LineResult,
    Oversized,
    decide_line,
    error_line,
    loads_strict,
    parse_line,
)
from xueji_rules.bulk._worker import EngineRecipe, build_engine, recipe_of
from xueji_rules.bulk.batch import BatchSummary, iter_lines, run_batch
from xueji_rules.bulk.problems import LineError, error_problem

__all__ = [
    "MAX_LINE_BYTES",
    "BatchSummary",
    "EngineRecipe",
    "LineError",
    "LineResult",
    "Oversized",
    "PortableError",
    "build_engine",
    "decide_line",
    "error_json",
    "error_line",
    "error_problem",
    "iter_lines",
    "loads_strict",
    "parse_line",
    "portable",
    "recipe_of",
    "restore",
    "run_batch",
]
