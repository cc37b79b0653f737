"""The Rego peer of ``bench_decide.py``: the hand-written function's transfer conditions written in
Rego (``transfer.rego``) and evaluated by ``regopy``, the Python binding of rego-cpp.

regopy is optional (``pip install -e '.[bench]'``); :func:`rego_transfer` returns ``None``
without it. The policy is compiled once into a bundle (the fastest way regopy offers to run a
policy many times); each decision sets the input document and runs the bundle's query.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

POLICY = Path(__file__).resolve().with_name("transfer.rego")
QUERY = "x = data.xueji.transfer.result"

Decide = Callable[[dict[str, Any], dict[str, Any]], tuple[str, list[str]]]


def rego_transfer() -> Decide | None:
    """A function (record, request) -> (outcome, failed rule ids), as ``hand_written`` returns;
    ``None`` when regopy is not installed."""
    try:
        import regopy
    except ImportError:
        return None
    builder = regopy.Interpreter()
    builder.add_module("transfer.rego", POLICY.read_text(encoding="utf-8"))
    bundle = builder.build(QUERY, [])
    # a separate interpreter runs the bundle (regopy 1.5 aborts the process when the building
    # interpreter is queried again after build)
    runner = regopy.Interpreter()

    def decide(record: dict[str, Any], request: dict[str, Any]) -> tuple[str, list[str]]:
        runner.set_input({"record": record, "request": request})
        output = runner.query_bundle(bundle)
        if not output.ok():
            raise RuntimeError(f"Rego query failed: {output}")
        result = json.loads(output.binding("x").json())
        return result["outcome"], result["failed"]

    return decide
