"""Scenario files: records, requests and the decisions the law expects (DESIGN decision 8)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xueji_rules._schemas import iter_problems, validator_for
from xueji_rules.errors import PackError, Problem, XuejiRulesError
from xueji_rules.packs._yaml import YamlDocument, load_yaml_file

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = [
    "Scenario",
    "ScenarioResult",
    "compare",
    "load_scenarios",
    "pack_of_file",
    "run_scenario",
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


def pack_of_file(path: Path) -> str | None:
    """The pack directory that holds a scenario file (``<pack>/tests/x.yaml``), if any."""
    parent = path.resolve().parent
    if parent.name == "tests" and (parent.parent / "pack.yaml").is_file():
        return str(parent.parent)
    return None


def _apply(
    base: dict[str, Any], changes: Mapping[str, Any], removals: Iterable[str]
) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for dotted, value in changes.items():
        target = out
        *parents, last = dotted.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = copy.deepcopy(value)
    for dotted in removals:
        target = out
        *parents, last = dotted.split(".")
        for part in parents:
            target = target.get(part, {})
        target.pop(last, None)
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
    return _apply(fixtures[name], value.get("set", {}), value.get("unset", ()))


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Read a scenario file; raise :class:`PackError` naming file and line for any problem."""
    file = Path(path)
    doc = load_yaml_file(file, str(path))
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
