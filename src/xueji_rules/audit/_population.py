"""The synthetic population's fixed facts: stage shares, places, schools, identity numbers.

Stage shares follow 山西省2018年教育事业发展统计公报 where it gives numbers (在园幼儿 987,853;
义务教育在校生 3,422,647); the split of compulsory education into primary and junior secondary
(by the number of grades, 6:3) and the 普通高中 total (about 700,000) are assumptions, marked in
docs/scale.md. Names of places are real Shanxi cities and districts; every person is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["PLACES", "STAGE_SHARES", "School", "id_number", "make_schools"]

_KINDERGARTEN, _COMPULSORY, _SENIOR = 987_853, 3_422_647, 700_000
_TOTAL = _KINDERGARTEN + _COMPULSORY + _SENIOR
STAGE_SHARES: tuple[tuple[str, float], ...] = (
    ("preschool", _KINDERGARTEN / _TOTAL),
    ("primary", _COMPULSORY * 6 / 9 / _TOTAL),
    ("junior_secondary", _COMPULSORY * 3 / 9 / _TOTAL),
    ("senior_secondary", _SENIOR / _TOTAL),
)

# (city, county or district, six-digit administrative code used in the synthetic ID numbers)
PLACES: tuple[tuple[str, str, str], ...] = (
    ("太原市", "小店区", "140105"),
    ("太原市", "迎泽区", "140106"),
    ("太原市", "杏花岭区", "140107"),
    ("大同市", "平城区", "140213"),
    ("大同市", "云冈区", "140214"),
    ("长治市", "潞州区", "140403"),
    ("晋中市", "榆次区", "140702"),
    ("运城市", "盐湖区", "140802"),
    ("临汾市", "尧都区", "141002"),
    ("吕梁市", "离石区", "141102"),
)

_PREFIX = {"preschool": "K", "primary": "P", "junior_secondary": "J", "senior_secondary": "H"}
_KIND = {
    "preschool": "kindergarten",
    "primary": "primary",
    "junior_secondary": "junior",
    "senior_secondary": "senior",
}
_PER_SCHOOL = {"preschool": 150, "primary": 400, "junior_secondary": 600, "senior_secondary": 1000}


@dataclass(frozen=True, slots=True)
class School:
    """A synthetic school and its record form (``record.schema.json#/$defs/school``)."""

    id: str
    stage: str
    city: str
    county: str
    ownership: str

    def record(self, vacancies: bool = False) -> dict[str, object]:
        """The school as a record or request field."""
        out: dict[str, object] = {
            "id": self.id,
            "province": "山西省",
            "city": self.city,
            "county": self.county,
            "ownership": self.ownership,
            "kind": _KIND[self.stage],
        }
        if vacancies:
            out["vacancies"] = 5
        return out


def make_schools(students: int, rng: random.Random) -> dict[str, tuple[School, ...]]:
    """Schools per stage, about one per ``_PER_SCHOOL[stage]`` students, at least three."""
    out: dict[str, tuple[School, ...]] = {}
    for stage, share in STAGE_SHARES:
        count = max(3, round(students * share / _PER_SCHOOL[stage]))
        schools = []
        for index in range(count):
            city, county, _ = PLACES[rng.randrange(len(PLACES))]
            ownership = "private" if rng.random() < 0.08 else "public"
            schools.append(School(f"{_PREFIX[stage]}{index:05d}", stage, city, county, ownership))
        out[stage] = tuple(schools)
    return out


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number(region: str, birth: str, serial: int) -> str:
    """A synthetic 居民身份证 number with a valid GB 11643 check character.

    ``birth`` is ``yyyy-mm-dd``; ``serial`` (0-999) makes it unique within a region and day.
    """
    body = f"{region}{birth.replace('-', '')}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + _CHECK[total % 11]


_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
_GIVEN = "".join(
    dict.fromkeys(
        "子涵欣怡梓轩浩宇一诺雨桐思远嘉俊杰晨曦佳琪明若航诗博文婉清泽雅琳天佑梦瑶志强丽娟建华"
        "秀英国庆海燕静春梅红霞立新玉兰晓东振淑芬德桂芳永宏伟美玲学军慧敏安乐宁康平和顺达昌盛"
        "兴旺福寿喜祥瑞吉星月云雪霜露风雷电山川河湖江溪泉森松柏"
    )
)


def name_of(index: int, guardian: bool = False) -> str:
    """An invented Chinese name, different for every ``index`` (a guardian's from another range).

    A surname and two or three given-name characters that spell ``index`` in base
    ``len(_GIVEN)``: no digits, so the collection form's name check accepts it.
    """
    n = index * 2 + (1 if guardian else 0)
    surname = _SURNAMES[n % len(_SURNAMES)]
    n //= len(_SURNAMES)
    base = len(_GIVEN)
    given = _GIVEN[n % base] + _GIVEN[(n // base) % base]
    if n >= base * base:
        given += _GIVEN[(n // (base * base)) % base]
    return surname + given
