"""Checking a parsed calendar file: every problem collected with its file, line and column."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from xueji_rules._safeio import excerpt
from xueji_rules._yaml import YamlDocument
from xueji_rules.errors import Problem

__all__ = ["Checker", "YamlPath"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YamlPath = tuple[str | int, ...]


class Checker:
    """Collects problems with their locations while a document is converted."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def fail(self, path: YamlPath, message: str) -> None:
        self.problems.append(Problem(message, self.doc.locate(path)))

    def mapping(self, value: Any, path: YamlPath, required: set[str], optional: set[str]) -> bool:
        if not isinstance(value, dict):
            self.fail(path, "expected a mapping")
            return False
        ok = True
        for key in sorted(set(value) - required - optional):
            known = ", ".join(sorted(required | optional))
            self.fail((*path, key), f"unknown key {excerpt(key)} (known: {known})")
            ok = False
        for key in sorted(required - set(value)):
            self.fail(path, f"missing required key {excerpt(key)}")
            ok = False
        return ok

    def text(self, value: Any, path: YamlPath) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "expected a non-empty string")
            return None
        return value

    def integer(self, value: Any, path: YamlPath) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected an integer, not {excerpt(value)}")
            return None
        return value

    def flag(self, value: Any, path: YamlPath) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, not {excerpt(value)}")
            return False
        return value

    def date(self, value: Any, path: YamlPath) -> dt.date | None:
        if not isinstance(value, str) or not _DATE.match(value):
            self.fail(path, f"expected a date written YYYY-MM-DD, not {excerpt(value)}")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            self.fail(path, f"invalid date {excerpt(value)}: {exc}")
            return None

    def seq(self, value: Any, path: YamlPath) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "expected a list")
            return []
        return value
