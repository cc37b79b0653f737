"""Scenario files: records, requests and the decisions the law expects (DESIGN decision 8)."""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xueji_rules._safeio import MAX_INPUT_BYTES, excerpt
from xueji_rules._schemas import iter_problems, validator_for
from xueji_rules._yaml import YamlDocument, load_yaml_file
from xueji_rules.errors import InputError, Location, PackError, Problem, XuejiRulesError

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = [
    "Scenario",
    "ScenarioResult",
    "Suite",
    "compare",
    "files_with_packs",
    "load_scenarios",
    "pack_of_file",
    "run_scenario",
    "scenario_pack_dir",
]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario: a record, a request and what the decision must be."""

    name: str
    file: str
    line: int
    record: dict[str, Any]
    request: dict[str, Any]
    expect: dict[str, Any]
    covers: tuple[str, ...] = ()
    pack: str | None = None

    @property
    def test_id(self) -> str:
        """A short id for test reports: file stem, line and name."""
        return f"{Path(self.file).stem}:{self.line}:{self.name}"


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """The outcome of running one scenario."""

    scenario: Scenario
    passed: bool
    differences: tuple[str, ...] = ()
    decision: Decision | None = None
    error: str | None = None
    rule_results: tuple[tuple[str, bool], ...] = field(default_factory=tuple)


@dataclass
class Suite:
    """The results of a run, with the engine each scenario was decided by.

    ``runs`` pairs each result with the key of its engine in ``engines`` (the pack directory).
    ``base_runs`` are the scenarios of the packs the tested packs extend, run only so that rule
    coverage counts them for the rules a layer inherits (see :mod:`xueji_rules.testing.coverage`).
    """

    runs: list[tuple[str, ScenarioResult]] = field(default_factory=list)
    engines: dict[str, Engine] = field(default_factory=dict)
    base_runs: list[tuple[str, ScenarioResult]] = field(default_factory=list)
    base_engines: dict[str, Engine] = field(default_factory=dict)

    @property
    def results(self) -> list[ScenarioResult]:
        """Every result, in file and scenario order."""
        return [result for _, result in self.runs]


def pack_of_file(path: Path) -> str | None:
    """The pack directory that holds a scenario file (``<pack>/tests/x.yaml``), if any."""
    root = _pack_root_of(path)
    if root is None:
        return None
    try:
        return str(root.resolve())
    except (OSError, RuntimeError):
        return None


def _pack_root_of(path: Path) -> Path | None:
    # the folder the file is listed in, not where a link points: a pack's tests/ entry that links
    # out of the pack is refused when read, not attributed to another pack
    parent = Path(os.path.abspath(path)).parent
    try:
        is_pack = parent.name == "tests" and (parent.parent / "pack.yaml").is_file()
    except (OSError, ValueError):
        return None
    return parent.parent if is_pack else None


def scenario_pack_dir(file: Path, declared: str | None, default: str | None = None) -> str | None:
    """The directory of the pack a scenario file runs against, or ``None`` when nothing says.

    In order: the pack holding the file (``<pack>/tests/``); the file's ``pack:`` key, a bundled
    name or a path taken from the scenario file's folder; ``default`` (e.g. ``--pack``, a
    bundled name or a path from the current directory). The CLI and the pytest plugin both use
    this, so ``pack: ../x`` means the same in both.
    """
    from xueji_rules.packs.loader import resolve_pack_dir

    own = pack_of_file(file)
    if own is not None:
        return own
    if declared:
        return str(
            resolve_pack_dir(declared, relative_to=file.parent, where=Location(file=str(file)))
        )
    if default:
        return str(resolve_pack_dir(default))
    return None


def files_with_packs(
    files: Iterable[Path], default: str | None = None
) -> Iterator[tuple[Path, str, list[Scenario]]]:
    """``(file, pack directory, its scenarios)`` for every scenario file that has scenarios.

    The pack is :func:`scenario_pack_dir`'s; a file whose pack nothing names is an
    :class:`~xueji_rules.errors.InputError` (the runner and the conformance harness alike).
    """
    for file in files:
        scenarios = load_scenarios(file)
        if not scenarios:
            continue
        pack_dir = scenario_pack_dir(file, scenarios[0].pack, default)
        if pack_dir is None:
            raise InputError(
                "cannot tell which pack to run this file against: use --pack or a 'pack:' key",
                Location(file=str(file)),
            )
        yield file, pack_dir, scenarios


class _Edit:
    """Applies a fixture's ``set``/``unset`` paths, reporting a path that does not fit the data."""

    def __init__(self, doc: YamlDocument, path: tuple[Any, ...]) -> None:
        self.doc = doc
        self.path = path

    def fail(self, key: str, dotted: str, message: str) -> PackError:
        return PackError(
            [
                Problem(
                    f"{key} {excerpt(dotted)}: {message}",
                    self.doc.locate((*self.path, key, dotted)),
                )
            ]
        )

    def parent(
        self, out: dict[str, Any], key: str, dotted: str, create: bool
    ) -> tuple[dict[str, Any], str]:
        parts = dotted.split(".")
        if not all(parts):
            raise self.fail(key, dotted, "a path is field names joined by '.', none of them empty")
        target: Any = out
        for depth, part in enumerate(parts[:-1]):
            if not isinstance(target, dict):
                raise self.fail(key, dotted, f"'{'.'.join(parts[:depth])}' is not a mapping")
            if part not in target:
                if not create:
                    raise self.fail(
                        key, dotted, f"the fixture has no field '{'.'.join(parts[: depth + 1])}'"
                    )
                target[part] = {}
            target = target[part]
        if not isinstance(target, dict):
            raise self.fail(key, dotted, f"'{'.'.join(parts[:-1])}' is not a mapping")
        return target, parts[-1]

    def apply(
        self, base: dict[str, Any], changes: Mapping[str, Any], removals: Iterable[str]
    ) -> dict[str, Any]:
        out = copy.deepcopy(base)
        for dotted, value in changes.items():
            target, last = self.parent(out, "set", str(dotted), create=True)
            target[last] = copy.deepcopy(value)
        for dotted in removals:
            target, last = self.parent(out, "unset", dotted, create=False)
            if last not in target:
                raise self.fail("unset", dotted, "the fixture has no such field")
            del target[last]
        return out


