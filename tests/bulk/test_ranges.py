"""``decide --batch`` from a file with workers that read byte ranges and answer in shared memory.

Every test compares with ``--jobs 1`` (the parent reads, decides and writes every line), byte for
byte, and checks that the ranged path really ran (a spy on ``batch._run_ranged``).
"""

from __future__ import annotations

import functools
import io
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bulk.conftest import ROOT, damaged, scenario_pairs
from xueji_rules import Engine
from xueji_rules.bulk import _ranges, batch
from xueji_rules.bulk._blocks import block_lines
from xueji_rules.bulk._ranges import RangeJob, cut_ranges, decide_range
from xueji_rules.bulk._worker import WorkerFailed
from xueji_rules.cli import main

# -- cutting a file into chunks ----------------------------------------------------------------

_line = st.sampled_from([b"", b" ", b"{}", b"x" * 7, b"\xff", b"a\r", b"\r"])
_files = st.tuples(st.lists(_line, max_size=30), st.booleans()).map(
    lambda t: b"\n".join(t[0]) + (b"\n" if t[1] and t[0] else b"")
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    data=_files,
    lines=st.integers(min_value=1, max_value=6),
    block=st.integers(min_value=1, max_value=17),
    skip=st.integers(min_value=0, max_value=3),
)
def test_chunks_cover_the_file_and_number_lines_as_the_reader_does(
    data: bytes, lines: int, block: int, skip: int
) -> None:
    start = min(skip, len(data))
    read_at = lambda size, offset: data[offset : offset + size]  # noqa: E731
    cuts = list(cut_ranges(read_at, start, lines, block))
    expected = list(block_lines(io.BytesIO(data[start:]).read1, 1 << 20, block))
    # contiguous, from where reading starts to the end of the file
    position = start
    for offset, length, _, _ in cuts:
        assert offset == position and length > 0
        position += length
    assert position == len(data)
    # every chunk but the last ends with a newline and has exactly `lines` lines; the rows a
    # worker reads from each range are the reader's own rows, with the same absolute numbers
    rows = []
    for index, (offset, length, first, count) in enumerate(cuts):
        piece = data[offset : offset + length]
        if index < len(cuts) - 1:
            assert piece.endswith(b"\n") and count == lines
        got = list(block_lines(io.BytesIO(piece).read1, 1 << 20, block, first=first))
        assert len(got) == count and (not got or got[0][0] == first)
        rows += got
    assert rows == expected


# -- the command line: the same bytes as one job -----------------------------------------------


