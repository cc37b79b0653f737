"""The audit against the synthetic snapshot's answer key: every planted finding, nothing else.

Precision and recall are both required to be 100%: a finding the key does not list is a false
alarm (or a history the generator got wrong), a key entry without its finding is a miss.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from xueji_rules.audit import audit_snapshot
from xueji_rules.audit.synth import DEFAULT_RATES, SynthConfig, finding_key, synthesize
from xueji_rules.cli import main
from xueji_rules.errors import InputError
from xueji_rules.findings import Finding

AS_OF = "2026-12-31"
# more schools, accounts and staff rows get planted, so that small snapshots have them too
RATES = {**DEFAULT_RATES, "O04.verification_missing": 0.3, "O12.dormant_account_not_sealed": 0.3,
         "O15.staff_not_filed": 0.1, "O15.staff_not_trained_before_start": 0.1,
         "O15.staff_not_on_establishment": 0.1}  # fmt: skip
# planted along with another plant: a reused G number does not carry its second holder's number
ALONG = {"O07.number_document_mismatch"}


def answer_key(root: Path) -> Counter[tuple[str, str]]:
    key: Counter[tuple[str, str]] = Counter()
    with open(root / "answer_key.jsonl", encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            key[(entry["check"], entry["key"])] += 1
    return key


def compare(findings: list[Finding], key: Counter[tuple[str, str]]) -> None:
    got = Counter((f.check, finding_key(f)) for f in findings)
    false_alarms, misses = got - key, key - got
    assert not false_alarms, f"precision < 100%: {sorted(false_alarms)[:10]}"
    assert not misses, f"recall < 100%: {sorted(misses)[:10]}"


@pytest.fixture(scope="module")
def snapshot_10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "s10k"
    synthesize(root, SynthConfig(students=10_000, seed=11, rates=RATES))
    return root


def test_precision_and_recall_at_10k(snapshot_10k: Path) -> None:
    key = answer_key(snapshot_10k)
    planted = {check for check, _ in key}
    # every kind of check the generator plants is present at this size
    assert planted == set(RATES) | ALONG, sorted(set(RATES) ^ planted)
    found = audit_snapshot(snapshot_10k, pack="shanxi", as_of=AS_OF, reveal_personal_data=True)
    compare(found.findings, key)


def test_two_jobs_write_the_same_bytes_as_one(snapshot_10k: Path, tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"findings-{jobs}.jsonl"
        code = main(["audit", str(snapshot_10k), "--pack", "shanxi", "--as-of", AS_OF, "-o", str(out),
                     "--jobs", jobs, "--chunk-size", "300"], out=io.StringIO(), err=io.StringIO())  # fmt: skip
        # masked by default: every planted finding is there, no 学籍号 in clear
        assert code == 2  # the planted bad lines make it bad input; every finding is still written
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == sum(answer_key(snapshot_10k).values())


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        synthesize(tmp_path / name, SynthConfig(students=500, seed=5))
    for file in (
        "bundles.jsonl",
        "answer_key.jsonl",
        "verifications.jsonl",
        "accounts.jsonl",
        "staff.jsonl",
    ):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    synthesize(tmp_path / "c", SynthConfig(students=500, seed=6))
    assert (tmp_path / "a" / "bundles.jsonl").read_bytes() != (
        tmp_path / "c" / "bundles.jsonl"
    ).read_bytes()


def test_parquet_and_jsonl_snapshots_give_identical_findings(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    outputs = []
    for fmt in ("jsonl", "parquet"):
        root = tmp_path / fmt
        synthesize(
            root,
            SynthConfig(
                students=3_000, seed=3, format=fmt, rates={**RATES, "input.bad_line": 0.005}
            ),
        )
        out = io.StringIO()
        audit_snapshot(root, pack="shanxi", as_of=AS_OF, out=out)
        outputs.append(out.getvalue().replace("bundles.parquet", "bundles.jsonl"))
    assert outputs[0] == outputs[1]
    assert "input.bad_line" in outputs[0]


def test_stage_mix_follows_the_shanxi_shares(snapshot_10k: Path) -> None:
    stages: Counter[str] = Counter()
    with open(snapshot_10k / "bundles.jsonl", encoding="utf-8") as handle:
        for line in handle:
            bundle = json.loads(line)
            start = bundle.get("history", {}).get("start", bundle["record"])
            stages[start["stage"]] += 1
    total = sum(stages.values())
    assert 0.15 < stages["preschool"] / total < 0.24
    assert 0.40 < stages["primary"] / total < 0.55
    assert 0.10 < stages["senior_secondary"] / total < 0.17


@pytest.mark.slow
def test_precision_and_recall_at_100k(tmp_path: Path) -> None:
    root = tmp_path / "s100k"
    synthesize(root, SynthConfig(students=100_000, seed=2026))
    result = audit_snapshot(root, pack="shanxi", as_of=AS_OF, jobs=2, reveal_personal_data=True)
    compare(result.findings, answer_key(root))


def test_synth_replaces_only_its_own_snapshots(tmp_path: Path, monkeypatch: Any) -> None:
    """A new, empty or earlier synthetic directory is (re)written whole; a real snapshot, a file
    or an unwritable place is refused before anything is written, and a run that fails midway
    leaves the directory as it was."""
    from xueji_rules.audit import synth

    small = SynthConfig(students=20, seed=1)
    empty = tmp_path / "empty"
    empty.mkdir()
    synthesize(empty, small)
    before = (empty / "bundles.jsonl").read_bytes()
    (empty / "stale.txt").write_text("from an earlier run", encoding="utf-8")
    synthesize(empty, SynthConfig(students=30, seed=1))  # an earlier synthetic snapshot: replaced
    assert not (empty / "stale.txt").exists()
    assert (empty / "bundles.jsonl").read_bytes() != before

    real = tmp_path / "real"
    real.mkdir()
    (real / "bundles.jsonl").write_text('{"record": {}}\n', encoding="utf-8")
    with pytest.raises(InputError, match="holds files that synth did not write"):
        synthesize(real, small)
    assert (real / "bundles.jsonl").read_text(encoding="utf-8") == '{"record": {}}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "real"]  # no staging left

    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a directory"):
        synthesize(tmp_path / "file", small)
    with pytest.raises(InputError, match="cannot write the snapshot"):
        synthesize(tmp_path / "file" / "below", small)

    def broken(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(synth, "write_side", broken)
    kept = (empty / "bundles.jsonl").read_bytes()
    with pytest.raises(InputError, match="No space left on device"):
        synthesize(empty, small)
    assert (empty / "bundles.jsonl").read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "real"]
