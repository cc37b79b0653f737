"""The whole audit on Spark (local[2]) finds what the single-machine audit finds, record for record.

The snapshot is synthetic with planted violations of every cross-record and side-file check
(O01, O04, O07, O12, O15), plus lines the audit must skip and name: bad bundle lines, a bundle
line that is not UTF-8, blank lines and a CRLF line (the line numbers must still agree), bad
side-file lines. Spark reads the bundle file in many small splits, so the line numbering across
input partitions is exercised too.
"""

from __future__ import annotations

import io
import json
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xueji_rules.audit import audit_snapshot
from xueji_rules.audit.synth import DEFAULT_RATES, SynthConfig, finding_key, synthesize
from xueji_rules.errors import InputError
from xueji_rules.findings import Finding
from xueji_rules.spark import AUDIT_COLUMNS, audit_dataframe, audit_snapshot_dataframe

AS_OF = "2026-12-31"
# five times the default per-student rates, and many schools, accounts and staff rows planted,
# so that 600 students (seed 23) have every kind of cross-record and side-file violation
RATES = {
    k: v if k.startswith(("O04.", "O12.", "O15.")) else 5 * v for k, v in DEFAULT_RATES.items()
} | {"O04.verification_missing": 0.3, "O12.dormant_account_not_sealed": 0.3,
     "O15.staff_not_filed": 0.2, "O15.staff_not_trained_before_start": 0.2,
     "O15.staff_not_on_establishment": 0.25, "input.bad_line": 0.01}  # fmt: skip
# checks that group records or read side files
GROUPED = (
    "O01.duplicate_registry", "O01.probable_duplicate_registry", "O04.verification_missing",
    "O07.number_changed", "O07.number_reused", "O07.preschool_number_not_continued",
    "O12.dormant_account_not_sealed", "O15.staff_not_filed",
    "O15.staff_not_trained_before_start", "O15.staff_not_on_establishment",
)  # fmt: skip


def _damage(root: Path) -> None:
    """Lines the audit must skip or name, in a synthetic JSONL snapshot, in another order."""
    bundles = (root / "bundles.jsonl").read_bytes().rstrip(b"\n").split(b"\n")
    # a planted twin follows its original: scatter them, so that one person's records are
    # audited in different tasks (by different Python workers) and must still meet in a group
    random.Random(5).shuffle(bundles)
    bundles[3:3] = [b"", b"   "]  # blank lines count in the numbering
    bundles[10] = bundles[10] + b"\r"  # a CRLF line is read whole
    bundles.insert(20, b'{"record": "\xff\xfe not UTF-8"}')
    (root / "bundles.jsonl").write_bytes(b"\n".join(bundles))
    with open(root / "accounts.jsonl", "ab") as handle:
        handle.write(b"\n{not json\n")
    with open(root / "verifications.jsonl", "ab") as handle:
        handle.write(b'{"school": "P00000", "date": "2026-13-45"}\n')


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("snap")
    out = {}
    for fmt in ("jsonl", "parquet"):
        synthesize(root / fmt, SynthConfig(students=600, seed=23, format=fmt, rates=RATES))
        out[fmt] = root / fmt
    shutil.copytree(root / "jsonl", root / "damaged")
    _damage(root / "damaged")
    out["damaged"] = root / "damaged"
    return out


@pytest.fixture
def small_splits(spark: Any) -> Iterator[None]:
    """Read files in splits of 64 kB: a bundle file becomes a dozen input partitions."""
    settings = {
        "spark.sql.files.maxPartitionBytes": "65536",
        "spark.sql.files.openCostInBytes": "1",
    }
    old = {name: spark.conf.get(name) for name in settings}
    for name, value in settings.items():
        spark.conf.set(name, value)
    yield
    for name, value in old.items():
        spark.conf.set(name, value)


def _single_machine(snapshot: Path, **settings: Any) -> list[str]:
    out = io.StringIO()
    audit_snapshot(snapshot, pack="shanxi", as_of=AS_OF, out=out, **settings)
    return sorted(out.getvalue().splitlines())


