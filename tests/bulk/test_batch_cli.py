"""``xueji-rules decide --batch``: order, error lines, summary, exit status, streams, progress."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.bulk.conftest import ROOT, damaged, scenario_pairs
from xueji_rules import Engine
from xueji_rules._schemas import validator_for
from xueji_rules.bulk import LineError, Oversized, iter_lines, parse_line
from xueji_rules.cli import _batch, main
from xueji_rules.errors import InputError

BAD_LINES = [
    b"not json",
    b"[1, 2]",
    b'{"record": {}, "request": {}, "extra": 1}',
    b'{"record": {"id": "G1"}}',
    b'{"id": "", "record": {}, "request": {}}',
    b'{"id": "ok", "record": [], "request": {}}',
    b"\xff\xfe broken utf-8",
    b'{"record": ' * 5000 + b"}" * 5000,
]


def _write_input(path: Path, pairs: list[Any], bad: bool = True) -> list[bytes]:
    lines = []
    for index, (record, request) in enumerate(pairs):
        ident: Any = f"req-{index}" if index % 3 else index
        lines.append(json.dumps({"id": ident, "record": record, "request": request}).encode())
    if bad:
        for offset, line in enumerate(BAD_LINES):
            lines.insert(7 * offset + 3, line)
        lines.insert(5, b"   ")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return lines


def _run(*argv: str, stdin: Any = None) -> tuple[int, str, str]:
    out = io.StringIO()
    err_before = sys.stderr
    err = io.StringIO()
    sys.stderr = err
    try:
        code = main(list(argv), out=out, err=err, stdin=stdin or io.StringIO(""))
    finally:
        sys.stderr = err_before
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    pairs = scenario_pairs("shanxi")
    pairs = pairs + damaged(pairs, seed=5, count=60)
    path = tmp_path_factory.mktemp("batch") / "requests.jsonl"
    return path, _write_input(path, pairs)


def test_one_and_two_jobs_write_the_same_bytes(
    batch_file: tuple[Path, list[bytes]], tmp_path: Path
) -> None:
    path, _lines = batch_file
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out{jobs}.jsonl"
        code, out, _ = _run(
            "decide", "--pack", "shanxi", "--batch", str(path), "-o", str(target),
            "--jobs", jobs, "--chunk-size", "16",
        )  # fmt: skip
        assert code == 1, out  # the planted bad lines
        outputs.append(target.read_bytes())
        assert f"{len(BAD_LINES)}" in out and "bad line(s) skipped" in out
    assert outputs[0] == outputs[1]


def test_output_lines_follow_input_and_schema(
    batch_file: tuple[Path, list[bytes]], tmp_path: Path, shanxi: Engine
) -> None:
    path, lines = batch_file
    code, out, err = _run("decide", "--pack", "shanxi", "--batch", str(path))
    assert code == 1
    rows = [json.loads(x) for x in out.splitlines()]
    non_blank = [n for n, raw in enumerate(lines, start=1) if raw.strip()]
    assert [r["line"] for r in rows] == non_blank  # every non-blank line, in order
    validator = validator_for("batch-output.schema.json")
    for row in rows[:200]:
        assert not list(validator.iter_errors(row)), row
    errors = [r for r in rows if "error" in r]
    assert {r["line"] for r in errors} >= {
        n for n, raw in enumerate(lines, start=1) if raw in BAD_LINES
    }
    # each decision equals the engine's own
    for row in rows:
        if "decision" in row:
            data = json.loads(lines[row["line"] - 1])
            expected = shanxi.decide(data["record"], data["request"]).to_json()
            assert row["decision"] == expected
            assert row["id"] == data["id"]
    # the summary went to stderr (decisions on stdout) and names the bad lines
    assert "decided" in err and f"{path}:" in err


def test_messages_of_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(BAD_LINES) + b"\n")
    code, out, err = _run("decide", "--pack", "shanxi", "--batch", str(path), "-o", "-")
    assert code == 1
    errors = [json.loads(x)["error"] for x in out.splitlines()]
    assert len(errors) == len(BAD_LINES)
    expected = [
        ("malformed-json", "not valid JSON"),
        ("bad-input", "must be a JSON object, not list"),
        ("bad-input", "unknown key(s) 'extra'"),
        ("bad-input", "missing 'request'"),
        ("bad-input", "id must be a string"),
        ("bad-input", "'record' must be a JSON object"),
        ("malformed-json", "not UTF-8 text (byte 1)"),
        ("malformed-json", "nested too deeply"),
    ]
    for number, (error, (kind, fragment)) in enumerate(zip(errors, expected, strict=True), 1):
        # a problem object (RFC 9457) that does not depend on where the line came from; the
        # summary on stderr names the file and line
        assert error["type"] == "https://xueji-rules.example/problems/" + kind
        assert fragment in error["detail"] and "status" not in error
        assert error["detail"] == "\n".join(p["message"] for p in error["problems"])
        assert "bad.jsonl" not in error["detail"]
        assert f"bad.jsonl:{number}: " in err


def test_summary_of_an_unknown_id_leaves_out_the_known_list(tmp_path: Path) -> None:
    record, request = scenario_pairs("shanxi")[0]
    path = tmp_path / "typo.jsonl"
    line = {"record": record, "request": {**request, "ground": "ilness"}}
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = _run("decide", "--pack", "shanxi", "--batch", str(path), "-o", "-")
    assert code == 1
    # the output line keeps the whole message; the summary keeps the suggestion only
    assert "(known: " in json.loads(out)["error"]["detail"]
    summary = next(x for x in err.splitlines() if "typo.jsonl:1: " in x)
    assert "did you mean 'illness'?" in summary and "(known: " not in summary
    # the accepted ids are also given as data, for a client that offers a choice
    (problem,) = json.loads(out)["error"]["problems"]
    assert problem["path"] == "request.ground" and "illness" in problem["known"]
    assert problem["known"] == sorted(problem["known"])


def test_summary_of_an_unknown_line_key_keeps_it_and_drops_the_known_keys(tmp_path: Path) -> None:
    record, request = scenario_pairs("shanxi")[0]
    path = tmp_path / "keys.jsonl"
    line = {"record": record, "request": request, "note": "x (known: id)"}
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = _run("decide", "--pack", "shanxi", "--batch", str(path), "-o", "-")
    assert code == 1
    (problem,) = json.loads(out)["error"]["problems"]
    assert problem["known"] == ["id", "record", "request"]
    assert problem["message"].endswith("(known: id, record, request)")
    summary = next(x for x in err.splitlines() if "keys.jsonl:1: " in x)
    assert summary.endswith("unknown key(s) 'note'")


def test_strict_json_in_batch_lines(tmp_path: Path) -> None:
    record, request = scenario_pairs("shanxi")[0]
    good = json.dumps({"record": record, "request": request})
    lines = [
        good.replace("{", '{"record": {}, ', 1),  # a duplicate key
        good[:-1] + ', "id": NaN}',
    ]
    path = tmp_path / "strict.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, out, _ = _run("decide", "--pack", "shanxi", "--batch", str(path), "-o", "-")
    assert code == 1
    first, second = (json.loads(x)["error"] for x in out.splitlines())
    assert first["detail"] == "not valid JSON: duplicate key 'record'"
    assert second["detail"] == "not valid JSON: NaN is not a JSON number"


def test_all_good_exits_zero_and_summary_json(tmp_path: Path) -> None:
    path = tmp_path / "good.jsonl"
    _write_input(path, scenario_pairs("national")[:30], bad=False)
    summary = tmp_path / "summary.json"
    out_file = tmp_path / "decisions.jsonl"
    code, out, _ = _run(
        "decide", "--pack", "national", "--batch", str(path), "-o", str(out_file),
        "--summary", str(summary), "--jobs", "2",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(summary.read_text())
    assert data["lines"] == 30 and data["decided"] == 30 and data["errors"] == 0
    assert sum(data["by_outcome"].values()) == 30
    assert len(out_file.read_text().splitlines()) == 30


def test_stdin_and_stdout(tmp_path: Path) -> None:
    record, request = scenario_pairs("shanxi")[0]
    text = json.dumps({"record": record, "request": request}) + "\n" + "{oops\n"
    code, out, _err = _run("decide", "--pack", "shanxi", "--batch", "-", stdin=io.StringIO(text))
    assert code == 1
    first, second = (json.loads(x) for x in out.splitlines())
    assert "id" not in first and first["line"] == 1 and "decision" in first
    assert second["line"] == 2 and second["error"]["type"].endswith("/malformed-json")
    assert "<stdin>:2: not valid JSON" in _err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--batch", "{missing}"], "cannot read the batch file"),
        (["--batch", "{dir}"], "cannot read the batch file: not a regular file"),
        (["--batch", "/dev/zero"], "not a regular file (read a stream with --batch -)"),
        (["--batch", "{good}", "-o", "{dir}/no/such/dir/out.jsonl"], "cannot write the output"),
        (["--batch", "{good}", "--summary", "{dir}/no/dir/s.json"], "cannot write the summary"),
        (["--batch", "{good}", "--summary", "{good}"], "a file the command already reads"),
        (["--batch", "{good}", "--record", "r.json"], "drop --record/--request"),
        (["--batch", "{good}", "--jobs", "0"], "must be at least 1"),
        (["--batch", "{good}", "-o", "{good}"], "must not be the --batch file"),
        (["--record", "r.json", "--request", "q.json", "--jobs", "2"], "only work with --batch"),
        (["--record", "r.json"], "--request"),
    ],
)
def test_unusable_input_exits_two(tmp_path: Path, argv: list[str], fragment: str) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text("")
    subs = {"missing": str(tmp_path / "missing.jsonl"), "dir": str(tmp_path), "good": str(good)}
    code, out, err = _run("decide", "--pack", "shanxi", *[a.format(**subs) for a in argv])
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err + out


def test_bad_pack_exits_two_before_creating_output(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text("")
    target = tmp_path / "out.jsonl"
    code, _, err = _run(
        "decide", "--pack", str(tmp_path / "nopack"), "--batch", str(good), "-o", str(target)
    )
    assert code == 2 and not target.exists() and "error:" in err


def test_iter_lines_refuses_overlong_lines_and_keeps_counting() -> None:
    stream = io.BytesIO(b"short\n" + b"x" * 50 + b"\nafter\n")
    rows = list(iter_lines(stream, limit=20))
    assert [n for n, _ in rows] == [1, 2, 3]
    assert rows[1][1] == Oversized(50) and rows[2][1] == b"after\n"  # newline not counted
    with pytest.raises(LineError, match="the line has 50 bytes, over the limit of 20") as caught:
        parse_line(rows[1][1], limit=20)
    assert caught.value.kind == "body-too-large"
    exact = list(iter_lines(io.BytesIO(b"x" * 20 + b"\n" + b"y" * 21), limit=20))
    assert exact == [(1, b"x" * 20 + b"\n"), (2, Oversized(21))]


def test_input_schema_matches_the_line_check() -> None:
    validator = validator_for("batch-input.schema.json")
    record, request = scenario_pairs("shanxi")[0]
    for line in (
        {"record": record, "request": request},
        {"id": 3, "record": record, "request": request},
        {"id": "a", "record": record, "request": request},
    ):
        assert not list(validator.iter_errors(line))
        assert parse_line(json.dumps(line)) is not None
    for raw in BAD_LINES[1:6]:
        data = json.loads(raw)
        assert list(validator.iter_errors(data))
        with pytest.raises(InputError):
            parse_line(raw)


@pytest.mark.parametrize("raw", [5, None, 1.5, ["{}"]], ids=repr)
def test_a_line_that_is_not_text_is_a_bad_line(raw: Any) -> None:
    """Spark hands over a column's values as they are: anything but text is a bad line."""
    with pytest.raises(LineError, match=f"a line must be text, not {type(raw).__name__}"):
        parse_line(raw)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(
    batch_file: tuple[Path, list[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, _ = batch_file
    monkeypatch.setattr(_batch, "_DELAY", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = io.StringIO()
    code = main(
        ["decide", "--pack", "shanxi", "--batch", str(path), "-o", str(tmp_path / "o.jsonl")],
        out=out, err=terminal,
    )  # fmt: skip
    assert code == 1
    assert "deciding" in terminal.getvalue() and "lines" in terminal.getvalue()
    # --no-progress on a terminal, and any run off a terminal: no bar
    terminal2 = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal2)
    main(
        ["decide", "--pack", "shanxi", "--batch", str(path), "-o", str(tmp_path / "o.jsonl"),
         "--no-progress"],
        out=io.StringIO(), err=terminal2,
    )  # fmt: skip
    assert "deciding" not in terminal2.getvalue()
    code, _, err = _run(
        "decide", "--pack", "shanxi", "--batch", str(path), "-o", str(tmp_path / "p")
    )
    assert "deciding" not in err


def test_progress_hint_without_tqdm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    path = tmp_path / "in.jsonl"
    _write_input(path, scenario_pairs("shanxi")[:3], bad=False)
    code = main(
        ["decide", "--pack", "shanxi", "--batch", str(path), "-o", str(tmp_path / "o.jsonl")],
        out=io.StringIO(), err=terminal,
    )  # fmt: skip
    assert code == 0
    assert "pip install 'xueji-rules[progress]'" in terminal.getvalue()


def test_readme_batch_example(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Batch runs", 1)[1].split("```", 2)[1]
    command = block.splitlines()[1].removeprefix("$ xueji-rules ").split()
    expected = [line for line in block.splitlines()[2:] if line.startswith("  ")]
    output = tmp_path / "decisions.jsonl"
    command[command.index("-o") + 1] = str(output)
    command[command.index("--batch") + 1] = str(ROOT / "examples/batch/requests.jsonl")
    code, out, _ = _run(*command)
    assert code == 1 and "$ echo $?\n1" in block
    shown = [line for line in out.splitlines() if line.startswith("  ")]
    assert [line.split("…")[0] for line in expected[:-1]] == shown[:-1]
    assert "examples/batch/requests.jsonl:4:" in shown[-1] and "'enroled'" in shown[-1]
    assert len(output.read_text(encoding="utf-8").splitlines()) == 7
