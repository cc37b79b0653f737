"""Random command lines and hostile input files through ``xueji_rules.cli.main`` (in process).

Every case must exit 0, 1 or 2, with no exception escaping ``main`` (which a user would see as
a traceback) and no ``Traceback`` on stderr, within the per-case bound. Commands that run whole
suites (``test`` with no path, ``--boundaries``, ``coverage``, ``demo``) are left out to keep the
suite fast; their argument handling is the same code.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import case_deadline, fuzz_settings
from tests.fuzz.schema_strategies import from_schema, mutated
from xueji_rules.cli import main

RECORD = {
    "id": "G140105200901010011",
    "status": "enrolled",
    "stage": "senior_secondary",
    "grade": 11,
    "school": {"id": "140105001", "city": "太原市", "county": "小店区"},
}
REQUEST = {
    "transition": "transfer",
    "date": "2026-03-09",
    "applicant": "guardian",
    "to_school": {"id": "140202003", "city": "大同市", "county": "平城区", "vacancies": 3},
}
SCENARIO = (
    "pack: shanxi\nscenarios:\n"
    f'  - name: "窗口内\\e[31m"\n    record: {json.dumps(RECORD, ensure_ascii=False)}\n'
    f"    request: {json.dumps(REQUEST, ensure_ascii=False)}\n    expect: {{outcome: needs_approval}}\n"
)


@pytest.fixture(scope="module")
def files() -> Iterator[dict[str, str]]:
    """Input files of every kind: good, malformed, hostile (non-regular, huge, not UTF-8)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made = {
            "rec.json": json.dumps(RECORD, ensure_ascii=False),
            "req.json": json.dumps(REQUEST, ensure_ascii=False),
            "c1.json": json.dumps({**RECORD, "id": "G1\u0085\u009b"}, ensure_ascii=False),
            "rec.yaml": "id: G1\nstatus: enrolled\nstage: primary\n",
            "list.json": "[1, 2]",
            "dup.json": '{"a": 1, "a": 2}',
            "deep.json": "[" * 400 + "]" * 400,
            "bad.json": '{"a": ',
            "scenario.yaml": SCENARIO,
            "broken-scenario.yaml": "scenarios:\n  - name: x\n    record: {base: nope}\n",
        }
        for name, text in made.items():
            (root / name).write_text(text, encoding="utf-8")
        (root / "latin1.json").write_bytes(b'{"a": "\xe9"}')
        with (root / "huge.json").open("wb") as f:
            f.truncate(6_000_000)
        os.mkfifo(root / "fifo")
        (root / "dir").mkdir()
        (root / "dangling").symlink_to(root / "missing")
        paths = {
            name: str(root / name)
            for name in [*made, "latin1.json", "huge.json", "fifo", "dir", "dangling"]
        }
        paths.update({"/dev/zero": "/dev/zero", "missing": str(root / "missing"), "-": "-"})
        yield paths


_PACKS = st.sampled_from(
    [
        "shanxi",
        "national",
        "bundled:shanxi",
        "bundled:nope",
        "shanxii",
        "Shanxi",
        "./nope",
        "",
        "a" * 300,
        "./" + "a" * 300,
        "nat\0ional",
        "-",
        "/",
        "~",
        "/dev/zero",
        "my-pack",
    ]
)
_DATES = st.sampled_from(
    ["2026-03-09", "9999-12-31", "9999-03-01", "0001-01-01", "2026-02-30", "20260309", "x", ""]
)
_NUMBERS = st.sampled_from(["10", "-10", "0", "10001", "1e3", "", "٣", "99999999999999999999"])
_NOISE = st.one_of(
    st.sampled_from(
        [
            "--json",
            "-v",
            "--strict-calendar",
            "--coverage",
            "--fail-under",
            "50",
            "--pack",
            "--record",
            "--help",
            "-h",
            "--",
            "\x1b[31m",
            "--version",
        ]
    ),
    st.text(max_size=8),
)


@st.composite
def _argv(draw: st.DrawFn, files: dict[str, str]) -> list[str]:
    file = st.sampled_from(sorted(files)).map(files.__getitem__)
    command = draw(
        st.sampled_from(["decide", "explain", "lint", "show", "calendar", "test", "bogus"])
    )
    argv = [command]
    if command in ("decide", "explain"):
        argv += ["--pack", draw(_PACKS), "--record", draw(file), "--request", draw(file)]
    elif command == "lint":
        argv += draw(st.lists(_PACKS, min_size=0, max_size=2))
    elif command == "show":
        argv += [draw(_PACKS)]
    elif command == "calendar":
        sub = draw(st.sampled_from(["is-workday", "add-workdays", "between", "term", "nope"]))
        argv += [sub, draw(_DATES)]
        if sub == "add-workdays":
            argv.append(draw(_NUMBERS))
        if sub == "between":
            argv.append(draw(_DATES))
        if draw(st.booleans()):
            argv += ["--pack", draw(_PACKS)]
    elif command == "test":
        argv += [draw(file)]
        if draw(st.booleans()):
            argv += ["--pack", draw(_PACKS)]
    argv += draw(st.lists(_NOISE, max_size=2))
    if argv[0] == "test" and ("--boundaries" in argv or len(argv) == 1):
        argv = ["test", files["scenario.yaml"]]
    # a dropped value may leave an option without its argument: argparse must report that
    return argv


def run_cli(argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """Run ``main`` in process; return (status, stdout, stderr). Exceptions propagate."""
    out, err = io.StringIO(), io.StringIO()
    stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with case_deadline():
        try:
            code = main(argv, out, err, stream)
        except SystemExit as exc:  # --help: argparse exits 0 after printing
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _check(code: int, err: str) -> None:
    assert code in (0, 1, 2), code
    assert "Traceback" not in err


def test_random_command_lines_exit_0_1_or_2(files: dict[str, str], capsys: Any) -> None:
    @fuzz_settings(120)
    @given(_argv(files), st.binary(max_size=40))
    def run(argv: list[str], stdin: bytes) -> None:
        code, _, err = run_cli(argv, stdin)
        _check(code, err)

    run()


def test_generated_records_through_the_cli(files: dict[str, str]) -> None:
    records = mutated(from_schema("record.schema.json"))
    requests = mutated(from_schema("request.schema.json"))

    @fuzz_settings(30)
    @given(records, requests, st.sampled_from(["json", "yaml", "garbled"]))
    def run(record: Any, request: Any, form: str) -> None:
        text = json.dumps(record, ensure_ascii=False, default=str)
        if form == "yaml":
            text = "\n".join(
                f"{k}: {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in record.items()
            )
        elif form == "garbled":
            text = text[: len(text) // 2] + "\x00\x1b" + text[len(text) // 2 :]
        code, _, err = run_cli(
            ["decide", "--pack", "shanxi", "--record", "-", "--request", files["req.json"]],
            text.encode("utf-8", "surrogatepass"),
        )
        _check(code, err)
        code, _, err = run_cli(
            ["decide", "--pack", "national", "--record", files["rec.json"], "--request", "-"],
            json.dumps(request, default=str).encode(),
        )
        _check(code, err)

    run()
