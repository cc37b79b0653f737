"""Issue 10.1 and 10.5 at the command line: hostile inputs exit 2 with a message, never a
traceback, a hang or an unbounded read; JSON is read as JSON; output degrades to escapes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.conftest import case_deadline
from tests.test_cli import RECORD, REQUEST, ROOT, run
from xueji_rules import _safeio

DECIDE = ["decide", "--pack", "shanxi", "--request"]


@pytest.fixture
def req(tmp_path: Path) -> str:
    path = tmp_path / "req.json"
    path.write_text(json.dumps(REQUEST, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _decide_record(record: str, req: str) -> tuple[int, str, str]:
    with case_deadline(30):
        return run([*DECIDE, req, "--record", record])


def test_dev_zero_as_a_record_exits_2(req: str) -> None:
    code, out, err = _decide_record("/dev/zero", req)
    assert (code, out) == (2, "")
    assert "cannot read the record: not a regular file: a character device" in err


def test_a_fifo_as_a_record_exits_2_without_waiting(req: str, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    code, _, err = _decide_record(str(tmp_path / "fifo"), req)
    assert code == 2 and "FIFO" in err


def test_a_huge_record_is_refused_before_it_is_read(
    req: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:
        f.truncate(_safeio.MAX_INPUT_BYTES + 1)

    real_read = os.read

    def guarded(fd: int, n: int) -> bytes:
        if os.fstat(fd).st_size > _safeio.MAX_INPUT_BYTES:
            raise AssertionError("the oversized record was read")
        return real_read(fd, n)

    monkeypatch.setattr(_safeio.os, "read", guarded)
    code, _, err = _decide_record(str(huge), req)
    assert code == 2 and f"more than the limit of {_safeio.MAX_INPUT_BYTES} bytes" in err


def test_json_with_c1_controls_is_read_as_json(req: str, tmp_path: Path) -> None:
    record = tmp_path / "rec.json"
    record.write_text(json.dumps({**RECORD, "id": "G1\u0085\u009f"}, ensure_ascii=False), "utf-8")
    code, out, err = _decide_record(str(record), req)
    assert (code, err) == (0, "")
    assert json.loads(out)["record_id"] == "G1\u0085\u009f"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"id": "G1", "id": "G2"}', "duplicate key 'id'"),
        ('{"grade": NaN}', "NaN is not a JSON number"),
        ('{"grade": 1e999}', "number out of range"),
        ("[" * 500 + "]" * 500, "nesting deeper than 100 levels"),
        ('{"id": "\\ud800"}', "lone UTF-16 surrogate"),
        ('{"id": "G1",', "invalid JSON"),
    ],
)
def test_json_keeps_the_hardened_readers_guarantees(req: str, text: str, needle: str) -> None:
    code, _, err = run([*DECIDE, req, "--record", "-"], text)
    assert code == 2 and needle in err and "Traceback" not in err


def test_yaml_input_still_works(req: str) -> None:
    text = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in RECORD.items())
    assert run([*DECIDE, req, "--record", "-"], text)[0] == 0


def test_a_300_character_pack_exits_2() -> None:
    code, _, err = run(["show", "a" * 300])
    assert code == 2 and "(300 characters)" in err and len(err) < 400


def test_calendar_term_9999_12_31_exits_2_with_a_sentence() -> None:
    code, out, err = run(["calendar", "term", "9999-12-31"])
    assert (code, out) == (2, "")
    assert err == (
        "error: the school year 9999-10000 has dates outside the range the calendar can count "
        "(0001-01-01 to 9999-12-31)\n"
    )


def _lint_copy(tmp_path: Path) -> Path:
    pack = tmp_path / "national"
    shutil.copytree(ROOT / "rulepacks" / "national", pack)
    return pack


def test_lint_exits_2_on_a_malformed_pack(tmp_path: Path) -> None:
    pack = _lint_copy(tmp_path)
    (pack / "rules" / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    code, out, _ = run(["lint", str(pack)])
    assert code == 2 and "broken.yaml" in out and "the pack cannot be used (malformed)" in out


def test_lint_exits_1_on_findings_in_a_pack_that_loads(tmp_path: Path) -> None:
    pack = _lint_copy(tmp_path)
    params = pack / "parameters.yaml"
    params.write_text(
        params.read_text(encoding="utf-8")
        + "  unread:\n    type: int\n    label: {zh: 无人读取}\n    values:\n"
        "      - {since: 2025-01-03, value: 1, citation: {document: jiaoji_2025_1, article: 25}}\n",
        encoding="utf-8",
    )
    code, out, _ = run(["lint", str(pack)])
    assert code == 1 and "malformed" not in out


def test_error_lines_escape_terminal_controls(tmp_path: Path) -> None:
    code, _, err = run(["show", "./\x1b]0;owned\x07"])
    assert code == 2 and "\x1b" not in err and "\\x1b" in err


# -- the real process: stdin bytes and the output encoding ---------------------------------


def _process(args: list[str], stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "xueji_rules", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_invalid_utf8_on_stdin_exits_2(req: str) -> None:
    done = _process([*DECIDE, req, "--record", "-"], b'{"id": "\xff\xfe"}')
    assert done.returncode == 2
    assert b"not UTF-8 text" in done.stderr and b"Traceback" not in done.stderr


def test_an_ascii_locale_degrades_to_escapes_and_json_stays_valid(req: str) -> None:
    record = json.dumps({**RECORD, "id": "G1\u0085"}, ensure_ascii=False).encode()
    ascii_run = _process([*DECIDE, req, "--record", "-"], record, PYTHONIOENCODING="ascii")
    utf8_run = _process([*DECIDE, req, "--record", "-"], record, PYTHONIOENCODING="utf-8")
    assert ascii_run.returncode == 0 and b"Traceback" not in ascii_run.stderr
    ascii_run.stdout.decode("ascii")  # nothing but ASCII was written
    assert json.loads(ascii_run.stdout) == json.loads(utf8_run.stdout)
    explain = _process(
        ["explain", "--pack", "shanxi", "--request", req, "--record", "-"],
        record,
        PYTHONIOENCODING="ascii",
    )
    assert explain.returncode == 0 and b"\\u7ed3\\u8bba" in explain.stdout  # 结论


def test_the_streams_of_tests_are_left_alone() -> None:
    out = io.StringIO()
    from xueji_rules.cli._common import prepare_streams

    prepare_streams(out)
    assert out.getvalue() == ""
