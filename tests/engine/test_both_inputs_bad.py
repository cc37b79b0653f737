"""When the record and the request are both malformed, one error lists the problems of both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from xueji_rules import Engine
from xueji_rules.errors import InputError

RECORD: dict[str, Any] = {
    "id": "G140105200901011234",
    "status": "enrolled",
    "stage": "junior_secondary",
    "grade": 8,
    "school": {"id": "s1", "county": "小店区"},
}
REQUEST: dict[str, Any] = {"transition": "transfer", "date": "2026-03-09"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine("shanxi")


def _messages(error: InputError) -> list[str]:
    return [problem.message for problem in error.problems]


def test_both_bad_lists_the_record_then_the_request(engine: Engine) -> None:
    with pytest.raises(InputError) as info:
        engine.decide({**RECORD, "grade": "eight"}, {**REQUEST, "date": "2026-02-30"})
    messages = _messages(info.value)
    record_at = next(i for i, m in enumerate(messages) if m.startswith("record.grade"))
    request_at = next(i for i, m in enumerate(messages) if "2026-02-30" in m)
    assert record_at < request_at
    assert "record.grade" in str(info.value) and "2026-02-30" in str(info.value)


@pytest.mark.parametrize("side", ["record", "request"])
def test_one_bad_side_is_reported_alone(engine: Engine, side: str) -> None:
    record = {**RECORD, "grade": "eight"} if side == "record" else RECORD
    request = {**REQUEST, "date": "2026-02-30"} if side == "request" else REQUEST
    with pytest.raises(InputError) as info:
        engine.decide(record, request)
    messages = _messages(info.value)
    assert messages and all(m.startswith(side) for m in messages), messages


def test_the_cli_names_both_and_exits_2(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    request = tmp_path / "request.json"
    record.write_text(json.dumps({**RECORD, "stage": 3}), encoding="utf-8")
    request.write_text(json.dumps({**REQUEST, "transition": 7}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "xueji_rules", "decide", "--pack", "shanxi",
         "--record", str(record), "--request", str(request)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "record.stage" in proc.stderr and "request.transition" in proc.stderr
    assert "Traceback" not in proc.stderr
