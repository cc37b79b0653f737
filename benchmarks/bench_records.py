"""Benchmark: the records package on synthetic records (no timing assertions anywhere).

* ``validate``: ``Engine.validate_record`` per record (the collection form, identity numbers,
  学籍号), records per second;
* ``duplicates``: ``find_duplicate_registries`` over a stream of N records with one planted twin in
  ten, records per second and the process's peak resident memory, at two sizes, to show that
  memory stays bounded while N grows (spill files, ``partitions`` fixed).

    python benchmarks/bench_records.py            # 20k validations; 100k and 400k records
    python benchmarks/bench_records.py --quick    # smaller
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from xueji_rules import Engine
from xueji_rules.records import find_duplicate_registries, gb11643_check_character


def citizen(i: int) -> str:
    body = f"14{i % 100:02d}05{2010 + i % 10}0{1 + i % 9}{10 + i % 18}{i // 1000 % 1000:03d}"
    return body + gb11643_check_character(body)


def record(i: int) -> dict[str, Any]:
    number = citizen(i)
    return {
        "id": "G" + number,
        "status": "enrolled",
        "stage": "primary",
        "grade": 1 + i % 6,
        "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
        "school": {"id": f"S{i % 5000}"},
        "person": {
            "name": f"学生{i}",
            "sex": "1" if int(number[16]) % 2 else "2",
            "nationality_region": "CHN",
            "hk_mo_tw_overseas_foreign_code": "none",
            "ethnicity": "01",
            "id_doc_type": "resident_id_card",
            "id_doc_number": number,
            "class": "一班",
            "is_boarder": False,
            "is_disabled": False,
            "is_rural_left_behind_child": False,
        },
        "family": [{"name": f"家长{i}", "relationship": "mother", "is_guardian": True, "id_doc_type": "resident_id_card",
                    "id_doc_number": citizen(i + 7), "hukou_address": "山西省太原市小店区", "phone": "13800138000"}],
    }  # fmt: skip


def bench_validate(n: int) -> float:
    engine = Engine("shanxi")
    rows = [record(i) for i in range(n)]
    day = dt.date(2026, 3, 2)
    start = time.perf_counter()
    for row in rows:
        engine.validate_record(row, as_of=day)
    return n / (time.perf_counter() - start)


def bench_duplicates(n: int) -> tuple[float, int, float]:
    engine = Engine("shanxi")

    def stream() -> Iterator[dict[str, Any]]:
        for i in range(n):
            yield record(i * 1009)
            if i % 10 == 0:
                twin = record(i * 1009)
                twin["id"] = f"X{i}"
                yield twin

    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        found = sum(
            1
            for _ in find_duplicate_registries(
                stream(), engine.records, workdir=workdir, partitions=64
            )
        )
        rate = n / (time.perf_counter() - start)
    return rate, found, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--duplicates-only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.duplicates_only:
        rate, found, rss = bench_duplicates(args.duplicates_only)
        print(
            f"duplicates  n={args.duplicates_only:>8}  {rate:>9,.0f} records/s  findings={found}  peak RSS {rss:,.0f} MB"
        )
        return
    n = 2_000 if args.quick else 20_000
    print(f"validate    n={n:>8}  {bench_validate(n):>9,.0f} records/s")
    for size in (20_000, 80_000) if args.quick else (100_000, 400_000):
        # a fresh process per size, so the peak memory is that run's own
        subprocess.run([sys.executable, __file__, "--duplicates-only", str(size)], check=True)


if __name__ == "__main__":
    main()
