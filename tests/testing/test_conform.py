"""The conformance harness: only what the system answers is compared, with the articles behind it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from xueji_rules import Engine, XuejiRulesError
from xueji_rules.cli import main
from xueji_rules.errors import InputError
from xueji_rules.testing.conform import (
    PythonSystem,
    conform_scenario,
    conform_suite,
    system_from_spec,
)
from xueji_rules.testing.runner import collect_files
from xueji_rules.testing.scenarios import load_scenarios

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "compliance-suite"
TRANSFER = EXAMPLE / "scenarios" / "transfer.yaml"
ENGINE = Engine("shanxi")


def engine_as_system(record: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The engine itself, answering through the adapter contract (its full decision)."""
    try:
        return ENGINE.decide(record, request).to_json()
    except XuejiRulesError as exc:
        return {"error": str(exc)}


def test_the_engine_conforms_to_its_own_scenarios() -> None:
    shanxi = [f for f in collect_files([]) if "/shanxi/" in f.as_posix()]
    results = conform_suite(shanxi, PythonSystem(engine_as_system))
    assert len(results) > 100
    assert [r.scenario.test_id for r in results if r.status != "passed"] == []


def test_only_the_fields_answered_are_compared() -> None:
    scenario = load_scenarios(TRANSFER)[0]  # expects needs_approval, transfer_pending, approvals, …
    only_outcome = conform_scenario(
        PythonSystem(lambda rec, req: {"outcome": "needs_approval"}), scenario, ENGINE
    )
    assert only_outcome.status == "passed" and only_outcome.compared == ("outcome",)
    nothing = conform_scenario(PythonSystem(lambda rec, req: {}), scenario, ENGINE)
    assert nothing.status == "not_answered" and nothing.passed


def test_every_difference_names_its_article() -> None:
    scenario = load_scenarios(TRANSFER)[0]
    wrong = {
        "outcome": "allowed",
        "approvals": ["receiving_superior_registry_dept"],
        "obligations": [{"id": "transfer.receiving_school.processing", "due": "2026-03-25"}],
        "rules": {"shanxi.transfer.window": "failed", "shanxi.transfer.capacity": "passed"},
    }
    result = conform_scenario(PythonSystem(lambda rec, req: wrong), scenario, ENGINE)
    lines = [d.render() for d in result.differences]
    assert result.status == "failed" and len(lines) == 4
    assert lines[0].startswith(
        "outcome: expected 'needs_approval', the system answered 'allowed' ["
    )
    assert (
        "approvals: expected [receiving_superior_registry_dept, sending_superior_registry_dept], "
        "the system answered [receiving_superior_registry_dept] [教基〔2025〕1号" in lines[1]
    )
    assert "national.transfer.superior_processing" in lines[1]
    assert lines[2].startswith(
        "rule shanxi.transfer.window: expected 'passed', the system answered 'failed' [晋教〔2026〕1号 第十六条"
    )
    assert lines[3].startswith(
        "obligation transfer.receiving_school.processing due: expected '2026-03-24', the system answered '2026-03-25' ["
    )
    assert all("〔" in line for line in lines)


def test_refusals_compare_as_errors() -> None:
    scenario = load_scenarios(TRANSFER)[0]
    result = conform_scenario(
        PythonSystem(lambda rec, req: {"error": "bad date"}), scenario, ENGINE
    )
    assert result.status == "failed"
    assert (
        result.differences[0]
        .render()
        .startswith(
            "error: expected {'outcome': 'needs_approval', 'next_status': 'transfer_pending'}, the system answered 'a refusal: bad date'"
        )
    )


def test_bad_answers_and_crashing_adapters_are_errors() -> None:
    scenario = load_scenarios(TRANSFER)[0]
    bad = conform_scenario(PythonSystem(lambda rec, req: {"outcome": "yes"}), scenario, ENGINE)
    assert bad.status == "error" and "conformance-answer.schema.json" in str(bad.error)
    assert "answer.outcome: 'yes' is not one of" in str(bad.error)

    def crash(rec: Any, req: Any) -> Any:
        raise KeyError("vacancies")

    crashed = conform_scenario(PythonSystem(crash, "vendor:answer"), scenario, ENGINE)
    assert (
        crashed.status == "error" and crashed.error == "vendor:answer raised KeyError: 'vacancies'"
    )


@pytest.mark.parametrize(
    ("system", "endpoint", "message"),
    [
        ("no_colon", None, "module:callable"),
        ("no_such_module_xyz:answer", None, "cannot import adapter module"),
        ("json:no_such_function", None, "has no attribute"),
        (None, "ftp://x", "http:// or https://"),
        ("a:b", "http://x", "exactly one"),
    ],
)
def test_bad_system_specs(system: str | None, endpoint: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        system_from_spec(system, endpoint)


def test_cli_conform_reports_the_planted_mistake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    monkeypatch.syspath_prepend(str(EXAMPLE))
    out = io.StringIO()
    assert (
        main(["conform", "--system", "adapter:answer", "--pack", "shanxi", "scenarios"], out=out)
        == 1
    )
    text = out.getvalue()
    assert text.count("FAIL ") == 1 and "开学第16天申请转学" in text
    assert "[晋教〔2026〕1号 第十六条: shanxi.transfer.window]" in text
    assert text.rstrip().endswith("4 passed, 1 failed, 4 not answered by the system")


def test_cli_conform_fails_when_nothing_is_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "silent.py").write_text(
        "def answer(record, request):\n    return {}\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    out = io.StringIO()
    assert (
        main(["conform", "--system", "silent:answer", "--pack", "shanxi", str(TRANSFER)], out=out)
        == 1
    )
    assert "answered none of the scenarios" in out.getvalue()
    err = io.StringIO()
    assert main(["conform", "--system", "silent", str(TRANSFER)], out=out, err=err) == 2


def test_the_pytest_plugin_runs_scenarios_against_the_system() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--xueji-system", "adapter:answer",
         "-o", "addopts=", "-q", "-rs", "scenarios"],
        cwd=EXAMPLE, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 4 passed, 4 skipped" in proc.stdout
    assert (
        "outcome: expected 'denied_by_default', the system answered 'needs_approval' [晋教〔2026〕1号 第十六条"
        in proc.stdout
    )
    assert "the system under test does not answer this request" in proc.stdout


def test_cli_conform_with_nobody_listening_is_bad_input() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        err, out = io.StringIO(), io.StringIO()
        status = main(
            [
                "conform",
                "--endpoint",
                f"http://127.0.0.1:{port}/answer",
                str(TRANSFER),
                "--pack",
                "shanxi",
            ],
            out=out,
            err=err,
        )
    assert status == 2 and out.getvalue() == ""
    assert err.getvalue().startswith(f"error: cannot reach http://127.0.0.1:{port}/answer: ")


def test_the_public_api_of_the_harness_is_one_module() -> None:
    """The harness is split into small modules; what users import stays where it was."""
    from xueji_rules.testing import conform

    assert sorted(conform.__all__) == [
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
    for name in conform.__all__:
        assert getattr(conform, name).__doc__, name
