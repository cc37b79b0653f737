"""``xueji-rules calendar``: the documented conventions, JSON output, clean errors."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from xueji_rules.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_2027 = ROOT / "tests" / "calendar" / "data" / "holidays-2027.yaml"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["calendar", *args], out=out, err=err), out.getvalue().strip(), err.getvalue()


def test_add_workdays_across_mid_autumn_and_national_day() -> None:
    # trigger day not counted; 09-25..27 and 10-01..07 are holidays; 10-10 (Sat) is a working day
    assert run("add-workdays", "2026-09-24", "10", "--pack", "national")[:2] == (0, "2026-10-15")


def test_is_workday_counts_makeup_days() -> None:
    code, out, _ = run("is-workday", "2026-10-10", "--json")
    assert code == 0 and json.loads(out) == {
        "date": "2026-10-10",
        "holiday": False,
        "workday": True,
    }
    assert run("is-workday", "2026-10-01")[1] == "2026-10-01 休息日（法定节假日）"


def test_between_is_the_inverse_of_add() -> None:
    assert run("between", "2026-09-24", "2026-10-15")[1] == "10"


def test_term_of_a_date_in_shanxi() -> None:
    code, out, _ = run("term", "2026-03-09", "--pack", "shanxi", "--json")
    data = json.loads(out)
    assert code == 0 and (data["term"], data["start"], data["days_since_term_start"]) == (
        2,
        "2026-03-02",
        7,
    )


def test_2027_needs_supplied_data() -> None:
    code, out, err = run("add-workdays", "2026-12-18", "10")
    assert code == 2 and out == "" and "2027" in err and "holidays-2027.yaml" in err
    code, out, _ = run("add-workdays", "2026-12-18", "10", "--calendar", str(FIXTURE_2027))
    assert code == 0 and out.startswith("2027-01-")


def test_bad_arguments_exit_2() -> None:
    assert run("add-workdays", "2026-13-01", "10")[0] == 2
    assert run("add-workdays", "2026-09-24", "ten")[0] == 2
    assert run("term", "2026-03-09", "--pack", "atlantis")[0] == 2


def test_lint_flags_holiday_data_contradicting_the_package(tmp_path: Path) -> None:
    pack = tmp_path / "national"
    shutil.copytree(ROOT / "rulepacks" / "national", pack)
    (pack / "calendars").mkdir(exist_ok=True)
    (pack / "calendars" / "holidays-2026.yaml").write_text(
        "kind: holidays\nyear: 2026\nsource: 故意写错的测试数据\n"
        "holidays:\n  - {name: 国庆节, dates: [2026-10-01, 2026-10-02]}\nmakeup_workdays: []\n",
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", str(pack)], out=out, err=err)
    assert code == 1
    assert (
        "holidays-2026.yaml" in out.getvalue() and "contradicts chinese-calendar" in out.getvalue()
    )
