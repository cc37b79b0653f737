"""Spark local[2] against the multi-process path (``decide --batch --jobs 2``) on the same input.

The input is ``bench_batch.py``'s seeded JSONL file. The multi-process path is the real command
(its own reported run time: reading, deciding, writing). The Spark path is
``decide_dataframe(spark.read.text(FILE), "shanxi", line="value")`` written back as text (the
decision JSON of each line, or its error), on a warm session: the session start and the first
job (which starts the Python workers and builds their engines) are timed separately. Rounds
alternate the two paths; the table gives medians and the ratio of the medians.

    python benchmarks/bench_spark.py [--lines N] [--reps R] [--quick] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_lines, markdown_table, write_section
from bench_batch import run_cli, write_input


def _process_cpu() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds so far, command line), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{name}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        out[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, command)
    return out


def descendants(table: dict[int, tuple[int, float, str]]) -> set[int]:
    """The live processes below this one (the JVM, its Python workers) in a ``/proc`` table."""
    tree = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _, _) in table.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    tree.discard(os.getpid())
    return tree


def spark_cpu() -> tuple[float, float]:
    """CPU seconds so far of this process's JVM and of its Python workers (live processes)."""
    table = _process_cpu()
    tree = descendants(table)
    jvm = sum(table[p][1] for p in tree if "java" in table[p][2])
    python = sum(table[p][1] for p in tree if "java" not in table[p][2])
    return jvm, python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20,000 lines, 2 rounds")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    lines, reps = (20_000, 2) if args.quick else (args.lines, args.reps)

    from pyspark.sql import functions as F

    from xueji_rules.spark import decide_dataframe, local_session

    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        folder = Path(tmp)
        source = folder / "requests.jsonl"
        bad = write_input(source, lines)
        size = source.stat().st_size
        print(f"input: {lines:,} lines ({bad} bad), {size / 1e6:.1f} MB", flush=True)
        started = time.perf_counter()
        # about 16 input splits, so the two cores stay busy to the end
        split = max(1 << 20, size // 16)
        spark = local_session(
            cores=2,
            app_name="xueji-rules-bench",
            **{
                "spark.sql.files.maxPartitionBytes": str(split),
                "spark.driver.memory": "2g",
                "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
            },
        )
        spark.sparkContext.setLogLevel("ERROR")
        session_s = time.perf_counter() - started

        spark_cpus: list[tuple[float, float]] = []

        def spark_run(path: Path, out: Path) -> float:
            before = spark_cpu()
            t0 = time.perf_counter()
            frame = decide_dataframe(spark.read.text(str(path)), "shanxi", line="value")
            text = frame.select(F.coalesce("decision", "error").alias("value"))
            text.write.mode("overwrite").text(str(out))
            seconds = time.perf_counter() - t0
            after = spark_cpu()
            spark_cpus.append((after[0] - before[0], after[1] - before[1]))
            return seconds

        warm = folder / "warm.jsonl"
        with source.open(encoding="utf-8") as full, warm.open("w", encoding="utf-8") as part:
            for _, row in zip(range(2000), full, strict=False):
                part.write(row)
        first_s = spark_run(warm, folder / "warm-out")
        load_before = os.getloadavg()
        cli: list[float] = []
        cli_cpus: list[float] = []
        sparks: list[float] = []
        for rep in range(reps):
            for which in ("cli", "spark") if rep % 2 == 0 else ("spark", "cli"):
                if which == "cli":
                    result = run_cli(source, folder / "cli.jsonl", 2)
                    cli.append(result["run"])
                    cli_cpus.append(result["parent_cpu"] + result["worker_cpu"])
                else:
                    sparks.append(spark_run(source, folder / "spark-out"))
            print(
                f"round {rep + 1}: jobs 2 {lines / cli[-1]:,.0f} lines/s, "
                f"Spark local[2] {lines / sparks[-1]:,.0f} lines/s",
                flush=True,
            )
        load_after = os.getloadavg()
        written = sum(
            1 for f in (folder / "spark-out").glob("part-*") for _ in f.open(encoding="utf-8")
        )
        spark.stop()
    if written != lines:
        raise SystemExit(f"Spark wrote {written} lines for {lines}")
    cli_m, spark_m = statistics.median(cli), statistics.median(sparks)
    cli_cpu = statistics.median(cli_cpus)
    jvm_cpu = statistics.median(c[0] for c in spark_cpus[1:])
    py_cpu = statistics.median(c[1] for c in spark_cpus[1:])
    table = markdown_table(
        ["path", "lines/s", "seconds (median)", "CPU s (median)", "cores kept busy"],
        [
            [
                "`decide --batch --jobs 2`",
                f"{lines / cli_m:,.0f}",
                f"{cli_m:.1f}",
                f"{cli_cpu:.1f} (main process and workers)",
                f"{cli_cpu / cli_m:.2f}",
            ],
            [
                "Spark `local[2]`, `decide_dataframe`",
                f"{lines / spark_m:,.0f}",
                f"{spark_m:.1f}",
                f"{jvm_cpu + py_cpu:.1f} (JVM {jvm_cpu:.1f}, Python workers {py_cpu:.1f})",
                f"{(jvm_cpu + py_cpu) / spark_m:.2f}",
            ],
        ],
    )
    section = "\n".join([
        "## Bulk decisions on Spark (`benchmarks/bench_spark.py`)",
        "",
        *machine_lines(["xueji-rules", "pyspark", "pyarrow"]),
        f"- cores: {os.cpu_count()}; load average before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f} (shared machine)",
        f"- input: the `bench_batch.py` file, {lines:,} lines ({size / 1e6:.0f} MB); {reps} "
        "rounds, alternating; Spark reads it with `spark.read.text` in about 16 splits and "
        "writes each line's decision or error as text",
        f"- Spark session start {session_s:.1f} s and first job on 2,000 lines {first_s:.1f} s "
        "(Python workers start, each builds its engine once), not in the table",
        "",
        table,
        "",
        f"Spark local[2] takes **{spark_m / cli_m:.2f}×** the time of the multi-process path "
        f"(target: within 2×) and {(jvm_cpu + py_cpu) / cli_cpu:.2f}× its CPU time. The CPU "
        "columns say where a gap comes from: the work each path does, or how much of the two "
        "shared cores it got while other sessions ran (CPU seconds per wall second).",
    ])  # fmt: skip
    print(section)
    if args.write:
        write_section("spark", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
