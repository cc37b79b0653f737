"""pytest plugin: collect scenario files and run each scenario as a test.

Registered through the ``pytest11`` entry point, so installing xueji-rules is enough. It is
import-light: importing it loads neither the engine nor PyYAML nor jsonschema; they are imported
inside the hooks, and only when a scenario file is actually collected.

Configuration (``pytest.ini``, ``pyproject.toml`` ``[tool.pytest.ini_options]``, ...):

``xueji_scenarios``
    glob patterns, relative to the ini file's directory (or the rootdir), of the scenario files
    to collect, e.g. ``scenarios/*.yaml``. Default: none, so unrelated YAML is never grabbed.
``xueji_pack``
    the pack to run scenario files against when they are neither inside a pack's ``tests/``
    directory nor name a ``pack:`` themselves: a bundled name (``shanxi``, always the bundled
    pack) or a path, taken from the ini file's directory (``./packs/x``).

A scenario file's own ``pack:`` key is a bundled name or a path taken from the scenario file's
directory, exactly as ``xueji-rules test`` reads it.
``xueji_bundled``
    ``true`` to also collect the scenarios shipped with the bundled packs.
``xueji_system`` / ``--xueji-system=module:callable``, ``xueji_endpoint`` / ``--xueji-endpoint=URL``
    run the scenarios against a registry system (a Python adapter or an HTTP endpoint) instead
    of the engine: see :mod:`xueji_rules.testing.conform` and docs/conformance.md.

Each scenario becomes a test item named after the scenario and the articles it covers, e.g.
``学期初第10天申请转学 [晋教〔2026〕1号 第十六条]``. A failure shows every difference between the
expected and the actual decision, then both side by side in compact form.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine
    from xueji_rules.packs.model import Pack
    from xueji_rules.testing.conform import System
    from xueji_rules.testing.scenarios import Scenario, ScenarioResult

__all__ = ["ScenarioFailure", "ScenarioFile", "ScenarioItem"]

_INI_GLOBS = "xueji_scenarios"
_INI_PACK = "xueji_pack"
_INI_BUNDLED = "xueji_bundled"
_INI_SYSTEM = "xueji_system"
_INI_ENDPOINT = "xueji_endpoint"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ini options of the plugin."""
    parser.addini(
        _INI_GLOBS,
        type="args",
        default=[],
        help="xueji-rules: glob patterns (relative to the ini file) of scenario YAML files",
    )
    parser.addini(
        _INI_PACK,
        type="string",
        default="",
        help="xueji-rules: pack for scenario files outside a pack directory",
    )
    parser.addini(
        _INI_BUNDLED,
        type="bool",
        default=False,
        help="xueji-rules: also collect the scenarios of the bundled packs",
    )
    _add_conform_options(parser)


