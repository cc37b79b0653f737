"""Shared helpers for benchmark scripts: describe the machine, render a table, and rewrite one
marked section of ``docs/performance.md`` while leaving the rest of the file alone."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "performance.md"

HEADER = """# Performance

Measured numbers from the scripts in `benchmarks/` (see `benchmarks/README.md`). Each section
is rewritten by its script between its own markers; edit the prose outside the markers only.
"""


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo``, or ``platform.processor()`` elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Installed version of each distribution, ``"not installed"`` when absent."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine_lines(packages: Iterable[str]) -> list[str]:
    """Markdown bullet lines: date, platform, CPU, Python and package versions."""
    versions = ", ".join(f"{n} {v}" for n, v in package_versions(packages).items())
    return [
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {platform.platform()}; CPU: {cpu_model()} ({os.cpu_count()} cores)",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- packages: {versions}",
    ]


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A pipe table; the first column is left-aligned, the others right-aligned."""
    align = [":---"] + ["---:"] * (len(headers) - 1)
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    """``text`` with the part between ``<!-- bench:NAME:start -->`` and ``...:end -->``
    replaced by ``body``; the markers are appended at the end when missing."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write_section(name: str, body: str, path: Path = PERFORMANCE_MD) -> Path:
    """Update (or create, with a short header) ``path`` with the section ``name``."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(text, name, body), encoding="utf-8")
    return path
