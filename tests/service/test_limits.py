"""Deadlines, overload, decision logs and the missing-extra hint, tested in process."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from xueji_rules import Engine
from xueji_rules.service.app import create_app
from xueji_rules.service.config import ServiceConfig
from xueji_rules.service.decision_log import masking_for
from xueji_rules.service.state import Snapshot, pack_digest

RECORD = {"id": "G140105201601010021", "status": "enrolled", "stage": "primary", "grade": 4,
          "birth_date": "2016-01-01", "school": {"id": "TY-XD-011"}}  # fmt: skip
REQUEST = {"transition": "suspend", "date": "2026-03-16", "applicant": "guardian"}
BODY = {"record": RECORD, "request": REQUEST}
ENGINE = Engine("shanxi")


class SlowEngine:
    """The real engine, one second slower per decision (a stand-in for runaway work)."""

    def __init__(self, seconds: float) -> None:
        self.pack, self.time, self.seconds = ENGINE.pack, ENGINE.time, seconds

    def decide(self, record: Any, request: Any) -> Any:
        time.sleep(self.seconds)
        return ENGINE.decide(record, request)


def _app(config: ServiceConfig, engine: Any = ENGINE) -> Any:
    return create_app(config, Snapshot(engine, pack_digest(ENGINE), 1, masking_for(ENGINE.pack)))


async def _post_all(app: Any, n: int) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return list(await asyncio.gather(*(client.post("/v1/decide", json=BODY) for _ in range(n))))


def test_a_request_past_its_deadline_is_504_and_one_that_never_started_is_503() -> None:
    app = _app(ServiceConfig("shanxi", timeout=0.3, threads=1), SlowEngine(1.0))
    first, second = asyncio.run(_post_all(app, 2))
    assert first.status_code == 504 and first.json()["type"].endswith("/deadline-exceeded")
    assert second.status_code == 503 and second.json()["type"].endswith("/overloaded")
    assert second.headers["retry-after"] == "1"


def test_too_many_waiting_requests_get_503_at_once() -> None:
    app = _app(ServiceConfig("shanxi", timeout=5, threads=1, max_pending=1), SlowEngine(0.3))
    answers = asyncio.run(_post_all(app, 3))
    assert sorted(r.status_code for r in answers) == [200, 503, 503]
    assert any(
        "already waiting (limit 1)" in r.json()["detail"] for r in answers if r.status_code == 503
    )


def test_decision_log_masks_personal_fields(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    app = _app(ServiceConfig("shanxi", decision_log=str(log)))
    (answer,) = asyncio.run(_post_all(app, 1))
    assert answer.status_code == 200
    app.app.state.service.close()
    text = log.read_text(encoding="utf-8")
    line = json.loads(text)
    assert RECORD["id"] not in text and "2016-01-01" not in text
    masked = masking_for(ENGINE.pack).mask_id(RECORD["id"])
    assert masked != RECORD["id"]
    assert line["record"]["id"] == masked == line["decision"]["record_id"]
    assert line["record"]["birth_date"] != "2016-01-01"
    assert line["pack"] == {
        "id": "shanxi",
        "version": ENGINE.pack.version,
        "digest": pack_digest(ENGINE),
    }
    assert line["decision"]["outcome"] == answer.json()["outcome"]


def test_decision_log_masks_personal_request_fields(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    app = _app(ServiceConfig("shanxi", decision_log=str(log)))
    request = {**REQUEST, "new_hukou": {"province": "山西省", "city": "鑫淼市"}}

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/v1/decide", json={"record": RECORD, "request": request})

    answer = asyncio.run(post())
    assert answer.status_code == 200
    app.app.state.service.close()
    line = json.loads(log.read_text(encoding="utf-8"))
    assert "鑫淼" not in json.dumps(line, ensure_ascii=False)
    assert line["request"]["new_hukou"] == {"province": "***", "city": "***"}
    assert line["request"]["transition"] == "suspend"  # not personal: kept


def test_missing_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from xueji_rules.errors import InputError
    from xueji_rules.service import _deps

    real = importlib.import_module

    def fake(name: str, *args: Any) -> Any:
        if name == "starlette":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(InputError, match=r"pip install 'xueji-rules\[service\]'"):
        _deps.require("starlette")


def test_config_rejects_nonsense_limits() -> None:
    from xueji_rules.errors import InputError

    with pytest.raises(InputError, match="--timeout"):
        ServiceConfig("shanxi", timeout=0)
    with pytest.raises(InputError, match="--threads"):
        ServiceConfig("shanxi", threads=0)


def test_a_decision_log_that_cannot_be_opened_is_bad_input(tmp_path: Path) -> None:
    from xueji_rules.errors import InputError

    with pytest.raises(InputError, match="cannot open the decision log"):
        _app(ServiceConfig("shanxi", decision_log=str(tmp_path / "missing" / "log.jsonl")))


def test_importing_the_service_package_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, xueji_rules.service as s; "
        "heavy = [m for m in ('starlette', 'uvicorn', 'prometheus_client', 'xueji_rules.engine') if m in sys.modules]; "
        "print(heavy, s.__all__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[] ['ServiceConfig', 'create_app']"


def test_deeply_nested_bodies_are_refused_not_500() -> None:
    app = _app(ServiceConfig("shanxi"))
    transport = httpx.ASGITransport(app=app)

    async def post(body: bytes) -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/v1/decide", content=body)

    r = asyncio.run(post(b"[" * 100_000 + b"]" * 100_000))
    assert r.status_code == 400 and r.json()["detail"] == "the body is nested too deeply"
    school = "1"
    for _ in range(900):  # within what json parses, beyond what the converters walk
        school = '{"id": ' + school + "}"
    head = '{"record": {"id": "G1", "status": "enrolled", "stage": "primary", "school": '
    body = head + school + "}, "
    body += '"request": {"transition": "suspend", "date": "2026-03-16"}}'
    r = asyncio.run(post(body.encode()))
    assert r.status_code in (400, 422) and r.json()["status"] == r.status_code
