"""Counting instructions with valgrind's callgrind, for the ``count_*`` benchmark scripts.

A count is steadier than a time on a shared machine: it does not depend on the load, the CPU's
frequency or its caches. A script runs its own child twice, with a short and a long loop, and
divides the difference of the totals by the difference of the loop counts (:func:`per_item`):
the start of the interpreter, the imports and the set-up cancel out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

TOTALS = re.compile(r"^(?:summary|totals):\s+(\d+)", re.MULTILINE)
MISSING = "valgrind is not installed (Debian: apt-get install valgrind)"


def available() -> bool:
    """Whether ``valgrind`` is on the PATH."""
    return shutil.which("valgrind") is not None


def total_instructions(command: Sequence[str], out: Path) -> int:
    """Instructions of one run of ``command`` under callgrind (``PYTHONHASHSEED=0``)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    wrapped = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command]
    subprocess.run(wrapped, check=True, env=env, capture_output=True)
    found = TOTALS.search(out.read_text(encoding="utf-8", errors="replace"))
    if found is None:
        raise SystemExit(f"no instruction total in {out}")
    return int(found.group(1))


def per_item(count: Callable[[int], int], short: int, long: int) -> float:
    """Instructions per loop item: ``count(n)`` runs the child with ``n`` items."""
    return (count(long) - count(short)) / (long - short)


def per_part(
    script: str, parts: Iterable[str], child_args: Sequence[str], short: int, long: int, unit: str
) -> dict[str, float]:
    """Instructions per loop item of each part: ``script --inner PART *child_args --count N``
    run under callgrind with ``short`` and ``long`` items (each result printed as it comes)."""
    per: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="callgrind-") as tmp:
        for part in parts:

            def count(n: int, part: str = part) -> int:
                command = [sys.executable, script, "--inner", part, *child_args, "--count", str(n)]
                return total_instructions(command, Path(tmp) / f"callgrind.{part}.{n}")

            per[part] = per_item(count, short, long)
            print(f"{part}: {per[part]:,.0f} instructions per {unit}", flush=True)
    return per
