"""The whole audit on Spark ``local[2]`` against ``xueji-rules audit --jobs 2`` on the same snapshot.

The Spark path is ``audit_snapshot_dataframe(spark, SNAPSHOT, "shanxi", AS_OF)`` — per-record
checks, history replay, the ``groupBy`` of cross-record facts, side files — written out as the
findings' JSON text. The single-machine path (``--single``) is ``bench_audit.py``'s child run
with ``--jobs 2``; both outputs are then compared as sorted lines (they must be equal).

Measured per run: wall seconds (session start apart), CPU seconds of the JVM and of the Python
workers (from ``/proc``), and peak resident memory of the JVM and of the largest Python worker,
sampled every 0.2 s — the memory one task slot needs.

    .venv/bin/xueji-rules synth --students 1000000 --seed 15 -o /tmp/s1m     # once
    python benchmarks/bench_spark_audit.py --snapshot /tmp/s1m --single [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_lines, markdown_table, write_section
from bench_audit import AS_OF, run_child
from bench_spark import _process_cpu, descendants, spark_cpu


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakMemory:
    """Samples the resident memory of this process's JVM and Python workers."""

    def __init__(self) -> None:
        self.jvm = 0.0
        self.worker = 0.0
        self.workers: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            table = _process_cpu()
            for pid in descendants(table):
                rss = _rss_mb(pid)
                if "java" in table[pid][2]:
                    self.jvm = max(self.jvm, rss)
                elif "pyspark" in table[pid][2] or "python" in table[pid][2]:
                    self.worker = max(self.worker, rss)
                    self.workers.add(pid)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _lines(folder: Path) -> list[str]:
    out: list[str] = []
    for part in sorted(folder.glob("part-*")):
        out += part.read_text(encoding="utf-8").splitlines()
    return out


def spark_run(spark: Any, snapshot: Path, out: Path) -> dict[str, Any]:
    from xueji_rules.spark import audit_snapshot_dataframe

    before = spark_cpu()
    started = time.perf_counter()
    with PeakMemory() as peak:
        frame = audit_snapshot_dataframe(spark, snapshot, "shanxi", AS_OF)
        frame.select("finding").write.mode("overwrite").text(str(out))
    seconds = time.perf_counter() - started
    after = spark_cpu()
    return {
        "seconds": seconds,
        "jvm_cpu": after[0] - before[0],
        "python_cpu": after[1] - before[1],
        "jvm_rss_mb": peak.jvm,
        "worker_rss_mb": peak.worker,
    }


def _records(snapshot: Path) -> int:
    with open(snapshot / "bundles.jsonl", "rb") as handle:
        return sum(1 for line in handle if line.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", action="append", required=True, help="a JSONL snapshot")
    parser.add_argument("--single", action="store_true", help="also audit with --jobs 2, compare")
    parser.add_argument("--shuffle-partitions", type=int, default=64)
    parser.add_argument("--workdir", help="where the outputs go (default: a temporary folder)")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)

    from xueji_rules.spark import local_session

    started = time.perf_counter()
    spark = local_session(
        cores=2,
        app_name="xueji-rules-bench-audit",
        **{
            "spark.driver.memory": "2g",
            "spark.sql.shuffle.partitions": str(args.shuffle_partitions),
        },
    )
    spark.sparkContext.setLogLevel("ERROR")
    session_s = time.perf_counter() - started
    rows = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="bench-spark-audit-", dir=args.workdir) as tmp:
        work = Path(tmp)
        for name in args.snapshot:
            snapshot = Path(name)
            records = _records(snapshot)
            load = os.getloadavg()[0]
            result = spark_run(spark, snapshot, work / "spark-out")
            result["load"] = (load, os.getloadavg()[0])
            found = sorted(_lines(work / "spark-out"))
            print(json.dumps({"snapshot": name, "records": records, **result}), flush=True)
            cpu = result["jvm_cpu"] + result["python_cpu"]
            rows.append([
                f"{records:,}, Spark `local[2]`",
                f"{result['seconds']:.0f}",
                f"{records / result['seconds']:,.0f}",
                f"{cpu:.0f} (JVM {result['jvm_cpu']:.0f}, Python {result['python_cpu']:.0f})",
                f"{cpu / records * 1e6:.0f}",
                f"JVM {result['jvm_rss_mb']:.0f}, Python worker {result['worker_rss_mb']:.0f}",
                f"{len(found):,}",
                f"{result['load'][0]:.1f} / {result['load'][1]:.1f}",
            ])  # fmt: skip
            if args.single:
                out = work / "single.jsonl"
                single = run_child(snapshot, 2, out, "")
                print(json.dumps(single), flush=True)
                same = sorted(out.read_text(encoding="utf-8").splitlines()) == found
                notes.append(
                    f"{records:,} records: Spark's findings "
                    + ("equal" if same else "**differ from**")
                    + f" the single machine's, line for line ({len(found):,} findings); "
                    f"Spark took {result['seconds'] / single['seconds']:.2f}× the wall time and "
                    f"{cpu / single['cpu']:.2f}× the CPU time of `--jobs 2`"
                )
                rows.append([
                    f"{records:,}, `audit --jobs 2`",
                    f"{single['seconds']:.0f}",
                    f"{records / single['seconds']:,.0f}",
                    f"{single['cpu']:.0f}",
                    f"{single['cpu'] / records * 1e6:.0f}",
                    f"main {single['main_rss_mb']:.0f}, worker {single['worker_rss_mb']:.0f}",
                    f"{single['findings']:,}",
                    f"{single['load_before']:.1f} / {single['load_after']:.1f}",
                ])  # fmt: skip
                out.unlink()
                if not same:
                    print("MISMATCH between Spark and the single machine", flush=True)
    spark.stop()
    table = markdown_table(
        ["run", "wall s", "records / s", "CPU s", "µs CPU / record", "peak RSS (MB)",
         "findings", "load avg before / after"],
        rows,
    )  # fmt: skip
    section = "\n".join([
        "## The audit on Spark (`benchmarks/bench_spark_audit.py`)",
        "",
        *machine_lines(["xueji-rules", "pyspark", "pyarrow", "orjson"]),
        f"- snapshots: `xueji-rules synth --seed 15`, JSONL; audit as of {AS_OF}; "
        f"`audit_snapshot_dataframe` in `local[2]`, driver memory 2g, "
        f"{args.shuffle_partitions} shuffle partitions, findings written as text",
        f"- Spark session start {session_s:.1f} s, not in the table; the first job's Python "
        "workers start and build their audit context inside the measured time",
        "- peak RSS sampled every 0.2 s: the JVM (driver and executor in one in local mode) and "
        "the largest Python worker (one per task slot)",
        *(f"- {note}" for note in notes),
        "",
        table,
    ])  # fmt: skip
    print(section)
    if args.write:
        write_section("spark-audit", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