@pytest.fixture
def ranged_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the runs that took the byte-range path (so a test cannot pass on the other)."""
    calls: list[int] = []
    real = batch._run_ranged

    def spy(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        real(*args, **kwargs)

    monkeypatch.setattr(batch, "_run_ranged", spy)
    return calls


def _lines_of(pairs: list[Any]) -> list[bytes]:
    return [
        json.dumps({"id": f"r{i}", "record": r, "request": q}, ensure_ascii=False).encode()
        for i, (r, q) in enumerate(pairs)
    ]


@pytest.fixture(scope="module")
def good_lines() -> list[bytes]:
    pairs = scenario_pairs("shanxi")
    return _lines_of(pairs[:40] + damaged(pairs, seed=11, count=20))


def _decide(
    path: Path, out: Path, jobs: int, *extra: str, chunk: int = 4
) -> tuple[int, dict[str, Any], str]:
    summary = out.with_suffix(".summary.json")
    text = io.StringIO()
    code = main(
        ["decide", "--pack", "shanxi", "--batch", str(path), "-o", str(out), "--jobs", str(jobs),
         "--chunk-size", str(chunk), "--summary", str(summary), *extra],
        out=text, err=io.StringIO(),
    )  # fmt: skip
    data = json.loads(summary.read_text(encoding="utf-8"))
    for key in ("seconds", "cpu_seconds", "worker_cpu_seconds", "jobs"):
        data.pop(key)
    summary.unlink()
    return code, data, text.getvalue()


def _files(good: list[bytes]) -> dict[str, bytes]:
    bad = [b"{oops", b"[1]", b'{"record": {}}', b"\xff\xfe"]
    at_boundaries = list(good[:24])
    for position, line in zip((3, 4, 8, 13, 16), [*bad, b""], strict=False):
        at_boundaries.insert(position, line)  # last line of a chunk, first of the next, ...
    crlf = [line + b"\r" for line in good[:9]]
    return {
        "bad_lines_at_chunk_boundaries": b"\n".join(at_boundaries) + b"\n",
        "no_final_newline": b"\n".join([*good[:10], bad[0]]),
        "full_last_chunk_without_newline": b"\n".join(good[:8]),
        "blank_lines_and_spaces": b"\n".join([b"", good[0], b"   ", b"", good[1], b""]) + b"\n",
        "crlf": b"\n".join(crlf) + b"\n",
        "one_line_without_newline": good[0],
        "only_newlines": b"\n\n\n",
        "empty": b"",
    }


@pytest.mark.parametrize(
    "name",
    [
        "bad_lines_at_chunk_boundaries",
        "no_final_newline",
        "full_last_chunk_without_newline",
        "blank_lines_and_spaces",
        "crlf",
        "one_line_without_newline",
        "only_newlines",
        "empty",
    ],
)
def test_two_jobs_write_what_one_job_writes(
    name: str, good_lines: list[bytes], tmp_path: Path, ranged_runs: list[int]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(_files(good_lines)[name])
    one = _decide(path, tmp_path / "one.jsonl", 1)
    two = _decide(path, tmp_path / "two.jsonl", 2)
    assert ranged_runs == [1]
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert one[:2] == two[:2]  # exit status and summary: counts, bad lines and their numbers
    # nothing else was created beside the output (no temporary files, no leftovers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "one.jsonl", "two.jsonl"]


def test_bad_lines_keep_their_absolute_numbers(
    good_lines: list[bytes], tmp_path: Path, ranged_runs: list[int]
) -> None:
    path = tmp_path / "in.jsonl"
    lines = list(good_lines[:30])
    for number in (4, 5, 9, 21, 30):  # 1-based; chunks of 4: last and first lines of chunks
        lines[number - 1] = b"{not json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, summary, _ = _decide(path, tmp_path / "out.jsonl", 2)
    assert ranged_runs == [1]
    assert code == 1
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()]
    assert [r["line"] for r in rows] == list(range(1, 31))
    bad = [r["line"] for r in rows if "error" in r and "not valid JSON" in r["error"]["detail"]]
    assert bad == [4, 5, 9, 21, 30]
    listed = [e["line"] for e in summary["error_examples"]]
    assert set(bad) <= set(listed)
    assert all(e["error"].startswith(f"{path}:{e['line']}: ") for e in summary["error_examples"])


def test_a_chunk_too_big_for_its_slot_comes_back_through_the_pipe(
    good_lines: list[bytes],
    tmp_path: Path,
    ranged_runs: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(_files(good_lines)["bad_lines_at_chunk_boundaries"])
    _decide(path, tmp_path / "one.jsonl", 1)
    # 12 kB slots: chunks of four decisions fit or not depending on their text
    monkeypatch.setattr(batch, "slot_bytes", lambda _chunk: 12_000)
    _decide(path, tmp_path / "two.jsonl", 2)
    assert ranged_runs == [1]
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


# -- failures: the output keeps whole lines, nothing is left behind ------------------------------


def _failing_rows(kind: str, after: int) -> Any:
    real = _ranges.decide_rows

    def decide_rows(engine: Engine, job: tuple[str, list[tuple[int, Any]]]) -> Any:
        if job[1] and job[1][0][0] > after:
            if kind == "exit":
                os._exit(3)  # a worker killed (out of memory, a signal)
            from xueji_rules.errors import EvaluationError

            raise EvaluationError("planted failure in a worker")
        return real(engine, job)

    return decide_rows


@pytest.mark.parametrize(
    ("kind", "message"),
    [("raise", "planted failure in a worker"), ("exit", "a worker process stopped unexpectedly")],
)
def test_a_worker_failure_exits_two_and_leaves_whole_lines(
    kind: str,
    message: str,
    good_lines: list[bytes],
    tmp_path: Path,
    ranged_runs: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(good_lines) + b"\n")
    _decide(path, tmp_path / "one.jsonl", 1)
    # workers are forked after this: they run the failing function from chunk 3 on
    monkeypatch.setattr(_ranges, "decide_rows", _failing_rows(kind, after=8))
    err = io.StringIO()
    code = main(
        ["decide", "--pack", "shanxi", "--batch", str(path), "-o", str(tmp_path / "two.jsonl"),
         "--jobs", "2", "--chunk-size", "4"],
        out=io.StringIO(), err=err,
    )  # fmt: skip
    assert ranged_runs == [1]
    assert code == 2 and message in err.getvalue() and "Traceback" not in err.getvalue()
    written = (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.jsonl").read_bytes().startswith(written)
    # whole chunks only: the two before the failure (a killed worker also fails the chunks
    # in flight, which may include those)
    assert written == b"" or written.endswith(b"\n")
    assert written.count(b"\n") == 8 if kind == "raise" else written.count(b"\n") in (0, 4, 8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "one.jsonl", "two.jsonl"]
    assert not _ranges._MAPPINGS and not multiprocessing.active_children()


def test_ctrl_c_stops_the_workers_and_frees_the_shared_memory(
    good_lines: list[bytes], tmp_path: Path, shanxi: Engine, ranged_runs: list[int]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(good_lines) + b"\n")
    written: list[bytes] = []

    def interrupt(done: int, summary: batch.BatchSummary) -> None:
        if summary.lines >= 12:
            raise KeyboardInterrupt

    with path.open("rb") as stream, pytest.raises(KeyboardInterrupt):
        batch.run_batch(
            shanxi, stream, written.append, encoded=True, jobs=2, chunk_size=4,
            on_chunk=interrupt,
        )  # fmt: skip
    assert ranged_runs == [1]
    assert not _ranges._MAPPINGS and not multiprocessing.active_children()
    assert [line["line"] for line in map(json.loads, b"".join(written).splitlines())] == list(
        range(1, 13)
    )


def test_a_worker_refuses_a_range_of_another_file_or_past_the_end(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"{}\n")
    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        job = RangeJob("in.jsonl", handle.fileno(), (info.st_dev, info.st_ino + 1), 0, 3, 1, 1,
                       0, 0)  # fmt: skip
        with pytest.raises(WorkerFailed, match="another file than the batch file"):
            decide_range(job)
        shrunk = job._replace(identity=(info.st_dev, info.st_ino), offset=2, length=10)
        with pytest.raises(WorkerFailed, match="became shorter while it was being decided"):
            decide_range(shrunk)


# -- library callers, standard input and output -------------------------------------------------


def test_a_callback_gets_bytes_it_may_keep_and_reading_starts_where_the_stream_is(
    good_lines: list[bytes], tmp_path: Path, shanxi: Engine, ranged_runs: list[int]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join([b"skipped by the caller", *good_lines]) + b"\n")
    outputs = []
    for jobs in (1, 2):
        kept: list[Any] = []
        with path.open("rb") as stream:
            stream.readline()
            summary = batch.run_batch(shanxi, stream, kept.append, encoded=True, jobs=jobs,
                                      chunk_size=4)  # fmt: skip
            assert stream.read() == b""  # the stream is left at the end, as reading leaves it
        assert all(isinstance(piece, bytes) for piece in kept)
        outputs.append((b"".join(kept), summary.lines, summary.errors))
    assert ranged_runs == [1]
    assert outputs[0] == outputs[1] and outputs[0][1] == len(good_lines)


def test_stdout_text_output_and_stdin_input(
    good_lines: list[bytes], tmp_path: Path, ranged_runs: list[int]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(_files(good_lines)["bad_lines_at_chunk_boundaries"])
    _decide(path, tmp_path / "one.jsonl", 1)
    expected = (tmp_path / "one.jsonl").read_text(encoding="utf-8")
    # a file to standard output (a text stream here): workers read ranges, text written here
    out = io.StringIO()
    main(["decide", "--pack", "shanxi", "--batch", str(path), "--jobs", "2", "--chunk-size", "4"],
         out=out, err=io.StringIO())  # fmt: skip
    assert ranged_runs == [1] and out.getvalue() == expected
    # standard input that is not a file: read here and sent to the workers, as before
    out = io.StringIO()
    stdin = io.StringIO(path.read_text(encoding="utf-8", errors="surrogateescape"))
    main(["decide", "--pack", "shanxi", "--batch", "-", "--jobs", "2", "--chunk-size", "4"],
         out=out, err=io.StringIO(), stdin=stdin)  # fmt: skip
    assert ranged_runs == [1]  # not taken again
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["line"] for r in rows] == [json.loads(x)["line"] for x in expected.splitlines()]


def test_workers_started_by_spawn_get_lines_through_the_pipe(
    good_lines: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an inherited descriptor and shared memory need fork; elsewhere the parent reads the lines
    monkeypatch.setattr(batch, "pool_start_method", lambda: "spawn")
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(good_lines[:6]) + b"\n")
    with path.open("rb") as stream:
        assert not batch._by_range(stream)
    monkeypatch.undo()
    with path.open("rb") as stream:
        assert batch._by_range(stream)
    assert not batch._by_range(io.BytesIO(b"{}\n"))
    with path.open("r", encoding="utf-8") as text:  # a text stream: read and split here
        assert not batch._by_range(text)


def test_redirected_standard_streams_in_a_real_process(
    good_lines: list[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(_files(good_lines)["bad_lines_at_chunk_boundaries"])
    _decide(path, tmp_path / "one.jsonl", 1)
    command = [sys.executable, "-m", "xueji_rules", "decide", "--pack", "shanxi", "--batch",
               "-", "--jobs", "2", "--chunk-size", "4"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    # stdin a regular file (workers read its ranges), stdout a file; then both pipes
    with path.open("rb") as stdin, (tmp_path / "two.jsonl").open("wb") as stdout:
        done = subprocess.run(command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                              env=env, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    piped = subprocess.run(command, input=path.read_bytes(), capture_output=True, env=env,
                           check=False)  # fmt: skip
    expected = (tmp_path / "one.jsonl").read_bytes()
    assert (tmp_path / "two.jsonl").read_bytes() == expected == piped.stdout
    assert b"<stdin>:4: not valid JSON" in done.stderr


def test_pread_reader_is_what_the_worker_uses(tmp_path: Path) -> None:
    """The range reader and the parent's cutting agree on a real file (not only on bytes)."""
    path = tmp_path / "in.jsonl"
    data = b"".join(b"line %d\n" % n for n in range(1, 2001)) + b"tail"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        cuts = list(cut_ranges(functools.partial(os.pread, fd), 0, 256, 1000))
        rows = []
        for offset, length, first, _ in cuts:
            read1 = _ranges._range_reader(fd, offset, length)
            rows += list(block_lines(read1, 1 << 20, 300, first=first))
    finally:
        os.close(fd)
    assert rows == list(block_lines(io.BytesIO(data).read1, 1 << 20))
    assert rows[-1] == (2001, b"tail") and len(cuts) == 8
