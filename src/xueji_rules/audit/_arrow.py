"""Bundles as Arrow record batches: the schema, and conversion both ways.

The Arrow schema is generated from ``schemas/bundle.schema.json`` (and the record and request
schemas it refers to) when first needed, so a field added to a schema appears in Parquet
snapshots without code changes: objects become structs, arrays lists, ``format: date`` strings
``date32``, integers ``int64``, numbers ``float64``. A field absent from a bundle is null in
Arrow and absent again after :func:`bundles_from_batch`, so a Parquet snapshot decodes to the
same bundles as its JSONL twin. pyarrow is optional (``pip install 'xueji-rules[parquet]'``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from xueji_rules._schemas import load_schema
from xueji_rules.errors import InputError, Location

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["batch_from_bundles", "bundle_schema", "bundles_from_batch", "require_pyarrow"]

_HINT = "reading or writing Parquet needs pyarrow: pip install 'xueji-rules[parquet]'"


def require_pyarrow() -> Any:
    """The ``pyarrow`` module, or :class:`InputError` with the install line."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise InputError(_HINT, Location()) from None
    return pyarrow


def _resolve(ref: str, root: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    file, _, pointer = ref.partition("#")
    target_root: Mapping[str, Any] = load_schema(file) if file else root
    node: Any = target_root
    for part in [p for p in pointer.split("/") if p]:
        node = node[part]
    return node, target_root


def _arrow_type(pa: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    while "$ref" in schema:
        schema, root = _resolve(schema["$ref"], root)
    kind = schema.get("type")
    if kind == "object":
        props: Mapping[str, Any] = schema.get("properties", {})
        return pa.struct([pa.field(k, _arrow_type(pa, v, root)) for k, v in props.items()])
    if kind == "array":
        return pa.list_(_arrow_type(pa, schema.get("items", {}), root))
    if kind == "string":
        return pa.date32() if schema.get("format") == "date" else pa.string()
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    raise ValueError(f"bundle schema: no Arrow type for {schema!r}")


@cache
def bundle_schema() -> pa.Schema:
    """The Arrow schema of a bundle row (one column per top-level bundle field)."""
    pa = require_pyarrow()
    root = load_schema("bundle.schema.json")
    struct = _arrow_type(pa, root, root)
    return pa.schema(list(struct))


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def bundles_from_batch(batch: Any) -> list[dict[str, Any]]:
    """The bundles of an Arrow record batch (nulls dropped, dates as ``datetime.date``)."""
    return [_strip(row) for row in batch.to_pylist()]


def batch_from_bundles(bundles: Sequence[Mapping[str, Any]]) -> Any:
    """An Arrow record batch of converted bundles (dates as ``datetime.date``)."""
    pa = require_pyarrow()
    return pa.RecordBatch.from_pylist(list(bundles), schema=bundle_schema())
