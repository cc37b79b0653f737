"""Installable like a library: LICENSE in wheel and sdist, and the example suite's install line.

The example's README says, from ``examples/compliance-suite``: ``pip install '../..[plugin]'``
(xueji-rules is not on PyPI; a checkout, a wheel or a git URL is the way in). This test runs that
very line in a fresh virtual environment, then the example suite with plain ``pytest``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "compliance-suite"


@pytest.mark.slow
def test_license_is_in_the_wheel_and_the_sdist(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    with zipfile.ZipFile(next(tmp_path.glob("*.whl"))) as wheel:
        names = wheel.namelist()
        entry = next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))
        assert wheel.read(entry).decode() == license_text
        assert "xueji_rules/_data/schemas/openapi.json" in names
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert "License-Expression: Apache-2.0" in metadata and "License-File: LICENSE" in metadata
    with tarfile.open(next(tmp_path.glob("*.tar.gz"))) as sdist:
        assert any(m.name.endswith("/LICENSE") for m in sdist.getmembers())


@pytest.mark.slow
def test_the_example_suite_install_line_works_from_a_checkout(tmp_path: Path) -> None:
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert "pip install '../..[plugin]'" in readme
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    suite = tmp_path / "checkout" / "examples" / "compliance-suite"
    shutil.copytree(EXAMPLE, suite, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    # a checkout seen from the example: '../..' is the project root (linked, not copied)
    for name in ("pyproject.toml", "README.md", "LICENSE", "src", "rulepacks", "schemas", "docs"):
        (tmp_path / "checkout" / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "../..[plugin]"],
        cwd=suite, capture_output=True, text=True, env=env, check=False, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-3000:]
    run = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=suite, capture_output=True, text=True, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
