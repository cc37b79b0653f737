"""The conformance harness: run scenario files against a registry system instead of the engine.

A team plugs its own system in through an *adapter*: a Python callable ``answer(record,
request) -> dict`` (``--system module:callable``) or an HTTP endpoint that takes
``{"record": …, "request": …}`` as a JSON POST and answers (``--endpoint URL``). The answer
follows ``schemas/conformance-answer.schema.json``: every field is optional, and the harness
compares **only the fields the system answers** with the scenario's expectations (the law's
answer), so a system that computes outcomes but not due dates is judged on outcomes alone. An
empty answer means "this system does not handle this request": the scenario is *not answered*,
neither passed nor failed. Every difference names the articles behind it (the rules the scenario
covers, and the rules, approvals, documents or duties of the engine's own decision that the
difference is about). See docs/conformance.md.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO

from xueji_rules._schemas import iter_problems, validator_for
from xueji_rules.errors import InputError, Location, XuejiRulesError
from xueji_rules.testing.scenarios import Scenario

if TYPE_CHECKING:
    from xueji_rules.engine import Decision, Engine

__all__ = [
    "ConformResult",
    "Difference",
    "HttpSystem",
    "PythonSystem",
    "System",
    "SystemFailure",
    "SystemUnreachable",
    "conform_scenario",
    "conform_suite",
    "render_result",
    "run_conform",
    "system_from_spec",
]

Status = Literal["passed", "failed", "not_answered", "error"]
_SCALARS = ("outcome", "next_status", "next_stage", "next_grade", "next_school_system")
# the modality of the failed rules that give each outcome
_DECIDING_MODALITY = {
    "denied": "mandatory",
    "denied_by_default": "default",
    "incomplete": "documents",
    "needs_approval": "approval",
}


class System(Protocol):
    """A registry system under test: answers a (record, request) pair (JSON values)."""

    def answer(self, record: dict[str, Any], request: dict[str, Any]) -> Mapping[str, Any]:
        """The system's answer (``conformance-answer.schema.json``)."""
        ...


class SystemFailure(XuejiRulesError):
    """The system under test could not answer (it crashed, timed out or is unreachable)."""


class SystemUnreachable(SystemFailure, InputError):
    """Nothing answers at the endpoint at all (a configuration error: exit status 2)."""


