"""Load test of the HTTP service on the loopback interface (bounded in time and requests).

Starts ``xueji-rules serve --pack shanxi --workers 2`` on a free port of 127.0.0.1, then

1. sends ``POST /v1/decide`` at a fixed rate (open loop: requests leave on schedule whether or
   not earlier ones have been answered) and reports p50 / p99 latency;
2. steps the rate up and reports the highest rate the service sustained: at least 97% of the
   offered rate answered, no errors, p99 under 250 ms.

The client is a minimal asyncio HTTP/1.1 client on keep-alive connections, so that it costs
the shared 2-core machine as little as possible; it still runs on the same cores as the server,
which the numbers include. Every request goes to 127.0.0.1 only, each step lasts a few seconds,
and the whole run stops by itself (under two minutes with ``--write``, about 40 s ``--quick``).

    .venv/bin/python benchmarks/bench_service.py --quick
    .venv/bin/python benchmarks/bench_service.py --write     # updates docs/performance.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_lines, markdown_table, write_section

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
RECORD = {"id": "G140105200901010011", "status": "enrolled", "stage": "senior_secondary", "grade": 11,
          "school": {"id": "140105001", "city": "太原市", "county": "小店区", "enrollment_area": "太原市区"}}  # fmt: skip
REQUEST = {"transition": "transfer", "date": "2026-03-09", "applicant": "guardian",
           "to_school": {"id": "140202003", "city": "大同市", "county": "平城区", "enrollment_area": "大同市区", "vacancies": 3},
           "hukou_move_scope": "city", "residence_moved": True, "new_hukou": {"city": "大同市"}}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xueji_rules", "serve", "--pack", "shanxi", "--host", HOST,
         "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise SystemExit("the server did not start")
    return proc, port


def _request_bytes(port: int) -> bytes:
    body = json.dumps({"record": RECORD, "request": REQUEST}, ensure_ascii=False).encode()
    head = (
        f"POST /v1/decide HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def call(self, payload: bytes) -> int:
        self.writer.write(payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


@dataclass
class Step:
    rate: float
    sent: int
    answered: int
    errors: int
    seconds: float
    latencies: list[float]

    def quantile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def achieved(self) -> float:
        return self.answered / self.seconds


async def run_step(port: int, rate: float, seconds: float, connections: int = 64) -> Step:
    payload = _request_bytes(port)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(*await asyncio.open_connection(HOST, port)))
    latencies: list[float] = []
    errors = 0
    tasks = []

    async def one(scheduled: float) -> None:
        nonlocal errors
        conn = await pool.get()
        try:
            status = await conn.call(payload)
            # latency from the scheduled send time: waiting for a free connection counts
            latencies.append(time.perf_counter() - scheduled)
            if status != 200:
                errors += 1
            pool.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            pool.put_nowait(Connection(*await asyncio.open_connection(HOST, port)))

    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    _done, pending = await asyncio.wait(tasks, timeout=10)
    for task in pending:
        task.cancel()
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().writer.close()
    return Step(rate, total, len(latencies), errors + len(pending), elapsed, latencies)


def sustained(step: Step) -> bool:
    return step.errors == 0 and step.answered >= 0.97 * step.sent and step.quantile(0.99) < 250


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter steps")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--rate", type=float, default=200.0, help="fixed rate for p50/p99")
    args = parser.parse_args()
    seconds = 4.0 if args.quick else 8.0
    load_before = os.getloadavg()[0]
    proc, port = start_server(workers=2)
    try:
        asyncio.run(run_step(port, 100, 1.0))  # warm up both workers
        fixed = asyncio.run(run_step(port, args.rate, seconds))
        print(f"fixed {args.rate:.0f}/s: p50 {fixed.quantile(0.5):.1f} ms, p99 {fixed.quantile(0.99):.1f} ms, "
              f"{fixed.answered}/{fixed.sent} answered, {fixed.errors} errors")  # fmt: skip
        steps: list[Step] = []
        best: Step | None = None
        for rate in (300, 500, 700, 850, 1000, 1100, 1200, 1350, 1500, 1750, 2000):
            step = asyncio.run(run_step(port, rate, seconds / 2))
            steps.append(step)
            ok = sustained(step)
            print(f"step {rate}/s: achieved {step.achieved:.0f}/s, p50 {step.quantile(0.5):.1f} ms, "
                  f"p99 {step.quantile(0.99):.1f} ms, errors {step.errors} -> {'ok' if ok else 'not sustained'}")  # fmt: skip
            if not ok:
                break
            best = step
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    load_after = os.getloadavg()[0]
    if args.write:
        rows = [[f"{s.rate:.0f}", f"{s.achieved:.0f}", f"{s.quantile(0.5):.1f}", f"{s.quantile(0.99):.1f}",
                 str(s.errors), "yes" if sustained(s) else "no"] for s in steps]  # fmt: skip
        body = "\n".join([
            "## The HTTP service (`benchmarks/bench_service.py`)",
            "",
            *machine_lines(["starlette", "uvicorn", "httpx"]),
            f"- cores: {os.cpu_count()}; server: `xueji-rules serve --pack shanxi --workers 2` (2 threads each), "
            "client on the same machine (asyncio, 64 keep-alive connections, loopback)",
            "- request: `POST /v1/decide`, the README's Shanxi senior-high transfer (about 9 kB of JSON answer)",
            f"- 1-minute load average before / after the run: {load_before:.1f} / {load_after:.1f} "
            "(above 2, other work competed for the 2 cores and the rates are lower than the machine can do)",
            "",
            f"At a fixed rate of {args.rate:.0f} requests/s for {seconds:.0f} s (open loop, latency from the "
            f"scheduled send time): **p50 {fixed.quantile(0.5):.1f} ms, p99 {fixed.quantile(0.99):.1f} ms**, "
            f"{fixed.answered}/{fixed.sent} answered, {fixed.errors} errors.",
            "",
            "Stepping the rate up (each step half as long; sustained = no errors, ≥ 97% answered, p99 < 250 ms):",
            "",
            markdown_table(["offered /s", "answered /s", "p50 ms", "p99 ms", "errors", "sustained"], rows),
            "",
            f"**Maximum sustained rate with 2 workers: {best.rate:.0f} requests/s**" if best else
            "**No step was sustained.**",
        ])  # fmt: skip
        write_section("service", body)
        print("wrote docs/performance.md")


if __name__ == "__main__":
    main()
