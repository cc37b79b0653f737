"""The service as a client sees it: a real server on a loopback port, plain HTTP calls."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest

from tests.service.conftest import Server
from xueji_rules import Engine
from xueji_rules.cli import main
from xueji_rules.service._openapi_paths import EXAMPLE_RECORD, EXAMPLE_REQUEST

# the request the OpenAPI document shows as its example: the tests prove that it works
RECORD, REQUEST = EXAMPLE_RECORD, EXAMPLE_REQUEST


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine("shanxi")


def _cli_errors(record: dict[str, Any], request: dict[str, Any], tmp_path: Any) -> list[str]:
    (tmp_path / "rec.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "req.json").write_text(json.dumps(request), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "decide",
        "--pack",
        "shanxi",
        "--record",
        str(tmp_path / "rec.json"),
        "--request",
        str(tmp_path / "req.json"),
    ]
    assert main(argv, out=out, err=err) == 2
    # the CLI names the input file a problem is in; the service has no files
    files = tuple(f"{tmp_path / name}: " for name in ("rec.json", "req.json"))
    lines = [line.removeprefix("error: ") for line in err.getvalue().splitlines()]
    assert all(line.startswith(files) for line in lines), lines
    return [line.removeprefix(files[0]).removeprefix(files[1]) for line in lines]


def test_decide_answers_what_the_library_answers(shanxi_server: Server, engine: Engine) -> None:
    r = httpx.post(shanxi_server.url + "/v1/decide", json={"record": RECORD, "request": REQUEST})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == engine.decide(RECORD, REQUEST).to_json()
    assert r.headers["xueji-pack-digest"].startswith("sha256:")


@pytest.mark.parametrize(
    ("record", "request_", "kind"),
    [
        (RECORD, {**REQUEST, "date": "2040-01-01"}, "outside-validity"),
        ({**RECORD, "grade": "11"}, REQUEST, "bad-input"),
        (RECORD, {**REQUEST, "too_school": {}}, "bad-input"),
        ({**RECORD, "status": "enroled"}, REQUEST, "bad-input"),
    ],
)
def test_errors_are_problems_with_the_cli_messages(
    shanxi_server: Server, record: Any, request_: Any, kind: str, tmp_path: Any
) -> None:
    r = httpx.post(shanxi_server.url + "/v1/decide", json={"record": record, "request": request_})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith("/" + kind) and problem["status"] == 422 and problem["title"]
    messages = [p["message"] for p in problem["problems"]]
    assert messages == _cli_errors(record, request_, tmp_path)
    assert problem["detail"] == "\n".join(messages)


def test_malformed_bodies(shanxi_server: Server) -> None:
    url = shanxi_server.url + "/v1/decide"
    r = httpx.post(url, content=b'{"record": {}, "record": {}}')
    assert r.status_code == 400 and "duplicate key 'record'" in r.json()["detail"]
    r = httpx.post(url, content=b"[1, 2")
    assert r.status_code == 400 and "line 1 column 6" in r.json()["detail"]
    r = httpx.post(url, json={"record": RECORD, "requests": REQUEST})
    assert r.status_code == 422
    assert r.json()["detail"] == "unknown field 'requests' in the body (did you mean 'request'?)"
    # nothing in a request names a pack or a file: such a field is refused, not obeyed
    r = httpx.post(url, json={"record": RECORD, "request": REQUEST, "pack": "./drafts/shanxi"})
    assert r.status_code == 422 and r.json()["detail"] == "unknown field 'pack' in the body"
    r = httpx.post(url, json={"record": [], "request": REQUEST})
    assert r.status_code == 422 and r.json()["detail"] == "record must be a JSON object"


def test_body_over_the_limit_is_413(shanxi_server: Server) -> None:
    big = {"record": {**RECORD, "school": {"id": "x" * (1 << 20)}}, "request": REQUEST}
    r = httpx.post(shanxi_server.url + "/v1/decide", json=big)
    assert r.status_code == 413 and r.json()["type"].endswith("/body-too-large")


def test_unknown_paths_and_methods_are_problems(shanxi_server: Server) -> None:
    r = httpx.get(shanxi_server.url + "/v1/nothing")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = httpx.get(shanxi_server.url + "/v1/decide")
    assert r.status_code == 405 and r.json()["status"] == 405
    r = httpx.post(shanxi_server.url + "/admin/reload")
    assert r.status_code == 404  # the admin API is off unless --admin-token is given


def test_batch_streams_answers_in_order_with_bad_lines_in_place(
    shanxi_server: Server, engine: Engine
) -> None:
    good = json.dumps({"id": "a", "record": RECORD, "request": REQUEST}, ensure_ascii=False)
    other = json.dumps(
        {"record": RECORD, "request": {**REQUEST, "date": "2026-03-20"}}, ensure_ascii=False
    )
    body = "\n".join([good, "{not json", "", other, '{"record": {}}', good]) + "\n"
    r = httpx.post(
        shanxi_server.url + "/v1/decide/batch",
        content=body.encode(),
        headers={"content-type": "application/x-ndjson"},
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert [x["line"] for x in lines] == [1, 2, 4, 5, 6]
    assert (
        lines[0]["id"] == "a" and lines[0]["decision"] == engine.decide(RECORD, REQUEST).to_json()
    )
    assert lines[1]["error"]["type"].endswith("/malformed-json")
    assert lines[1]["error"]["detail"].startswith("not valid JSON: ")
    assert "status" not in lines[1]["error"]  # a line's problem, not an HTTP answer
    assert lines[2]["decision"]["outcome"] == "denied_by_default"
    assert lines[3]["error"]["detail"] == "request: missing 'request'"
    assert lines[3]["error"]["problems"] == [
        {"message": "request: missing 'request'", "path": "request"}
    ]
    assert lines[4]["decision"] == lines[0]["decision"]


def test_batch_line_over_the_limit_is_reported_and_skipped(shanxi_server: Server) -> None:
    good = json.dumps({"record": RECORD, "request": REQUEST}, ensure_ascii=False)
    body = good + "\n" + "x" * (2 << 20) + "\n" + good + "\n"
    r = httpx.post(shanxi_server.url + "/v1/decide/batch", content=body.encode(), timeout=30)
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert [x["line"] for x in lines] == [1, 2, 3]
    assert lines[1]["error"]["type"].endswith("/body-too-large") and "decision" in lines[2]
    assert lines[1]["error"]["detail"] == (
        f"the line has {2 << 20} bytes, over the limit of {1 << 20}"
    )


def test_explain_in_chinese(shanxi_server: Server, engine: Engine) -> None:
    from xueji_rules import explain

    r = httpx.post(shanxi_server.url + "/v1/explain", json={"record": RECORD, "request": REQUEST})
    answer = r.json()
    decision = engine.decide(RECORD, REQUEST)
    assert answer == {
        "lang": "zh",
        "text": explain(decision, engine.pack),
        "decision": decision.to_json(),
    }
    r = httpx.post(
        shanxi_server.url + "/v1/explain?lang=fr", json={"record": RECORD, "request": REQUEST}
    )
    assert r.status_code == 422 and "'zh', 'en'" in r.json()["detail"]


def test_explain_in_english(shanxi_server: Server, engine: Engine) -> None:
    from xueji_rules import explain

    r = httpx.post(
        shanxi_server.url + "/v1/explain?lang=en", json={"record": RECORD, "request": REQUEST}
    )
    assert r.status_code == 200
    decision = engine.decide(RECORD, REQUEST)
    assert r.json()["text"] == explain(decision, engine.pack, lang="en")


def test_validate_record(shanxi_server: Server, engine: Engine) -> None:
    r = httpx.post(shanxi_server.url + "/v1/records/validate", json={"record": RECORD})
    assert r.status_code == 200
    expected = engine.validate_record(RECORD).to_json()
    assert r.json() == json.loads(json.dumps(expected))


def test_transition_inputs(shanxi_server: Server, engine: Engine) -> None:
    from xueji_rules.packs.contract import transition_contract as contract

    r = httpx.get(shanxi_server.url + "/v1/packs/shanxi/transitions/transfer")
    assert r.status_code == 200
    assert r.json() == json.loads(json.dumps(contract(engine.pack, "transfer")))


def test_decisions_carry_the_digest(shanxi_server: Server) -> None:
    r = httpx.post(shanxi_server.url + "/v1/decide", json={"record": RECORD, "request": REQUEST})
    assert r.json()["pack"]["digest"] == r.headers["xueji-pack-digest"]


def test_packs_show_and_transitions(shanxi_server: Server, engine: Engine) -> None:
    from xueji_rules.packs.show import effective_pack_json

    packs = httpx.get(shanxi_server.url + "/v1/packs").json()["packs"]
    assert [(p["id"], p["chain"]) for p in packs] == [("shanxi", ["shanxi", "national"])]
    digest = packs[0]["digest"]
    shown = httpx.get(shanxi_server.url + "/v1/packs/shanxi").json()
    assert shown == {**effective_pack_json(engine.pack), "digest": digest}
    r = httpx.get(shanxi_server.url + "/v1/packs/national")
    assert r.status_code == 404 and "decides with pack 'shanxi'" in r.json()["detail"]
    r = httpx.get(shanxi_server.url + "/v1/packs/shanxi/transitions/tranfer")
    assert r.status_code == 404 and "transfer" in r.json()["detail"]


def test_calendar_queries(shanxi_server: Server) -> None:
    url = shanxi_server.url + "/v1/calendar/"
    assert httpx.get(url + "is-workday", params={"date": "2026-10-10"}).json() == {
        "date": "2026-10-10", "workday": True, "holiday": False,
    }  # fmt: skip
    assert (
        httpx.get(url + "add-workdays", params={"date": "2026-09-24", "n": 10}).json()["date"]
        == "2026-10-15"
    )
    term = httpx.get(url + "term", params={"date": "2026-03-09"}).json()
    assert (term["start"], term["days_since_term_start"]) == ("2026-03-02", 7)
    r = httpx.get(url + "term", params={"date": "2026-02-30"})
    assert (
        r.status_code == 422 and r.json()["detail"] == "date: not a date (yyyy-mm-dd): '2026-02-30'"
    )
    r = httpx.get(url + "is-workday", params={"date": "2099-01-05"})
    assert r.status_code == 422 and "2099" in r.json()["detail"]


def test_health_and_metrics(shanxi_server: Server) -> None:
    health = httpx.get(shanxi_server.url + "/healthz").json()
    assert health["status"] == "ok" and health["pack"]["id"] == "shanxi"
    httpx.post(shanxi_server.url + "/v1/decide", json={"record": RECORD, "request": REQUEST})
    text = httpx.get(shanxi_server.url + "/metrics").text
    assert 'xueji_decisions_total{outcome="needs_approval"}' in text
    assert 'xueji_http_requests_total{endpoint="/v1/decide",method="POST",status="200"}' in text
    assert 'xueji_http_request_duration_seconds_bucket{endpoint="/v1/decide"' in text
    assert f'digest="{health["pack"]["digest"]}"' in text and "xueji_pack_info{" in text


def test_openapi_is_served(shanxi_server: Server) -> None:
    from xueji_rules.service.openapi import build_openapi

    assert httpx.get(shanxi_server.url + "/openapi.json").json() == build_openapi()


def test_batch_answers_each_line_before_the_next_is_sent(shanxi_server: Server) -> None:
    """Full duplex: the answer to line 1 arrives while the request body is still open."""
    import socket

    line = (json.dumps({"record": RECORD, "request": REQUEST}, ensure_ascii=False) + "\n").encode()
    with socket.create_connection(("127.0.0.1", shanxi_server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /v1/decide/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        received = b""
        for expected_lines in (1, 2):
            sock.sendall(b"%x\r\n%s\r\n" % (len(line), line))
            while received.count(b'{"line":') < expected_lines:
                chunk = sock.recv(65536)
                assert chunk, "connection closed early"
                received += chunk
        sock.sendall(b"0\r\n\r\n")
        while not received.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 ")
    assert b'{"line":1,"decision":{"outcome":"needs_approval"' in received
    assert b'{"line":2,"decision":{"outcome":"needs_approval"' in received


def test_the_digest_is_the_packs_own(shanxi_server: Server, engine: Engine) -> None:
    digest = httpx.get(shanxi_server.url + "/healthz").json()["pack"]["digest"]
    assert digest == engine.pack.digest and digest.startswith("sha256:")
