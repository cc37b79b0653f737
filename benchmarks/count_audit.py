"""Instructions per audited record, counted by valgrind's callgrind (see ``_callgrind.py``).

The audit's times on this shared machine move by a tenth from one run to the next, more than
most single changes to the per-record function save; a count does not move. For each part —
the audit as it runs (bundle lines through msgspec's typed model when the ``[fast]`` extra is
installed, D-353) and the general path (orjson or the standard library, then the generated
converter) — the script runs this file under callgrind twice, auditing ``--short`` and
``--long`` lines of a snapshot's ``bundles.jsonl`` in chunks of 1,000 with a spill directory,
as an ``audit`` worker does. Every line of the population is audited once first (the deciders
of every key built), the identity key and the hash seed are fixed and the heap frozen, so the
two runs differ only in the loop.

    python benchmarks/count_audit.py --snapshot /tmp/s100k [--short 1000] [--long 6000] [--write]

Needs ``valgrind`` (Debian: ``apt-get install valgrind``); a run takes about five minutes.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _callgrind import MISSING, available, per_part
from _report import machine_lines, markdown_table, write_section

PARTS = {
    "audit": "the audit as it runs (`audit_chunk`)",
    "general": "the general path (parser and generated converter)",
}
AS_OF = "2026-12-31"
CHUNK = 1000


def _inner(part: str, snapshot: str, count: int, population_size: int) -> None:
    """Set up, audit the population once, freeze the heap, then audit ``count`` lines."""
    import datetime as dt

    from xueji_rules.audit.bundle import audit_chunk, close_spill_writers
    from xueji_rules.audit.context import AuditSpec, context_for
    from xueji_rules.audit.snapshot import Chunk

    spec = AuditSpec("shanxi", dt.date.fromisoformat(AS_OF), identity_key=b"k" * 32)
    if part == "general":
        context_for(spec).typed_bundles = None
    with open(Path(snapshot) / "bundles.jsonl", "rb") as handle:
        population = [line.rstrip(b"\n") for line in itertools.islice(handle, population_size)]
    lines = [(i + 1, population[i % len(population)]) for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="count-audit-") as spill_dir:
        spill = (spill_dir, 16)

        def audit(rows: Sequence[tuple[int, bytes]]) -> None:
            for start in range(0, len(rows), CHUNK):
                part_rows = tuple(rows[start : start + CHUNK])
                audit_chunk(spec, Chunk("bundles.jsonl", part_rows[0][0], part_rows), spill)

        audit(list(enumerate(population, start=1)))  # warm: every line once
        gc.collect()
        gc.freeze()
        audit(lines)
        close_spill_writers()


def measure(snapshot: str, short: int, long: int, population_size: int) -> dict[str, float]:
    """Instructions per warm audited record of every part."""
    child = ["--snapshot", snapshot, "--population", str(population_size)]
    return per_part(__file__, PARTS, child, short, long, "record")


def render(per: dict[str, float], short: int, long: int, population_size: int) -> str:
    """The markdown section."""
    rows = [
        [label, f"{per[part] / 1000:.1f}k", f"{per[part] / per['general']:.1%}"]
        for part, label in PARTS.items()
    ]
    return "\n".join([
        "## Instructions per audited record (`benchmarks/count_audit.py`)",
        "",
        *machine_lines(["xueji-rules", "msgspec", "orjson"]),
        f"- valgrind callgrind; the first {population_size:,} lines of a `synth --seed 15` "
        f"snapshot's bundles, each audited once first; a run of {long:,} records minus a run of "
        f"{short:,}, divided by {long - short:,}; chunks of {CHUNK:,} with a spill directory, "
        f"as of {AS_OF}; `PYTHONHASHSEED=0`, after `gc.freeze()`",
        "",
        markdown_table(["part", "instructions per record", "of the general path"], rows),
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", required=True, help="a snapshot directory (JSONL bundles)")
    parser.add_argument("--short", type=int, default=1_000, help="records of the short run")
    parser.add_argument("--long", type=int, default=6_000, help="records of the long run")
    parser.add_argument("--population", type=int, default=5_000, help="distinct lines")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--inner", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        _inner(args.inner, args.snapshot, args.count, args.population)
        return 0
    if not 0 < args.short < args.long:
        parser.error("--short must be positive and below --long")
    if not (Path(args.snapshot) / "bundles.jsonl").is_file():
        parser.error(f"--snapshot: no bundles.jsonl in {args.snapshot}")
    if not available():
        print(f"count_audit: {MISSING}")
        return 2
    per = measure(args.snapshot, args.short, args.long, args.population)
    section = render(per, args.short, args.long, args.population)
    print(section)
    if args.write:
        write_section("audit-instructions", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
