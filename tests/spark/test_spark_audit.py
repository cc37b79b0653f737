"""The audit's per-record function on Spark (local[2]) finds what the single-machine audit finds."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from xueji_rules.audit import audit_snapshot
from xueji_rules.audit.synth import DEFAULT_RATES, SynthConfig, synthesize
from xueji_rules.spark import AUDIT_COLUMNS, audit_dataframe

AS_OF = "2026-12-31"
# five times the default per-student rates, so a small snapshot has every kind of finding
RATES = {
    k: v if k.startswith(("O04.", "O12.", "O15.")) else 5 * v for k, v in DEFAULT_RATES.items()
} | {"input.bad_line": 0.01}  # a few bad lines whatever the seed draws
# checks that group records or read side files: the single-machine audit's last part
GROUPED = (
    "O01.", "O04.", "O07.number_reused", "O07.preschool_number_not_continued", "O12.", "O15.",
)  # fmt: skip


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("snap")
    out = {}
    for fmt in ("jsonl", "parquet"):
        synthesize(
            root / fmt,
            SynthConfig(students=600, seed=21, format=fmt, rates=RATES),
        )
        out[fmt] = root / fmt
    return out


def _single_machine(snapshot: Path) -> Counter[str]:
    out = io.StringIO()
    audit_snapshot(snapshot, pack="shanxi", as_of=AS_OF, out=out)
    lines = out.getvalue().splitlines()
    per_record = [x for x in lines if not json.loads(x)["check"].startswith(GROUPED)]
    assert len(per_record) < len(lines)  # the snapshot has grouped findings too
    return Counter(per_record)


def _normalise_bad_lines(lines: list[str]) -> list[str]:
    # Spark does not keep file line numbers: compare bad-line findings without file and line
    out = []
    for text in lines:
        data = json.loads(text)
        if data["check"] == "input.bad_line":
            data["evidence"].pop("file", None)
            data["evidence"].pop("line", None)
            text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        out.append(text)
    return out


def test_jsonl_lines_on_spark_equal_the_single_machine(
    spark: Any, snapshots: dict[str, Path]
) -> None:
    snapshot = snapshots["jsonl"]
    expected = _single_machine(snapshot)
    df = spark.read.text(str(snapshot / "bundles.jsonl"))
    rows = audit_dataframe(df, "shanxi", AS_OF, line="value").collect()
    assert rows and list(rows[0].asDict()) == list(AUDIT_COLUMNS)
    found = [r["finding"] for r in rows]
    assert Counter(_normalise_bad_lines(found)) == Counter(
        _normalise_bad_lines(list(expected.elements()))
    )
    assert any(r["check"] == "input.bad_line" for r in rows)
    for row in rows:  # record for record: each finding sits on the record it names
        data = json.loads(row["finding"])
        assert row["record_id"] == (data["records"][0] if data["records"] else None)


def test_parquet_structs_on_spark_equal_the_single_machine(
    spark: Any, snapshots: dict[str, Path]
) -> None:
    snapshot = snapshots["parquet"]
    expected = _single_machine(snapshot)
    df = spark.read.parquet(str(snapshot / "bundles.parquet"))
    found = [r["finding"] for r in audit_dataframe(df, "shanxi", AS_OF).collect()]
    assert Counter(_normalise_bad_lines(found)) == Counter(
        _normalise_bad_lines(list(expected.elements()))
    )
