"""An audit gives the same finding lines whether msgspec's typed model, the general path or the
standard library (no [fast] extra) read the bundles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xueji_rules import _json
from xueji_rules.audit import bundle, context_for, spec_from
from xueji_rules.audit.bundle import ChunkResult, audit_chunk
from xueji_rules.audit.snapshot import iter_chunks, open_snapshot
from xueji_rules.audit.synth import SynthConfig, synthesize

pytest.importorskip("msgspec", reason="the typed bundle decoder needs the [fast] extra (msgspec)")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed") / "s3k"
    synthesize(root, SynthConfig(students=3000, seed=23))
    with open(root / "bundles.jsonl", "ab") as handle:  # lines only the general path takes
        handle.write(b'{"record": {"id": "G1", "status": "enrolled", "stage": "primary", '
                     b'"grade": 3.0, "has_registry": true, "enrolled_on": "2023-09-01"}}\n')  # fmt: skip
        handle.write(b'{"record": {"id": "G2", "status": "enrolled", "stage": "primary", '
                     b'"grade": 30}}\n')  # fmt: skip
        handle.write(b"not json\n")
        # lines at the edges of JSON, which every reading takes or refuses alike (D-360)
        pupil = (
            b'{"record": {"id": "G3", "status": "enrolled", "stage": "primary", "person": %s}}\n'
        )
        for person in (
            b'{"name": "x", "n": 123456789012345678901234567890}',
            b'{"name": "x", "n": NaN}',
            b'{"name": "x", "n": 1e400}',
            b'{"name": "\\ud800"}',
            b'{"name": "\xff"}',
            b'{"n": ' + b"1" * 5000 + b"}",
        ):
            handle.write(pupil % person)
        handle.write(b'\xef\xbb\xbf{"record": {}}\n{,"\xff"}\n')
    return root


def _lines(root: Path, reveal: bool, reading: str) -> tuple[list[str], int]:
    """The audit's finding lines with bundles read by msgspec's typed model (``typed``), by the
    general path's parser and the converter (``general``), or by the standard library held to
    the same rules and the converter (``standard``, as without the [fast] extra)."""
    spec = spec_from("shanxi", "2026-12-31", reveal_personal_data=reveal)
    ctx = context_for(spec)
    decoder = ctx.typed_bundles
    assert decoder is not None
    if reading != "typed":
        ctx.typed_bundles = None
    try:
        with pytest.MonkeyPatch.context() as patch:
            if reading == "standard":
                patch.setattr(bundle, "loads", _json._loads_standard)
            results: list[ChunkResult] = [
                audit_chunk(spec, chunk) for chunk in iter_chunks(open_snapshot(root), 500)
            ]
    finally:
        ctx.typed_bundles = decoder
    return [line for r in results for line in r.lines], sum(len(r.bad_lines) for r in results)


@pytest.mark.parametrize("reveal", [False, True])
def test_findings_are_the_same_line_for_line(snapshot: Path, reveal: bool) -> None:
    general, bad = _lines(snapshot, reveal, "general")
    assert len(general) > 100 and bad >= 8  # findings of every kind, and lines it refuses
    for reading in ("typed", "standard"):
        lines, refused = _lines(snapshot, reveal, reading)
        assert lines == general, reading
        assert refused == bad, reading


def test_the_edges_of_json_are_worded_alike(snapshot: Path) -> None:
    lines, _ = _lines(snapshot, False, "standard")
    errors = [json.loads(line)["evidence"] for line in lines if "input.bad_line" in line]
    edges = [e["error"] for e in errors][-8:]  # the refused lines appended to the synth's
    assert edges == [
        "not valid JSON",  # not json
        "not valid JSON",  # NaN
        "not valid JSON",  # 1e400
        "not valid JSON",  # half a surrogate pair
        "not UTF-8 text",
        "not valid JSON",  # 5,000 digits
        "not valid JSON",  # a byte-order mark
        "not UTF-8 text",  # a syntax error before the bad byte: the encoding is named first
    ]
