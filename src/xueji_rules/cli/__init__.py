"""The ``xueji-rules`` command line (``main``); each sub-command group is a module here."""

from xueji_rules.cli._main import main

__all__ = ["main"]
