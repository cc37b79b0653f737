"""Audit throughput, CPU time and peak memory on synthetic Shanxi snapshots (issue 15, DESIGN 11).

Audits each snapshot with the given ``--jobs`` values, every run in a fresh process so that its
peak resident memory is its own: the main process's peak (``VmHWM`` of ``/proc/self/status``:
``ru_maxrss`` would keep the peak of the process that started it, across ``exec``) and the
largest worker's (``ru_maxrss`` of the children, shared pages counted in each), whose sum
bounds the run's total. Besides wall time it reports the CPU seconds
of the main process and its workers: on a shared machine the wall time says how busy the machine
was, the CPU time per record what the audit costs (on two free cores the wall time of
``--jobs 2`` is about half the CPU time). Snapshots are generated once and reused: keep them
outside the repository.

    .venv/bin/xueji-rules synth --students 1000000 --seed 15 -o /tmp/s1m     # once
    .venv/bin/python benchmarks/bench_audit.py --snapshot /tmp/s1m --jobs 1 --jobs 2
    .venv/bin/python benchmarks/bench_audit.py --snapshot /tmp/s1m --snapshot /tmp/s5m --write
    .venv/bin/python benchmarks/bench_audit.py --students 100000          # synthesize and measure

With ``--write`` the numbers go into ``docs/performance.md`` (section ``audit``).
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_lines, markdown_table, write_section

AS_OF = "2026-12-31"


def own_peak_rss_mb() -> float:
    """This process's peak resident memory in MB since its ``exec``.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` is not that on Linux: a process started by
    ``subprocess`` keeps the peak of its parent's image from before the ``exec`` (a benchmark
    holding a million findings made a 50 MB audit look like 490 MB). ``VmHWM`` is the peak of the
    process's own memory map; elsewhere ``ru_maxrss`` is all there is.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(snapshot: str, jobs: int, out: str, checks: str = "") -> dict[str, Any]:
    """Run in a child process: one audit; its numbers as JSON."""
    from xueji_rules._json import PARSER
    from xueji_rules.audit import audit_snapshot, context_for, spec_from

    before = os.times()
    started = time.perf_counter()
    result = audit_snapshot(
        snapshot, pack="shanxi", as_of=AS_OF, out=out, jobs=jobs, checks=[c for c in [checks] if c]
    )
    seconds = time.perf_counter() - started
    after = os.times()
    cpu = sum(getattr(after, f) - getattr(before, f)
              for f in ("user", "system", "children_user", "children_system"))  # fmt: skip
    return {
        "jobs": jobs,
        "seconds": seconds,
        "cpu": cpu,
        "bundles": result.summary.bundles,
        "findings": result.summary.findings,
        "rate": result.summary.bundles / seconds,
        "main_rss_mb": own_peak_rss_mb(),
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if jobs > 1
        else 0.0,
        "parser": PARSER,
        # the bundle lines' decoder: msgspec's typed model (D-353), else the parser + converter
        "decoder": "msgspec"
        if context_for(spec_from("shanxi", AS_OF)).typed_bundles is not None and not checks
        else f"{PARSER} + converter",
        "checks": checks,
    }


def run_child(snapshot: Path, jobs: int, out: Path, checks: str) -> dict[str, Any]:
    load = os.getloadavg()[0]
    cmd = [sys.executable, __file__, "--child", str(snapshot), "--run-jobs", str(jobs),
           "--out", str(out), "--checks", checks]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_before"], result["load_after"] = load, os.getloadavg()[0]
    result["snapshot"] = str(snapshot)
    return result


