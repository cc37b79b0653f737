"""The functions docs/expressions.md documents are exactly the registered ones, signature by
signature; docs/time.md names no expression function that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from xueji_rules import expr
from xueji_rules.engine import Engine
from xueji_rules.expr._checker import signature
from xueji_rules.expr._functions import FunctionRegistry

DOCS = Path(__file__).resolve().parents[2] / "docs"
_SIGNATURE = re.compile(r"`([A-Za-z_(][^`]*? -> [^`]+)`")


def _section(text: str, title: str) -> str:
    start = text.index(title)
    level = title.split(" ")[0]  # a section ends at the next heading of its level or above
    ends = [
        text.find(f"\n{h} ", start + len(title))
        for h in ("#" * n for n in range(1, len(level) + 1))
    ]
    found = [e for e in ends if e >= 0]
    return text[start : min(found) if found else len(text)]


def _documented(title: str) -> set[str]:
    text = (DOCS / "expressions.md").read_text(encoding="utf-8")
    return set(_SIGNATURE.findall(_section(text, title)))


def _registered(registry: FunctionRegistry) -> set[str]:
    out = set()
    for name in registry.names():
        for receiver in (False, True):
            out |= {signature(name, o, receiver) for o in registry.overloads(name, receiver)}
    return out


def test_standard_functions_are_documented_exactly() -> None:
    assert _documented("### Standard functions") == _registered(expr.standard_functions())


def test_domain_functions_are_documented_exactly() -> None:
    every = _registered(Engine("national").time.functions())
    domain = every - _registered(expr.standard_functions())
    documented = _documented("### Domain functions")
    assert documented == domain, (
        f"documented but not registered: {sorted(documented - domain)}; "
        f"registered but not documented: {sorted(domain - documented)}"
    )


def test_time_md_names_only_functions_that_exist_in_expressions() -> None:
    """docs/time.md shows Python methods too; the ones it offers to rule expressions exist."""
    text = (DOCS / "time.md").read_text(encoding="utf-8")
    section = _section(text, "## From rule expressions")
    names = set(re.findall(r"`([a-z_]+)\(", section))
    registered = set(Engine("national").time.functions().names())
    assert names and names <= registered, sorted(names - registered)
