"""Run scenario files and report pass/fail per scenario with the differences.

What ``xueji-rules test PATH…`` runs, per ``PATH`` (``PATH`` is a path, never a pack name):

* nothing named: the scenarios of every bundled pack;
* ``bundled:NAME``: the scenarios of the bundled pack ``NAME``;
* a pack directory (it holds ``pack.yaml``): that pack's ``tests/*.yaml``;
* a directory of packs (some immediate subdirectory holds ``pack.yaml``, e.g. ``rulepacks``):
  the ``tests/*.yaml`` of every such pack;
* any other directory: every ``*.yaml`` under it, as scenario files;
* a file: that scenario file.

Which pack a file runs against is :func:`~xueji_rules.testing.scenarios.scenario_pack_dir`. With
coverage, the scenarios of the packs a tested pack extends are run too, so that the rules a
layer inherits count the base's scenarios.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from xueji_rules._safeio import escape_controls, excerpt
from xueji_rules.errors import InputError, Location
from xueji_rules.packs._resolve import BUNDLED_NAME
from xueji_rules.testing.scenarios import (
    ScenarioResult,
    Suite,
    files_with_packs,
    load_scenarios,
    run_scenario,
)

if TYPE_CHECKING:
    from xueji_rules.engine import Engine

__all__ = ["Suite", "collect_files", "pack_tests", "run_files", "run_paths", "run_suite"]

_BUNDLED = "bundled:"


def pack_tests(pack_dir: Path) -> list[Path]:
    """The scenario files of a pack: ``tests/*.yaml``, sorted, names starting with a dot left out."""
    folder = pack_dir / "tests"
    try:
        names = [
            entry.name
            for entry in os.scandir(folder)
            if not entry.name.startswith(".") and fnmatch.fnmatchcase(entry.name, "*.yaml")
        ]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputError(
            f"cannot list the pack's tests: {exc.strerror}", Location(file=str(folder))
        ) from None
    return [folder / name for name in sorted(names)]


def _is_pack(path: Path) -> bool:
    return (path / "pack.yaml").is_file()


def _packs_in(folder: Path) -> list[Path]:
    try:
        children = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return []
    return [p for p in children if p.is_dir() and _is_pack(p)]


def _files_of(raw: str) -> list[Path]:
    from xueji_rules.packs.loader import resolve_pack_dir

    if raw.startswith(_BUNDLED):
        return pack_tests(resolve_pack_dir(raw))
    if "\0" in raw:
        raise InputError("the path contains a NUL character", Location(file=excerpt(raw)))
    path = Path(raw)
    try:
        if path.is_dir():
            if _is_pack(path):
                return pack_tests(path)
            packs = _packs_in(path)
            if packs:
                return [f for pack in packs for f in pack_tests(pack)]
            return sorted(p for p in path.rglob("*.yaml") if not p.name.startswith("."))
        if path.is_file():
            return [path]
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", Location(file=excerpt(raw))) from None
    where = Location(file=escape_controls(raw))
    if os.path.lexists(path):
        raise InputError(
            "not a scenario file or directory (a regular file or a folder is needed)", where
        )
    hint = ""
    if BUNDLED_NAME.fullmatch(raw):
        hint = f" (for a bundled pack's scenarios write bundled:{raw})"
    raise InputError(f"no such scenario file or directory{hint}", where)


def collect_files(paths: Sequence[str]) -> list[Path]:
    """The scenario files named by ``paths`` (see the module docstring).

    With no paths, every bundled pack's scenario files.
    """
    if not paths:
        from xueji_rules.packs.loader import bundled_packs, resolve_pack_dir

        return [f for name in bundled_packs() for f in pack_tests(resolve_pack_dir(name))]
    return [f for raw in paths for f in _files_of(raw)]


def _engine(engines: dict[str, Engine], pack_dir: str) -> Engine:
    from xueji_rules.engine import Engine

    engine = engines.get(pack_dir)
    if engine is None:
        engine = engines[pack_dir] = Engine(Path(pack_dir))
    return engine


def run_suite(files: Iterable[Path], pack: str | None = None, *, bases: bool = False) -> Suite:
    """Load and run every scenario of ``files``; engines are built once per pack.

    ``pack`` (a bundled name or a path from the current directory) decides files that are
    neither in a pack's ``tests/`` nor say ``pack:``. With ``bases``, the scenarios of every pack
    a tested pack extends (and that is not tested itself) are run into ``suite.base_runs``.
    """
    suite = Suite()
    for _, pack_dir, scenarios in files_with_packs(files, pack):
        engine = _engine(suite.engines, pack_dir)
        suite.runs.extend((pack_dir, run_scenario(engine, s)) for s in scenarios)
    if bases:
        _run_bases(suite)
    return suite


def _run_bases(suite: Suite) -> None:
    tested = {str(Path(e.pack.root)) for e in suite.engines.values()}
    done: set[str] = set()
    for engine in list(suite.engines.values()):
        for base_root in engine.pack.base_roots:
            if base_root in tested or base_root in done:
                continue
            done.add(base_root)
            base = _engine(suite.base_engines, base_root)
            for file in pack_tests(Path(base_root)):
                suite.base_runs.extend(
                    (base_root, run_scenario(base, s)) for s in load_scenarios(file)
                )


def run_files(files: Iterable[Path], pack: str | None = None) -> list[ScenarioResult]:
    """Load and run every scenario of ``files``; engines are built once per pack."""
    return run_suite(files, pack).results


def _report(out: TextIO, result: ScenarioResult) -> None:
    s = result.scenario
    status = "PASS" if result.passed else "FAIL"
    out.write(f"{status} {escape_controls(s.file)}:{s.line} {escape_controls(s.name)}\n")
    for line in result.differences:
        out.write(f"    {escape_controls(line)}\n")


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

    With ``coverage``, the rule-coverage report follows (counting, for a layered pack, the
    scenarios of the packs it extends); ``fail_under`` (a percentage) makes a lower share of
    rules covered on both sides a failure too.
    """
    with_coverage = coverage or fail_under is not None
    suite = run_suite(collect_files(paths), pack, bases=with_coverage)
    results = suite.results
    failed = [r for r in results if not r.passed]
    for result in results:
        if verbose or not result.passed:
            _report(out, result)
    out.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    status = 1 if failed else 0
    if suite.base_runs:
        base_failed = [r for _, r in suite.base_runs if not r.passed]
        names = sorted({suite.base_engines[key].pack.id for key, _ in suite.base_runs})
        for result in base_failed:
            _report(out, result)
        out.write(
            f"+ {len(suite.base_runs)} scenarios of the extended pack(s) {', '.join(names)}, "
            f"for the rules they pass on: {len(suite.base_runs) - len(base_failed)} passed, "
            f"{len(base_failed)} failed\n"
        )
        if base_failed:
            status = 1
    if with_coverage:
        from xueji_rules.testing.coverage import rule_coverage

        report = rule_coverage(suite)
        out.write("\n" + report.render_text())
        if fail_under is not None and report.percent < fail_under:
            out.write(
                f"FAIL: rule coverage {report.percent:.1f}% is below --fail-under {fail_under:g}%\n"
            )
            status = 1
    return status
