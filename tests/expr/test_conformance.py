"""The CEL conformance cases that fall inside our subset, one test per case.

The cases live in ``conformance/<section>.yaml`` (format described at the top of each file). Each
runs through ``xueji_rules.expr``; when ``cel-expr-python`` is installed the same case also runs
through the official C++ runtime, which keeps the YAML itself honest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .strategies import BYTES, Oracle, Ours, cel_equal, parse_type

CASES_DIR = Path(__file__).with_name("conformance")

# section/name -> reason, for cases where our answer is known to differ from the spec.
KNOWN_FAILURES: dict[str, str] = {}


def _load() -> Iterator[Any]:
    for path in sorted(CASES_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            case_id = f"{document['section']}/{case['name']}"
            marks = []
            if case_id in KNOWN_FAILURES:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[case_id]))
            yield pytest.param(case, id=case_id, marks=marks)


CASES = list(_load())


def _latin1(text: str) -> bytes:
    return text.encode("latin-1")


def _prepare(case: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Declarations and bindings, with bytes variables decoded from their escaped-string form."""
    decls = {name: parse_type(text) for name, text in (case.get("decls") or {}).items()}
    values = dict(case.get("bindings") or {})
    for name, t in decls.items():
        if t == BYTES and isinstance(values.get(name), str):
            values[name] = _latin1(values[name])
    return decls, values


def _expected(case: dict[str, Any]) -> Any:
    return _latin1(case["bytes"]) if "bytes" in case else case["value"]


_ERROR_PHASES = {
    "eval": ("error",),
    "compile": ("compile_error",),
    "either": ("compile_error", "error"),
}


def _check(runner: Any, case: dict[str, Any]) -> None:
    decls, values = _prepare(case)
    outcome = runner(decls).run(case["expr"], values)
    if "error" in case:
        wanted = _ERROR_PHASES[case.get("phase", "eval")]
        assert outcome.kind in wanted, f"expected {wanted} ({case['error']}), got {outcome}"
        return
    assert outcome.kind == "value", f"expected {_expected(case)!r}, got {outcome}"
    expected = _expected(case)
    assert cel_equal(outcome.value, expected), f"expected {expected!r}, got {outcome}"


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    _check(Ours, case)


@pytest.mark.parametrize("case", [pytest.param(p.values[0], id=p.id) for p in CASES])
def test_reference_runtime_agrees(case: dict[str, Any]) -> None:
    pytest.importorskip("cel_expr_python", reason="the oracle is the optional 'differential' extra")
    _check(Oracle, case)


def test_cases_are_well_formed() -> None:
    assert len(CASES) >= 300
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)), "case names must be unique within a section"
    for param in CASES:
        case = param.values[0]
        assert isinstance(case["expr"], str), param.id
        assert sum(k in case for k in ("value", "bytes", "error")) == 1, param.id
        assert case.get("phase", "eval") in _ERROR_PHASES, param.id
