"""Audit throughput and peak memory on a synthetic Shanxi snapshot (issue 15, DESIGN 11).

Synthesizes N students (default 1,000,000; ``xueji-rules synth``), then audits the snapshot with
``--jobs 1`` and ``--jobs 2``, each run in a fresh process so that its peak resident memory is its
own: the main process's peak and the largest worker's peak (``ru_maxrss`` of the process and of
its children) are reported, with their sum bounding the run's total. With ``--write`` the numbers
go into ``docs/performance.md`` (section ``audit``).

    .venv/bin/python benchmarks/bench_audit.py --students 1000000 --write
    .venv/bin/python benchmarks/bench_audit.py --students 100000          # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_lines, markdown_table, write_section

AS_OF = "2026-12-31"


def measure(snapshot: str, jobs: int, out: str, fmt: str) -> dict[str, float]:
    """Run in a child process: one audit; print its numbers as JSON."""
    from xueji_rules.audit import audit_snapshot

    started = time.perf_counter()
    result = audit_snapshot(snapshot, pack="shanxi", as_of=AS_OF, out=out, jobs=jobs)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "jobs": jobs,
        "format": fmt,
        "seconds": seconds,
        "bundles": result.summary.bundles,
        "findings": result.summary.findings,
        "rate": result.summary.bundles / seconds,
        "main_rss_mb": own,
        "worker_rss_mb": children if jobs > 1 else 0.0,
    }


def run_child(snapshot: Path, jobs: int, out: Path, fmt: str) -> dict[str, float]:
    load = os.getloadavg()[0]
    cmd = [
        sys.executable,
        __file__,
        "--child",
        str(snapshot),
        "--jobs",
        str(jobs),
        "--out",
        str(out),
        "--format",
        fmt,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = load, os.getloadavg()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--parquet", action="store_true", help="also audit a Parquet copy")
    parser.add_argument("--workdir", help="keep the snapshot here (default: a temporary directory)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="jsonl", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.jobs, args.out, args.format)))
        return

    from xueji_rules.audit.synth import SynthConfig, synthesize

    with tempfile.TemporaryDirectory(prefix="bench-audit-", dir=args.workdir) as tmp:
        work = Path(tmp)
        formats = ["jsonl", "parquet"] if args.parquet else ["jsonl"]
        synth_seconds: dict[str, float] = {}
        sizes: dict[str, int] = {}
        for fmt in formats:
            started = time.perf_counter()
            summary = synthesize(
                work / fmt, SynthConfig(students=args.students, seed=args.seed, format=fmt)
            )
            synth_seconds[fmt] = time.perf_counter() - started
            bundle_file = work / fmt / ("bundles.parquet" if fmt == "parquet" else "bundles.jsonl")
            sizes[fmt] = bundle_file.stat().st_size
            print(
                f"synth {fmt}: {summary.bundles} records in {synth_seconds[fmt]:.1f} s, {sizes[fmt] / 1e6:.0f} MB",
                flush=True,
            )
        runs = []
        for fmt in formats:
            outputs = []
            for jobs in (1, 2):
                out = work / f"findings-{fmt}-{jobs}.jsonl"
                result = run_child(work / fmt, jobs, out, fmt)
                outputs.append(out.read_bytes())
                runs.append(result)
                print(json.dumps(result), flush=True)
            assert outputs[0] == outputs[1], "--jobs 2 wrote different findings from --jobs 1"
        rows = [
            [
                f"{r['format']}, --jobs {int(r['jobs'])}",
                f"{r['seconds']:.1f}",
                f"{r['rate']:,.0f}",
                f"{r['main_rss_mb']:.0f}",
                f"{r['worker_rss_mb']:.0f}" if r["jobs"] > 1 else "–",
                f"{int(r['findings']):,}",
                f"{r['load_before']:.1f} / {r['load_after']:.1f}",
            ]
            for r in runs
        ]
        one = next(r for r in runs if r["jobs"] == 1 and r["format"] == "jsonl")
        two = next(r for r in runs if r["jobs"] == 2 and r["format"] == "jsonl")
        body = "\n".join(
            [
                "## Auditing a synthetic Shanxi snapshot (`benchmarks/bench_audit.py`)",
                "",
                *machine_lines(["xueji-rules", "pyarrow"]),
                f"- snapshot: `xueji-rules synth --students {args.students:,} --seed {args.seed}`, "
                f"{one['bundles']:,.0f} records (with planted twins), "
                + ", ".join(
                    f"{f} {sizes[f] / 1e6:,.0f} MB written in {synth_seconds[f]:.0f} s"
                    for f in formats
                ),
                f"- audit as of {AS_OF}: catalog §4 checks, history replay of every event, cross-record "
                "partitions and side files; `--jobs 2` output identical to `--jobs 1` (checked)",
                f"- speed-up with 2 jobs: {two['rate'] / one['rate']:.2f}×; projected at this rate, 5 million "
                f"records take about {5_000_000 / two['rate']:.0f} s with `--jobs 2` (target: 60 s)",
                "- peak RSS: the main process, and the largest worker (the run's total is at most main + "
                "jobs × worker)",
                "- the machine has 2 cores shared with other sessions: the 1-minute load average before and "
                "after each run is in the table; above 2 the runs competed for the cores and `--jobs 2` "
                "cannot show its speed-up",
                "",
                markdown_table(
                    [
                        "run",
                        "seconds",
                        "records / s",
                        "main peak RSS (MB)",
                        "worker peak RSS (MB)",
                        "findings",
                        "load avg before / after",
                    ],
                    rows,
                ),
            ]
        )
        print(body)
        if args.write:
            print(f"wrote {write_section('audit', body)}")


if __name__ == "__main__":
    main()
