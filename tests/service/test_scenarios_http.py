"""Every bundled scenario, asked over HTTP, gets exactly the library's answer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.service.conftest import ROOT, Server
from xueji_rules import Engine, XuejiRulesError
from xueji_rules._safeio import escape_controls
from xueji_rules.packs.loader import bundled_packs, resolve_pack_dir
from xueji_rules.testing.scenarios import load_scenarios


def _response_validator(component: str) -> Any:
    """A validator for one component of the committed OpenAPI document."""
    from jsonschema import Draft202012Validator, FormatChecker

    document = json.loads((ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8"))
    root = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return Draft202012Validator(root, format_checker=FormatChecker())


@pytest.mark.parametrize("pack", bundled_packs())
def test_bundled_scenarios_through_http_equal_the_library(
    pack: str, shanxi_server: Server, national_server: Server
) -> None:
    server = {"shanxi": shanxi_server, "national": national_server}[pack]
    engine = Engine(pack)
    scenarios = [
        s
        for f in sorted((resolve_pack_dir(pack) / "tests").glob("*.yaml"))
        for s in load_scenarios(f)
    ]
    assert len(scenarios) > 100
    decision_schema, problem_schema = (
        _response_validator("Decision"),
        _response_validator("Problem"),
    )
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for s in scenarios:
            r = client.post("/v1/decide", json={"record": s.record, "request": s.request})
            try:
                expected = engine.decide(s.record, s.request).to_json()
            except XuejiRulesError as exc:
                assert r.status_code == 422, s.test_id
                detail = "\n".join(escape_controls(str(p)) for p in exc.problems)
                assert r.json()["detail"] == detail, s.test_id
                problem_schema.validate(r.json())
                continue
            assert r.status_code == 200, (s.test_id, r.text)
            assert r.json() == expected, s.test_id
            decision_schema.validate(r.json())  # every real answer fits the OpenAPI document


def test_bundled_scenarios_through_the_batch_endpoint(shanxi_server: Server) -> None:
    engine = Engine("shanxi")
    scenarios = [
        s
        for f in sorted((resolve_pack_dir("shanxi") / "tests").glob("*.yaml"))
        for s in load_scenarios(f)
    ]
    body = "".join(
        json.dumps({"id": s.test_id, "record": s.record, "request": s.request}, ensure_ascii=False)
        + "\n"
        for s in scenarios
    )
    r = httpx.post(shanxi_server.url + "/v1/decide/batch", content=body.encode(), timeout=60)
    answers = [json.loads(line) for line in r.text.splitlines()]
    assert [a["line"] for a in answers] == list(range(1, len(scenarios) + 1))
    for s, answer in zip(scenarios, answers, strict=True):
        assert answer["id"] == s.test_id
        try:
            expected = engine.decide(s.record, s.request).to_json()
            assert answer["decision"] == expected, s.test_id
        except XuejiRulesError as exc:
            message = escape_controls(str(exc.problems[0]))
            assert answer["error"]["problems"][0]["message"] == message, s.test_id


def test_conform_against_the_service_finds_no_difference(shanxi_server: Server) -> None:
    import io

    from xueji_rules.cli import main

    out = io.StringIO()
    paths = [str(resolve_pack_dir("shanxi") / "tests")]
    status = main(["conform", "--endpoint", shanxi_server.url + "/v1/decide", *paths], out=out)
    assert status == 0, out.getvalue()[-3000:]
    assert out.getvalue().endswith(" failed, 0 not answered by the system\n")
    assert " 0 failed" in out.getvalue()
