"""The example external project in examples/compliance-suite runs green with plain pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_example_compliance_suite_passes() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "examples/compliance-suite",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # every scenario file was collected by the plugin, not just the Python tests
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "examples/compliance-suite", "--collect-only", "-q",
         "-o", "addopts=", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "scenarios/transfer.yaml::" in collected.stdout
    assert "晋教〔2026〕1号 第十六条" in collected.stdout
