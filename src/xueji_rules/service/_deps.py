"""The ``[service]`` extra, imported lazily with the exact install line when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from xueji_rules.errors import InputError

__all__ = ["INSTALL_HINT", "require"]

INSTALL_HINT = "pip install 'xueji-rules[service]'"


def require(module: str) -> ModuleType:
    """Import ``module`` (part of the ``[service]`` extra) or raise an error naming the fix."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            f"the HTTP service needs the '{module.split('.')[0]}' package, which is not "
            f"installed: {INSTALL_HINT}"
        ) from None
