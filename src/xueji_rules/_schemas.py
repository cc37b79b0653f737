"""JSON Schema validation that turns every violation into a located, readable problem."""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from xueji_rules._resources import schemas_root
from xueji_rules._safeio import escape_controls, excerpt
from xueji_rules.errors import Location, Problem

__all__ = ["iter_problems", "load_schema", "validator_for", "validator_for_contents"]

_SCHEMA_FILES = (
    "bundle.schema.json",
    "snapshot.schema.json",
    "verification.schema.json",
    "account.schema.json",
    "staff.schema.json",
    "finding.schema.json",
    "pack.schema.json",
    "record.schema.json",
    "request.schema.json",
    "decision.schema.json",
    "scenario.schema.json",
    "batch-input.schema.json",
    "batch-output.schema.json",
    "problem.schema.json",
)


@cache
def _registry() -> Registry[Any]:
    resources = []
    for name in _SCHEMA_FILES:
        path = schemas_root() / name
        if path.exists():
            contents = json.loads(path.read_text(encoding="utf-8"))
            resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema file ``schemas/<name>``."""
    data: dict[str, Any] = json.loads((schemas_root() / name).read_text(encoding="utf-8"))
    return data


def _inline(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """``node`` with every local ``$ref`` replaced by its target (our schemas are not recursive).

    Resolving references once here, instead of on every descent, makes validating a pack file
    several times faster.
    """
    if depth > 50:
        raise ValueError("schema references nest too deeply (recursive schema?)")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            rest = {k: _inline(v, root, depth + 1) for k, v in node.items() if k != "$ref"}
            resolved = _inline(target, root, depth + 1)
            return {**resolved, **rest} if not rest else {"allOf": [resolved], **rest}
        return {k: _inline(v, root, depth + 1) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, root, depth + 1) for v in node]
    return node


@cache
def validator_for(name: str, definition: str | None = None) -> Draft202012Validator:
    """A validator for schema file ``name``, or for one of its ``$defs`` entries."""
    schema = load_schema(name)
    if definition is not None:
        inlined = _inline(schema["$defs"][definition], schema)
        return Draft202012Validator(inlined, format_checker=FormatChecker())
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def validator_for_contents(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A validator for a schema built in memory (e.g. a bundled schema plus a pack's fields);
    references to the bundled schema files resolve as usual."""
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not close and word:
        close = [c for c in choices if c.startswith(word) or word.startswith(c)][:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _message(error: ValidationError) -> str:
    """jsonschema's message with the offending value cut to a short, escaped excerpt."""
    text = error.message
    shown = repr(error.instance)
    if len(shown) > 60 and shown in text:
        text = text.replace(shown, excerpt(error.instance))
    return text if len(text) <= 500 else text[:500] + "…"


def _where(path: tuple[str | int, ...], root: str) -> str:
    if root != "the document":
        where = ".".join([root, *map(str, path)])
    else:
        where = "/".join(map(str, path)) or root
    if len(where) > 200 or not where.isprintable():
        where = escape_controls(where[:200]) + ("…" if len(where) > 200 else "")
    return where


def _condition(error: ValidationError, schema: Any) -> str:
    """For a violation of an ``if``/``then`` clause: the condition that made it apply."""
    path = list(error.absolute_schema_path)
    if "then" not in path:
        return ""
    cut = len(path) - 1 - path[::-1].index("then")
    node: Any = schema
    try:
        for part in path[:cut]:
            node = node[part]
        condition = node["if"]
    except (KeyError, IndexError, TypeError):
        return ""
    props = condition.get("properties", {}) if isinstance(condition, Mapping) else {}
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    parts = [f"{key} is {instance[key]!r}" for key in props if key in instance]
    return f" when {' and '.join(parts)}" if parts else ""


def _describe(
    error: ValidationError, root: str, schema: Any
) -> Iterator[tuple[str, tuple[str | int, ...], str | None]]:
    """(message, path, the field a misspelt key probably meant) for one violation."""
    path = tuple(error.absolute_path)
    where = _where(path, root)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        sub: Any = error.schema
        allowed = list(sub.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            # one problem per unknown key, each at its own line; a rule names itself by id
            inside = "" if _item_name(root, path) else f" in {where}"
            for key in extra:
                close = difflib.get_close_matches(str(key)[:100], allowed, n=1, cutoff=0.6)
                hint = _suggest(str(key)[:100], allowed)
                yield (
                    f"unknown field {excerpt(str(key))}{inside}{hint}",
                    (*path, key),
                    close[0] if close and close[0] not in error.instance else None,
                )
            return
    if error.validator == "required":
        yield f"{where}: {_message(error)}{_condition(error, schema)}", path, None
        return
    if error.validator == "enum":
        values: Any = error.validator_value
        options = ", ".join(repr(v) for v in values)
        hint = _suggest(str(error.instance)[:100], [str(v) for v in values])
        yield f"{where}: {excerpt(error.instance)} is not one of {options}{hint}", path, None
        return
    if error.validator == "format":
        shown = excerpt(error.instance)
        yield f"{where}: {shown} is not a valid {error.validator_value}", path, None
        return
    yield f"{where}: {_message(error)}", path, None


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    # For anyOf/oneOf/allOf failures report the most specific branch errors.
    if error.context:
        best = max(error.context, key=lambda e: len(e.absolute_path))
        yield from _leaves(best)
    else:
        yield error


def _item_name(root: str, path: tuple[str | int, ...]) -> bool:
    return root == "the document" and len(path) >= 2 and path[0] in ("rules", "overrides")


def _rule_of(data: Any, path: tuple[str | int, ...]) -> tuple[str | None, int]:
    """The id of the rule (or override target) at the start of ``path`` in a rules file, and how
    many path parts name it (so the message can say ``rule 'x'`` instead of ``rules/2``)."""
    if not (len(path) >= 2 and path[0] in ("rules", "overrides") and isinstance(path[1], int)):
        return None, 0
    items = data.get(path[0]) if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not 0 <= path[1] < len(items):
        return None, 0
    item = items[path[1]]
    if not isinstance(item, Mapping):
        return None, 0
    key = "id" if path[0] == "rules" else "target"
    if not (isinstance(item.get(key), str) and ("transitions" in item or "action" in item)):
        return None, 0
    return str(item[key]), 2


def iter_problems(
    validator: Draft202012Validator,
    data: Any,
    locate: Callable[[tuple[str | int, ...]], Location],
    root: str = "the document",
) -> Iterator[Problem]:
    """Yield one located problem per schema violation, in document order.

    A misspelt key is one problem (``unknown field 'modalty' (did you mean 'modality'?)``): the
    "required" complaints it causes for the key it meant are left out. In a rules file a problem
    inside a rule names the rule by its id.
    """
    found: list[tuple[str, tuple[str | int, ...], str | None, str]] = []
    for error in sorted(
        validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        for leaf in _leaves(error):
            for message, path, meant in _describe(leaf, root, validator.schema):
                missing = ""
                instance: Any = leaf.instance
                if leaf.validator == "required" and isinstance(instance, Mapping):
                    wanted: Any = leaf.validator_value
                    missing = next((str(k) for k in wanted if k not in instance), "")
                found.append((message, path, meant, missing))
    meant_here = {(path[:-1], meant) for _, path, meant, _ in found if meant is not None}
    seen: set[tuple[str, tuple[str | int, ...]]] = set()
    for message, path, _, missing in found:
        if missing and (path, missing) in meant_here:
            continue  # the misspelt key already says it
        if (message, path) in seen:
            continue
        seen.add((message, path))
        location = locate(path)
        rule_id, named = _rule_of(data, path)
        if rule_id is not None:
            rest = _where(path[named:], root) if len(path) > named else ""
            head = message.split(": ", 1)
            if head[0] == _where(path, root):
                message = f"{rest}: {head[1]}" if rest else head[1]
            location = dataclasses.replace(location, rule_id=rule_id)
        yield Problem(message, location, code="schema")


def repaired_items(
    data: Any, key: str, name: str, definition: str
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The items of the list ``data[key]`` that are valid under ``$defs/definition`` of schema
    ``name``, as they are or once each misspelt key is renamed to the one it closely matches.

    A reader uses them to go on after a file failed its schema: the problems are reported all the
    same, and the rules that can be read are still checked (references, expressions), so one
    lint run reports what the next would.
    """
    items = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return
    validator = validator_for(name, definition)
    allowed = _top_properties(validator.schema)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        candidate = dict(item)
        if not validator.is_valid(candidate):
            renamed: dict[str, Any] = {}
            for field, value in candidate.items():
                if field not in allowed:
                    close = difflib.get_close_matches(str(field), allowed, n=1, cutoff=0.6)
                    if close and close[0] not in candidate and close[0] not in renamed:
                        renamed[close[0]] = value
                        continue
                renamed[field] = value
            candidate = renamed
            if not validator.is_valid(candidate):
                continue
        yield index, candidate


def _top_properties(schema: Any) -> list[str]:
    names: list[str] = []
    if isinstance(schema, Mapping):
        names += list(schema.get("properties", {}))
        for sub in schema.get("allOf", []):
            names += _top_properties(sub)
    return names
