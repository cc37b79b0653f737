"""Boundary cases: finding the comparisons around a parameter, and the generated table."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from xueji_rules.testing.boundaries import BoundaryCase, BoundaryReport, find_comparisons


@pytest.mark.parametrize(
    ("source", "param", "other", "op", "param_side", "on_right"),
    [
        (
            "days_since_term_start(request.date) >= 0 &&\n"
            "  days_since_term_start(request.date) < params.window",
            "window", "days_since_term_start(request.date)", "<", "params.window", True,
        ),
        (
            "request.period_end < add_months(request.period_start, params.max_months)",
            "max_months", "request.period_end", "<",
            "add_months(request.period_start, params.max_months)", True,
        ),
        (
            "sum(record.suspensions.map(s, s.end - s.start + 1)) +\n"
            "(request.period_end - request.period_start + 1) <= params.cap",
            "cap",
            "sum(record.suspensions.map(s, s.end - s.start + 1)) +\n"
            "(request.period_end - request.period_start + 1)",
            "<=", "params.cap", True,
        ),
        ("!(params.age > record.age + 1)", "age", "record.age + 1", ">", "params.age", False),
        (
            "has(x) && (params.n * 2 >= request.count || y)",
            "n", "request.count", ">=", "params.n * 2", False,
        ),
    ],
)  # fmt: skip
def test_find_comparisons(
    source: str, param: str, other: str, op: str, param_side: str, on_right: bool
) -> None:
    (found,) = find_comparisons(source, param)
    assert (found.other, found.op, found.param_side, found.param_on_right) == (
        other, op, param_side, on_right,
    )  # fmt: skip


def test_replacing_a_comparison_keeps_the_rest_of_the_expression() -> None:
    (found,) = find_comparisons("a >= 0 && d(request.date) < params.w", "w")
    assert found.replaced(True) == "a >= 0 && (true)"
    assert found.holds(14, 15) and not found.holds(15, 15)


def test_parameters_used_only_as_values_are_not_comparisons() -> None:
    assert find_comparisons("add_days(request.date, params.w) == request.period_end", "x") == []
    assert find_comparisons("f(params.w)", "w") == []
    assert find_comparisons("'params.w < 3'", "w") == []


def test_report_table_and_contradictions() -> None:
    ok = BoundaryCase("w", "days", 15, "r", "N-1", "request.date=2026-03-16", "14",
                      "passed", "passed", "needs_approval", "ok")  # fmt: skip
    bad = BoundaryCase("w", "days", 15, "r", "N", "request.date=2026-03-17", "15",
                       "failed", "passed", "needs_approval",
                       "CONTRADICTION: x < params.w is false here")  # fmt: skip
    report = BoundaryReport("p", [ok, bad], [("v", "-", "no rule compares or counts with it")])
    text = report.render_text()
    assert report.contradictions == [bad]
    assert "request.date=2026-03-17" in text
    assert "skipped v / -: no rule compares or counts with it" in text
    assert text.rstrip().endswith(
        "2 cases: 1 ok, 1 contradictions, 0 masked, 0 not applicable; 1 probes skipped"
    )


def test_shanxi_boundaries_have_no_contradiction() -> None:
    from xueji_rules.testing.boundaries import generate_boundaries

    report = generate_boundaries("shanxi")
    assert report.cases, report.render_text()
    assert not report.contradictions, report.render_text()
    window = [c for c in report.cases if c.parameter == "transfer_window_days"]
    if window:  # the window is days 0..14 after the term start: day 15 is outside
        by_label = {c.label: c for c in window if c.rule == "shanxi.transfer.window"}
        assert by_label["N-1"].actual == "passed"
        assert by_label["N"].actual == "failed"


def test_cli_boundaries_exit_status() -> None:
    from xueji_rules.cli import main

    out = io.StringIO()
    status = main(["test", "--boundaries", "shanxi"], out=out)
    assert status == 0, out.getvalue()
    assert out.getvalue().startswith("boundary cases for pack shanxi")


def test_a_parameter_whose_unit_disagrees_with_the_count_is_a_contradiction() -> None:
    import dataclasses

    from xueji_rules.packs.loader import load_pack
    from xueji_rules.testing.boundaries import generate_boundaries

    pack = load_pack("shanxi")
    window = pack.parameters["transfer_window_days"]
    wrong = dataclasses.replace(window, unit="weeks")  # the rule counts days since term start
    pack = dataclasses.replace(pack, parameters={**pack.parameters, wrong.id: wrong})
    report = generate_boundaries(pack)
    bad = [c for c in report.contradictions if c.parameter == "transfer_window_days"]
    assert bad and "one week of the parameter is not one week of the input" in bad[0].verdict


def _month_window_pack(root: Path) -> Path:
    """A province layered on national whose suspension may last two months, the end of the
    period taken by period_end (so a month ending on a rest day runs to the next working day)."""
    national = Path(__file__).resolve().parents[2] / "rulepacks" / "national"
    files = {
        "pack.yaml": f"""
