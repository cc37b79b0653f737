"""One error shape for batch lines: ``decide --batch`` and ``POST /v1/decide/batch`` write the
same bytes for the same line, good or bad, and every error is a problem object of
``problem.schema.json`` (through ``batch-output.schema.json``)."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.service.conftest import Server
from xueji_rules import Engine
from xueji_rules._schemas import validator_for
from xueji_rules.bulk import MAX_LINE_BYTES
from xueji_rules.cli import main
from xueji_rules.service.app import create_app
from xueji_rules.service.config import ServiceConfig
from xueji_rules.service.decision_log import masking_for
from xueji_rules.service.state import Snapshot, pack_digest

RECORD = {"id": "G140105200901010011", "status": "enrolled", "stage": "senior_secondary",
          "grade": 11, "school": {"id": "140105001", "city": "太原市", "county": "小店区",
                                  "enrollment_area": "太原市区"}}  # fmt: skip
REQUEST = {"transition": "transfer", "date": "2026-03-09", "applicant": "guardian",
           "to_school": {"id": "140202003", "city": "大同市", "county": "平城区",
                         "enrollment_area": "大同市区", "vacancies": 3},
           "hukou_move_scope": "city", "residence_moved": True,
           "new_hukou": {"city": "大同市"}}  # fmt: skip


def _line(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


SECRET = "Ω秘密户籍地" * 20
GOOD = _line({"id": "ok-1", "record": RECORD, "request": REQUEST})
LINES: list[bytes] = [
    GOOD,
    b"{not json",  # malformed-json
    b"",  # blank: counted, not answered
    b"[1, 2]",  # not an object
    _line({"record": RECORD, "request": REQUEST, "pack": "./drafts/shanxi"}),  # unknown key
    _line({"id": 7, "record": RECORD}),  # missing request; the integer id is echoed
    _line({"id": "", "record": RECORD, "request": REQUEST}),  # invalid id
    _line({"id": "rec-list", "record": [], "request": REQUEST}),
    b"\xff\xfe broken utf-8",
    b'{"record": ' * 3000 + b"}" * 3000,  # nested too deeply for the parser
    b'{"record": {}, "record": {}, "request": {}}',  # duplicate key
    b'{"id": NaN, "record": {}, "request": {}}',
    _line({"id": "status", "record": {**RECORD, "status": "enroled"}, "request": REQUEST}),
    _line({"id": "grade", "record": {**RECORD, "grade": "11"}, "request": REQUEST}),
    _line({"id": "late", "record": RECORD, "request": {**REQUEST, "date": "2040-01-01"}}),
    _line({"id": "ctrl", "record": RECORD, "request": {**REQUEST, "transition": "x\x1b[31m"}}),
    # personal data in a request value the engine refuses: masked on both sides
    _line({"id": "pii", "record": RECORD, "request": {**REQUEST, "new_hukou": {"city": SECRET}}}),
    GOOD.replace(b'"ok-1"', b'"ok-2"'),
]
BODY = b"\n".join(LINES) + b"\n"


def _cli(body: bytes, tmp_path: Path) -> bytes:
    source = tmp_path / "lines.jsonl"
    source.write_bytes(body)
    target = tmp_path / "answers.jsonl"
    err = io.StringIO()
    stderr, sys.stderr = sys.stderr, err
    try:
        code = main(
            ["decide", "--pack", "shanxi", "--batch", str(source), "-o", str(target)],
            out=io.StringIO(),
            err=err,
        )
    finally:
        sys.stderr = stderr
    assert code == 1, err.getvalue()
    return target.read_bytes()


def test_cli_and_http_write_the_same_bytes(shanxi_server: Server, tmp_path: Path) -> None:
    r = httpx.post(shanxi_server.url + "/v1/decide/batch", content=BODY, timeout=60)
    assert r.status_code == 200
    assert r.content == _cli(BODY, tmp_path)
    answers = [json.loads(x) for x in r.text.splitlines()]
    assert [a["line"] for a in answers] == [n for n, x in enumerate(LINES, 1) if x.strip()]
    validator = validator_for("batch-output.schema.json")
    problem = validator_for("problem.schema.json")
    kinds = []
    for answer in answers:
        assert not list(validator.iter_errors(answer)), answer
        if "error" in answer:
            assert not list(problem.iter_errors(answer["error"]))
            assert "status" not in answer["error"]
            kinds.append(answer["error"]["type"].rsplit("/", 1)[1])
    assert kinds == ["malformed-json", "bad-input", "bad-input", "bad-input", "bad-input",
                     "bad-input", "malformed-json", "malformed-json", "malformed-json",
                     "malformed-json", "bad-input", "bad-input", "outside-validity",
                     "bad-input", "bad-input"]  # fmt: skip
    by_id = {a.get("id"): a for a in answers}
    assert "error" in by_id[7] and by_id["ok-2"]["decision"] == by_id["ok-1"]["decision"]
    assert "秘密户籍地" not in r.text and "pii" in by_id  # masked in the error, as decide masks it
    assert "\x1b" not in r.text and "\\u001b" not in r.text  # control characters escaped


def test_the_error_of_a_line_is_the_problem_of_the_same_single_request(
    shanxi_server: Server,
) -> None:
    record = {**RECORD, "status": "enroled"}
    single = httpx.post(
        shanxi_server.url + "/v1/decide", json={"record": record, "request": REQUEST}
    ).json()
    batch = httpx.post(
        shanxi_server.url + "/v1/decide/batch",
        content=_line({"record": record, "request": REQUEST}),
    ).json()
    assert single.pop("status") == 422
    assert batch["error"] == single


def test_an_over_long_line_is_the_same_problem_on_both_sides(tmp_path: Path) -> None:
    engine = Engine("shanxi")
    config = ServiceConfig("shanxi", max_body_bytes=MAX_LINE_BYTES, max_batch_bytes=1 << 26)
    app = create_app(config, Snapshot(engine, pack_digest(engine), 1, masking_for(engine.pack)))
    body = GOOD + b"\n" + b"x" * (MAX_LINE_BYTES + 5) + b"\n" + GOOD + b"\n"

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.post("/v1/decide/batch", content=body, timeout=60)

    answer = asyncio.run(post())
    assert answer.content == _cli(body, tmp_path)
    middle = json.loads(answer.text.splitlines()[1])
    assert middle == {
        "line": 2,
        "error": {
            "type": "https://xueji-rules.example/problems/body-too-large",
            "title": "The request body is over the size limit",
            "detail": f"the line has {MAX_LINE_BYTES + 5} bytes, over the limit of {MAX_LINE_BYTES}",
            "problems": [
                {
                    "message": f"the line has {MAX_LINE_BYTES + 5} bytes, over the limit of "
                    f"{MAX_LINE_BYTES}"
                }
            ],
        },
    }
