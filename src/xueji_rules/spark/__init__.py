"""Bulk decisions and whole audits on Spark DataFrames (``pip install 'xueji-rules[spark]'``).

>>> from xueji_rules.spark import decide_dataframe, local_session
>>> spark = local_session(cores=2)                                       # doctest: +SKIP
>>> lines = spark.read.text("requests.jsonl")              # the decide --batch input format
>>> decisions = decide_dataframe(lines, "shanxi", line="value")          # doctest: +SKIP
>>> decisions.groupBy("outcome").count().show()                          # doctest: +SKIP

Each executor's Python worker builds one :class:`~xueji_rules.engine.Engine` for the job and
keeps it for every partition it processes; the pack reaches the executors as
``docs/scale.md`` explains (bundled packs come with the installed package, other packs are
zipped and shipped with ``SparkContext.addFile``). The rows are decided with ``mapInArrow`` by
the same code as ``Engine.decide_many`` and ``decide --batch``, so the results are the same.

>>> from xueji_rules.spark import audit_snapshot_dataframe
>>> findings = audit_snapshot_dataframe(spark, "snapshot/", "shanxi", "2026-12-31")  # doctest: +SKIP

:func:`audit_snapshot_dataframe` (a snapshot directory) and :func:`audit_dataframe` (frames you
have) give the findings of ``xueji-rules audit``, by the same functions: per-record checks in
``mapInArrow``, cross-record facts grouped by ``(kind, key)``, side files row by row
(``docs/scale.md``, "The audit on Spark").
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import posixpath
import sys
from functools import partial
from typing import TYPE_CHECKING, Any

from xueji_rules.errors import InputError, Location
from xueji_rules.spark._audit import AUDIT_FIELDS, AuditJob
from xueji_rules.spark._executor import OUTPUT_FIELDS, Layout, decide_batches
from xueji_rules.spark._ship import PackShipment, ship_engine

if TYPE_CHECKING:
    from xueji_rules.engine import Engine
    from xueji_rules.packs.model import Pack

__all__ = [
    "AUDIT_COLUMNS",
    "DECISION_COLUMNS",
    "PackShipment",
    "audit_dataframe",
    "audit_snapshot_dataframe",
    "decide_dataframe",
    "local_session",
    "require_pyspark",
    "ship_engine",
]

INSTALL_HINT = "pip install 'xueji-rules[spark]'"
DECISION_COLUMNS = tuple(name for name, _ in OUTPUT_FIELDS)
AUDIT_COLUMNS = AUDIT_FIELDS


def require_pyspark() -> Any:
    """The ``pyspark`` module, or :class:`~xueji_rules.errors.InputError` with the install line."""
    try:
        for name in ("pyarrow", "pandas"):  # mapInArrow needs both
            importlib.import_module(name)
        import pyspark
    except ImportError as exc:
        raise InputError(
            f"Spark support needs pyspark, pyarrow and pandas ({exc.name} is missing): "
            f"{INSTALL_HINT}",
            Location(),
        ) from None
    return pyspark


def local_session(cores: int = 2, app_name: str = "xueji-rules", **conf: str) -> Any:
    """A local ``SparkSession`` (``local[cores]``) set up for xueji-rules.

    Python workers run this interpreter (``PYSPARK_PYTHON``, unless already set), the web UI is
    off and shuffles use ``cores`` partitions; ``conf`` adds or overrides Spark settings. On a
    cluster, build the session as usual instead (``docs/scale.md``).
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": str(cores),
        "spark.default.parallelism": str(cores),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **conf,
    }
    builder = SparkSession.builder.master(f"local[{cores}]").appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _engine(pack: str | os.PathLike[str] | Pack | Engine, options: dict[str, Any]) -> Engine:
    from xueji_rules.engine import Engine

    if isinstance(pack, Engine):
        if options:
            raise InputError(
                "decide_dataframe: give engine options to the Engine, not beside it", Location()
            )
        return pack
    return Engine(pack, **options)


def _check_columns(
    df: Any, wanted: dict[str, str | None], caller: str, *, text: bool = False
) -> None:
    """Each ``wanted`` column (role -> name) is in ``df``; with ``text``, it holds text (string
    or binary: JSON lines), so that a wrong column is refused here, not in every task."""
    from pyspark.sql.types import BinaryType, StringType

    present = set(df.columns)
    for role, column in wanted.items():
        if column is None:
            continue
        if column not in present:
            have = ", ".join(df.columns) or "none"
            raise InputError(
                f"{caller}: no column {column!r} for the {role} (columns: {have})",
                Location(path=column),
            )
        kind = df.schema[column].dataType
        if text and not isinstance(kind, StringType | BinaryType):
            raise InputError(
                f"{caller}: the {role} column {column!r} holds {kind.simpleString()}, "
                "not text (string or binary)",
                Location(path=column),
            )