id: thirdprov
version: 0.1.0
name: {{zh: 第三省学籍规则}}
extends: {national}
validity: {{from: 2026-03-01, until: 2030-12-31}}
documents:
  - {{id: third_2026_1, number: 丙教〔2026〕1号, title: 实施细则, issuer: 丙省教育厅,
     issued: 2026-02-01, effective: 2026-03-01, implements: [jiaoji_2025_1]}}
""",
        "parameters.yaml": """
parameters:
  suspension_months:
    type: int
    unit: months
    label: {zh: 每次休学最长月数, en: longest suspension in months}
    values: [{since: 2026-03-01, value: 2, citation: {document: third_2026_1, article: 28}}]
""",
        "rules/suspend.yaml": """
rules:
  - id: thirdprov.suspend.max_months
    transitions: [suspend]
    modality: mandatory
    relation: narrows
    needs: [request.period_start, request.period_end]
    require: "request.period_end <= period_end(request.period_start, params.suspension_months, 'months')"
    message: {zh: "每次休学不超过{params.suspension_months}个月。", en: "At most {params.suspension_months} month(s)."}
    citation: {document: third_2026_1, article: 28}
""",
        # the two months from 2026-08-01 end on 10-01, in the National Day holiday: 10-08
        "tests/suspend.yaml": """
scenarios:
  - name: 两个月的休学，期满日逢国庆假期顺延
    covers: [thirdprov.suspend.max_months]
    record: {id: S0011, status: enrolled, stage: senior_secondary, grade: 11}
    request: {transition: suspend, date: 2026-07-20, applicant: guardian, ground: illness,
              period_start: 2026-08-01, period_end: 2026-09-30}
    expect: {rules: {thirdprov.suspend.max_months: passed}}
""",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_month_window_whose_end_moves_past_a_holiday_is_not_a_contradiction(
    tmp_path: Path,
) -> None:
    """Third-province report item 3: f(1) = 09-01, f(2) = 10-08 (10-01 moved past the holiday),
    f(3) = 11-02: 37 days between two bounds is still one month under the pack's conventions."""
    from xueji_rules.testing.boundaries import generate_boundaries

    report = generate_boundaries(str(_month_window_pack(tmp_path / "thirdprov")))
    cases = {c.label: c for c in report.cases if c.parameter == "suspension_months"}
    assert cases["N"].moved == "request.period_end=2026-10-08", report.render_text()
    assert (cases["N"].actual, cases["N +1d"].actual) == ("passed", "failed")
    assert not report.contradictions, report.render_text()


def test_the_rest_day_allowance_is_only_for_a_bound_computed_by_period_end(
    tmp_path: Path,
) -> None:
    """add_months does not move a month's end off a rest day: its bounds keep the 28-31 rule."""
    from xueji_rules.testing.boundaries import generate_boundaries

    root = _month_window_pack(tmp_path / "thirdprov")
    rules = root / "rules" / "suspend.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "period_end(request.period_start, params.suspension_months, 'months')",
            "add_days(add_months(request.period_start, params.suspension_months), "
            "params.suspension_months * 7)",
        ),
        encoding="utf-8",
    )
    report = generate_boundaries(str(root))
    bad = [c for c in report.contradictions if c.parameter == "suspension_months"]
    assert bad and "one month of the parameter is not one month" in bad[0].verdict


def test_one_working_day_apart_means_only_rest_days_in_between() -> None:
    import datetime as dt
    from types import SimpleNamespace

    from xueji_rules.engine import Engine
    from xueji_rules.testing.boundaries import _unit_ok

    ctx: Any = SimpleNamespace(engine=SimpleNamespace(time=Engine("national").time))
    friday, monday, tuesday = dt.date(2026, 3, 6), dt.date(2026, 3, 9), dt.date(2026, 3, 10)
    assert _unit_ok(ctx, "workdays", friday, monday)  # a weekend in between
    assert not _unit_ok(ctx, "workdays", friday, tuesday)  # Monday is a working day
