"""Holiday-year files: the format, and errors that name the file, line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xueji_rules.calendar import HolidayYear, load_calendar_files, load_holiday_file
from xueji_rules.errors import LoadError, PackError

GOOD = """\
kind: holidays
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知 (test)
holidays:
  - name: 元旦
    dates: [2027-01-01, 2027-01-02, 2027-01-03]
  - name: 国庆节
    from: 2027-10-01
    to: 2027-10-07
makeup_workdays: [2027-10-09]
"""


def _write(tmp_path: Path, text: str, name: str = "holidays-2027.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_holiday_file(path)
    return [str(p) for p in info.value.problems]


def test_a_good_file(tmp_path: Path) -> None:
    year = load_holiday_file(_write(tmp_path, GOOD))
    assert year.year == 2027
    assert len(year.holidays) == 10
    assert dt.date(2027, 10, 7) in year.holidays
    assert year.makeup_workdays == {dt.date(2027, 10, 9)}
    assert year.source.startswith("国务院办公厅")


def test_the_fixture_file_loads(year_2027: HolidayYear) -> None:
    assert year_2027.year == 2027
    assert len(year_2027.makeup_workdays) == 6


def test_bad_date_names_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("2027-01-02", "2027-02-30"))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:6:25: invalid date '2027-02-30'")


def test_date_outside_the_year(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("2027-01-02", "2026-01-02"))
    [problem] = _problems(path)
    assert problem == f"{path}:6:25: holiday 2026-01-02 is outside the year 2027"


def test_duplicates_are_rejected_with_their_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("2027-01-03]", "2027-01-02]"))
    [problem] = _problems(path)
    assert problem == f"{path}:6:37: 2027-01-02 is listed twice"
    both = _write(tmp_path, GOOD.replace("[2027-10-09]", "[2027-10-09, 2027-10-03]"), "b.yaml")
    assert _problems(both) == [f"{both}:10:31: 2027-10-03 is listed twice"]


def test_duplicate_keys_and_unknown_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "year: 2028\n")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:11:1: duplicate key 'year'")
    path = _write(tmp_path, GOOD + "extra: 1\n", "c.yaml")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:11:1: unknown key 'extra'")


def test_every_problem_is_reported(tmp_path: Path) -> None:
    text = (
        GOOD.replace("2027-01-02", "2027/01/02")
        .replace("[2027-10-09]", "[2027-10-08]")
        .replace("source: 国务院办公厅关于2027年部分节假日安排的通知 (test)", "source: ''")
    )
    problems = _problems(_write(tmp_path, text))
    assert len(problems) == 3
    assert ":3:1: expected a non-empty string" in problems[0]
    assert ":6:25: expected a date written YYYY-MM-DD, not '2027/01/02'" in problems[1]
    assert "2027-10-08 is a weekday" in problems[2]


def test_kind_is_required(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("kind: holidays\n", ""))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:1:1: 'kind' must be one of holidays, school_calendar")


def test_invalid_yaml(tmp_path: Path) -> None:
    path = _write(tmp_path, "kind: holidays\nyear: [2027\n")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:3:1: invalid YAML")


def test_load_calendar_files_collects_problems_of_every_file(tmp_path: Path) -> None:
    bad1 = _write(tmp_path, GOOD.replace("2027-01-02", "2027-13-02"), "one.yaml")
    bad2 = _write(tmp_path, GOOD.replace("year: 2027", "year: twenty"), "two.yaml")
    with pytest.raises(PackError) as info:
        load_calendar_files([bad1, bad2])
    files = [p.location.file for p in info.value.problems]
    assert files == [str(bad1), str(bad2)]
    assert isinstance(info.value, LoadError)


def test_holiday_year_checks_itself() -> None:
    with pytest.raises(LoadError, match="outside 2027"):
        HolidayYear(2027, frozenset({dt.date(2026, 1, 1)}), frozenset(), "x")
    with pytest.raises(LoadError, match="only a Saturday or Sunday"):
        HolidayYear(2027, frozenset(), frozenset({dt.date(2027, 1, 4)}), "x")


def test_file_name_and_year_agree(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, "holidays-2028.yaml")
    [problem] = _problems(path)
    assert problem == f"{path}:2:1: the file is named for 2028 but holds the year 2027"
