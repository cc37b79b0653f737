"""The executor side on plain Arrow batches (no JVM): rows, nulls, errors, the pack check."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pyarrow as pa
import pytest

from tests.bulk.conftest import scenario_pairs
from xueji_rules import Engine, InputError
from xueji_rules.spark._executor import _ENGINES, Layout, decide_batches
from xueji_rules.spark._ship import ship_engine


def test_struct_rows_with_nulls_decide_like_the_engine() -> None:
    engine = Engine("shanxi")
    shipment = ship_engine(None, engine)  # a bundled pack ships nothing
    assert shipment.archive is None and shipment.pack == "shanxi"
    pairs = scenario_pairs("shanxi")[:50]
    batch = pa.RecordBatch.from_pylist(
        [{"k": i, "record": r, "request": q} for i, (r, q) in enumerate(pairs)]
    )  # Arrow fills absent fields with nulls; the executor drops them again
    layout = Layout(id="k")
    (out,) = list(decide_batches(shipment, layout, iter([batch])))
    rows = out.to_pylist()
    for row, (record, request) in zip(rows, pairs, strict=True):
        expected: Any
        try:
            expected = engine.decide(record, request).to_json()
        except InputError:
            expected = None
        assert (json.loads(row["decision"]) if row["decision"] else None) == expected


def test_executor_refuses_a_different_pack() -> None:
    engine = Engine("shanxi")
    shipment = dataclasses.replace(
        ship_engine(None, engine), expected=("shanxi", "0.0.0", (), (), None), key="other"
    )
    batch = pa.RecordBatch.from_pylist([{"record": "{}", "request": "{}"}])
    with pytest.raises(InputError, match="install the same xueji-rules version"):
        list(decide_batches(shipment, Layout(), iter([batch])))
    assert "other" not in _ENGINES


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from xueji_rules.spark import require_pyspark

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(InputError, match=r"pip install 'xueji-rules\[spark\]'"):
        require_pyspark()
