"""The README's acceptance: a policy author widens Shanxi's transfer window from 15 to 20 days in
a copy and sees every consequence with ``lint``, ``diff``, ``docs`` and ``test`` alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.authoring.conftest import run

WINDOW = "shanxi.transfer.window"


def test_policy_author_walkthrough(draft_window: Path, tmp_path: Path) -> None:
    draft = str(draft_window)

    # 1. lint: the draft is well-formed
    code, out, _ = run(["lint", draft])
    assert code == 0, out

    # 2. diff: the text changed in one parameter; the decisions changed through one rule
    code, text, err = run(["diff", "shanxi", draft, "--population", "200", "--examples", "50"])
    assert code == 1, err
    assert "changed `transfer_window_days` 学期初受理转学的天数" in text
    assert "since 2026-02-10: 15 (晋教〔2026〕1号 第十六条) → 20 (晋教〔2026〕1号 第十六条)" in text
    assert f"read by {WINDOW}" in text and f"shown in the messages of {WINDOW}" in text
    assert f"### {WINDOW} — " in text
    assert f"`{WINDOW}`: unchanged; reads changed parameter transfer_window_days" in text
    assert "denied_by_default → needs_approval" in text
    code, data, _ = run(
        ["diff", "shanxi", draft, "--population", "0", "--examples", "50", "--format", "json"]
    )
    report = json.loads(data)
    (group,) = report["behaviour"]["groups"]
    changed_scenarios = {
        ex["where"].split(" ", 1)[1] for ex in group["examples"] if ex["source"] == "scenario"
    }
    assert changed_scenarios

    # 3. docs: the site shows the new figure beside the rule that reads it, and in its message
    site = tmp_path / "site"
    code, out, err = run(["docs", draft, "-o", str(site), "--no-coverage"])
    assert code == 0, err
    params = (site / "parameters.html").read_text(encoding="utf-8")
    row = params[params.index('id="param-transfer_window_days"') :][:1500]
    assert "<strong>20天</strong>" in row and WINDOW in row
    article = (site / "article-jinjiao_2026_1.html").read_text(encoding="utf-8")
    card = article[article.index(f'id="rule-{WINDOW}"') :][:3000]
    assert re.search(
        r'学期开学后的<a class="figure" href="parameters.html#param-transfer_window_days"[^>]*>20</a>天',
        card,
    )
    english = (site / "en" / "article-jinjiao_2026_1.html").read_text(encoding="utf-8")
    assert re.search(r"in the first <a class=\"figure\"[^>]*>20</a> days of a term", english)

    # 4. test: the draft's own scenarios that pinned the old window now fail, and each of them
    # is one the diff reported
    code, out, err = run(["test", str(draft_window / "tests")])
    assert code == 1, out + err
    failed = re.findall(r"^FAIL \S+:\d+ (.+)$", out, re.M)
    assert failed, out
    assert f"rule {WINDOW}: expected failed, got passed" in out
    for name in failed:
        assert name.strip() in changed_scenarios, (name, changed_scenarios)
