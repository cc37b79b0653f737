"""Working-day calendars, counting conventions and school terms.

>>> import datetime as dt
>>> from xueji_rules.calendar import Conventions, WorkdayCalendar, due_date
>>> cal = WorkdayCalendar()                       # chinese-calendar data, no supplied years
>>> cal.add_workdays(dt.date(2026, 9, 24), 10)    # over Mid-Autumn and National Day
datetime.date(2026, 10, 15)
>>> due_date(dt.date(2026, 3, 2), 2, "months", Conventions(), cal).date
datetime.date(2026, 5, 6)

The rules behind every default are in ``docs/time.md``.
"""

from xueji_rules.calendar._conventions import (
    BOUNDARY_PHRASES,
    Boundary,
    Conventions,
    boundary_of,
    satisfies,
)
from xueji_rules.calendar._files import CalendarData, load_calendar_files, load_holiday_file
from xueji_rules.calendar._grades import (
    SCHOOL_SYSTEMS,
    grade_range,
    is_entry_grade,
    is_graduating_grade,
    stage_of_grade,
)
from xueji_rules.calendar._holidays import HolidayYear
from xueji_rules.calendar._periods import (
    UNITS,
    DueDate,
    add_days,
    add_months,
    add_years,
    age_on,
    days_in_period,
    due_date,
    period_last_day,
)
from xueji_rules.calendar._school import SchoolCalendar, SchoolYear, Term, estimated_school_year
from xueji_rules.calendar._workdays import WorkdayCalendar

__all__ = [
    "BOUNDARY_PHRASES",
    "SCHOOL_SYSTEMS",
    "UNITS",
    "Boundary",
    "CalendarData",
    "Conventions",
    "DueDate",
    "HolidayYear",
    "SchoolCalendar",
    "SchoolYear",
    "Term",
    "WorkdayCalendar",
    "add_days",
    "add_months",
    "add_years",
    "age_on",
    "boundary_of",
    "days_in_period",
    "due_date",
    "estimated_school_year",
    "grade_range",
    "is_entry_grade",
    "is_graduating_grade",
    "load_calendar_files",
    "load_holiday_file",
    "period_last_day",
    "satisfies",
    "stage_of_grade",
]