def _spark_lines(frame: Any) -> list[str]:
    rows = frame.collect()
    assert rows and list(rows[0].asDict()) == list(AUDIT_COLUMNS)
    for row in rows:  # each row's columns are its finding's
        data = json.loads(row["finding"])
        assert row["record_id"] == (data["records"][0] if data["records"] else None)
        assert (row["check"], row["severity"]) == (data["check"], data["severity"])
    return sorted(row["finding"] for row in rows)


def _checks(lines: list[str]) -> Counter[str]:
    return Counter(json.loads(line)["check"] for line in lines)


def _key(root: Path) -> Counter[tuple[str, str]]:
    with open(root / "answer_key.jsonl", encoding="utf-8") as handle:
        entries = [json.loads(line) for line in handle]
    return Counter((e["check"], e["key"]) for e in entries if e["check"] in GROUPED)


def test_a_damaged_jsonl_snapshot_on_spark_equals_the_single_machine(
    spark: Any, snapshots: dict[str, Path], small_splits: None
) -> None:
    snapshot = snapshots["damaged"]
    expected = _single_machine(snapshot)
    frame = audit_snapshot_dataframe(spark, snapshot, "shanxi", AS_OF)
    found = _spark_lines(frame)
    assert found == expected  # record for record, masked alike, bad lines named alike
    checks = _checks(found)
    assert set(GROUPED) <= set(checks), set(GROUPED) - set(checks)
    bad = [json.loads(x)["evidence"] for x in found if json.loads(x)["check"] == "input.bad_line"]
    files = {e["file"] for e in bad}
    assert {"bundles.jsonl", "accounts.jsonl", "verifications.jsonl"} <= files
    assert ("bundles.jsonl", 21) in {(e["file"], e["line"]) for e in bad}  # the non-UTF-8 line


def test_spark_findings_match_the_answer_key_for_the_grouped_checks(
    spark: Any, snapshots: dict[str, Path]
) -> None:
    snapshot = snapshots["jsonl"]
    frame = audit_snapshot_dataframe(spark, snapshot, "shanxi", AS_OF, reveal_personal_data=True)
    found = _spark_lines(frame)
    assert found == _single_machine(snapshot, reveal_personal_data=True)
    findings = [Finding.from_json(json.loads(line)) for line in found]
    got = Counter((f.check, finding_key(f)) for f in findings if f.check in GROUPED)
    key = _key(snapshot)
    assert {check for check, _ in key} == set(GROUPED)
    assert got - key == Counter(), "precision < 100%"
    assert key - got == Counter(), "recall < 100%"


def test_a_parquet_snapshot_on_spark_equals_the_single_machine(
    spark: Any, snapshots: dict[str, Path]
) -> None:
    snapshot = snapshots["parquet"]
    found = _spark_lines(audit_snapshot_dataframe(spark, snapshot, "shanxi", AS_OF))
    assert found == _single_machine(snapshot)
    assert set(GROUPED) <= set(_checks(found))


def _without_positions(lines: list[str]) -> Counter[str]:
    # frames given by the caller carry no file or line: compare bad lines without them
    out: Counter[str] = Counter()
    for text in lines:
        data = json.loads(text)
        if data["check"] == "input.bad_line":
            data["evidence"].pop("file", None)
            data["evidence"].pop("line", None)
            text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        out[text] += 1
    return out


def test_frames_of_text_lines_give_every_finding(spark: Any, snapshots: dict[str, Path]) -> None:
    snapshot = snapshots["jsonl"]

    def text(name: str) -> Any:
        return spark.read.text(str(snapshot / name))

    frame = audit_dataframe(
        text("bundles.jsonl"),
        "shanxi",
        AS_OF,
        line="value",
        verifications=text("verifications.jsonl"),
        accounts=text("accounts.jsonl"),
        staff=text("staff.jsonl"),
    )
    found = _spark_lines(frame)
    expected = _single_machine(snapshot)
    assert _without_positions(found) == _without_positions(expected)
    assert any(json.loads(x)["check"] == "input.bad_line" for x in found)


