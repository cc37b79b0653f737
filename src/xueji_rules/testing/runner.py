"""Run scenario files and report pass/fail per scenario with the differences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from xueji_rules.errors import InputError, Location
from xueji_rules.testing.scenarios import ScenarioResult, load_scenarios, pack_of_file, run_scenario

__all__ = ["collect_files", "run_files", "run_paths"]


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


def run_files(files: Iterable[Path], pack: str | None = None) -> list[ScenarioResult]:
    """Load and run every scenario of ``files``; engines are built once per pack."""
    from xueji_rules.engine import Engine

    engines: dict[str, Engine] = {}
    results: list[ScenarioResult] = []
    for file in files:
        scenarios = load_scenarios(file)
        for scenario in scenarios:
            ref = pack_of_file(file) or scenario.pack or pack
            if ref is None:
                raise InputError(
                    "cannot tell which pack to run this file against: use --pack or a 'pack:' key",
                    Location(file=str(file)),
                )
            if ref not in engines:
                engines[ref] = Engine(ref)
            results.append(run_scenario(engines[ref], scenario))
    return results


def run_paths(paths: Sequence[str], pack: str | None, out: TextIO, verbose: bool = False) -> int:
    """The ``xueji-rules test`` command: 0 when every scenario passes, 1 otherwise."""
    results = run_files(collect_files(paths), pack)
    failed = [r for r in results if not r.passed]
    for result in results:
        s = result.scenario
        if result.passed and not verbose:
            continue
        out.write(f"{'PASS' if result.passed else 'FAIL'} {s.file}:{s.line} {s.name}\n")
        for line in result.differences:
            out.write(f"    {line}\n")
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    return 1 if failed else 0
