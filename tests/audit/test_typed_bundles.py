"""An audit gives the same finding lines whether msgspec or the general path read the bundles."""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules.audit import context_for, spec_from
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
    return root


def _lines(root: Path, reveal: bool, typed: bool) -> tuple[list[str], int]:
    spec = spec_from("shanxi", "2026-12-31", reveal_personal_data=reveal)
    ctx = context_for(spec)
    decoder = ctx.typed_bundles
    assert decoder is not None
    if not typed:
        ctx.typed_bundles = None
    try:
        results: list[ChunkResult] = [
            audit_chunk(spec, chunk) for chunk in iter_chunks(open_snapshot(root), 500)
        ]
    finally:
        ctx.typed_bundles = decoder
    return [line for r in results for line in r.lines], sum(len(r.bad_lines) for r in results)


@pytest.mark.parametrize("reveal", [False, True])
def test_findings_are_the_same_line_for_line(snapshot: Path, reveal: bool) -> None:
    general, bad = _lines(snapshot, reveal, typed=False)
    typed, bad_typed = _lines(snapshot, reveal, typed=True)
    assert len(general) > 100 and bad >= 2  # findings of every kind, and lines it refuses
    assert typed == general
    assert bad_typed == bad
