"""The ``chinese-calendar`` package as a source of holiday years.

The package is imported on first use. Its covered years are found by probing it (it raises
``NotImplementedError`` for a year it has no data for), never from a hard-coded range, so a newer
release of the package extends the coverage without a code change.
"""

from __future__ import annotations

import datetime as dt
import functools
from importlib import metadata
from types import ModuleType

from xueji_rules.calendar._holidays import HolidayYear

__all__ = ["package_covers", "package_range", "package_version", "package_year"]

# A probe walks year by year outwards from the package's own data; the bound only guards
# against a package that never raises.
_MAX_PROBE = 200


def _module() -> ModuleType:
    import chinese_calendar

    module: ModuleType = chinese_calendar
    return module


def _probe(year: int) -> bool:
    try:
        _module().is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@functools.cache
def package_range() -> tuple[int, int] | None:
    """The first and last year ``chinese-calendar`` has data for, or ``None`` if it has none."""
    module = _module()
    known = {d.year for d in module.holidays} | {d.year for d in module.workdays}
    seeds = sorted(y for y in known if _probe(y))
    if not seeds:
        return None
    low, high = seeds[0], seeds[-1]
    for _ in range(_MAX_PROBE):
        if not _probe(low - 1):
            break
        low -= 1
    for _ in range(_MAX_PROBE):
        if not _probe(high + 1):
            break
        high += 1
    return low, high


def package_covers(year: int) -> bool:
    """Whether ``chinese-calendar`` has holiday data for ``year``."""
    covered = package_range()
    return covered is not None and covered[0] <= year <= covered[1]


@functools.cache
def package_version() -> str:
    """The installed ``chinese-calendar`` version, for citing it as a source."""
    try:
        return metadata.version("chinese-calendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - vendored or renamed installs
        return str(getattr(_module(), "__version__", "unknown"))


@functools.cache
def package_year(year: int) -> HolidayYear | None:
    """The statutory holidays and make-up working days of ``year`` as the package has them.

    ``None`` when the package does not cover the year. Holidays are the days the State Council's
    schedule gives off (weekend days inside a holiday block included); make-up working days are
    weekend days declared working days (调休上班).
    """
    if not package_covers(year):
        return None
    module = _module()
    holidays: set[dt.date] = set()
    makeup: set[dt.date] = set()
    day = dt.date(year, 1, 1)
    one = dt.timedelta(days=1)
    while day.year == year:
        is_rest, name = module.get_holiday_detail(day)
        if name is not None:
            (holidays if is_rest else makeup).add(day)
        day += one
    return HolidayYear(
        year=year,
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup),
        source=f"chinese-calendar {package_version()}",
    )