@dataclass(frozen=True, slots=True)
class PythonSystem:
    """A Python adapter: ``fn(record, request) -> answer``."""

    fn: Callable[[dict[str, Any], dict[str, Any]], Mapping[str, Any]]
    name: str = "python adapter"

    def answer(self, record: dict[str, Any], request: dict[str, Any]) -> Mapping[str, Any]:
        """Call the adapter; any exception it raises is a :class:`SystemFailure`."""
        try:
            return self.fn(record, request)
        except Exception as exc:
            raise SystemFailure(f"{self.name} raised {type(exc).__name__}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class HttpSystem:
    """An HTTP adapter: POST ``{"record", "request"}`` as JSON to ``url``.

    A 2xx answer is the system's answer; a 4xx answer means the system refused the input (its
    problem ``detail`` or its text becomes ``error``); anything else is a failure.
    """

    url: str
    timeout: float = 10.0

    def answer(self, record: dict[str, Any], request: dict[str, Any]) -> Mapping[str, Any]:
        """Send one pair and read the answer."""
        body = json.dumps({"record": record, "request": request}, ensure_ascii=False).encode()
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return _json_object(resp.read(), self.url)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            if 400 <= exc.code < 500:
                return {"error": _error_text(text) or f"HTTP {exc.code}"}
            raise SystemFailure(f"{self.url} answered HTTP {exc.code}: {text[:300]}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, OSError) and not isinstance(reason, TimeoutError):
                raise SystemUnreachable(f"cannot reach {self.url}: {reason}") from None
            raise SystemFailure(f"cannot reach {self.url}: {reason}") from None


def _json_object(data: bytes, where: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SystemFailure(f"{where} did not answer JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SystemFailure(f"{where} answered {type(value).__name__}, not a JSON object")
    return value


def _error_text(text: str) -> str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()[:500]
    if isinstance(value, dict):
        for key in ("detail", "error", "message", "title"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return text.strip()[:500]


def system_from_spec(system: str | None = None, endpoint: str | None = None) -> System:
    """The system named by ``module:callable`` or by an ``http(s)://`` endpoint URL."""
    if (system is None) == (endpoint is None):
        raise InputError(
            "give exactly one of --xueji-system/--system and --xueji-endpoint/--endpoint"
        )
    if endpoint is not None:
        if not endpoint.startswith(("http://", "https://")):
            raise InputError(f"endpoint must be an http:// or https:// URL: {endpoint!r}")
        return HttpSystem(endpoint)
    assert system is not None
    module_name, sep, attr = system.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(
            f"system must be written module:callable, e.g. my_adapter:answer (got {system!r})"
        )
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # like python -m: adapters next to the suite import
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"cannot import adapter module {module_name!r}: {exc}") from None
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise InputError(f"module {module_name!r} has no attribute {attr!r}")
        target = getattr(target, part)
    if not callable(target):
        raise InputError(f"{system} is not callable")
    answer = getattr(target, "answer", None)
    if callable(answer) and not isinstance(target, type):
        return PythonSystem(answer, system)  # an object with an answer() method
    return PythonSystem(target, system)


# -- comparing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    """One field where the system's answer differs from the scenario's expectation."""

    field: str
    expected: Any
    actual: Any
    rules: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()

    def render(self) -> str:
        """``field: expected X, the system answered Y [articles: rules]``."""
        text = f"{self.field}: expected {_show(self.expected)}, the system answered {_show(self.actual)}"
        if self.articles or self.rules:
            text += f" [{'; '.join(self.articles)}{': ' if self.articles and self.rules else ''}{', '.join(self.rules)}]"
        return text


def _show(value: Any) -> str:
    if isinstance(value, (set, frozenset, list, tuple)):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    return repr(value)


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


def _from_decision_form(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A decision's JSON read as an answer: its lists of objects become lists of ids."""
    out = dict(answer)
    for key, id_key in (("approvals", "body"), ("missing_documents", "id")):
        items = out.get(key)
        if isinstance(items, list) and all(isinstance(i, Mapping) and id_key in i for i in items):
            out[key] = sorted({str(i[id_key]) for i in items})
    missing = out.get("missing_inputs")
    undecided: dict[str, str] = {}
    if isinstance(missing, list) and all(isinstance(m, Mapping) and "path" in m for m in missing):
        out["missing_inputs"] = sorted({str(m["path"]) for m in missing})
        undecided = {str(r): "undecided" for m in missing for r in m.get("rules", ())}
    rules = out.get("rules")
    if isinstance(rules, list) and all(isinstance(r, Mapping) and "id" in r for r in rules):
        decided = {str(r["id"]): "passed" if r.get("passed") else "failed" for r in rules}
        out["rules"] = {**undecided, **decided}
    citations = out.get("citations")
    if isinstance(citations, list) and all(
        isinstance(c, Mapping) and "text" in c for c in citations
    ):
        out["citations"] = sorted({str(c["text"]) for c in citations})
    obligations = out.get("obligations")
    if isinstance(obligations, list):
        out["obligations"] = [
            {k: v for k, v in o.items() if not (k == "due" and v is None)}
            if isinstance(o, Mapping)
            else o
            for o in obligations
        ]
    return out


def _check_answer(answer: Mapping[str, Any]) -> None:
    problems = list(
        iter_problems(
            validator_for("conformance-answer.schema.json"),
            dict(answer),
            lambda p: Location(path="answer"),
            "answer",
        )
    )
    if problems:
        raise SystemFailure(
            "the answer does not match conformance-answer.schema.json: "
            + "; ".join(p.message for p in problems)
        )


class _Citer:
    """The articles behind a difference, from the pack and the engine's own decision."""

    def __init__(
        self, engine: Engine | None, scenario: Scenario, decision: Decision | None
    ) -> None:
        self.engine, self.scenario, self.decision = engine, scenario, decision

    def rule_articles(self, rule_ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        rules = tuple(dict.fromkeys(rule_ids))
        articles: list[str] = []
        if self.engine is not None:
            for rule_id in rules:
                try:
                    text = self.engine.pack.rule(rule_id).citation.render()
                except KeyError:
                    continue
                if text not in articles:
                    articles.append(text)
        return rules, tuple(articles)

    def outcome(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The covered rules, and the failed rules that make the expected outcome what it is."""
        modality = _DECIDING_MODALITY.get(str(self.scenario.expect.get("outcome")))
        failed = [
            r.id
            for r in (self.decision.rules if self.decision else ())
            if not r.passed and r.modality == modality
        ]
        rules, articles = self.rule_articles([*self.scenario.covers, *failed])
        if not articles and self.engine is not None:
            transition = self.engine.pack.lifecycle.transitions.get(
                str(self.scenario.request.get("transition"))
            )
            if transition is not None and transition.citation is not None:
                articles = (transition.citation.render(),)
        return rules, articles

    def of(self, kind: str, ids: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        wanted = set(ids)
        found: list[str] = []
        if self.decision is not None:
            if kind == "missing_inputs":
                for missing in self.decision.missing_inputs:
                    if missing.path in wanted:
                        found.extend(missing.rules)
                return self.rule_articles(found or self.scenario.covers)
            items: Sequence[Any] = {
                "approvals": self.decision.approvals,
                "missing_documents": self.decision.missing_documents,
                "obligations": self.decision.obligations,
            }[kind]
            for item in items:
                key = item.body if kind == "approvals" else item.id
                if key in wanted:
                    found.append(item.rule)
        return self.rule_articles(found or self.scenario.covers)


def _compare(
    scenario: Scenario, answer: Mapping[str, Any], cite: _Citer
) -> tuple[list[Difference], list[str]]:
    expect = scenario.expect
    diffs: list[Difference] = []
    compared: list[str] = []
    if "error" in expect or "error" in answer:
        compared.append("error")
        if "error" in expect and "error" not in answer:
            got = {k: answer[k] for k in _SCALARS if k in answer} or "an answer"
            diffs.append(
                Difference(
                    "error", f"a refusal of the input ({expect['error']})", got, *cite.outcome()
                )
            )
        elif "error" in answer and "error" not in expect:
            wanted = {k: expect[k] for k in _SCALARS if k in expect} or "a decision"
            diffs.append(
                Difference("error", wanted, f"a refusal: {answer['error']}", *cite.outcome())
            )
        return diffs, compared
    for key in _SCALARS:
        if key in expect and key in answer:
            compared.append(key)
            if expect[key] != answer[key]:
                diffs.append(Difference(key, expect[key], answer[key], *cite.outcome()))
    for key in (
        "approvals",
        "missing_documents",
        "missing_inputs",
        "citations",
        "allowed_transitions",
    ):
        if key in expect and key in answer:
            compared.append(key)
            want_ids: set[str] = set(expect[key])
            got_ids: set[str] = set(answer[key])
            if want_ids != got_ids:
                by_item = key in ("approvals", "missing_documents", "missing_inputs")
                rules, articles = cite.of(key, want_ids ^ got_ids) if by_item else cite.outcome()
                diffs.append(Difference(key, want_ids, got_ids, rules, articles))
    if "rules" in expect and "rules" in answer:
        compared.append("rules")
        states: Mapping[str, str] = answer["rules"]
        for rule_id, state in expect["rules"].items():
            got_state = states.get(rule_id, "not_applied")
            if got_state != state:
                diffs.append(
                    Difference(f"rule {rule_id}", state, got_state, *cite.rule_articles([rule_id]))
                )
    if ("obligations" in expect or "no_obligations" in expect) and "obligations" in answer:
        compared.append("obligations")
        got_obs = {o["id"]: o for o in answer["obligations"]}
        for want in expect.get("obligations", []):
            where = cite.of("obligations", [want["id"]])
            have = got_obs.get(want["id"])
            if have is None:
                diffs.append(Difference(f"obligation {want['id']}", "present", "absent", *where))
                continue
            for key in ("due", "party"):
                if key in want and key in have and want[key] != have[key]:
                    diffs.append(
                        Difference(f"obligation {want['id']} {key}", want[key], have[key], *where)
                    )
        for absent in expect.get("no_obligations", []):
            if absent in got_obs:
                diffs.append(
                    Difference(
                        f"obligation {absent}",
                        "absent",
                        "present",
                        *cite.rule_articles(scenario.covers),
                    )
                )
    return diffs, compared


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
        answer = _from_decision_form(answer)
        _check_answer(answer)
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
    diffs, compared = _compare(scenario, answer, _Citer(engine, scenario, decision))
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
    from xueji_rules.testing.scenarios import load_scenarios, scenario_pack_dir

    engines: dict[str, Engine] = {}
    results: list[ConformResult] = []
    for file in files:
        scenarios = load_scenarios(file)
        if not scenarios:
            continue
        pack_dir = scenario_pack_dir(file, scenarios[0].pack, pack)
        if pack_dir is None:
            raise InputError(
                "cannot tell which pack to run this file against: use --pack or a 'pack:' key",
                Location(file=str(file)),
            )
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
