"""The hardened YAML reader that packs, calendars, scenario files and the CLI share.

It keeps the line and column of every value:

* files are read through :mod:`xueji_rules._safeio` (regular files only, size checked before
  reading, reading bounded), then decoded as UTF-8;
* a ``SafeLoader`` subclass with its own resolvers (the global loader is never patched): only
  ``true``/``false`` are booleans, only plain decimal numbers are numbers, dates stay strings
  (fields declared as dates are parsed explicitly later);
* duplicate keys, Python tags and any non-standard tag are errors with their line;
* anchors and aliases are allowed, but the expanded document is bounded in size, so an alias bomb
  cannot exhaust memory;
* numbers must be finite (``1e999`` is refused, not read as infinity);
* every value's position is kept by its path, so later errors can point into the file;
* values echoed in an error are cut to a short, escaped excerpt.

:func:`load_data_text` reads a command-line input: text that looks like JSON (it starts with
``{`` or ``[``) is parsed as JSON, with the same guarantees (duplicate keys refused, finite
numbers, bounded depth and size), and YAML otherwise.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from xueji_rules._safeio import (
    MAX_INPUT_BYTES,
    MAX_PACK_FILE_BYTES,
    Budget,
    ErrorFactory,
    decode_utf8,
    display_name,
    excerpt,
    pack_error,
    read_bytes,
)
from xueji_rules.errors import Location, PackError, Problem

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "YamlDocument",
    "load_data_text",
    "load_yaml_bytes",
    "load_yaml_file",
    "load_yaml_text",
]

MAX_NODES = 500_000
MAX_DEPTH = 100

PathKey = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


# libyaml's parser when PyYAML was built with it (the usual wheels are): same node tree with
# marks, about ten times faster than the pure-Python composer.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _HardenedLoader(_Base):  # type: ignore[misc]
    """SafeLoader with a minimal, explicit set of implicit resolvers (never the global one)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}


_HardenedLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))
_HardenedLoader.add_implicit_resolver(_NULL, re.compile(r"^(?:null|~|)$"), ["n", "~", ""])
_HardenedLoader.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_HardenedLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)$"),
    list("-+.0123456789"),
)
_HardenedLoader.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML file: plain data plus the position of every value by its path."""

    data: Any
    file: str
    positions: dict[PathKey, tuple[int, int]]
    values: int = 0  # how many values the document holds once aliases are expanded

    def locate(self, path: PathKey | list[str | int] = (), rule_id: str | None = None) -> Location:
        """The location of the value at ``path``, or of its nearest enclosing value."""
        key = tuple(path)
        while key not in self.positions and key:
            key = key[:-1]
        line, column = self.positions.get(key, (1, 1))
        return Location(file=self.file, line=line, column=column, rule_id=rule_id)


class _Builder:
    def __init__(self, file: str, max_values: int = MAX_NODES) -> None:
        self.max_values = max_values
        self.file = file
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.nodes = 0

    def fail(self, node: Node, message: str) -> PackError:
        mark = node.start_mark
        where = Location(file=self.file, line=mark.line + 1, column=mark.column + 1)
        return PackError([Problem(message, where)])

    def build(self, node: Node, path: PathKey, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > self.max_values:
            raise self.fail(
                node,
                f"document too large after expanding aliases (over {self.max_values} values"
                + (")" if self.max_values == MAX_NODES else " left for the pack)"),
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(node, f"unsupported tag {excerpt(node.tag)}")
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        raise self.fail(node, "unsupported YAML node")

    def scalar(self, node: ScalarNode) -> Any:
        value: str = node.value
        tag = node.tag
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            if value not in ("true", "false"):
                raise self.fail(node, f"not a boolean: {excerpt(value)} (use true or false)")
            return value == "true"
        if tag == _INT:
            try:
                return int(value)
            except ValueError:
                raise self.fail(node, f"not a decimal integer: {excerpt(value)}") from None
        if tag == _FLOAT:
            try:
                number = float(value)
            except ValueError:
                raise self.fail(node, f"not a decimal number: {excerpt(value)}") from None
            if not math.isfinite(number):
                raise self.fail(node, f"number out of range: {excerpt(value)}")
            return number
        raise self.fail(
            node, f"unsupported tag {excerpt(tag)} (only plain YAML values are allowed)"
        )

    def mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        if node.tag != _MAP:
            raise self.fail(node, f"unsupported tag {excerpt(node.tag)}")
        result: dict[str, Any] = {}
        explicit: set[str] = set()
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE:
                merged.append((key_node, value_node))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (_STR, _INT):
                raise self.fail(key_node, "mapping keys must be plain strings")
            key = str(key_node.value)
            if key in explicit:
                raise self.fail(key_node, f"duplicate key {excerpt(key)}")
            explicit.add(key)
            self.positions[(*path, key)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = self.build(value_node, (*path, key), depth + 1)
        for key_node, value_node in merged:
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
                    raise self.fail(key_node, "'<<' merges only mappings")
                for k, v in self.mapping(source, path, depth + 1).items():
                    result.setdefault(k, v)
        return result


def _check_size(text: str, file: str, max_bytes: int) -> None:
    """Refuse text over ``max_bytes`` in UTF-8, or text that is not text (a lone surrogate)."""
    if len(text) > max_bytes:
        size = len(text)
    else:
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise PackError(
                [
                    Problem(
                        f"the text holds a lone UTF-16 surrogate at position {exc.start}, "
                        "which is not a character",
                        Location(file=file),
                    )
                ]
            ) from None
    if size > max_bytes:
        raise PackError(
            [Problem(f"text larger than the limit of {max_bytes} bytes", Location(file=file))]
        )


def load_yaml_text(
    text: str,
    file: str = "<string>",
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    max_values: int = MAX_NODES,
) -> YamlDocument:
    """Parse one YAML document from ``text``; raise :class:`PackError` naming file and line."""
    _check_size(text, file, max_bytes)
    try:
        loader = _HardenedLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            Location(file=file, line=mark.line + 1, column=mark.column + 1)
            if mark
            else Location(file=file)
        )
        problem = exc.problem or "invalid YAML"
        if exc.context and exc.problem:  # e.g. "found duplicate anchor …; second occurrence"
            problem = f"{exc.context}: {exc.problem}"
        raise PackError([Problem(f"invalid YAML: {_short(problem)}", where)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a stream
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a byte"
        raise PackError(
            [
                Problem(
                    f"invalid YAML: the character {what} is not allowed (control characters "
                    "other than tab and line breaks are not)",
                    Location(file=file, line=line, column=column),
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise PackError(
            [Problem(f"invalid YAML: {_short(str(exc))}", Location(file=file))]
        ) from None
    except RecursionError:  # the pure-Python composer on absurd nesting
        raise PackError(
            [Problem(f"nesting deeper than {MAX_DEPTH} levels", Location(file=file))]
        ) from None
    if root is None:
        return YamlDocument(data=None, file=file, positions={(): (1, 1)})
    builder = _Builder(file, max_values)
    data = builder.build(root, (), 0)
    return YamlDocument(data=data, file=file, positions=builder.positions, values=builder.nodes)


def _short(message: str) -> str:
    # PyYAML quotes the offending characters; keep that short and free of escapes
    text = excerpt(message, 200)
    return text[1:-1] if text.startswith("'") and text.endswith("'") else text


def load_yaml_bytes(
    data: bytes,
    file: str,
    *,
    max_bytes: int = MAX_PACK_FILE_BYTES,
    budget: Budget | None = None,
) -> YamlDocument:
    """Parse YAML from bytes already read (UTF-8, an optional byte-order mark dropped).

    With ``budget``, the document's values (aliases expanded) are taken from the pack's budget.
    """
    text = decode_utf8(data, Location(file=file))
    if budget is None:
        return load_yaml_text(text, file, max_bytes=max_bytes)
    doc = load_yaml_text(
        text, file, max_bytes=max_bytes, max_values=min(MAX_NODES, budget.values_left)
    )
    budget.values_left -= doc.values
    return doc


def load_yaml_file(
    path: str | os.PathLike[str],
    display: str | None = None,
    *,
    max_bytes: int = MAX_PACK_FILE_BYTES,
    root: str | os.PathLike[str] | None = None,
    budget: Budget | None = None,
) -> YamlDocument:
    """Read (safely, see :mod:`xueji_rules._safeio`) and parse a YAML file.

    Anything wrong with the file (not a regular file, too large, unreadable, not UTF-8, outside
    ``root``) is a :class:`PackError` naming it.
    """
    name = display if display is not None else display_name(path)
    raw = read_bytes(path, display=name, max_bytes=max_bytes, root=root, budget=budget)
    return load_yaml_bytes(raw, name, max_bytes=max_bytes, budget=budget)


# -- JSON first, for inputs ----------------------------------------------------------------------


class _JsonRefused(Exception):
    """A JSON document that parses but breaks one of the reader's rules."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonRefused(f"duplicate key {excerpt(key)}")
        result[key] = value
    return result


