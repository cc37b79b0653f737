"""The readable trace in Chinese and in English (issue 11 item 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_cli import run
from xueji_rules import Engine, explain

RECORD = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
REQUEST = {
    "transition": "transfer",
    "date": "2026-04-20",
    "applicant": "guardian",
    "to_school": {"id": "B", "city": "大同市", "county": "平城区"},
    "approvals": [{"body": "sending_school", "kind": "consent", "date": "2026-04-21"}],
}
_CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def shanxi() -> Engine:
    return Engine("shanxi")


def test_english_trace_has_every_label_in_english(shanxi: Engine) -> None:
    d = shanxi.decide(RECORD, REQUEST)
    text = explain(d, shanxi.pack, lang="en")
    assert "Outcome: denied in principle (an exception is possible) (denied_by_default)" in text
    assert "Exception route: not specified by the text" in text
    assert "Inputs missing (the rules named cannot be decided):" in text
    assert "receiving school: free places [request.to_school.vacancies]" in text
    assert "Approvals still needed:" in text and "processing by the sending school" in text
    # Chinese only in document numbers (晋教〔2026〕1号 is a proper name) and in names the
    # record itself gives (the receiving school's city)
    for line in text.splitlines():
        rest = re.sub(r"[^\s]*〔\d{4}〕\d+号", "", line)
        assert not _CJK.search(rest), line


def test_english_trace_of_a_lifecycle_refusal_cites_in_english(shanxi: Engine) -> None:
    junior = {**RECORD, "stage": "junior_secondary", "grade": 8}
    d = shanxi.decide(junior, {"transition": "withdraw", "date": "2026-03-09"})
    text = explain(d, shanxi.pack, lang="en")
    assert "Reason: No withdrawal in compulsory education" in text
    assert "Under: 教基〔2025〕1号 art. 18, 晋教〔2026〕1号 art. 34" in text


def test_chinese_trace_is_the_default(shanxi: Engine) -> None:
    d = shanxi.decide(RECORD, REQUEST)
    text = explain(d, shanxi.pack)
    assert text.startswith("业务：转学（transfer）")
    assert "例外途径：条文未规定由谁批准例外" in text
    assert "尚缺信息（相关规则无法判断）：" in text
    assert "转入学校空余学位 [request.to_school.vacancies]" in text


def test_stage_change_and_grade_are_explained(shanxi: Engine) -> None:
    d = shanxi.decide(
        {"id": "G6", "status": "graduated", "stage": "primary", "grade": 6},
        {"transition": "admit", "date": "2026-07-10", "to_stage": "junior_secondary"},
    )
    assert "年级：7" in explain(d, shanxi.pack)
    assert (
        "Stage: primary school (primary) → junior secondary school (junior_secondary), same registry number"
        in explain(d, shanxi.pack, lang="en")
    )


def test_an_unknown_language_is_refused(shanxi: Engine) -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        explain(shanxi.decide(RECORD, REQUEST), lang="fr")


def test_cli_explain_lang_en(tmp_path: Path) -> None:
    rec, req = tmp_path / "rec.json", tmp_path / "req.json"
    rec.write_text('{"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}')
    req.write_text('{"transition": "transfer", "date": "2026-04-20", "applicant": "guardian"}')
    args = ["explain", "--pack", "shanxi", "--record", str(rec), "--request", str(req)]
    code, out, _ = run([*args, "--lang", "en"])
    assert code == 0 and out.startswith("Transition: transfer (transfer)")
    code, out, _ = run(args)
    assert code == 0 and out.startswith("业务：")
    code, _, err = run([*args, "--lang", "fr"])
    assert code == 2 and "invalid choice: 'fr'" in err


def test_cli_decide_is_indented_unless_compact(tmp_path: Path) -> None:
    rec, req = tmp_path / "rec.json", tmp_path / "req.json"
    rec.write_text('{"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}')
    req.write_text('{"transition": "transfer", "date": "2026-04-20", "applicant": "guardian"}')
    args = ["decide", "--pack", "shanxi", "--record", str(rec), "--request", str(req)]
    code, out, _ = run(args)
    assert code == 0 and out.startswith('{\n  "outcome"')
    code, out, _ = run([*args, "--compact"])
    assert code == 0 and out.count("\n") == 1 and out.startswith('{"outcome":')
