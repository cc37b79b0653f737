"""The pieces every part of a structural diff is made of.

A pack's values (rules, parameters, stages, forbidden moves, input fields, the records data) are
turned into JSON-ready data by one function, :func:`jsonable`, from the model's own dataclasses,
so a field the model gains is compared without a change here. Two items are matched by id and
compared field by field; expressions are compared by their canonical form (see
:func:`comparable`), and shown with their whitespace collapsed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from xueji_rules.packs.model import Citation, Text

__all__ = ["EXPRESSION_KEYS", "comparable", "is_empty", "jsonable", "keyed", "shown"]

EXPRESSION_KEYS = frozenset(
    {"when", "require", "trigger", "amount", "to_stage", "to_grade", "to_school_system"}
)
"""The keys whose string values are CEL expressions, wherever they occur."""

_SKIPPED = frozenset({"location", "field_locations", "_pack"})  # where, not what


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: texts as ``{"zh", "en"}``, citations rendered, dates in ISO
    form, dataclasses as objects of their fields (locations left out), mappings sorted."""
    if isinstance(value, Text):
        return value.to_json()
    if isinstance(value, Citation):
        return value.render()
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _SKIPPED
        }
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple | frozenset | set):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, frozenset | set) else items
    return value


def _expressions(value: Any, change: Callable[[str], Any]) -> Any:
    if isinstance(value, Mapping):
        return {
            k: change(v) if k in EXPRESSION_KEYS and isinstance(v, str) else _expressions(v, change)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expressions(v, change) for v in value]
    return value


def comparable(value: Any, canonical: Callable[[str], str | None]) -> Any:
    """``value`` (JSON-ready) with every expression in its canonical form."""
    return _expressions(value, canonical)


def shown(value: Any) -> Any:
    """``value`` (JSON-ready) with every expression's whitespace collapsed, as a report shows it."""
    return _expressions(value, lambda source: " ".join(source.split()))


def keyed(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    canon_old: Callable[[str], str | None],
    canon_new: Callable[[str], str | None],
) -> dict[str, Any]:
    """Items matched by id: the added and removed ones in full, the changed ones with each field
    that differs (before and after). Items are JSON-ready objects."""
    changed = []
    for key in sorted(set(old) & set(new)):
        a, b = old[key], new[key]
        ka, kb = comparable(a, canon_old), comparable(b, canon_new)
        fields = {
            name: {"before": shown(a.get(name)), "after": shown(b.get(name))}
            for name in [*a, *(n for n in b if n not in a)]
            if name != "id" and ka.get(name) != kb.get(name)
        }
        if fields:
            changed.append({"id": key, "fields": fields})
    return {
        "added": [{"id": k, **_without_id(shown(new[k]))} for k in sorted(set(new) - set(old))],
        "removed": [{"id": k, **_without_id(shown(old[k]))} for k in sorted(set(old) - set(new))],
        "changed": changed,
    }


def _without_id(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "id"}


def is_empty(node: Any) -> bool:
    """Whether a structure diff (or part of one) records no change."""
    if isinstance(node, Mapping):
        return all(is_empty(v) for v in node.values())
    if isinstance(node, list):
        return not node
    return node is None or node is False
