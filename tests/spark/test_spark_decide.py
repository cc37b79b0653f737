"""Spark (local[2]) decides like Engine.decide_many, record for record, whatever the input shape."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.bulk.conftest import damaged, scenario_pairs
from xueji_rules import Engine, InputError, PackError
from xueji_rules.bulk import error_json
from xueji_rules.cli import main
from xueji_rules.spark import DECISION_COLUMNS, audit_dataframe, decide_dataframe

ROOT = Path(__file__).resolve().parents[2]


def _expected(engine: Engine, pairs: list[Any]) -> list[Any]:
    return list(engine.decide_many(pairs))


def _check_row(row: Any, expected: Any) -> None:
    if isinstance(expected, Exception):
        assert row["outcome"] is None and row["decision"] is None
        assert json.loads(row["error"]) == error_json(expected)
    else:
        assert row["error"] is None
        assert json.loads(row["decision"]) == expected.to_json()
        assert row["outcome"] == expected.outcome
        assert row["next_status"] == expected.next_status
        assert row["next_stage"] == expected.next_stage
        assert row["failed_rules"] == [r.id for r in expected.failed_rules]
        assert row["record_id"] == expected.record_id


def test_json_columns_equal_decide_many(spark: Any) -> None:
    engine = Engine("shanxi")
    pairs = scenario_pairs("shanxi")
    pairs = pairs + damaged(pairs, seed=9, count=80)
    rows = [(i, json.dumps(r), json.dumps(q)) for i, (r, q) in enumerate(pairs)]
    rows.append((len(rows), "{not json", json.dumps(pairs[0][1])))
    df = spark.createDataFrame(rows, "id long, record string, request string")
    out = decide_dataframe(df, engine).collect()
    assert len(out) == len(rows)
    assert out[0].__fields__ == ["id", *DECISION_COLUMNS]
    expected = _expected(engine, pairs)
    errors = 0
    for row in out:
        if row["id"] == len(pairs):
            assert "not valid JSON" in json.loads(row["error"])["detail"]
            continue
        _check_row(row, expected[row["id"]])
        errors += row["error"] is not None
    assert errors == sum(isinstance(x, Exception) for x in expected) > 0


def test_struct_columns_from_json_lines(spark: Any, tmp_path: Path) -> None:
    pairs = scenario_pairs("national")[:120]
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"n{i}", "record": r, "request": q}) + "\n"
            for i, (r, q) in enumerate(pairs)
        )
    )
    df = spark.read.json(str(path))
    out = {row["id"]: row for row in decide_dataframe(df, "national").collect()}
    expected = _expected(Engine("national"), pairs)
    assert len(out) == len(pairs)
    for i, item in enumerate(expected):
        _check_row(out[f"n{i}"], item)


def test_batch_lines_equal_the_cli(spark: Any, tmp_path: Path) -> None:
    pairs = scenario_pairs("shanxi")[:150]
    lines = [
        json.dumps({"id": f"s{i}", "record": r, "request": q}) for i, (r, q) in enumerate(pairs)
    ]
    lines[10] = '{"id": "s10", "record": {}}'
    lines[20] = "oops"
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n")
    cli_out = tmp_path / "cli.jsonl"
    main(
        ["decide", "--pack", "shanxi", "--batch", str(path), "-o", str(cli_out)], out=io.StringIO()
    )
    by_line = {row["line"]: row for row in map(json.loads, cli_out.read_text().splitlines())}
    out = decide_dataframe(spark.read.text(str(path)), "shanxi", line="value").collect()
    assert len(out) == len(lines)
    by_id = {row["id"]: row for row in out}
    for _number, cli in by_line.items():
        if "decision" in cli:
            assert json.loads(by_id[cli["id"]]["decision"]) == cli["decision"]
        elif "id" in cli:  # the same problem object: it does not depend on the line's source
            assert json.loads(by_id[cli["id"]]["error"]) == cli["error"]
    assert json.loads(by_id["s10"]["error"])["type"].endswith("/bad-input")
    assert next(row for row in out if row["id"] is None)["error"] is not None  # "oops": no id


def test_path_pack_is_shipped_to_the_executors(spark: Any, tmp_path: Path) -> None:
    # a copy of the national pack under another version: only the shipped copy says so
    copy = tmp_path / "packs" / "national_copy"
    shutil.copytree(ROOT / "rulepacks" / "national", copy, ignore=shutil.ignore_patterns("tests"))
    text = (copy / "pack.yaml").read_text(encoding="utf-8")
    (copy / "pack.yaml").write_text(
        text.replace("version: ", "version: 9.9.9 # ", 1), encoding="utf-8"
    )
    engine = Engine(copy)
    assert engine.pack.version == "9.9.9"
    pairs = scenario_pairs("national")[:40]
    rows = [(i, json.dumps(r), json.dumps(q)) for i, (r, q) in enumerate(pairs)]
    df = spark.createDataFrame(rows, "id int, record string, request string")
    out = decide_dataframe(df, copy).collect()
    expected = _expected(engine, pairs)
    for row in out:
        _check_row(row, expected[row["id"]])
    versions = {json.loads(r["decision"])["pack"]["version"] for r in out if r["decision"]}
    assert versions == {"9.9.9"}


def test_bad_columns_and_packs_fail_before_any_job(spark: Any, tmp_path: Path) -> None:
    df = spark.createDataFrame([(1, "{}")], "id int, record string")
    with pytest.raises(InputError, match="no column 'request'"):
        decide_dataframe(df, "shanxi")
    with pytest.raises(InputError, match="no column 'value'"):
        decide_dataframe(df, "shanxi", line="value")
    # a lines column must hold text: an int column fails here, not in every task
    with pytest.raises(InputError, match="column 'id' holds int, not text"):
        decide_dataframe(df, "shanxi", line="id")
    with pytest.raises(InputError, match="audit_dataframe: the bundle lines column 'id' holds"):
        audit_dataframe(df, "shanxi", "2026-12-31", line="id")
    with pytest.raises(PackError):
        decide_dataframe(df, tmp_path)
