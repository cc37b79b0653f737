"""One local Spark session (local[2]) for all Spark tests; skipped only when Java is absent."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    candidate = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not candidate or not os.path.exists(candidate):
        return None
    probe = subprocess.run([candidate, "-version"], capture_output=True, text=True, check=False)
    return (probe.stderr or probe.stdout).splitlines()[0] if probe.returncode == 0 else None


JAVA = _java()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if JAVA is None:
        pytest.skip("Java is not installed (no java on PATH or in JAVA_HOME): Spark needs Java 17+")
    from xueji_rules.spark import local_session

    session = local_session(
        cores=2,
        app_name="xueji-rules-tests",
        **{"spark.driver.memory": "1g", "spark.sql.execution.arrow.maxRecordsPerBatch": "200"},
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
