"""A built wheel carries the bundled packs and schemas: Engine("shanxi") works outside the repo."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_packs_and_schemas(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next(dist.glob("xueji_rules-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    script = (
        "import xueji_rules, pathlib; from xueji_rules import Engine;"
        "e = Engine('shanxi');"
        "assert 'site-packages' in xueji_rules.__file__, xueji_rules.__file__;"
        "d = e.decide({'id': 'G1', 'status': 'enrolled', 'stage': 'primary', 'grade': 3},"
        " {'transition': 'suspend', 'date': '2026-03-16', 'applicant': 'guardian'});"
        "print(d.outcome, len(e.pack.rules))"
    )
    run = subprocess.run(
        [str(python), "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # outside the repository
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outcome, rules = run.stdout.split()
    assert outcome == "denied"  # no ground, no period: mandatory rules fail
    assert int(rules) > 10
