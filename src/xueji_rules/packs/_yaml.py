"""A hardened YAML reader that keeps the line and column of every value.

* a ``SafeLoader`` subclass with its own resolvers (the global loader is never patched): only
  ``true``/``false`` are booleans, only plain decimal numbers are numbers, dates stay strings
  (fields declared as dates are parsed explicitly later);
* duplicate keys, Python tags and any non-standard tag are errors with their line;
* anchors and aliases are allowed, but the expanded document is bounded in size, so an alias bomb
  cannot exhaust memory;
* every value's position is kept by its path, so later errors can point into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from xueji_rules.errors import Location, PackError, Problem

__all__ = ["MAX_FILE_BYTES", "MAX_NODES", "YamlDocument", "load_yaml_file", "load_yaml_text"]

MAX_FILE_BYTES = 5_000_000
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

    def locate(self, path: PathKey | list[str | int] = (), rule_id: str | None = None) -> Location:
        """The location of the value at ``path``, or of its nearest enclosing value."""
        key = tuple(path)
        while key not in self.positions and key:
            key = key[:-1]
        line, column = self.positions.get(key, (1, 1))
        return Location(file=self.file, line=line, column=column, rule_id=rule_id)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.nodes = 0

    def fail(self, node: Node, message: str) -> PackError:
        mark = node.start_mark
        where = Location(file=self.file, line=mark.line + 1, column=mark.column + 1)
        return PackError([Problem(message, where)])

    def build(self, node: Node, path: PathKey, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                node, f"document too large after expanding aliases (over {MAX_NODES} values)"
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels")
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self.fail(node, f"unsupported tag {node.tag!r}")
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
                raise self.fail(node, f"not a boolean: {value!r} (use true or false)")
            return value == "true"
        if tag == _INT:
            try:
                return int(value)
            except ValueError:
                raise self.fail(node, f"not a decimal integer: {value!r}") from None
        if tag == _FLOAT:
            try:
                return float(value)
            except ValueError:
                raise self.fail(node, f"not a decimal number: {value!r}") from None
        raise self.fail(node, f"unsupported tag {tag!r} (only plain YAML values are allowed)")

    def mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        if node.tag != _MAP:
            raise self.fail(node, f"unsupported tag {node.tag!r}")
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
                raise self.fail(key_node, f"duplicate key {key!r}")
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


def load_yaml_text(text: str, file: str = "<string>") -> YamlDocument:
    """Parse one YAML document from ``text``; raise :class:`PackError` naming file and line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise PackError([Problem(f"file larger than {MAX_FILE_BYTES} bytes", Location(file=file))])
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
        problem = exc.problem or exc.context or "invalid YAML"
        raise PackError([Problem(f"invalid YAML: {problem}", where)]) from None
    except yaml.YAMLError as exc:
        raise PackError([Problem(f"invalid YAML: {exc}", Location(file=file))]) from None
    if root is None:
        return YamlDocument(data=None, file=file, positions={(): (1, 1)})
    builder = _Builder(file)
    data = builder.build(root, (), 0)
    return YamlDocument(data=data, file=file, positions=builder.positions)


def load_yaml_file(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse a YAML file; unreadable or non-UTF-8 files are a :class:`PackError`."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PackError(
            [Problem(f"cannot read file: {exc.strerror}", Location(file=name))]
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise PackError([Problem(f"file larger than {MAX_FILE_BYTES} bytes", Location(file=name))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackError(
            [Problem(f"not UTF-8 text (byte {exc.start})", Location(file=name))]
        ) from None
    return load_yaml_text(text, name)