def decide_dataframe(
    df: Any,
    pack: str | os.PathLike[str] | Pack | Engine,
    *,
    record: str = "record",
    request: str = "request",
    line: str | None = None,
    id: str | None = "id",
    **engine_options: Any,
) -> Any:
    """Decide every row of ``df``; a DataFrame of decisions, one row per input row.

    Input, either
      * ``record`` and ``request`` columns, each a JSON string or a struct shaped like
        ``schemas/record.schema.json`` / ``request.schema.json`` (``id``: an optional column
        passed through unchanged; set ``id=None`` to leave it out), or
      * ``line=NAME``: a string column holding whole ``decide --batch`` input lines
        (``spark.read.text(path)`` gives ``value``); the output ``id`` is the line's id as text.

    Output columns: the id column (when there is one), ``record_id``, ``outcome``,
    ``next_status``, ``next_stage``, ``failed_rules`` (rule ids), ``decision`` (the decision
    JSON, as ``Decision.to_json``) and ``error`` (``null``, or the error object of
    ``schemas/batch-output.schema.json`` as JSON text; then the decision columns are null).

    ``pack`` is a pack reference, a loaded pack or an :class:`~xueji_rules.engine.Engine`;
    ``engine_options`` are ``Engine``'s keyword arguments. The engine is built here first, so a
    bad pack fails before any job starts.
    """
    require_pyspark()
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    engine = _engine(pack, engine_options)
    if line is not None:
        _check_columns(df, {"batch lines": line}, "decide_dataframe", text=True)
        layout = Layout(record=None, request=None, line=line, id=None)
        fields = [StructField("id", StringType())]
    else:
        ident = id if id is not None and id in df.columns else None
        _check_columns(df, {"record": record, "request": request}, "decide_dataframe")
        layout = Layout(record=record, request=request, id=ident)
        fields = [df.schema[ident]] if ident is not None else []
    fields += [
        StructField(name, ArrayType(StringType()) if name == "failed_rules" else StringType())
        for name in DECISION_COLUMNS
    ]
    shipment = ship_engine(df.sparkSession, engine)
    return df.mapInArrow(partial(decide_batches, shipment, layout), StructType(fields))


def _audit_job(
    spark: Any,
    pack: str | os.PathLike[str],
    as_of: dt.date | str,
    calendar_files: tuple[str, ...],
    settings: dict[str, Any],
    *,
    line: str | None,
    facts: bool,
) -> tuple[PackShipment, AuditJob]:
    """The shipment and job settings of an audit; a bad pack or setting fails here."""
    import dataclasses

    from xueji_rules.audit import context_for, spec_from
    from xueji_rules.audit.context import parse_as_of

    day = parse_as_of(as_of) if isinstance(as_of, str) else as_of
    spec = spec_from(pack, day, calendar_files=tuple(calendar_files), **settings)
    ctx = context_for(spec)  # before any job
    fixed = ("pack", "as_of", "calendar_files", "identity_key")
    shipped = tuple(
        (f.name, getattr(spec, f.name)) for f in dataclasses.fields(spec) if f.name not in fixed
    )
    shipment = ship_engine(spark, ctx.top)
    job = AuditJob(
        as_of=day, settings=shipped, line=line, identity_key=spec.identity_key, facts=facts
    )
    return shipment, job


