"""Fixtures for the tests of the testing support: pytester, and whether the engine imports."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def _engine_error() -> str | None:
    try:
        import xueji_rules.engine  # noqa: F401
    except Exception as exc:  # the engine is being integrated: report, don't crash collection
        return f"{type(exc).__name__}: {exc}"
    return None


ENGINE_ERROR = _engine_error()

needs_engine = pytest.mark.skipif(
    ENGINE_ERROR is not None, reason=f"the engine does not import yet ({ENGINE_ERROR})"
)
