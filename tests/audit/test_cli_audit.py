"""``xueji-rules audit`` and ``synth`` on the command line: outputs and exit statuses."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.audit.conftest import AS_OF, pupil, write_snapshot
from xueji_rules import Engine
from xueji_rules.cli import main
from xueji_rules.errors import InputError


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


def test_exit_0_when_nothing_is_found(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}])
    code, out, _ = run(
        ["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF, "-o", str(tmp_path / "f.jsonl")]
    )
    assert code == 0
    assert (tmp_path / "f.jsonl").read_text() == ""
    assert "audited 1 records" in out


def test_exit_1_with_findings_as_jsonl(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil(temporary_id=True)}])
    summary = tmp_path / "summary.json"
    code, out, _ = run(
        ["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF, "--summary", str(summary),
         "--reveal-personal-data"]
    )  # fmt: skip
    assert code == 1
    [line] = out.splitlines()
    assert json.loads(line)["check"] == "O08.temporary_number"
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["by_check"] == {"O08.temporary_number": 1} and data["bundles"] == 1


def test_exit_2_on_bad_input(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}])
    assert run(["audit", str(tmp_path / "missing"), "--pack", "shanxi", "--as-of", AS_OF])[0] == 2
    assert run(["audit", str(root), "--pack", "shanxi", "--as-of", "2026-02-30"])[0] == 2
    assert run(["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF, "--jobs", "0"])[0] == 2
    # output files that cannot be written fail before the run, not after it
    for flag, what in (("-o", "findings"), ("--summary", "summary")):
        where = str(tmp_path / "no" / "dir" / "f.json")
        code, out, err = run(
            ["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF, flag, where]
        )
        assert code == 2 and f"cannot write the {what}" in err and "audited" not in out + err
    code, _, err = run(["audit", str(root), "--pack", "no_such_pack", "--as-of", AS_OF])
    assert code == 2 and "Traceback" not in err
    # no law to audit against before the chain's first pack takes effect (never a fallback)
    code, out, err = run(["audit", str(root), "--pack", "shanxi", "--as-of", "2025-01-02"])
    assert code == 2 and out == ""
    assert "no pack of the chain is in force on 2025-01-02 (national from 2025-01-03;" in err
    assert run(["audit", str(root), "--pack", "shanxi", "--as-of", "2025-01-03"])[0] == 0
    with pytest.raises(InputError, match="no pack of the chain is in force on 2024-12-31"):
        Engine("shanxi").audit(root, as_of="2024-12-31")
    with open(root / "bundles.jsonl", "a", encoding="utf-8") as handle:
        handle.write("oops\n")
    code, out, err = run(["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF])
    assert code == 2
    assert json.loads(out)["evidence"] == {
        "error": "not valid JSON",
        "file": "bundles.jsonl",
        "line": 2,
    }


def test_engine_audit_is_the_same_from_python(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil(temporary_id=True)}])
    result = Engine("shanxi").audit(root, as_of=AS_OF)
    assert [f.check for f in result.findings] == ["O08.temporary_number"]
    out = tmp_path / "f.jsonl"
    Engine("shanxi").audit(root, as_of=AS_OF, out=out, jobs=2)
    # 学籍号s are masked unless asked (docs/privacy.md)
    assert json.loads(out.read_text(encoding="utf-8"))["records"] == ["**"]
    code, text, _ = run(["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF,
                         "--reveal-personal-data"])  # fmt: skip
    assert code == 1 and json.loads(text)["records"] == ["P1"]


def test_synth_writes_a_snapshot_the_audit_reads(tmp_path: Path) -> None:
    out_dir = tmp_path / "syn"
    code, out, _ = run(["synth", "--students", "300", "--seed", "4", "-o", str(out_dir),
                        "--rate", "O08.temporary_number=0.05"])  # fmt: skip
    assert code == 0 and "planted O08.temporary_number" in out
    for name in (
        "snapshot.json",
        "bundles.jsonl",
        "answer_key.jsonl",
        "verifications.jsonl",
        "accounts.jsonl",
        "staff.jsonl",
    ):
        assert (out_dir / name).is_file(), name
    code, _, _ = run(
        [
            "audit",
            str(out_dir),
            "--pack",
            "shanxi",
            "--as-of",
            AS_OF,
            "-o",
            str(tmp_path / "f.jsonl"),
        ]
    )
    assert code in (1, 2)


def test_synth_refuses_bad_rates(tmp_path: Path) -> None:
    assert (
        run(["synth", "--students", "10", "-o", str(tmp_path), "--rate", "O99.nothing=0.1"])[0] == 2
    )
    assert (
        run(["synth", "--students", "10", "-o", str(tmp_path), "--rate", "O08.temporary_number=2"])[
            0
        ]
        == 2
    )
    assert run(["synth", "--students", "0", "-o", str(tmp_path)])[0] == 2


def test_synth_refuses_an_output_it_did_not_write(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}])
    code, _, err = run(["synth", "--students", "5", "-o", str(root)])
    assert code == 2 and "holds files that synth did not write" in err and "Traceback" not in err
    code, _, err = run(["synth", "--students", "5", "-o", str(root / "bundles.jsonl")])
    assert code == 2 and "not a directory" in err


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"as_of": AS_OF, "jobs": 0}, "jobs must be a whole number of at least 1, not 0"),
        ({"as_of": AS_OF, "jobs": "2"}, "jobs must be a whole number"),
        ({"as_of": AS_OF, "chunk_size": 0}, "chunk_size must be"),
        ({"as_of": 20261231}, "as_of must be a date or yyyy-mm-dd text, not int"),
        ({"as_of": dt.datetime(2026, 12, 31)}, "not datetime"),
        ({"as_of": "20261231"}, "is not a date (yyyy-mm-dd)"),
    ],
)
def test_the_python_api_refuses_bad_arguments_with_input_errors(
    tmp_path: Path, arguments: dict[str, Any], fragment: str
) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}])
    with pytest.raises(InputError, match=re.escape(fragment)):
        Engine("shanxi").audit(root, **arguments)


def test_an_output_file_that_the_audit_reads_is_refused(tmp_path: Path) -> None:
    root = write_snapshot(tmp_path / "s", [{"record": pupil()}])
    bundles = root / "bundles.jsonl"
    before = bundles.read_bytes()
    findings = str(tmp_path / "f.jsonl")
    for argv in (["-o", str(bundles)], ["-o", findings, "--summary", str(bundles)],
                 ["-o", findings, "--summary", findings]):  # fmt: skip
        code, _, err = run(["audit", str(root), "--pack", "shanxi", "--as-of", AS_OF, *argv])
        assert code == 2 and "is a file the command already reads or writes" in err
    assert bundles.read_bytes() == before
