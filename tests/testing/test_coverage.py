"""Rule coverage (pass side / fail side) and the article coverage report."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from xueji_rules.packs.loader import load_pack
from xueji_rules.testing.coverage import article_rows, coverage_of, render_markdown

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = load_pack("national")
SHANXI = load_pack("shanxi")


def _run(*results: tuple[str, bool]) -> Any:
    rules = [SimpleNamespace(id=rule_id, passed=passed) for rule_id, passed in results]
    # no transition: no rule is in scope for the not-applied count
    decision = SimpleNamespace(rules=rules, reason=None, transition="", from_stage="", as_of=None)
    return SimpleNamespace(decision=decision)


def _first(pack: Any, modality: str, source: str | None = None) -> str:
    return next(
        r.id
        for r in pack.rules
        if r.modality == modality and (source is None or r.source_pack == source)
    )


def test_a_rule_is_covered_when_both_sides_were_seen() -> None:
    rule = _first(NATIONAL, "mandatory")
    report = coverage_of([NATIONAL], [(NATIONAL, _run((rule, True)))])
    item = next(r for r in report.rules if r.rule.id == rule)
    assert (item.passed, item.failed, item.covered) == (1, 0, False)
    report = coverage_of(
        [NATIONAL], [(NATIONAL, _run((rule, True))), (NATIONAL, _run((rule, False)))]
    )
    item = next(r for r in report.rules if r.rule.id == rule)
    assert item.covered and item.marks() == ("✓", "✓")
    assert report.covered == 1
    assert report.percent == pytest.approx(100 / len(NATIONAL.rules))


def test_an_obligation_rule_has_no_fail_side() -> None:
    rule = _first(NATIONAL, "obligation")
    report = coverage_of([NATIONAL], [(NATIONAL, _run((rule, True)))])
    item = next(r for r in report.rules if r.rule.id == rule)
    assert item.covered and item.marks() == ("✓", "–")


def test_a_standing_prohibition_has_no_pass_side() -> None:
    rule = next(r.id for r in NATIONAL.rules if (r.require or "").strip() == "false")
    report = coverage_of([NATIONAL], [(NATIONAL, _run((rule, False)))])
    item = next(r for r in report.rules if r.rule.id == rule)
    assert item.covered and item.marks() == ("–", "✓")


def test_an_inherited_rule_is_one_definition_credited_from_either_pack() -> None:
    shanxi_ids = {r.id: r for r in SHANXI.rules}
    kept = next(
        r.id for r in NATIONAL.rules
        if r.id in shanxi_ids and not shanxi_ids[r.id].history and not shanxi_ids[r.id].narrowings
        and r.modality in ("mandatory", "default")
    )  # fmt: skip
    report = coverage_of(
        [SHANXI, NATIONAL], [(NATIONAL, _run((kept, True))), (SHANXI, _run((kept, False)))]
    )
    items = [r for r in report.rules if r.rule.id == kept]
    assert len(items) == 1
    assert items[0].covered and items[0].pack == "national"
    assert items[0].packs == ["national", "shanxi"]
    own = {r.id for r in SHANXI.rules if r.source_pack == "shanxi" or r.history or r.narrowings}
    assert len(report.rules) == len(NATIONAL.rules) + len(
        own - {r.id for r in NATIONAL.rules}
    ) + len(own & {r.id for r in NATIONAL.rules})
    text = report.render_text()
    assert "pack national:" in text and "pack shanxi:" in text
    assert "rules inherited unchanged" in text
    assert text.rstrip().splitlines()[-1].startswith("total: 1/")


def test_rules_grouped_by_article() -> None:
    report = coverage_of([NATIONAL], [])
    groups = dict(report.by_article())
    assert any(text.startswith("教基〔2025〕1号 第十六条") for text in groups)
    assert sum(len(v) for v in groups.values()) == len(NATIONAL.rules)


def test_every_document_lists_its_articles() -> None:
    assert all(doc.articles for doc in SHANXI.documents.values())


def test_article_report_lists_every_article_with_its_rules_or_reason() -> None:
    report = coverage_of([NATIONAL, SHANXI], [])
    for pack, doc_id, rows in article_rows(report):
        doc = pack.documents[doc_id]
        assert [r.article for r in rows] == [a for a, _, _ in doc.articles]
        for row in rows:
            if row.not_encoded is None and not row.rules:
                assert row.missing
    text = render_markdown(report, "xueji-rules coverage")
    assert text == render_markdown(coverage_of([SHANXI, NATIONAL], []), "xueji-rules coverage")
    assert "| 第十六条 |" in text
    assert "not encoded:" in text


def test_docs_coverage_md_is_up_to_date() -> None:
    from xueji_rules.cli import main

    out = io.StringIO()
    target = ROOT / "docs" / "coverage.md"
    assert target.is_file(), "run: xueji-rules coverage --write docs/coverage.md"
    from xueji_rules.testing.coverage import pack_coverage

    fresh = render_markdown(pack_coverage([]), "xueji-rules coverage --write docs/coverage.md")
    assert target.read_text(encoding="utf-8") == fresh, (
        "docs/coverage.md is stale: run `xueji-rules coverage --write docs/coverage.md`"
    )
    assert main(["coverage"], out=out) == 0
    assert out.getvalue() == fresh.replace(
        "xueji-rules coverage --write docs/coverage.md", "xueji-rules coverage"
    )


def test_cli_test_coverage_and_fail_under() -> None:
    from xueji_rules.cli import main

    out = io.StringIO()
    main(["test", "--coverage"], out=out)
    text = out.getvalue()
    assert "rule coverage" in text and "by article:" in text
    assert "total:" in text
    out = io.StringIO()
    assert main(["test", "--coverage", "--fail-under", "100.1"], out=out) == 1
    assert "is below --fail-under 100.1%" in out.getvalue()


def test_cli_coverage_writes_the_report(tmp_path: Path) -> None:
    from xueji_rules.cli import main

    target = tmp_path / "coverage.md"
    out = io.StringIO()
    assert main(["coverage", "national", "--write", str(target)], out=out) == 0
    assert out.getvalue().startswith(f"wrote {target}: ")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Article coverage\n")
    assert "教基〔2025〕1号" in text and "晋教〔2026〕1号" not in text
    err = io.StringIO()
    assert main(["coverage", "no_such_pack"], out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith("error: ")


def test_an_article_cited_by_a_parameter_value_is_encoded_by_the_rules_reading_it(
    tmp_path: Path,
) -> None:
    """Third-province report item 4: a layer that only overrides a figure (a one-month archive
    deadline, citing its own article) showed that article as MISSING."""
    layer = tmp_path / "thirdprov"
    (layer / "articles").mkdir(parents=True)
    (layer / "pack.yaml").write_text(
        "id: thirdprov\nversion: 0.1.0\nname: {zh: 第三省学籍规则}\n"
        f"extends: {ROOT / 'rulepacks' / 'national'}\n"
        "validity: {from: 2026-03-01, until: 2030-12-31}\ndocuments:\n"
        "  - {id: third_2026_1, number: 丙教〔2026〕1号, title: 实施细则, issuer: 丙省教育厅,\n"
        "     issued: 2026-02-01, effective: 2026-03-01, implements: [jiaoji_2025_1]}\n",
        encoding="utf-8",
    )
    (layer / "parameters.yaml").write_text(
        "overrides:\n  - target: archive_deadline_months\n    values: [{since: 2026-03-01, "
        "value: 1, citation: {document: third_2026_1, article: 6}}]\n",
        encoding="utf-8",
    )
    (layer / "articles" / "third_2026_1.yaml").write_text(
        "document: third_2026_1\narticles:\n  - {article: 6, topic: 一个月内建档}\n"
        "  - {article: 7, topic: 未编码的一条}\n",
        encoding="utf-8",
    )
    report = coverage_of([NATIONAL, load_pack(str(layer))], [])
    rows = {
        row.article: row for _, doc, rows in article_rows(report) if doc == "third_2026_1"
        for row in rows
    }  # fmt: skip
    assert not rows[6].missing and rows[6].parameters == ("archive_deadline_months",)
    assert "national.enroll.archive_deadline" in {r.rule.id for r in rows[6].rules}
    assert rows[7].missing  # an article nothing cites stays MISSING
    text = render_markdown(report, "xueji-rules coverage")
    line = next(x for x in text.splitlines() if "一个月内建档" in x)
    assert "parameter `archive_deadline_months`" in line and "MISSING" not in line


def test_an_article_encoded_in_part_shows_the_part_left_out() -> None:
    report = coverage_of([SHANXI], [])
    rows = {
        row.article: row
        for _, doc, rows in article_rows(report)
        if doc == "jinjiao_2026_1"
        for row in rows
    }
    partial = rows[43]
    assert partial.rules and partial.not_encoded and not partial.missing
    line = next(
        line
        for line in render_markdown(report, "cmd").splitlines()
        if line.startswith("| 第四十三条")
    )
    assert "partly not encoded: 第一款推广电子证书" in line
    assert "shanxi.diploma_lost.no_reissue" in line


def _scoped_run(rule: Any, *, applied: bool) -> Any:
    """A decision with an edge for the rule's transition and stage; the rule applied or not."""
    results = [SimpleNamespace(id=rule.id, passed=True)] if applied else []
    decision = SimpleNamespace(
        rules=results,
        reason=None,
        transition=rule.transitions[0],
        from_stage=(rule.stages or tuple(NATIONAL.lifecycle.stages))[0],
        as_of=NATIONAL.valid_from,
    )
    return SimpleNamespace(decision=decision)


def test_a_conditional_obligation_needs_a_scenario_where_it_does_not_apply() -> None:
    rule = next(r for r in NATIONAL.rules if r.modality == "obligation" and r.when)
    applied_only = coverage_of([NATIONAL], [(NATIONAL, _scoped_run(rule, applied=True))])
    item = next(r for r in applied_only.rules if r.rule.id == rule.id)
    assert not item.covered and item.marks() == ("✓", "✗")
    both = coverage_of(
        [NATIONAL],
        [(NATIONAL, _scoped_run(rule, applied=True)), (NATIONAL, _scoped_run(rule, applied=False))],
    )
    item = next(r for r in both.rules if r.rule.id == rule.id)
    assert item.covered and item.marks() == ("✓", "○") and item.skipped == 1


def test_an_unconditional_obligation_needs_no_such_scenario() -> None:
    rule = next(r for r in NATIONAL.rules if r.modality == "obligation" and not r.when)
    report = coverage_of([NATIONAL], [(NATIONAL, _scoped_run(rule, applied=True))])
    item = next(r for r in report.rules if r.rule.id == rule.id)
    assert item.covered and item.marks() == ("✓", "–")
