"""What every command shares: exit statuses, argument errors, reading input documents."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from xueji_rules.errors import InputError, Location

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "ArgumentError",
    "Parser",
    "engine_from_args",
    "read_document",
]

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class ArgumentError(Exception):
    """A malformed command line (reported like any bad input: exit 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of exiting, so ``main`` reports it."""

    def error(self, message: str) -> Any:  # argparse would exit; we report like any bad input
        raise ArgumentError(f"{self.prog}: {message}")


def read_document(source: str, stdin: TextIO, kind: str) -> Any:
    """Read a JSON or YAML document from a file path or ``-`` (stdin) with the hardened loader."""
    from xueji_rules.errors import PackError
    from xueji_rules.packs._yaml import load_yaml_text

    name = "<stdin>" if source == "-" else source
    try:
        text = stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {kind}: {exc.strerror}", Location(file=name)) from None
    except UnicodeDecodeError:
        raise InputError(f"{kind} is not UTF-8 text", Location(file=name)) from None
    try:
        doc = load_yaml_text(text, name)  # JSON is YAML; one hardened reader for both
    except PackError as exc:
        raise InputError(
            f"{kind} is not valid JSON or YAML: {exc.problems[0].message}", exc.location
        ) from None
    if not isinstance(doc.data, dict):
        raise InputError(f"{kind} must be a JSON/YAML object", Location(file=name))
    return doc.data


def engine_from_args(args: argparse.Namespace) -> Any:
    """The Engine named by ``--pack`` (with ``--calendar`` files and ``--strict-calendar``)."""
    from xueji_rules.engine import Engine

    return Engine(
        args.pack,
        calendar_files=args.calendar or (),
        strict_calendar=getattr(args, "strict_calendar", False),
        reveal_personal_data=getattr(args, "reveal_personal_data", False),
    )
