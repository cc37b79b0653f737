"""Engines for the property tests, built once."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def engines() -> dict[str, Any]:
    """One engine per bundled pack."""
    from xueji_rules.engine import Engine
    from xueji_rules.packs.loader import bundled_packs

    return {name: Engine(name) for name in bundled_packs()}
