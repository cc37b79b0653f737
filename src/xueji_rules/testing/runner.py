"""Run scenario files and report pass/fail per scenario with the differences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xueji_rules.errors import InputError, Location
from xueji_rules.testing.scenarios import (
    Scenario,
    ScenarioResult,
    load_scenarios,
    pack_of_file,
    run_scenario,
)

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = ["Suite", "collect_files", "run_files", "run_paths", "run_suite"]


def collect_files(paths: Sequence[str]) -> list[Path]:
    """Scenario files named by ``paths`` (directories are searched for ``*.yaml``).

    With no paths, every bundled pack's scenario files.
    """
    if not paths:
        from xueji_rules.packs.loader import bundled_packs, resolve_pack_dir

        return [
            f
            for name in bundled_packs()
            for f in sorted((resolve_pack_dir(name) / "tests").glob("*.yaml"))
        ]
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.rglob("*.yaml")))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such scenario file or directory", Location(file=raw))
    return files


@dataclass
class Suite:
    """The results of a run, with the engine each scenario was decided by.

    ``runs`` pairs each result with the key of its engine in ``engines`` (the pack reference).
    """

    runs: list[tuple[str, ScenarioResult]] = field(default_factory=list)
    engines: dict[str, Engine] = field(default_factory=dict)

    @property
    def results(self) -> list[ScenarioResult]:
        """Every result, in file and scenario order."""
        return [result for _, result in self.runs]


def _pack_ref(file: Path, scenario: Scenario, pack: str | None) -> str:
    ref = pack_of_file(file) or scenario.pack or pack
    if ref is None:
        raise InputError(
            "cannot tell which pack to run this file against: use --pack or a 'pack:' key",
            Location(file=str(file)),
        )
    return ref


def run_suite(files: Iterable[Path], pack: str | None = None) -> Suite:
    """Load and run every scenario of ``files``; engines are built once per pack."""
    from xueji_rules.engine import Engine

    suite = Suite()
    for file in files:
        for scenario in load_scenarios(file):
            ref = _pack_ref(file, scenario, pack)
            if ref not in suite.engines:
                suite.engines[ref] = Engine(ref)
            suite.runs.append((ref, run_scenario(suite.engines[ref], scenario)))
    return suite


def run_files(files: Iterable[Path], pack: str | None = None) -> list[ScenarioResult]:
    """Load and run every scenario of ``files``; engines are built once per pack."""
    return run_suite(files, pack).results


def run_paths(
    paths: Sequence[str],
    pack: str | None,
    out: TextIO,
    verbose: bool = False,
    *,
    coverage: bool = False,
    fail_under: float | None = None,
) -> int:
    """The ``xueji-rules test`` command: 0 when every scenario passes, 1 otherwise.

    With ``coverage``, the rule-coverage report follows; ``fail_under`` (a percentage) makes a
    lower share of rules covered on both sides a failure too.
    """
    suite = run_suite(collect_files(paths), pack)
    results = suite.results
    failed = [r for r in results if not r.passed]
    for result in results:
        s = result.scenario
        if result.passed and not verbose:
            continue
        out.write(f"{'PASS' if result.passed else 'FAIL'} {s.file}:{s.line} {s.name}\n")
        for line in result.differences:
            out.write(f"    {line}\n")
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    status = 1 if failed else 0
    if coverage or fail_under is not None:
        from xueji_rules.testing.coverage import rule_coverage

        report = rule_coverage(suite)
        out.write("\n" + report.render_text())
        if fail_under is not None and report.percent < fail_under:
            out.write(
                f"FAIL: rule coverage {report.percent:.1f}% is below --fail-under {fail_under:g}%\n"
            )
            status = 1
    return status
