"""The command line: exit codes, streams, one line per problem, never a traceback."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

import xueji_rules
from xueji_rules.cli import main

ROOT = Path(__file__).resolve().parents[1]
RECORD = {"id": "G1", "status": "enrolled", "stage": "senior_secondary", "grade": 11,
          "school": {"id": "A", "city": "太原市", "county": "小店区", "enrollment_area": "太原市区"}}  # fmt: skip
REQUEST = {"transition": "transfer", "date": "2026-03-09", "applicant": "guardian",
           "to_school": {"id": "B", "city": "大同市", "county": "平城区", "enrollment_area": "大同市区", "vacancies": 2},
           "hukou_move_scope": "city", "residence_moved": True,
           "new_hukou": {"city": "大同市", "county": "平城区"}}  # fmt: skip


def run(args: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    rec, req = tmp_path / "rec.json", tmp_path / "req.yaml"
    rec.write_text(json.dumps(RECORD, ensure_ascii=False), encoding="utf-8")
    req.write_text(
        "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in REQUEST.items()),
        encoding="utf-8",
    )
    return str(rec), str(req)


def test_public_api_is_small_and_listed() -> None:
    assert sorted(xueji_rules.__all__) == sorted(
        ["CalendarUnavailable", "Decision", "Engine", "EvaluationError", "ExpressionError", "InputError",
         "LoadError", "OutsideValidity", "PackError", "XuejiRulesError", "explain", "load_pack"]
    )  # fmt: skip
    for name in xueji_rules.__all__:
        assert getattr(xueji_rules, name).__doc__


def test_decide_prints_json(files: tuple[str, str]) -> None:
    code, out, err = run(
        ["decide", "--pack", "shanxi", "--record", files[0], "--request", files[1]]
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["outcome"] == "needs_approval" and data["next_status"] == "transfer_pending"


def test_decide_reads_stdin(files: tuple[str, str]) -> None:
    code, out, _ = run(
        ["decide", "--pack", "shanxi", "--record", "-", "--request", files[1]], json.dumps(RECORD)
    )
    assert code == 0 and json.loads(out)["record_id"] == "G1"


def test_explain_is_chinese(files: tuple[str, str]) -> None:
    code, out, _ = run(["explain", "--pack", "shanxi", "--record", files[0], "--request", files[1]])
    assert code == 0
    assert "结论：待审批" in out and "晋教〔2026〕1号 第十六条" in out


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        ("{not json", "record is not valid JSON or YAML"),
        ('{"id": "G1", "status": "enrolled"}', "'stage' is a required property"),
        ('{"id": "G1", "status": "enrolled", "stage": "primary", "grade": 0}', "grade"),
        ("[1, 2]", "must be a JSON/YAML object"),
    ],
)
def test_bad_record_exits_2_without_traceback(
    files: tuple[str, str], record: str, needle: str
) -> None:
    code, out, err = run(
        ["decide", "--pack", "shanxi", "--record", "-", "--request", files[1]], record
    )
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err
    assert all(line.startswith("error: ") for line in err.splitlines())


def test_bad_date_and_out_of_validity_exit_2(files: tuple[str, str], tmp_path: Path) -> None:
    req = tmp_path / "req.json"
    req.write_text(json.dumps({**REQUEST, "date": "2026-02-30"}), encoding="utf-8")
    code, _, err = run(["decide", "--pack", "shanxi", "--record", files[0], "--request", str(req)])
    assert code == 2 and "2026-02-30" in err
    req.write_text(json.dumps({**REQUEST, "date": "2031-02-10"}), encoding="utf-8")
    code, _, err = run(["decide", "--pack", "shanxi", "--record", files[0], "--request", str(req)])
    assert code == 2 and "outside pack 'shanxi'" in err and "2031-02-09" in err


@pytest.mark.parametrize("command", ["decide", "explain"])
def test_a_problem_in_an_input_names_its_file(
    files: tuple[str, str], tmp_path: Path, command: str
) -> None:
    rec = tmp_path / "bad-record.json"
    rec.write_text(json.dumps({**RECORD, "status": "enroled", "bogus": 1}), encoding="utf-8")
    req = tmp_path / "late-request.json"
    req.write_text(json.dumps({**REQUEST, "date": "2031-02-10"}), encoding="utf-8")
    code, _, err = run([command, "--pack", "shanxi", "--record", str(rec), "--request", files[1]])
    assert code == 2 and err == f"error: {rec}: unknown field 'bogus' in record\n"
    rec.write_text(json.dumps({**RECORD, "gradee": 1}), encoding="utf-8")
    code, _, err = run([command, "--pack", "shanxi", "--record", str(rec), "--request", files[1]])
    assert err == f"error: {rec}: unknown field 'gradee' in record (did you mean 'grade'?)\n"
    rec.write_text(json.dumps({**RECORD, "status": "enroled"}), encoding="utf-8")
    code, _, err = run([command, "--pack", "shanxi", "--record", str(rec), "--request", files[1]])
    assert code == 2 and err.startswith(f"error: {rec}: record.status: unknown status 'enroled'")
    code, _, err = run([command, "--pack", "shanxi", "--record", files[0], "--request", str(req)])
    assert code == 2 and err.startswith(f"error: {req}: request.date: 2031-02-10 is outside")
    # from stdin there is no file to name
    code, _, err = run(
        [command, "--pack", "shanxi", "--record", "-", "--request", files[1]],
        json.dumps({**RECORD, "status": "enroled"}),
    )
    assert code == 2 and err.startswith("error: record.status: unknown status 'enroled'")


def test_missing_file_and_unknown_pack_exit_2(files: tuple[str, str]) -> None:
    code, _, err = run(
        ["decide", "--pack", "shanxi", "--record", "nope.json", "--request", files[1]]
    )
    assert code == 2 and "nope.json" in err
    code, _, err = run(
        ["decide", "--pack", "atlantis", "--record", files[0], "--request", files[1]]
    )
    assert code == 2 and "atlantis" in err


def test_bad_arguments_exit_2() -> None:
    code, _, err = run(["decide", "--pack"])
    assert code == 2 and "Traceback" not in err
    assert run([])[0] == 2


def test_lint_bundled_packs_is_clean() -> None:
    code, out, _ = run(["lint", str(ROOT / "rulepacks/national"), str(ROOT / "rulepacks/shanxi")])
    assert code == 0, out


def test_lint_typo_exits_2_with_file_line_and_suggestion(tmp_path: Path) -> None:
    # an expression that does not type-check makes the pack unusable (decide and test refuse
    # it with exit 2), so lint exits 2 too; 1 is for findings on a pack that loads
    pack = tmp_path / "shanxi"
    shutil.copytree(ROOT / "rulepacks/shanxi", pack)
    (pack / "pack.yaml").write_text(
        (pack / "pack.yaml")
        .read_text(encoding="utf-8")
        .replace("extends: national", f"extends: {ROOT / 'rulepacks/national'}"),
        encoding="utf-8",
    )
    rules = pack / "rules" / "transfer.yaml"
    text = rules.read_text(encoding="utf-8")
    assert "record.grade" in text
    rules.write_text(text.replace("record.grade", "record.grde", 1), encoding="utf-8")
    code, out, _ = run(["lint", str(pack)])
    assert code == 2
    line = next(line for line in out.splitlines() if "grde" in line)
    assert "transfer.yaml:" in line and "did you mean 'record.grade'" in line


def test_lint_of_several_packs_names_the_clean_ones_too(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pack.yaml").write_text("id: [\n", encoding="utf-8")
    national = str(ROOT / "rulepacks/national")
    code, out, _ = run(["lint", str(bad), national])
    assert code == 2
    lines = out.splitlines()
    assert lines[-2] == f"ok: {national}"  # checked, and clean: not silently skipped
    assert lines[-1] == f"1 problem(s); the pack cannot be used (malformed): {bad}"


def test_lint_flags_a_parameter_no_expression_reads(tmp_path: Path) -> None:
    pack = tmp_path / "national"
    shutil.copytree(ROOT / "rulepacks/national", pack)
    params = pack / "parameters.yaml"
    params.write_text(
        params.read_text(encoding="utf-8")
        + "  figure_nobody_reads:\n    type: int\n    label: {zh: 无人读取}\n    values:\n"
        "      - {since: 2025-01-03, value: 1, citation: {document: jiaoji_2025_1, article: 25}}\n",
        encoding="utf-8",
    )
    code, out, _ = run(["lint", str(pack)])
    assert code == 1
    line = next(line for line in out.splitlines() if "figure_nobody_reads" in line)
    assert "parameters.yaml:" in line and "read by no rule" in line


def test_show_has_provenance() -> None:
    code, out, _ = run(["show", "shanxi"])
    data = json.loads(out)
    assert code == 0 and data["chain"] == ["shanxi", "national"]
    replaced = next(r for r in data["rules"] if r["id"] == "national.transfer.processing_deadlines")
    assert replaced["source_pack"] == "shanxi" and replaced["overrides"][0]["action"] == "replace"


def test_test_command_reports_pass_fail(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "pack: shanxi\nscenarios:\n"
        f"  - name: 在窗口内\n    record: {json.dumps(RECORD, ensure_ascii=False)}\n"
        f"    request: {json.dumps(REQUEST, ensure_ascii=False)}\n    expect: {{outcome: needs_approval}}\n"
        f"  - name: 故意写错\n    record: {json.dumps(RECORD, ensure_ascii=False)}\n"
        f"    request: {json.dumps(REQUEST, ensure_ascii=False)}\n    expect: {{outcome: allowed}}\n",
        encoding="utf-8",
    )
    code, out, _ = run(["test", str(scenario)])
    assert code == 1
    assert "FAIL" in out and "outcome: expected 'allowed', got 'needs_approval'" in out
    assert out.strip().endswith("1 passed, 1 failed")
