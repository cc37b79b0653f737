"""Where the bundled rule packs and JSON Schemas live (a source checkout or an installed wheel)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["packs_root", "schemas_root"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def _data_root() -> Path:
    installed = _PACKAGE / "_data"
    if (installed / "schemas").is_dir():
        return installed
    return _PACKAGE.parent.parent  # src/xueji_rules -> repository root


def packs_root() -> Path:
    """The directory holding the bundled packs (``national``, ``shanxi``)."""
    return _data_root() / "rulepacks"


def schemas_root() -> Path:
    """The directory holding the JSON Schemas."""
    return _data_root() / "schemas"