def test_without_cross_record_checks_only_the_per_record_findings(
    spark: Any, snapshots: dict[str, Path]
) -> None:
    snapshot = snapshots["parquet"]
    frame = audit_dataframe(spark.read.parquet(str(snapshot / "bundles.parquet")), "shanxi",
                            AS_OF, cross_record=False)  # fmt: skip
    found = _spark_lines(frame)
    # O07.number_changed is also found per record, from a history that changed the number
    expected = [
        x
        for x in _single_machine(snapshot)
        if json.loads(x)["check"] not in GROUPED or "event" in json.loads(x)["evidence"]
    ]
    assert _without_positions(found) == _without_positions(expected)


def test_a_snapshot_named_by_uri_is_read_through_the_sessions_file_system(
    spark: Any, snapshots: dict[str, Path], tmp_path: Path
) -> None:
    """A cluster's snapshot is an ``hdfs://`` or ``s3a://`` URI; ``file://`` takes the same
    path through Hadoop's FileSystem here. Bundle parts in ``bundles/`` and a manifest naming
    the side files are found alike, and findings name files as on one machine."""
    source = snapshots["damaged"]
    parts = tmp_path / "parts"
    (parts / "bundles").mkdir(parents=True)
    lines = (source / "bundles.jsonl").read_bytes().split(b"\n")
    half = len(lines) // 2
    (parts / "bundles" / "part-0.jsonl").write_bytes(b"\n".join(lines[:half]) + b"\n")
    (parts / "bundles" / "part-1.jsonl").write_bytes(b"\n".join(lines[half:]))
    for name in ("verifications.jsonl", "accounts.jsonl", "staff.jsonl"):
        shutil.copy(source / name, parts / name.replace(".jsonl", "-2026.jsonl"))
    manifest = {k: f"{k}-2026.jsonl" for k in ("verifications", "accounts", "staff")}
    manifest["format"] = "xueji-snapshot/1"
    (parts / "snapshot.json").write_text(json.dumps(manifest), encoding="utf-8")
    expected = _single_machine(parts)
    found = _spark_lines(audit_snapshot_dataframe(spark, parts.as_uri(), "shanxi", AS_OF))
    assert found == expected
    files = {json.loads(x)["evidence"].get("file") for x in found}
    assert {"bundles/part-0.jsonl", "accounts-2026.jsonl"} <= files


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda root: None, "snapshot not found"),
        (lambda root: root.mkdir(), "no bundle file"),
        (
            lambda root: (
                root.mkdir(),
                (root / "snapshot.json").write_text(
                    '{"format": "xueji-snapshot/1", "bundles": ["../x.jsonl"]}'
                ),
            ),
            "outside the snapshot directory",
        ),
        (
            lambda root: (
                root.mkdir(),
                (root / "snapshot.json").write_text(
                    '{"format": "xueji-snapshot/1", "bundles": ["b.jsonl"]}'
                ),
            ),
            "bundle file missing",
        ),
        (
            lambda root: (root.mkdir(), (root / "snapshot.json").write_text("{")),
            "cannot read the manifest",
        ),
        (
            lambda root: (root.mkdir(), (root / "snapshot.json").write_text('{"bundle": []}')),
            "snapshot.json",
        ),
    ],
)
def test_a_bad_snapshot_uri_is_an_input_error_naming_it(
    spark: Any, tmp_path: Path, setup: Any, fragment: str
) -> None:
    root = tmp_path / "snap"
    setup(root)
    with pytest.raises(InputError) as caught:
        audit_snapshot_dataframe(spark, root.as_uri(), "shanxi", AS_OF)
    assert fragment in str(caught.value)
    assert "file:" in str(caught.value)


def test_a_bundle_file_named_by_uri_is_audited_alone(
    spark: Any, snapshots: dict[str, Path]
) -> None:
    bundles = snapshots["parquet"] / "bundles.parquet"
    found = _spark_lines(audit_snapshot_dataframe(spark, bundles.as_uri(), "shanxi", AS_OF))
    assert found == _single_machine(bundles)
