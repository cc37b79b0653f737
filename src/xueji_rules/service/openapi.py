"""The OpenAPI 3.1 description of the service, generated from the JSON Schemas in ``schemas/``.

Records, requests, decisions, findings and problems are the very schema files the library
validates with; each file's ``$defs`` become components of their own (``record.schema.json``'s
``school`` is ``School``) so that client generators see plain ``#/components`` references.
The committed copy is ``schemas/openapi.json``; regenerate it with
``python -m xueji_rules.service.openapi --write schemas/openapi.json`` (a test checks it is fresh).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from xueji_rules import __version__
from xueji_rules._resources import schemas_root
from xueji_rules.service import _openapi_paths as paths

__all__ = ["build_openapi", "main", "render_openapi"]

# schema file -> component name of its root
_FILES = {
    "record.schema.json": "StudentRecord",  # not "Record": java.lang.Record would clash
    "request.schema.json": "Request",
    "decision.schema.json": "Decision",
    "finding.schema.json": "Finding",
    "problem.schema.json": "Problem",
    "conformance-answer.schema.json": "ConformanceAnswer",
    "batch-input.schema.json": "BatchLine",
    "batch-output.schema.json": "BatchAnswer",
}
# $defs with a name of their own (else: root name + the definition's name in CamelCase)
_DEF_NAMES = {
    ("record.schema.json", "school"): "School",
    ("decision.schema.json", "text"): "Text",
    ("decision.schema.json", "citation"): "Citation",
}
_REF = re.compile(r"^(?:(?P<file>[a-z-]+\.schema\.json))?(?:#/\$defs/(?P<name>[a-z_]+))?$")


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _def_name(file: str, name: str) -> str:
    return _DEF_NAMES.get((file, name), _FILES[file] + _camel(name))


def _rewrite(node: Any, own_file: str) -> Any:
    """``node`` with ``$defs`` references turned into component references."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$schema", "$id", "$defs"):
                continue
            if key == "$ref" and isinstance(value, str):
                match = _REF.match(value)
                if match is None or not (match.group("file") or match.group("name")):
                    raise ValueError(f"{own_file}: cannot translate $ref {value!r}")
                file = match.group("file") or own_file
                name = match.group("name")
                target = _def_name(file, name) if name else _FILES[file]  # a file: its root
                out[key] = f"#/components/schemas/{target}"
                continue
            out[key] = _rewrite(value, own_file)
        # an enum of strings without a type: say it is a string, for client generators
        if "enum" in out and "type" not in out and all(isinstance(v, str) for v in out["enum"]):
            out = {"type": "string", **out}
        return out
    if isinstance(node, list):
        return [_rewrite(v, own_file) for v in node]
    return node


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for file, name in _FILES.items():
        path = schemas_root() / file
        if not path.is_file():
            schemas[name] = {"type": "object", "description": f"({file} is not in this version)"}
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for def_name, definition in sorted(data.get("$defs", {}).items()):
            schemas[_def_name(file, def_name)] = _rewrite(definition, file)
        schemas[name] = _rewrite(data, file)
    schemas.update(paths.service_schemas())
    return dict(sorted(schemas.items()))


@cache
def build_openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document (a fresh dict each process; do not modify it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "xueji-rules",
            "version": __version__,
            "summary": "China's student-registry law (学籍管理) as an HTTP API",
            "description": (
                "Decide registry requests against records under one rule pack, fixed when the "
                "service starts (docs/service.md). Errors are application/problem+json "
                "(RFC 9457). Every answer that used the pack carries its digest in the "
                "Xueji-Pack-Digest header."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths.paths(),
        "components": {
            "schemas": _components(),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the token given to `xueji-rules serve --admin-token`",
                }
            },
        },
    }


def render_openapi() -> str:
    """The document as committed: two-space indent, Chinese unescaped, final newline."""
    return json.dumps(build_openapi(), ensure_ascii=False, indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xueji_rules.service.openapi [--write FILE]``: print or write the document."""
    parser = argparse.ArgumentParser(prog="python -m xueji_rules.service.openapi")
    parser.add_argument("--write", metavar="FILE", help="write the document to FILE")
    args = parser.parse_args(argv)
    text = render_openapi()
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