def _add_conform_options(parser: pytest.Parser) -> None:
    """The options that point the scenarios at a system under test (conformance mode)."""
    group = parser.getgroup("xueji-rules", "xueji-rules scenarios")
    group.addoption(
        "--xueji-system",
        metavar="MODULE:CALLABLE",
        default=None,
        help="run the scenarios against this Python adapter instead of the engine",
    )
    group.addoption(
        "--xueji-endpoint",
        metavar="URL",
        default=None,
        help="run the scenarios against this HTTP endpoint instead of the engine",
    )
    parser.addini(
        _INI_SYSTEM, type="string", default="", help="xueji-rules: adapter module:callable"
    )
    parser.addini(
        _INI_ENDPOINT, type="string", default="", help="xueji-rules: adapter endpoint URL"
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``xueji`` marker that every scenario item carries."""
    config.addinivalue_line("markers", "xueji: a xueji-rules scenario (from a scenario file)")


def _base_dir(config: pytest.Config) -> Path:
    return config.inipath.parent if config.inipath is not None else config.rootpath


def _matches(config: pytest.Config, file_path: Path) -> bool:
    patterns: list[str] = config.getini(_INI_GLOBS)
    if not patterns or file_path.suffix not in (".yaml", ".yml"):
        return False
    base = _base_dir(config)
    try:
        rel = file_path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        rel = file_path.as_posix()
    return any(
        fnmatch.fnmatchcase(rel, p) or Path(rel).match(p) or file_path.match(p) for p in patterns
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    """Collect a YAML file that matches one of the ``xueji_scenarios`` globs."""
    if _matches(parent.config, file_path):
        collector: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
        return collector
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """With ``xueji_bundled = true``, add the bundled packs' scenarios (before ``-k`` selects)."""
    if not config.getini(_INI_BUNDLED):
        return
    from xueji_rules.packs.loader import bundled_packs, resolve_pack_dir
    from xueji_rules.testing.runner import pack_tests

    seen = {item.path.resolve() for item in items if isinstance(item, ScenarioItem)}
    for name in bundled_packs():
        for path in pack_tests(resolve_pack_dir(name)):
            if path.resolve() in seen:
                continue
            collector = ScenarioFile.from_parent(
                session, path=path, nodeid=f"xueji:{name}/tests/{path.name}"
            )
            report = collector.ihook.pytest_make_collect_report(collector=collector)
            if report.failed:
                collector.ihook.pytest_collectreport(report=report)
                session.testsfailed += 1
                continue
            items.extend(x for x in report.result if isinstance(x, pytest.Item))


# -- the per-session cache of packs and engines -----------------------------------------------


class _Packs:
    """Packs and engines built once per session, keyed by the pack directory."""

    def __init__(self) -> None:
        self._packs: dict[str, Pack | BaseException] = {}
        self._engines: dict[str, Engine | BaseException] = {}

    def pack(self, pack_dir: str) -> Pack:
        if pack_dir not in self._packs:
            from xueji_rules.packs.loader import load_pack

            try:
                self._packs[pack_dir] = load_pack(pack_dir)
            except Exception as exc:  # remembered, re-raised for every scenario of the pack
                self._packs[pack_dir] = exc
        value = self._packs[pack_dir]
        if isinstance(value, BaseException):
            raise value
        return value

    def engine(self, pack_dir: str) -> Engine:
        if pack_dir not in self._engines:
            from xueji_rules.engine import Engine

            try:
                self._engines[pack_dir] = Engine(self.pack(pack_dir))
            except Exception as exc:
                self._engines[pack_dir] = exc
        value = self._engines[pack_dir]
        if isinstance(value, BaseException):
            raise value
        return value


_CACHE = pytest.StashKey[_Packs]()


def _cache(config: pytest.Config) -> _Packs:
    cache = config.stash.get(_CACHE, None)
    if cache is None:
        cache = config.stash[_CACHE] = _Packs()
    return cache


def _resolve_pack(config: pytest.Config, file: Path, declared: str | None) -> str | None:
    """The pack directory for a scenario file: its pack, its ``pack:`` key, or ``xueji_pack``."""
    from xueji_rules.packs.loader import resolve_pack_dir
    from xueji_rules.testing.scenarios import pack_of_file, scenario_pack_dir

    if pack_of_file(file) is None and not declared:
        configured: str = config.getini(_INI_PACK)
        if configured:
            return str(resolve_pack_dir(configured, relative_to=_base_dir(config)))
    return scenario_pack_dir(file, declared)


# -- collection --------------------------------------------------------------------------------


class ScenarioFile(pytest.File):
    """A scenario YAML file; each of its scenarios is a :class:`ScenarioItem`."""

    def collect(self) -> Iterator[ScenarioItem]:
        """Read the file (schema-checked) and yield one item per scenario."""
        from xueji_rules.testing.scenarios import load_scenarios

        scenarios = load_scenarios(self.path)
        names: dict[str, int] = {}
        for s in scenarios:
            names[s.name] = names.get(s.name, 0) + 1
        for scenario in scenarios:
            pack_dir = _resolve_pack(self.config, self.path, scenario.pack)
            label = _item_name(self.config, scenario, pack_dir, names[scenario.name] > 1)
            yield ScenarioItem.from_parent(self, name=label, scenario=scenario, pack_dir=pack_dir)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        """A pack or scenario error is shown as its located message, without a traceback."""
        from xueji_rules.errors import XuejiRulesError

        if isinstance(excinfo.value, XuejiRulesError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


def _item_name(
    config: pytest.Config, scenario: Scenario, pack_dir: str | None, duplicate: bool
) -> str:
    citations: list[str] = []
    if scenario.covers and pack_dir is not None:
        try:
            pack = _cache(config).pack(pack_dir)
        except Exception:
            pack = None
        for rule_id in scenario.covers:
            text = rule_id
            if pack is not None:
                with contextlib.suppress(KeyError):
                    text = pack.rule(rule_id).citation.render()
            if text not in citations:
                citations.append(text)
    from xueji_rules._safeio import escape_controls

    name = escape_controls(scenario.name).replace("::", ":").replace("\n", "\\n")
    if duplicate:
        name += f" @L{scenario.line}"
    return f"{name} [{'; '.join(citations)}]" if citations else name


class ScenarioFailure(Exception):
    """A scenario's decision differs from its expectation (carries the readable report)."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


class ScenarioItem(pytest.Item):
    """One scenario, decided by the engine of its pack (one engine per pack per session)."""

    def __init__(self, *, scenario: Scenario, pack_dir: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.pack_dir = pack_dir
        self.add_marker("xueji")

    def runtest(self) -> None:
        """Decide the scenario and raise :class:`ScenarioFailure` on any difference."""
        from xueji_rules.testing.scenarios import run_scenario

        system = _system_under_test(self.config)
        if system is not None:
            self._run_against(system)
            return
        if self.pack_dir is None:
            raise ScenarioFailure(
                f"{self.scenario.file}: cannot tell which pack to run this file against: set "
                f"'xueji_pack' in the pytest configuration or add a 'pack:' key to the file"
            )
        cache = _cache(self.config)
        pack = cache.pack(self.pack_dir)
        unknown = [r for r in self.scenario.covers if r not in {x.id for x in pack.rules}]
        engine = cache.engine(self.pack_dir)
        result = run_scenario(engine, self.scenario)
        if unknown:
            extra = (
                f"covers names rule(s) that pack '{pack.id}' does not have: {', '.join(unknown)}"
            )
            result = _with_difference(result, extra)
        if not result.passed:
            raise ScenarioFailure(failure_report(result, pack.id, self._display_path()))

    def _run_against(self, system: System) -> None:
        """Conformance mode: ask the system, compare what it answers, cite the articles."""
        from xueji_rules.testing.conform import conform_scenario, render_result

        engine = _cache(self.config).engine(self.pack_dir) if self.pack_dir is not None else None
        result = conform_scenario(system, self.scenario, engine)
        if result.status == "not_answered":
            pytest.skip("the system under test does not answer this request")
        if not result.passed:
            raise ScenarioFailure(render_result(result))

    def _display_path(self) -> str:
        try:
            return self.path.relative_to(self.config.rootpath).as_posix()
        except ValueError:
            return str(self.path)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        """The readable diff for a failing scenario; a located message for a pack error."""
        from xueji_rules.errors import XuejiRulesError

        if isinstance(excinfo.value, ScenarioFailure):
            return excinfo.value.report
        if isinstance(excinfo.value, XuejiRulesError):
            return (
                f"{self.scenario.file}:{self.scenario.line}: {self.scenario.name}\n{excinfo.value}"
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        """File, 0-based line and a label for test reports."""
        return self.path, max(self.scenario.line - 1, 0), f"scenario: {self.scenario.name}"


_SYSTEM = pytest.StashKey["System | None"]()


def _system_under_test(config: pytest.Config) -> System | None:
    """The adapter named by ``--xueji-system``/``--xueji-endpoint`` (or the ini), once a session."""
    if _SYSTEM in config.stash:
        return config.stash[_SYSTEM]
    spec = config.getoption("--xueji-system")
    endpoint = config.getoption("--xueji-endpoint")
    if not spec and not endpoint:  # the command line wins over the ini file
        spec = config.getini(_INI_SYSTEM) or None
        endpoint = config.getini(_INI_ENDPOINT) or None
    system = None
    if spec or endpoint:
        from xueji_rules.testing.conform import system_from_spec

        system = system_from_spec(spec, endpoint)
    config.stash[_SYSTEM] = system
    return system


def _with_difference(result: ScenarioResult, line: str) -> ScenarioResult:
    import dataclasses

    return dataclasses.replace(result, passed=False, differences=(*result.differences, line))


def failure_report(result: ScenarioResult, pack_id: str, file: str | None = None) -> str:
    """The text shown for a failing scenario: the differences, then expected vs actual."""
    from xueji_rules._safeio import escape_controls

    s = result.scenario
    lines = [
        f"scenario {escape_controls(repr(s.name))} ({file or s.file}:{s.line}) "
        f"against pack '{pack_id}'"
    ]
    if s.covers:
        lines.append(f"covers: {escape_controls(', '.join(s.covers))}")
    lines.append("differences:")
    lines.extend(f"  - {escape_controls(d)}" for d in result.differences)
    lines.append("expected:")
    lines.extend(f"  {x}" for x in expected_block(s.expect))
    lines.append("actual:")
    if result.decision is not None:
        lines.extend(f"  {x}" for x in actual_block(result.decision, s.expect))
    else:
        lines.append(f"  error: {result.error}")
    return "\n".join(lines)


def _yamlish(value: Any) -> str:
    import json

    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def expected_block(expect: dict[str, Any]) -> list[str]:
    """The expectation of a scenario, one ``key: value`` line per expected field."""
    return [f"{key}: {_yamlish(expect[key])}" for key in sorted(expect)]


def actual_block(decision: Decision, expect: dict[str, Any]) -> list[str]:
    """The decision in the same compact form: outcome, status, the rules that matter, and so on.

    Rules shown are the ones the scenario names plus every rule that failed.
    """
    named = set(expect.get("rules", {}))
    rules = {
        r.id: ("passed" if r.passed else f"failed ({r.message.zh})")
        for r in decision.rules
        if r.id in named or not r.passed
    }
    undecided = {rule for m in decision.missing_inputs for rule in m.rules}
    for rule_id in sorted(named - set(rules)):
        rules[rule_id] = "undecided" if rule_id in undecided else "not_applied"
    lines = [
        f"outcome: {decision.outcome}",
        f"next_status: {decision.next_status}",
        f"rules: {_yamlish(dict(sorted(rules.items())))}",
        f"approvals: {_yamlish(sorted({a.body for a in decision.approvals}))}",
        f"missing_documents: {_yamlish(sorted({d.id for d in decision.missing_documents}))}",
        "obligations: "
        + _yamlish(
            {o.id: (o.due.isoformat() if o.due else o.due_status) for o in decision.obligations}
        ),
    ]
    if decision.missing_inputs:
        lines.append(f"missing_inputs: {_yamlish([m.path for m in decision.missing_inputs])}")
    if decision.allowed_transitions is not None:
        lines.append(f"allowed_transitions: {_yamlish(list(decision.allowed_transitions))}")
    if decision.citations:
        lines.append(f"citations: {_yamlish([c.render() for c in decision.citations])}")
    return lines