def audit_dataframe(
    df: Any,
    pack: str | os.PathLike[str],
    as_of: dt.date | str,
    *,
    line: str | None = None,
    verifications: Any = None,
    accounts: Any = None,
    staff: Any = None,
    cross_record: bool = True,
    calendar_files: tuple[str, ...] = (),
    **settings: Any,
) -> Any:
    """Every finding of the bundles in ``df`` and of the side frames: one row per finding.

    Input: one row per bundle (``schemas/bundle.schema.json``) — either one column per top-level
    bundle field (``spark.read.parquet("snapshot/bundles.parquet")``), or ``line=NAME``, a
    string (or binary) column of JSONL bundle lines (``spark.read.text("snapshot/bundles.jsonl")``,
    column ``value``). ``verifications``, ``accounts``, ``staff``: optional frames of the side
    files' JSONL lines in a column ``value`` (``spark.read.text(...)``). Output columns
    ``record_id``, ``check``, ``severity`` and ``finding`` (the finding's JSON text, as in
    ``audit -o``), in no particular order.

    The checks are those of ``xueji-rules audit``, by the same functions: the per-record checks
    and history replay of :func:`~xueji_rules.audit.audit_bundle`; with ``cross_record`` (the
    default) O01 and O07's reuse and continuation (identity facts grouped by key), O04 when
    ``verifications`` is given (a school's roster terms grouped with its verifications; an
    empty frame means "no verification at all"); O12 and O15 on ``accounts`` and ``staff``.
    A row that cannot be audited gives an ``input.bad_line`` finding; Spark does not know line
    numbers, so it names the column (or ``<spark>``) and line 0 —
    :func:`audit_snapshot_dataframe` reads a snapshot directory with its file names and line
    numbers instead. ``settings`` are :class:`~xueji_rules.audit.AuditSpec`'s optional fields.
    """
    require_pyspark()
    from xueji_rules.spark._frames import audit_plan

    if line is not None:
        _check_columns(df, {"bundle lines": line}, "audit_dataframe", text=True)
    else:
        _check_columns(df, {"record": "record"}, "audit_dataframe")
    side = {"verifications": verifications, "accounts": accounts, "staff": staff}
    for kind, frame in side.items():
        if frame is not None:
            _check_columns(frame, {f"{kind} lines": "value"}, "audit_dataframe", text=True)
    shipment, job = _audit_job(
        df.sparkSession, pack, as_of, calendar_files, settings, line=line, facts=cross_record
    )
    if not cross_record:
        side = {}
    return audit_plan(df, side, shipment, job)


def audit_snapshot_dataframe(
    spark: Any,
    snapshot: str | os.PathLike[str],
    pack: str | os.PathLike[str],
    as_of: dt.date | str,
    *,
    calendar_files: tuple[str, ...] = (),
    **settings: Any,
) -> Any:
    """The findings of a snapshot directory on Spark: those ``xueji-rules audit`` writes.

    Reads the bundle files (JSONL or Parquet) and the side files of ``snapshot`` with each row's
    file name and line number, and runs :func:`audit_dataframe`'s plan. ``snapshot`` is a local
    path (on a cluster: a shared mount every executor sees) or a URI of any file system the
    session's Hadoop configuration knows (``hdfs://…``, ``s3a://…``, ``file://…``): the
    manifest is then read, and the files are found, through that file system. The result holds the same findings as the
    single-machine audit of the same snapshot, bad lines included, as a DataFrame (columns
    ``record_id``, ``check``, ``severity``, ``finding``; no order).
    """
    require_pyspark()
    from xueji_rules.spark._frames import audit_plan, numbered_lines, numbered_parquet

    files, side_files = _snapshot_files(spark, os.fspath(snapshot))  # reads the manifest only
    kinds = {posixpath.splitext(uri)[1] for uri, _ in files}
    if len(kinds) > 1:
        raise InputError(
            "a snapshot for Spark has JSONL or Parquet bundle files, not both", Location()
        )
    parquet = kinds == {".parquet"}
    frames = [
        (numbered_parquet if parquet else numbered_lines)(spark, uri, display)
        for uri, display in files
    ]
    bundles = frames[0]
    for frame in frames[1:]:
        bundles = bundles.unionByName(frame)
    side = {}
    for kind in ("verifications", "accounts", "staff"):
        found = side_files.get(kind)
        if found is not None:
            side[kind] = numbered_lines(spark, *found)
        elif kind == "verifications":  # no file: no school verified (as the single machine)
            side[kind] = spark.createDataFrame([], "value binary")
    shipment, job = _audit_job(
        spark, pack, as_of, calendar_files, settings, line=None if parquet else "value", facts=True
    )
    return audit_plan(bundles, side, shipment, job)


def _snapshot_files(
    spark: Any, snapshot: str
) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """The bundle files and side files of a snapshot as (path or URI, name in findings)."""
    from xueji_rules.spark._remote import is_uri, open_remote_snapshot

    if is_uri(snapshot):
        remote = open_remote_snapshot(spark, snapshot)
        return (
            [(uri, remote.display(uri)) for uri in remote.bundle_files],
            {kind: (uri, remote.display(uri)) for kind, uri in remote.side_files.items()},
        )
    from xueji_rules.audit import open_snapshot

    local = open_snapshot(snapshot)
    return (
        [(str(path), local.display(path)) for path in local.bundle_files],
        {kind: (str(path), local.display(path)) for kind, path in local.side_files.items()},
    )