def parse_rates(snapshot: Path, lines: int = 20_000) -> dict[str, float]:
    """Bundle lines read per second (CPU time): parsed only (the standard library's parser, the
    general path's parser, orjson's for reference), and parsed, checked and converted (the
    general path's parser + the generated converter; msgspec's typed model)."""
    from xueji_rules._json import PARSER, loads
    from xueji_rules.audit import context_for, spec_from

    ctx = context_for(spec_from("shanxi", AS_OF))
    rows = []
    with open(snapshot / "bundles.jsonl", "rb") as handle:
        for _, line in zip(range(lines), handle, strict=False):
            rows.append(line)
    rates = {}
    readers: dict[str, Any] = {"json parse": json.loads, f"{PARSER} parse (D-360)": loads}
    try:
        import orjson

        readers["orjson parse"] = orjson.loads
    except ImportError:
        pass
    readers[f"{PARSER} + converter"] = lambda line: ctx.bundles.raw(loads(line))
    if ctx.typed_bundles is not None:
        readers["msgspec typed decode"] = ctx.typed_bundles.decode
    for name, read in readers.items():
        started = time.process_time()
        for line in rows:
            try:
                read(line)
            except Exception:  # the planted bad lines: every reader refuses them
                continue
        rates[name] = len(rows) / (time.process_time() - started)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--snapshot",
        action="append",
        help="a snapshot to audit (repeatable); DIR:2 audits it with those --jobs values only, "
        "DIR:1:form also with the optional check group",
    )
    parser.add_argument("--students", type=int, help="synthesize a snapshot of this size first")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--jobs", action="append", type=int, help="jobs values (default 1 and 2)")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--workdir", help="where outputs (and a synthesized snapshot) go")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--run-jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--checks", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.run_jobs, args.out, args.checks)))
        return
    jobs_list = args.jobs or [1, 2]
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-audit-", dir=args.workdir) as tmp:
        work = Path(tmp)
        snapshots: list[tuple[Path, list[int], str]] = []
        for spec in args.snapshot or ():
            path, _, rest = spec.partition(":")
            only, _, checks = rest.partition(":")
            jobs_values = [int(j) for j in only.split(",")] if only else jobs_list
            snapshots.append((Path(path), jobs_values, checks))
        if args.students:
            from xueji_rules.audit.synth import SynthConfig, synthesize

            started = time.perf_counter()
            synthesize(work / "synth", SynthConfig(students=args.students, seed=args.seed))
            print(f"synth: {time.perf_counter() - started:.0f} s", flush=True)
            snapshots.append((work / "synth", jobs_list, ""))
        if not snapshots:
            parser.error("give --snapshot DIR or --students N")
        runs = []
        for snapshot, jobs_values, checks in snapshots:
            outputs = []
            for jobs in jobs_values:
                out = work / f"findings-{snapshot.name}-{jobs}.jsonl"
                result = run_child(snapshot, jobs, out, checks)
                runs.append(result)
                print(json.dumps(result), flush=True)
                outputs.append(out.read_bytes())
                out.unlink()
            assert all(o == outputs[0] for o in outputs), "--jobs N wrote different findings"
        rates = parse_rates(snapshots[0][0])
        rows = [
            [
                f"{r['bundles']:,}, --jobs {r['jobs']}"
                + (f" --checks {r['checks']}" if r["checks"] else ""),
                f"{r['seconds']:.0f}",
                f"{r['rate']:,.0f}",
                f"{r['cpu']:.0f}",
                f"{r['cpu'] / r['bundles'] * 1e6:.0f}",
                f"{r['main_rss_mb']:.0f}",
                f"{r['worker_rss_mb']:.0f}" if r["jobs"] > 1 else "–",
                f"{r['findings']:,}",
                f"{r['load_before']:.1f} / {r['load_after']:.1f}",
            ]
            for r in runs
        ]
        body = "\n".join(
            [
                "## Auditing a synthetic Shanxi snapshot (`benchmarks/bench_audit.py`)",
                "",
                *machine_lines(["xueji-rules", "orjson", "msgspec", "pyarrow"]),
                "- snapshots: `xueji-rules synth --seed 15` (records include the planted twins), "
                f"JSONL; audit as of {AS_OF}; bundle lines read by: {runs[0]['decoder']}",
                "- every run: the catalog §4 checks, the records package's per-record checks, the "
                "history replay of every event, cross-record partitions and side files; the "
                "`--jobs` outputs of one snapshot are byte-identical (checked)",
                "- CPU s: user + system of the main process and its workers; µs CPU / record is "
                "the load-independent cost (two free cores: wall ≈ CPU / 2 with `--jobs 2`)",
                "- peak RSS: the main process's own (`VmHWM`, since its start), and the largest "
                "worker's (`ru_maxrss`, pages shared with the main process counted in each): "
                "total ≤ main + jobs × worker",
                "- bundle lines read per CPU second: "
                + ", ".join(f"{k} {v:,.0f}" for k, v in rates.items()),
                "",
                markdown_table(
                    [
                        "run",
                        "wall s",
                        "records / s",
                        "CPU s",
                        "µs CPU / record",
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
