"""Running scenarios against a system: one scenario, a suite, the ``conform`` command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from xueji_rules.errors import XuejiRulesError
from xueji_rules.testing.conform._compare import (
    Citer,
    Difference,
    check_answer,
    compare,
    from_decision_form,
)
from xueji_rules.testing.conform._systems import System, SystemFailure, SystemUnreachable
from xueji_rules.testing.scenarios import Scenario

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = [
    "ConformResult",
    "Status",
    "conform_scenario",
    "conform_suite",
    "render_result",
    "run_conform",
]

Status = Literal["passed", "failed", "not_answered", "error"]


@dataclass(frozen=True, slots=True)
class ConformResult:
    """A scenario run against the system: passed, failed, not answered, or an error."""

    scenario: Scenario
    status: Status
    differences: tuple[Difference, ...] = ()
    compared: tuple[str, ...] = ()
    answer: Mapping[str, Any] | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True unless the system differed or failed (a scenario it does not answer passes)."""
        return self.status in ("passed", "not_answered")


def _jsonable(value: Any) -> Any:
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    )


def conform_scenario(
    system: System,
    scenario: Scenario,
    engine: Engine | None = None,
    *,
    unreachable_raises: bool = False,
) -> ConformResult:
    """Ask ``system`` about the scenario and compare its answer with the expectation.

    ``engine`` (the scenario's pack) is used only to name the articles behind a difference.
    """
    record, request = _jsonable(scenario.record), _jsonable(scenario.request)
    try:
        answer = system.answer(record, request)
        if not isinstance(answer, Mapping):
            raise SystemFailure(f"the adapter returned {type(answer).__name__}, not a mapping")
        answer = from_decision_form(answer)
        check_answer(answer)
    except SystemUnreachable as exc:
        if unreachable_raises:
            raise
        return ConformResult(scenario, "error", error=str(exc))
    except SystemFailure as exc:
        return ConformResult(scenario, "error", error=str(exc))
    decision = None
    if engine is not None:
        try:
            decision = engine.decide(scenario.record, scenario.request)
        except XuejiRulesError:
            decision = None
    diffs, compared = compare(scenario, answer, Citer(engine, scenario, decision))
    if not compared:
        return ConformResult(scenario, "not_answered", answer=answer)
    status: Status = "failed" if diffs else "passed"
    return ConformResult(scenario, status, tuple(diffs), tuple(compared), answer)


def render_result(result: ConformResult) -> str:
    """The report of one scenario: where it is, then every difference with its articles."""
    s = result.scenario
    head = f"scenario {s.name!r} ({s.file}:{s.line})"
    if result.status == "error":
        return f"{head}\n  the system failed: {result.error}"
    lines = [head, f"  compared: {', '.join(result.compared) or 'nothing'}", "  differences:"]
    lines.extend(f"    - {d.render()}" for d in result.differences)
    return "\n".join(lines)


def conform_suite(
    files: Iterable[Path], system: System, pack: str | None = None
) -> list[ConformResult]:
    """Every scenario of ``files`` against ``system`` (one engine per pack, for citations)."""
    from xueji_rules.engine import Engine
    from xueji_rules.testing.scenarios import files_with_packs

    engines: dict[str, Engine] = {}
    results: list[ConformResult] = []
    for _, pack_dir, scenarios in files_with_packs(files, pack):
        if pack_dir not in engines:
            engines[pack_dir] = Engine(Path(pack_dir))
        for scenario in scenarios:
            # an endpoint nobody listens on is bad input, said once, not once per scenario
            first = not results
            results.append(
                conform_scenario(system, scenario, engines[pack_dir], unreachable_raises=first)
            )
    return results


def run_conform(
    paths: Sequence[str], system: System, pack: str | None, out: TextIO, verbose: bool = False
) -> int:
    """The ``xueji-rules conform`` command: 0 when the system agrees wherever it answers.

    1 when it differs or fails on any scenario, or answers none of them.
    """
    from xueji_rules.testing.runner import collect_files

    results = conform_suite(collect_files(paths), system, pack)
    counts = {"passed": 0, "failed": 0, "not_answered": 0, "error": 0}
    for result in results:
        counts[result.status] += 1
        s = result.scenario
        if result.status in ("failed", "error"):
            out.write(
                f"{'FAIL' if result.status == 'failed' else 'ERROR'} {s.file}:{s.line} {s.name}\n"
            )
            if result.error:
                out.write(f"    the system failed: {result.error}\n")
            for diff in result.differences:
                out.write(f"    {diff.render()}\n")
        elif verbose:
            word = "PASS" if result.status == "passed" else "SKIP (not answered)"
            out.write(f"{word} {s.file}:{s.line} {s.name}\n")
    out.write(
        f"{counts['passed']} passed, {counts['failed'] + counts['error']} failed, "
        f"{counts['not_answered']} not answered by the system\n"
    )
    if counts["failed"] or counts["error"]:
        return 1
    if not counts["passed"]:
        out.write("FAIL: the system answered none of the scenarios (check the adapter)\n")
        return 1
    return 0
