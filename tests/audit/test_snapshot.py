"""Reading snapshots: streamed chunk by chunk, bad lines named and kept, Parquet like JSONL."""

from __future__ import annotations

import builtins
import inspect
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import AS_OF, pupil, write_snapshot
from xueji_rules.audit import audit_snapshot, iter_chunks, open_snapshot
from xueji_rules.cli import main
from xueji_rules.errors import InputError


def test_the_reader_is_a_lazy_generator(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil("A")}, {"record": pupil("B")}])
    chunks = iter_chunks(open_snapshot(root), size=1)
    assert inspect.isgenerator(chunks)
    first = next(chunks)
    assert [n for n, _ in first.lines] == [1]
    # a line appended after the first chunk was taken is still read: nothing was read ahead
    with open(root / "bundles.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"record": pupil("C")}) + "\n")
    assert [n for chunk in chunks for n, _ in chunk.lines] == [2, 3]


def test_chunks_hold_at_most_size_rows(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil(f"R{i}")} for i in range(10)])
    assert [len(c.lines) for c in iter_chunks(open_snapshot(root), size=4)] == [4, 4, 2]


def test_a_bad_line_is_reported_skipped_and_never_lost(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil("A", temporary_id=True)}])
    with open(root / "bundles.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{not json\n\n")
        handle.write(
            json.dumps(
                {"record": {"id": "Z", "status": "enrolled", "stage": "primary", "grade": 13}}
            )
            + "\n"
        )
        handle.write(json.dumps({"record": pupil("B", temporary_id=True)}) + "\n")
    result = audit_snapshot(root, pack="shanxi", as_of=AS_OF, reveal_personal_data=True)
    bad = [f for f in result.findings if f.check == "input.bad_line"]
    assert [(f.evidence["file"], f.evidence["line"]) for f in bad] == [
        ("bundles.jsonl", 2),
        ("bundles.jsonl", 4),
    ]
    assert bad[1].records == ("Z",) and "record.grade" in bad[1].evidence["error"]
    assert result.summary.bad_line_count == 2
    # the lines after the bad ones were audited
    assert [f.records for f in result.findings if f.check == "O08.temporary_number"] == [
        ("A",),
        ("B",),
    ]


def test_the_manifest_lists_files_and_is_checked(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [])
    (root / "bundles.jsonl").rename(root / "part-1.jsonl")
    (root / "snapshot.json").write_text(
        json.dumps({"format": "xueji-snapshot/1", "bundles": ["part-1.jsonl"]})
    )
    assert open_snapshot(root).bundle_files == (root / "part-1.jsonl",)
    (root / "snapshot.json").write_text(json.dumps({"format": "xueji-snapshot/9"}))
    with pytest.raises(InputError, match=r"snapshot\.format"):
        open_snapshot(root)
    (root / "snapshot.json").write_text(
        json.dumps(
            {"format": "xueji-snapshot/1", "bundles": ["part-1.jsonl"], "accounts": "acc.jsonl"}
        )
    )
    with pytest.raises(InputError, match=r"acc\.jsonl"):
        open_snapshot(root)


def test_no_bundle_file_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no bundle file"):
        open_snapshot(tmp_path / "empty")


def test_parts_are_read_in_name_order(tmp_path: Path) -> None:
    parts = tmp_path / "s" / "bundles"
    write_snapshot(parts, [{"record": pupil("B")}])
    (parts / "bundles.jsonl").rename(parts / "part-2.jsonl")
    write_snapshot(parts, [{"record": pupil("A")}])
    (parts / "bundles.jsonl").rename(parts / "part-1.jsonl")
    chunks = list(iter_chunks(open_snapshot(tmp_path / "s")))
    assert [c.source for c in chunks] == ["bundles/part-1.jsonl", "bundles/part-2.jsonl"]


def test_a_bad_side_line_is_reported_too(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}], accounts=[{"id": "a1"}])
    [finding] = audit_snapshot(root, pack="shanxi", as_of=AS_OF).findings
    assert finding.check == "input.bad_line"
    assert (finding.evidence["file"], finding.evidence["line"]) == ("accounts.jsonl", 1)


def test_parquet_without_pyarrow_names_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    (tmp_path / "bundles.parquet").write_bytes(b"PAR1")
    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    err = io.StringIO()
    code = main(
        ["audit", str(tmp_path), "--pack", "shanxi", "--as-of", AS_OF], out=io.StringIO(), err=err
    )
    assert code == 2
    assert "pip install 'xueji-rules[parquet]'" in err.getvalue()


def test_an_unreadable_parquet_file_is_bad_input(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    (tmp_path / "bundles.parquet").write_bytes(b"not parquet at all")
    err = io.StringIO()
    code = main(
        ["audit", str(tmp_path), "--pack", "shanxi", "--as-of", AS_OF], out=io.StringIO(), err=err
    )
    assert code == 2 and "bundles.parquet" in err.getvalue()


def test_the_manifest_cannot_point_outside_the_snapshot(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}])
    write_snapshot(tmp_path / "elsewhere", [{"record": pupil()}])
    manifest = {"format": "xueji-snapshot/1", "bundles": ["../elsewhere/bundles.jsonl"]}
    (root / "snapshot.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="outside the snapshot directory"):
        open_snapshot(root)


def test_a_packs_own_record_fields_are_part_of_the_bundle() -> None:
    import pytest

    from xueji_rules.audit._convert import bundle_model
    from xueji_rules.errors import InputError
    from xueji_rules.packs.model import InputField, Text

    field = InputField(path="record.boarding_term", type="date", label=Text("寄宿学期"))
    bundle = {"record": pupil("A", boarding_term="2026-09-01")}
    converted = bundle_model([field]).convert(bundle)
    assert converted["record"]["boarding_term"].isoformat() == "2026-09-01"
    with pytest.raises(InputError, match="boarding_term"):
        bundle_model().convert(bundle)  # without the pack's field it is unknown


def test_range_chunks_hold_the_same_lines_as_read_chunks(tmp_path: Path) -> None:
    from xueji_rules.audit.snapshot import iter_chunks

    root = tmp_path / "s"
    root.mkdir()
    lines = [b'{"a": 1}\n', b"\n", b'{"b": "x\ry"}\n', b"   \n", b"not json\n", b'{"c": 3}']
    (root / "bundles.jsonl").write_bytes(b"".join(lines * 7))
    snap = open_snapshot(root)
    for size in (1, 2, 3, 1000):
        read = [row for chunk in iter_chunks(snap, size) for row in chunk.rows()]
        ranged = [row for chunk in iter_chunks(snap, size, by_range=True) for row in chunk.rows()]
        # a range chunk carries no lines, only where to find them
        assert all(not c.lines for c in iter_chunks(snap, size, by_range=True))
        assert [(n, line.rstrip(b"\n")) for n, line in ranged] == [
            (n, line.rstrip(b"\n")) for n, line in read
        ]
        assert [n for n, _ in read][:4] == [1, 3, 5, 6]
