"""JSON Schema validation that turns every violation into a located, readable problem."""

from __future__ import annotations

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


def _describe(error: ValidationError, root: str) -> tuple[str, tuple[str | int, ...]]:
    path = tuple(error.absolute_path)
    where = (
        ".".join([root, *map(str, path)])
        if root != "the document"
        else ("/".join(map(str, path)) or root)
    )
    if len(where) > 200 or not where.isprintable():
        where = escape_controls(where[:200]) + ("…" if len(where) > 200 else "")
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        schema: Any = error.schema
        allowed = list(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            key = str(extra[0])
            hint = _suggest(key[:100], allowed)
            return f"unknown field {excerpt(key)} in {where}{hint}", (*path, key)
    if error.validator == "required":
        return f"{where}: {_message(error)}", path
    if error.validator == "enum":
        values: Any = error.validator_value
        options = ", ".join(repr(v) for v in values)
        hint = _suggest(str(error.instance)[:100], [str(v) for v in values])
        return f"{where}: {excerpt(error.instance)} is not one of {options}{hint}", path
    if error.validator == "format":
        return f"{where}: {excerpt(error.instance)} is not a valid {error.validator_value}", path
    return f"{where}: {_message(error)}", path


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    # For anyOf/oneOf/allOf failures report the most specific branch errors.
    if error.context:
        best = max(error.context, key=lambda e: len(e.absolute_path))
        yield from _leaves(best)
    else:
        yield error


def iter_problems(
    validator: Draft202012Validator,
    data: Any,
    locate: Callable[[tuple[str | int, ...]], Location],
    root: str = "the document",
) -> Iterator[Problem]:
    """Yield one located problem per schema violation, in document order."""
    seen: set[tuple[str, tuple[str | int, ...]]] = set()
    for error in sorted(
        validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        for leaf in _leaves(error):
            message, path = _describe(leaf, root)
            if (message, path) in seen:
                continue
            seen.add((message, path))
            yield Problem(message, locate(path), code="schema")
