"""``xueji-rules validate`` and ``export``: exit codes, line numbers, masking, files left behind."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from xueji_rules.cli import main

from .conftest import PUPIL_ID, pupil


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def jsonl(path: Path, *rows: object) -> str:
    path.write_text(
        "".join(
            (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    return str(path)


def test_validate_clean_file_exits_0(tmp_path: Path) -> None:
    code, out, _ = run(
        [
            "validate",
            "--pack",
            "shanxi",
            "--as-of",
            "2026-03-02",
            jsonl(tmp_path / "r.jsonl", pupil(), pupil()),
        ]
    )
    assert code == 0
    assert out == "# 2 records: 0 errors, 0 warnings, 0 notes, 0 unreadable lines\n"


def test_validate_reports_line_numbers_and_exits_1(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl", pupil(), "", pupil(person__name=...), pupil(family__1=...))
    code, out, _ = run(["validate", "--pack", "shanxi", "--as-of", "2026-03-02", path])
    assert code == 1
    lines = out.splitlines()
    assert (
        lines[0].startswith(f"{path}:3: error record.form.required [G14")
        and "第1项“姓名”（person.name）" in lines[0]
    )
    assert "晋教〔2026〕1号 第九条第一款" in lines[0]
    assert lines[1].startswith(f"{path}:4: warning record.form.group_missing")
    assert PUPIL_ID not in out  # 学籍号 masked
    # warnings alone: 0, or 1 with --strict
    only_warning = jsonl(tmp_path / "w.jsonl", pupil(family__1=...))
    assert run(["validate", "--pack", "shanxi", "--as-of", "2026-03-02", only_warning])[0] == 0
    assert (
        run(["validate", "--pack", "shanxi", "--as-of", "2026-03-02", "--strict", only_warning])[0]
        == 1
    )


def test_validate_jsonl_and_reveal(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "r.jsonl", pupil(person__name=...))
    code, out, _ = run(
        [
            "validate",
            "--pack",
            "shanxi",
            "--format",
            "jsonl",
            "--reveal-personal-data",
            path,
            "--as-of",
            "2026-03-02",
        ]
    )
    row = json.loads(out.splitlines()[0])
    assert code == 1 and row["line"] == 1 and row["records"] == ["G" + PUPIL_ID]


def test_validate_unreadable_lines_exit_2(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "r.jsonl",
        pupil(),
        "{not json",
        '["a list"]',
        '{"id": "x", "id": "y"}',
        '{"id": "x", "grade": NaN}',
    )
    code, out, _ = run(["validate", "--pack", "shanxi", path, "--as-of", "2026-03-02"])
    assert code == 2
    assert f"{path}:2: unreadable: not valid JSON" in out
    assert f"{path}:3: unreadable: a line must hold one JSON object" in out
    assert f"{path}:4: unreadable: not valid JSON (duplicate key 'id')" in out
    assert f"{path}:5: unreadable: not valid JSON (NaN is not a JSON number)" in out
    code, _, err = run(["validate", "--pack", "shanxi", str(tmp_path / "missing.jsonl")])
    assert code == 2 and "no such file" in err and "Traceback" not in err
    code, _, err = run(["validate", "--pack", "shanxi", "--as-of", "someday", path])
    assert code == 2 and "--as-of" in err


def test_validate_on_a_bundle_snapshot_points_to_the_audit(tmp_path: Path) -> None:
    # `validate --help` promised "a snapshot directory", but a registry snapshot (docs/scale.md)
    # holds bundles, not records.jsonl: the error must say where its records are checked
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    jsonl(snapshot / "bundles.jsonl", {"record": pupil()})
    code, out, err = run(["validate", "--pack", "shanxi", str(snapshot)])
    assert code == 2 and out == ""
    assert "bundles" in err and "xueji-rules audit" in err and "--checks form" in err


def test_validate_from_stdin() -> None:
    code, out, _ = run(
        ["validate", "--pack", "national", "-", "--as-of", "2026-03-02"],
        stdin=json.dumps(pupil(grade=9)) + "\n",
    )
    assert code == 1 and "<stdin>:1: error record.form.value" in out


def test_export_writes_a_deidentified_copy_and_a_report(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(32))
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    jsonl(snapshot / "records.jsonl", pupil(), pupil())
    out_file = tmp_path / "out" / "deid.jsonl"
    code, out, err = run(
        [
            "export",
            "--deidentify",
            "--key-file",
            str(key),
            "--pack",
            "shanxi",
            str(snapshot),
            "-o",
            str(out_file),
            "--birth-date",
            "year",
        ]
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["records"] == 2 and report["birth_date"] == "year"
    assert report["k_anonymity"]["k_min"] == 2
    text = out_file.read_text(encoding="utf-8")
    assert PUPIL_ID not in text and "张小明" not in text and "13812345678" not in text
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows[0]["birth_date"] == "2015" and rows[0]["id"] == rows[1]["id"]
    # the same key gives the same pseudonyms again
    again = tmp_path / "again.jsonl"
    assert (
        run(
            [
                "export",
                "--deidentify",
                "--key-file",
                str(key),
                "--pack",
                "shanxi",
                str(snapshot),
                "-o",
                str(again),
                "--report",
                str(tmp_path / "report.json"),
                "--birth-date",
                "year",
            ]
        )[0]
        == 0
    )
    assert again.read_text(encoding="utf-8") == text
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["records"] == 2


def test_export_refuses_bad_input(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"short")
    path = jsonl(tmp_path / "r.jsonl", pupil(), "oops")
    target = tmp_path / "o.jsonl"
    code, _, err = run(
        [
            "export",
            "--deidentify",
            "--key-file",
            str(key),
            "--pack",
            "shanxi",
            path,
            "-o",
            str(target),
        ]
    )
    assert code == 2 and "key file" in err
    key.write_bytes(os.urandom(32))
    code, _, err = run(
        ["export", "--key-file", str(key), "--pack", "shanxi", path, "-o", str(target)]
    )
    assert code == 2 and "--deidentify" in err
    code, _, err = run(
        [
            "export",
            "--deidentify",
            "--key-file",
            str(key),
            "--pack",
            "shanxi",
            path,
            "-o",
            str(target),
        ]
    )
    assert code == 2 and f"{path}:2" in err and "not valid JSON" in err
    assert (
        not target.exists()
        and [p.name for p in tmp_path.iterdir() if p.name.startswith(".export-")] == []
    )


def test_explain_masks_by_default(tmp_path: Path) -> None:
    record = tmp_path / "rec.json"
    record.write_text(json.dumps(pupil()), encoding="utf-8")
    request = tmp_path / "req.json"
    request.write_text(json.dumps({"transition": "verify", "date": "2026-04-15"}), encoding="utf-8")
    base = ["explain", "--pack", "shanxi", "--record", str(record), "--request", str(request)]
    code, out, _ = run(base)
    assert code == 0 and PUPIL_ID not in out and "学籍号：G14" in out
    code, out, _ = run([*base, "--reveal-personal-data"])
    assert code == 0 and "G" + PUPIL_ID in out


def test_export_to_an_unwritable_place_exits_2(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(32))
    path = jsonl(tmp_path / "r.jsonl", pupil())
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(
        [
            "export",
            "--deidentify",
            "--key-file",
            str(key),
            "--pack",
            "shanxi",
            path,
            "-o",
            str(blocker / "o.jsonl"),
        ]
    )
    assert code == 2 and "cannot write the output" in err and "Traceback" not in err
    code, _, err = run(
        [
            "export",
            "--deidentify",
            "--key-file",
            str(key),
            "--pack",
            "shanxi",
            path,
            "-o",
            str(tmp_path / "o.jsonl"),
            "--workdir",
            str(blocker / "spill"),
        ]
    )
    assert code == 2 and "cannot write the export" in err
    assert not (tmp_path / "o.jsonl").exists()