def _build_input(
    value: dict[str, Any],
    fixtures: Mapping[str, Any],
    kind: str,
    doc: YamlDocument,
    path: tuple[Any, ...],
) -> dict[str, Any]:
    if "base" not in value:
        return value
    name = value["base"]
    if name not in fixtures:
        known = ", ".join(sorted(fixtures)) or "none"
        raise PackError(
            [
                Problem(
                    f"unknown {kind} fixture '{name}' (known: {known})", doc.locate((*path, "base"))
                )
            ]
        )
    return _Edit(doc, path).apply(fixtures[name], value.get("set", {}), value.get("unset", ()))


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read a scenario file; raise :class:`PackError` naming file and line for any problem."""
    file = Path(path)
    # a file in a pack's tests/ is one of the pack's files: it must lie inside the pack's folder
    doc = load_yaml_file(file, os.fspath(path), max_bytes=MAX_INPUT_BYTES, root=_pack_root_of(file))
    problems = list(iter_problems(validator_for("scenario.schema.json"), doc.data, doc.locate))
    if problems:
        raise PackError(problems)
    data = doc.data
    fixtures = data.get("fixtures", {})
    records, requests = fixtures.get("records", {}), fixtures.get("requests", {})
    pack = data.get("pack")
    out = []
    for i, item in enumerate(data["scenarios"]):
        where = ("scenarios", i)
        line = doc.locate(where).line or 0
        out.append(
            Scenario(
                name=item["name"],
                file=str(path),
                line=line,
                record=_build_input(item["record"], records, "record", doc, (*where, "record")),
                request=_build_input(
                    item["request"], requests, "request", doc, (*where, "request")
                ),
                expect=item["expect"],
                covers=tuple(item.get("covers", ())),
                pack=pack,
            )
        )
    return out


def _fmt(values: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(values)) + "]"


def compare(expect: Mapping[str, Any], decision: Decision) -> list[str]:
    """Every difference between an expectation and a decision, one readable line each."""
    diffs: list[str] = []
    for key in ("outcome", "next_status", "next_stage", "next_grade", "next_school_system"):
        if key in expect and expect[key] != getattr(decision, key):
            diffs.append(f"{key}: expected {expect[key]!r}, got {getattr(decision, key)!r}")
    results = {r.id: r for r in decision.rules}
    undecided = {rule for m in decision.missing_inputs for rule in m.rules}
    for rule_id, state in expect.get("rules", {}).items():
        result = results.get(rule_id)
        if result is None:
            actual = "undecided" if rule_id in undecided else "not_applied"
        else:
            actual = "passed" if result.passed else "failed"
        if actual != state:
            extra = f" ({result.message.zh})" if result is not None and not result.passed else ""
            diffs.append(f"rule {rule_id}: expected {state}, got {actual}{extra}")
    if "approvals" in expect:
        got = {a.body for a in decision.approvals}
        if set(expect["approvals"]) != got:
            diffs.append(f"approvals: expected {_fmt(expect['approvals'])}, got {_fmt(got)}")
    if "missing_documents" in expect:
        got = {d.id for d in decision.missing_documents}
        if set(expect["missing_documents"]) != got:
            diffs.append(
                f"missing_documents: expected {_fmt(expect['missing_documents'])}, got {_fmt(got)}"
            )
    if "missing_inputs" in expect:
        got = {m.path for m in decision.missing_inputs}
        if set(expect["missing_inputs"]) != got:
            diffs.append(
                f"missing_inputs: expected {_fmt(expect['missing_inputs'])}, got {_fmt(got)}"
            )
    if "citations" in expect:
        got = {c.render() for c in decision.citations}
        if set(expect["citations"]) != got:
            diffs.append(f"citations: expected {_fmt(expect['citations'])}, got {_fmt(got)}")
    if "allowed_transitions" in expect:
        got = set(decision.allowed_transitions or ())
        if set(expect["allowed_transitions"]) != got:
            diffs.append(
                f"allowed_transitions: expected {_fmt(expect['allowed_transitions'])}, got {_fmt(got)}"
            )
    obligations = {o.id: o for o in decision.obligations}
    for want in expect.get("obligations", []):
        ob = obligations.get(want["id"])
        if ob is None:
            diffs.append(
                f"obligation {want['id']}: expected, but the decision has {_fmt(obligations)}"
            )
            continue
        if "due" in want:
            due = ob.due.isoformat() if isinstance(ob.due, dt.date) else None
            if want["due"] != due:
                diffs.append(f"obligation {want['id']}: expected due {want['due']}, got {due}")
        for key in ("party", "due_status"):
            if key in want and want[key] != getattr(ob, key):
                diffs.append(
                    f"obligation {want['id']}: expected {key} {want[key]!r}, got {getattr(ob, key)!r}"
                )
    for absent in expect.get("no_obligations", []):
        if absent in obligations:
            diffs.append(f"obligation {absent}: expected absent, but it is in the decision")
    return diffs


def run_scenario(engine: Engine, scenario: Scenario) -> ScenarioResult:
    """Decide the scenario's request and compare it with the expectation."""
    expect = scenario.expect
    try:
        decision = engine.decide(scenario.record, scenario.request)
    except XuejiRulesError as exc:
        wanted = expect.get("error")
        if wanted is not None and wanted in str(exc):
            return ScenarioResult(scenario, True, error=str(exc))
        return ScenarioResult(scenario, False, (f"error: {exc}",), error=str(exc))
    if "error" in expect:
        return ScenarioResult(
            scenario,
            False,
            (
                f"expected an error containing {expect['error']!r}, got outcome {decision.outcome!r}",
            ),
            decision,
        )
    diffs = compare(expect, decision)
    known = {rule.id for rule in engine.pack.rules}
    disabled = {rule_id for rule_id, _ in engine.pack.disabled_rules}
    for rule_id, state in expect.get("rules", {}).items():
        if rule_id in disabled and state == "not_applied":
            continue  # asserting that a layer's disable took effect
        if rule_id not in known:
            why = "disabled by a layer" if rule_id in disabled else "typo?"
            diffs.append(f"rule {rule_id}: no such rule in pack '{engine.pack.id}' ({why})")
    obligation_ids = {o.id for rule in engine.pack.rules for o in rule.obligations}
    named = [o["id"] for o in expect.get("obligations", [])] + list(
        expect.get("no_obligations", [])
    )
    for obligation_id in named:
        if obligation_id not in obligation_ids:
            diffs.append(
                f"obligation {obligation_id}: no rule of pack '{engine.pack.id}' has it (typo?)"
            )
    return ScenarioResult(
        scenario,
        not diffs,
        tuple(diffs),
        decision,
        rule_results=tuple((r.id, r.passed) for r in decision.rules),
    )
