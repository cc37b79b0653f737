"""School years and terms: Shanxi's two dated school years, the default rule, grades."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xueji_rules.calendar import (
    SchoolCalendar,
    SchoolYear,
    Term,
    estimated_school_year,
    is_entry_grade,
    is_graduating_grade,
    load_calendar_files,
    stage_of_grade,
)
from xueji_rules.errors import CalendarUnavailable, EvaluationError, LoadError, PackError

D = dt.date
SHANXI = Path(__file__).parents[2] / "rulepacks" / "shanxi" / "calendars"


@pytest.fixture(scope="module")
def shanxi() -> SchoolCalendar:
    return SchoolCalendar.from_files(sorted(SHANXI.glob("*.yaml")), region="山西省")


def test_shanxi_files_hold_both_school_years(shanxi: SchoolCalendar) -> None:
    years = shanxi.dated_years()
    assert [sy.year for sy in years] == ["2025-2026", "2026-2027"]
    assert all(sy.estimated and "Estimate" in sy.source for sy in years)
    assert years[0].terms == (
        Term("2025-2026", 1, D(2025, 9, 1), D(2026, 1, 16), True),
        Term("2025-2026", 2, D(2026, 3, 2), D(2026, 7, 10), True),
    )
    assert years[1].terms[0].start == D(2026, 9, 1)


@pytest.mark.parametrize(
    ("day", "year", "number", "start", "since", "in_term"),
    [
        (D(2025, 9, 1), "2025-2026", 1, D(2025, 9, 1), 0, True),
        (D(2026, 1, 16), "2025-2026", 1, D(2025, 9, 1), 137, True),
        # winter vacation: the next term's opening is 20 days away
        (D(2026, 2, 10), "2025-2026", 2, D(2026, 3, 2), -20, False),
        (D(2026, 3, 2), "2025-2026", 2, D(2026, 3, 2), 0, True),
        # 晋教〔2026〕1号 第十六条 "学期初15天内": day 0..14 is 03-02..03-16 (catalog Q5)
        (D(2026, 3, 16), "2025-2026", 2, D(2026, 3, 2), 14, True),
        (D(2026, 3, 17), "2025-2026", 2, D(2026, 3, 2), 15, True),
        # summer vacation: still the ending school year, but the next term is autumn 2026
        (D(2026, 7, 11), "2025-2026", 1, D(2026, 9, 1), -52, False),
        (D(2026, 8, 31), "2025-2026", 1, D(2026, 9, 1), -1, False),
        (D(2026, 9, 1), "2026-2027", 1, D(2026, 9, 1), 0, True),
        (D(2027, 2, 22), "2026-2027", 2, D(2027, 2, 22), 0, True),
        (D(2027, 7, 9), "2026-2027", 2, D(2027, 2, 22), 137, True),
    ],
    ids=str,
)
def test_shanxi_terms(
    shanxi: SchoolCalendar,
    day: dt.date,
    year: str,
    number: int,
    start: dt.date,
    since: int,
    in_term: bool,
) -> None:
    assert shanxi.school_year_of(day) == year
    assert shanxi.term_number(day) == number
    assert shanxi.term_start(day) == start
    assert shanxi.days_since_term_start(day) == since
    assert shanxi.in_term(day) is in_term
    assert (shanxi.term_of(day) is not None) is in_term


def test_school_year_bounds(shanxi: SchoolCalendar) -> None:
    assert shanxi.school_year_start(D(2026, 5, 1)) == D(2025, 9, 1)
    assert shanxi.school_year_end(D(2026, 5, 1)) == D(2026, 8, 31)
    assert shanxi.school_year_start(D(2026, 9, 1)) == D(2026, 9, 1)
    assert shanxi.term_end(D(2026, 9, 10)) == D(2027, 1, 22)


def test_the_default_rule_after_the_dated_years(shanxi: SchoolCalendar) -> None:
    # 2027-09-01 is a Wednesday; 2028-01-20 a Thursday -> Friday 01-14; 2028-03-01 a Wednesday
    # -> Monday 03-06; 2028-07-10 a Monday -> Friday 07-07
    term = shanxi.term_of(D(2027, 9, 1))
    assert term == Term("2027-2028", 1, D(2027, 9, 1), D(2028, 1, 14), True)
    assert shanxi.term_start(D(2028, 2, 1)) == D(2028, 3, 6)
    assert shanxi.term_end(D(2028, 3, 6)) == D(2028, 7, 7)


def test_default_rule_moves_a_weekend_opening_to_monday() -> None:
    sy = estimated_school_year(2024)  # 2024-09-01 was a Sunday
    assert sy.start == D(2024, 9, 1)
    assert sy.terms[0].start == D(2024, 9, 2)
    assert sy.terms[1].start == D(2025, 3, 3)
    assert sy.estimated and all(t.estimated for t in sy.terms)
    plain = SchoolCalendar()
    assert plain.term_of(D(2024, 9, 1)) is None
    assert plain.days_since_term_start(D(2024, 9, 1)) == -1
    assert plain.school_year_of(D(2024, 9, 1)) == "2024-2025"


def test_without_the_default_rule_a_missing_year_is_unavailable(shanxi: SchoolCalendar) -> None:
    strict = SchoolCalendar(shanxi.dated_years(), region="山西省", default_rule=False)
    assert strict.term_number(D(2026, 10, 1)) == 1
    with pytest.raises(CalendarUnavailable) as info:
        strict.term_of(D(2027, 9, 1))
    assert info.value.year == 2027
    assert "2027-2028 for 山西省" in str(info.value)


def test_entry_and_graduating_grades() -> None:
    assert [g for g in range(1, 13) if is_entry_grade(stage_of_grade(g), g)] == [1, 7, 10]
    assert [g for g in range(1, 13) if is_entry_grade(stage_of_grade(g, "5-4"), g, "5-4")] == [
        1,
        6,
        10,
    ]
    assert [g for g in range(1, 13) if is_graduating_grade(stage_of_grade(g), g)] == [6, 9, 12]
    assert [g for g in range(1, 13) if is_graduating_grade(stage_of_grade(g, "5-4"), g, "5-4")] == [
        5,
        9,
        12,
    ]
    assert not is_graduating_grade("primary", 9)  # grade and stage disagree
    assert not is_entry_grade("preschool", 1)
    with pytest.raises(EvaluationError, match="unknown stage 'junior'"):
        is_entry_grade("junior", 7)
    with pytest.raises(EvaluationError, match="unknown school system"):
        is_entry_grade("primary", 1, "4-5")


def test_first_and_last_terms(shanxi: SchoolCalendar) -> None:
    autumn, spring, winter_break = D(2026, 9, 15), D(2026, 3, 15), D(2026, 2, 1)
    assert shanxi.is_first_term_of_entry_grade("junior_secondary", 7, autumn)
    assert not shanxi.is_first_term_of_entry_grade("junior_secondary", 7, spring)
    assert shanxi.is_first_term_of_entry_grade("junior_secondary", 6, autumn, "5-4")
    assert shanxi.is_last_term_of_graduating_grade("primary", 6, spring)
    assert shanxi.is_last_term_of_graduating_grade("primary", 5, spring, "5-4")
    assert not shanxi.is_last_term_of_graduating_grade("primary", 6, autumn)
    # the winter vacation leads into the second term
    assert shanxi.is_last_term_of_graduating_grade("senior_secondary", 12, winter_break)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "school.yaml"
    path.write_text("kind: school_calendar\nsource: test\nschool_years:\n" + body, "utf-8")
    return path


def test_school_file_errors_name_the_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - year: 2025-2027\n"
        "    start: 2025-09-01\n"
        "    terms: []\n"
        "  - year: 2026-2027\n"
        "    start: 2026-09-01\n"
        "    terms:\n"
        "      - {term: 1, start: 2026-09-01, end: 2027-01-22}\n"
        "      - {term: 2, start: 2027-01-20, end: 2027-07-09}\n"
        "  - year: 2027-2028\n"
        "    start: 2027-09-01\n"
        "    terms:\n"
        "      - {term: 2, start: 2028-03-01, end: 2028-07-09}\n"
        "      - {term: 3, start: 2028-03-01, end: 2028-02-09}\n",
    )
    with pytest.raises(PackError) as info:
        load_calendar_files([path])
    assert [str(p) for p in info.value.problems] == [
        f"{path}:4:5: a school year reads like '2025-2026', not '2025-2027'",
        f"{path}:11:19: term 2 opens before term 1 ends",
        f"{path}:16:10: a term is 1 (autumn) or 2 (spring), not 3",
        f"{path}:16:38: term ends on 2028-02-09, before it starts",
    ]


def test_school_year_checks_itself() -> None:
    with pytest.raises(LoadError, match="needs exactly term 1 and term 2"):
        SchoolYear("2025-2026", D(2025, 9, 1), ())
    one = Term("2025-2026", 1, D(2025, 9, 1), D(2026, 1, 16))
    two = Term("2025-2026", 2, D(2026, 3, 2), D(2026, 9, 10))
    with pytest.raises(LoadError, match="runs past 31 August 2026"):
        SchoolYear("2025-2026", D(2025, 9, 1), (one, two))


def test_overlapping_school_years_are_rejected() -> None:
    late = SchoolYear(
        "2025-2026",
        D(2025, 9, 1),
        (
            Term("2025-2026", 1, D(2025, 9, 1), D(2026, 1, 16)),
            Term("2025-2026", 2, D(2026, 3, 2), D(2026, 8, 31)),
        ),
    )
    early = SchoolYear(
        "2026-2027",
        D(2026, 8, 25),
        (
            Term("2026-2027", 1, D(2026, 8, 25), D(2027, 1, 22)),
            Term("2026-2027", 2, D(2027, 2, 22), D(2027, 7, 9)),
        ),
    )
    with pytest.raises(LoadError, match="not before 2026-2027 starts on 2026-08-25"):
        SchoolCalendar([late, early])


def test_school_file_shape_errors(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "  - year: 2025-2026\n"
        "    start: 2025-09-01\n"
        "    terms: 5\n"
        "  - year: 2026-2027\n"
        "    start: 2026-07-01\n"
        "    terms:\n"
        "      - {term: 1, start: 2026-09-01, end: 2027-01-22}\n"
        "      - {term: 1, start: 2027-02-22, end: 2027-07-09}\n",
    )
    with pytest.raises(PackError) as info:
        load_calendar_files([path])
    assert [str(p) for p in info.value.problems] == [
        f"{path}:6:5: expected a list",
        f"{path}:8:5: the school year 2026-2027 must start in August or September 2026",
        f"{path}:9:5: list term 1 and term 2, in that order",
    ]
