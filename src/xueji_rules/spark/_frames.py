"""The audit as a Spark plan: per-row functions, one ``groupBy``, the grouped checks.

::

    bundles ─ mapInArrow(audit_batches) ─┐
    verifications ─ mapInArrow(side) ────┤  union ─ groupBy(kind, key) ─ collect_list
    accounts ─ mapInArrow(side) ─────────┤         ─ mapInArrow(group_batches) ─ findings
    staff ─ mapInArrow(side) ────────────┘

Every input is read once. Findings made per row travel through the ``groupBy`` too (one group
per bundle or side row), so the per-record part is never computed twice. Groups of identity
facts with one row are dropped in the JVM: :func:`~xueji_rules.records.registry.registry_findings`
returns nothing for them, and they are almost all of the facts.

:func:`numbered_lines` and :func:`numbered_parquet` read a snapshot file with each row's file
name and line (row) number, computed in the JVM from the rows per input partition, so that a
bad line is named exactly as ``xueji-rules audit`` names it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from xueji_rules.spark._audit import (
    AUDIT_FIELDS,
    FILE_COLUMN,
    FINDING,
    LINE_COLUMN,
    SCHOOL,
    STAGE_FIELDS,
    AuditJob,
    audit_batches,
    side_batches,
)
from xueji_rules.spark._groups import PERSON_KINDS, group_batches
from xueji_rules.spark._ship import PackShipment

__all__ = ["audit_plan", "numbered_lines", "numbered_parquet"]

SIDE_KINDS = ("verifications", "accounts", "staff")


def _schema(names: tuple[str, ...]) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(name, StringType()) for name in names])


def audit_plan(
    bundles: Any,
    side: dict[str, Any],
    shipment: PackShipment,
    job: AuditJob,
) -> Any:
    """The findings DataFrame (:data:`AUDIT_FIELDS`) of ``bundles`` and the ``side`` frames."""
    from pyspark.sql import functions as F

    stage = _schema(STAGE_FIELDS)
    parts = [bundles.mapInArrow(partial(audit_batches, shipment, job), stage)]
    for kind in SIDE_KINDS:
        frame = side.get(kind)
        if frame is not None:
            keep = [c for c in ("value", FILE_COLUMN, LINE_COLUMN) if c in frame.columns]
            body = partial(side_batches, shipment, job, kind)
            parts.append(frame.select(*keep).mapInArrow(body, stage))
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.unionByName(part)
    grouped = rows.groupBy("kind", "key").agg(
        F.collect_list(F.struct("record_id", "check", "severity", "payload")).alias("rows")
    )
    wanted = F.col("kind").isin(FINDING, SCHOOL) | (
        F.col("kind").isin(*PERSON_KINDS) & (F.size("rows") >= 2)
    )
    return grouped.where(wanted).mapInArrow(
        partial(group_batches, shipment, job), _schema(AUDIT_FIELDS)
    )


def _numbered(frame: Any, display: str) -> Any:
    """``frame`` with :data:`FILE_COLUMN` (``display``) and :data:`LINE_COLUMN` (1, 2, ...).

    ``monotonically_increasing_id`` is the input partition's index times 2**33 plus the row's
    place in it; one small job counts the rows of each partition, and the line is the rows of
    the partitions before plus the place. A single file's partitions are its splits in file
    order, so the numbers are the file's line (or row) numbers.
    """
    from pyspark.sql import functions as F

    ids = frame.withColumn("_xueji_id", F.monotonically_increasing_id())
    part = F.shiftright(F.col("_xueji_id"), 33)
    counts = dict(
        ids.groupBy(part.alias("p")).count().collect()  # a few rows: one per partition
    )
    offsets: dict[int, int] = {}
    total = 0
    for index in sorted(counts):
        offsets[index] = total
        total += counts[index]
    start = F.lit(0)
    if offsets:
        table = F.create_map(*(F.lit(v) for item in sorted(offsets.items()) for v in item))
        start = F.element_at(table, part)
    place = F.col("_xueji_id").bitwiseAND((1 << 33) - 1)
    return ids.select(
        *frame.columns,
        F.lit(display).alias(FILE_COLUMN),
        (start + place + 1).cast("long").alias(LINE_COLUMN),
    )


def numbered_lines(spark: Any, path: str, display: str) -> Any:
    """A JSONL file as rows of raw bytes (``value``, binary, split at ``\\n`` only, as the
    single-machine audit reads it), numbered."""
    from pyspark.sql import functions as F

    lines = spark.read.option("lineSep", "\n").text(path)
    return _numbered(lines.select(F.col("value").cast("binary").alias("value")), display)


def numbered_parquet(spark: Any, path: str, display: str) -> Any:
    """A Parquet bundle file, one column per bundle field, numbered by row."""
    return _numbered(spark.read.parquet(path), display)