def _constant(name: str) -> Any:
    raise _JsonRefused(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _JsonRefused(f"number out of range: {excerpt(text)}")
    return number


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _JsonRefused(
            f"the string {excerpt(value)} holds a lone UTF-16 surrogate, which is not a character"
        ) from None


def _check_shape(data: Any, surrogates: bool = False) -> None:
    """The YAML builder's bounds (depth, number of values), for a parsed JSON document.

    With ``surrogates`` (the text has ``\\uD8..`` escapes), every string is checked to be
    real text: a lone surrogate could not be written out again as UTF-8.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _JsonRefused(f"document too large (over {MAX_NODES} values)")
        if depth > MAX_DEPTH:
            raise _JsonRefused(f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            if surrogates:
                for key in value:
                    _check_text(key)
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif surrogates and isinstance(value, str):
            _check_text(value)


def _load_json(text: str, file: str) -> Any:
    try:
        data = json.loads(
            text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_finite
        )
    except _JsonRefused as exc:
        raise PackError([Problem(str(exc), Location(file=file))]) from None
    except RecursionError:
        raise PackError(
            [Problem(f"nesting deeper than {MAX_DEPTH} levels", Location(file=file))]
        ) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer of more digits than Python converts (4300)
        raise PackError(
            [Problem("invalid JSON: an integer with too many digits", Location(file=file))]
        ) from None
    try:
        _check_shape(data, surrogates=_SURROGATE_ESCAPE.search(text) is not None)
    except _JsonRefused as exc:
        raise PackError([Problem(str(exc), Location(file=file))]) from None
    return data


def load_data_text(
    text: str,
    file: str = "<string>",
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    error: ErrorFactory = pack_error,
) -> Any:
    """Plain data from a JSON or YAML document (JSON when the text starts with ``{`` or ``[``).

    JSON is parsed as JSON (so every string JSON allows, such as U+0080–U+009F, is accepted);
    when it is not valid JSON it is tried as YAML (a YAML flow mapping also starts with ``{``),
    and when that fails too the JSON error is reported. Problems raise ``error``.
    """
    try:
        _check_size(text, file, max_bytes)
        if text.lstrip(" \t\r\n")[:1] in ("{", "["):
            try:
                return _load_json(text, file)
            except json.JSONDecodeError as exc:
                json_error = PackError(
                    [
                        Problem(
                            f"invalid JSON: {exc.msg}",
                            Location(file=file, line=exc.lineno, column=exc.colno),
                        )
                    ]
                )
            try:
                return load_yaml_text(text, file, max_bytes=max_bytes).data
            except PackError:
                raise json_error from None
        return load_yaml_text(text, file, max_bytes=max_bytes).data
    except PackError as exc:
        first = exc.problems[0]
        raise error(first.message, first.location) from None
