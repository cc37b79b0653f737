"""``decide --batch``: lines per second with one worker process and with two, in the same run.

Writes a seeded JSONL input (every scenario of the Shanxi pack and a generated population,
repeated under distinct ids up to ``--lines``, with 0.1% bad lines), then runs the real command
``xueji-rules decide --pack shanxi --batch IN -o OUT --jobs J`` as a subprocess, alternating
``--jobs 1`` and ``--jobs 2`` for ``--reps`` rounds. For each round it records the command's wall
time, the run time the command reports (reading, deciding, writing; without interpreter start
and pack loading) and the CPU time of the command; the speed-up is the ratio within each round,
and the table reports medians. The outputs of the two are compared byte for byte. The machine
is shared: the load average before and after is printed beside the numbers.

What is measured with ``--jobs 2`` (docs/scale.md, D-300): the input is a regular file and the
workers are forked, so the main process only cuts the file into byte ranges and writes the
output the workers leave in shared memory; the workers read their own lines. The CPU columns
say how the work is shared between the main process and the workers.

    python benchmarks/bench_batch.py [--lines N] [--reps R] [--quick] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_lines, markdown_table, write_section

ROOT = Path(__file__).resolve().parent.parent


def base_pairs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The Shanxi scenarios and a seeded generated population (a mix of every transition)."""
    from xueji_rules.authoring.population import generate_population
    from xueji_rules.packs.loader import load_pack
    from xueji_rules.testing.scenarios import load_scenarios

    pairs = []
    for path in sorted((ROOT / "rulepacks" / "shanxi" / "tests").glob("*.yaml")):
        pairs += [(s.record, s.request) for s in load_scenarios(path)]
    pack = load_pack("shanxi")
    pairs += generate_population([pack], sorted(pack.lifecycle.transitions), 1000, seed=7)
    return pairs


def write_input(path: Path, lines: int) -> int:
    """Write ``lines`` seeded batch lines to ``path``; return the number of bad ones."""
    pairs = base_pairs()
    bad = 0
    with path.open("w", encoding="utf-8") as handle:
        for i in range(lines):
            if i % 1000 == 999:
                handle.write(f'{{"id": "bad-{i}", "record": {{"id": 1}}}}\n')
                bad += 1
                continue
            record, request = pairs[i % len(pairs)]
            line = {"id": f"r{i}", "record": record, "request": request}
            handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    return bad


def run_cli(source: Path, target: Path, jobs: int) -> dict[str, float]:
    """One ``decide --batch`` command: wall and CPU seconds, and the summary it wrote."""
    summary = target.with_suffix(".summary.json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "xueji_rules", "decide", "--pack", "shanxi", "--batch",
         str(source), "-o", str(target), "--jobs", str(jobs), "--no-progress",
         "--summary", str(summary)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"decide --batch failed ({done.returncode}): {done.stderr[-2000:]}")
    data = json.loads(summary.read_text(encoding="utf-8"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall": wall,
        "run": data["seconds"],
        "cpu": cpu,
        "lines": data["lines"],
        "parent_cpu": data["cpu_seconds"],
        "worker_cpu": data["worker_cpu_seconds"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="20,000 lines, 3 rounds")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args(argv)
    lines, reps = (20_000, 3) if args.quick else (args.lines, args.reps)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        source = folder / "requests.jsonl"
        bad = write_input(source, lines)
        size_mb = source.stat().st_size / 1e6
        print(f"input: {lines:,} lines ({bad} bad), {size_mb:.1f} MB", flush=True)
        load_before = os.getloadavg()
        results: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for rep in range(reps):
            order = (1, 2) if rep % 2 == 0 else (2, 1)
            for jobs in order:
                results[jobs].append(run_cli(source, folder / f"out{jobs}.jsonl", jobs))
            r1, r2 = results[1][-1], results[2][-1]
            print(
                f"round {rep + 1}: jobs 1 {lines / r1['run']:,.0f} lines/s, jobs 2 "
                f"{lines / r2['run']:,.0f} lines/s, ratio {r1['run'] / r2['run']:.2f}",
                flush=True,
            )
            if (
                rep == 0
                and (folder / "out1.jsonl").read_bytes() != (folder / "out2.jsonl").read_bytes()
            ):
                raise SystemExit("--jobs 1 and --jobs 2 wrote different output")
        load_after = os.getloadavg()

    def med(jobs: int, key: str) -> float:
        return statistics.median(r[key] for r in results[jobs])

    ratios_run = [a["run"] / b["run"] for a, b in zip(results[1], results[2], strict=True)]
    # what two free cores would allow: the parent and both workers share the two cores, so the
    # run takes at least half of all their CPU time (and at least the parent's, and half the
    # workers'); the single process's CPU time over that bound
    bound = [
        a["parent_cpu"]
        / max(b["parent_cpu"], b["worker_cpu"] / 2, (b["parent_cpu"] + b["worker_cpu"]) / 2)
        for a, b in zip(results[1], results[2], strict=True)
    ]
    ratios_wall = [a["wall"] / b["wall"] for a, b in zip(results[1], results[2], strict=True)]
    rows = []
    for jobs in (1, 2):
        rows.append([
            f"`--jobs {jobs}`",
            f"{lines / med(jobs, 'run'):,.0f}",
            f"{lines / med(jobs, 'wall'):,.0f}",
            f"{med(jobs, 'parent_cpu'):.1f}",
            f"{med(jobs, 'worker_cpu'):.1f}",
            f"{med(jobs, 'run'):.1f}",
        ])  # fmt: skip
    table = markdown_table(
        [
            "command",
            "lines/s (run)",
            "lines/s (whole command)",
            "CPU s, main process",
            "CPU s, workers",
            "run s",
        ],
        rows,
    )
    verdict = statistics.median(ratios_run)
    section = "\n".join([
        "## Bulk decisions: `decide --batch` with one and two workers (`benchmarks/bench_batch.py`)",
        "",
        *machine_lines(["xueji-rules"]),
        f"- cores: {os.cpu_count()}; load average before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f} (the machine is shared by other sessions)",
        f"- input: {lines:,} lines ({size_mb:.0f} MB, {bad} bad lines), Shanxi scenarios and a "
        f"generated population; {reps} rounds, alternating order; medians",
        "",
        table,
        "",
        f"Speed-up of `--jobs 2` over `--jobs 1`, measured within each round: run "
        f"{', '.join(f'{r:.2f}' for r in ratios_run)} (median **{verdict:.2f}×**, target ≥ 1.8×); "
        f"whole command {', '.join(f'{r:.2f}' for r in ratios_wall)} (median "
        f"{statistics.median(ratios_wall):.2f}×). The two outputs are identical byte for byte.",
        "",
        "CPU time says what two free cores allow: the main process and both workers share them, "
        "so a run takes at least half of all their CPU time; the single process's CPU time over "
        f"that gives {', '.join(f'{r:.2f}' for r in bound)} (median "
        f"{statistics.median(bound):.2f}×). What keeps this under 2× is the work `--jobs 2` adds "
        "to `--jobs 1`'s: the main process's (cutting the file into byte ranges, writing the "
        "output the workers leave in shared memory, running the pool) and the workers' "
        "(starting, reading their ranges); the gap between the bound and the measured ratio is "
        "the other sessions' load on the two cores.",
    ])  # fmt: skip
    print(section)
    if args.write:
        write_section("batch", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
