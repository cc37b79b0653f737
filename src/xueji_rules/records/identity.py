"""Identity numbers: the citizen number of GB 11643 and the formats of the other documents.

Facts used (docs/records.md "Identity numbers" gives the sources):

* **公民身份号码** (GB 11643-1999): 18 characters — a 6-digit address code (GB/T 2260; its first
  two digits a province-level code), the birth date ``YYYYMMDD``, a 3-digit sequence (odd for men,
  even for women) and a check character computed by ISO 7064 MOD 11-2 (``X`` for 10).
* **港澳台居民居住证**: a number built the same way with address code 810000 (Hong Kong),
  820000 (Macao) or 830000 (Taiwan).
* **外国人永久居留身份证**: since 2023-12-01, 18 characters starting with ``9`` with the same check
  character; the 2017 card's number is 3 Latin letters and 12 digits.
* **港澳居民来往内地通行证**: ``H`` (Hong Kong) or ``M`` (Macao) and an 8-digit lifelong number, on
  older cards followed by a 2-digit renewal count.
* **台湾居民来往大陆通行证**: an 8-digit lifelong number since 2008-09-25; older numbers added a
  2-digit issue count and an issuing-office code in brackets.
* **护照**: letters and digits (ICAO Doc 9303 prints up to 9 in the machine-readable zone).

The checks never echo the number they examine.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata
from dataclasses import dataclass

from xueji_rules.errors import InputError
from xueji_rules.packs.model import Text

__all__ = [
    "DocumentCheck",
    "check_citizen_number",
    "check_document_number",
    "gb11643_check_character",
    "identity_key",
    "normalize_document_number",
]

DOCUMENT_FORMATS = (
    "gb11643_resident",
    "gb11643_residence_permit",
    "foreign_permanent_residence",
    "hk_mo_travel_permit",
    "tw_travel_permit",
    "passport",
    "unchecked",
)
"""The number formats a document type may name (``format:`` of the ``id_doc_type`` code list)."""

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK = "10X98765432"
# province-level codes of GB/T 2260 used by resident identity cards
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65}
)  # fmt: skip
_PERMIT_REGIONS = {"810000": "HKG", "820000": "MAC", "830000": "TWN"}
_EIGHTEEN = re.compile(r"^[0-9]{17}[0-9X]$")
_LAST = frozenset("0123456789X")  # the last character of an 18-character number
_HK_MO = re.compile(r"^([HM])([0-9]{8})([0-9]{2})?$")
_TW = re.compile(r"^([0-9]{8})(?:[0-9]{2}(?:\([0-9A-Z]\))?)?$")
_PR_2017 = re.compile(r"^[A-Z]{3}[0-9]{12}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_SEPARATORS = re.compile(r"[\s\-]")


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """The result of checking one document number: what is wrong, and what it tells."""

    ok: bool
    problem: Text | None = None
    birth_date: dt.date | None = None
    sex: str | None = None  # GB/T 2261.1 code: "1" male, "2" female
    region: str | None = None  # 国籍/地区 code the number implies (HKG, MAC, TWN)


def _bad(zh: str, en: str) -> DocumentCheck:
    return DocumentCheck(False, Text(zh, en))


def gb11643_check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a 17-digit body (GB 11643)."""
    if len(body) != 17:
        raise ValueError("a GB 11643 body has 17 digits")
    if body.isascii() and body.isdigit():
        # the weights are 2**(17-i) mod 11 and 13 = 2 (mod 11): the weighted sum is twice the
        # body read as a base-13 number, modulo 11 (one C call instead of 17 multiplications)
        return _CHECK[2 * int(body, 13) % 11]
    return _CHECK[sum(map(operator.mul, map(int, body), _WEIGHTS)) % 11]


def normalize_document_number(number: str) -> str:
    """The number as compared: NFKC (full-width digits), upper case, no spaces or hyphens."""
    if number.isascii() and number.isalnum():  # the usual case, without NFKC and the regex
        return number.upper()
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", number)).upper()


def _eighteen(number: str, as_of: dt.date | None, *, permit: bool = False) -> DocumentCheck:
    if len(number) != 18:
        return _bad(f"应为18位，实为{len(number)}位", f"must have 18 characters, has {len(number)}")
    body = number[:17]
    # what _EIGHTEEN matches, without the regex: 17 ASCII digits, then a digit or X (isdigit
    # alone would take other scripts' digits; isascii rules them out)
    if not (number.isascii() and body.isdigit() and number[17] in _LAST):
        return _bad("前17位应为数字，末位为数字或X", "17 digits then a digit or X expected")
    implied = None
    if permit:
        implied = _PERMIT_REGIONS.get(number[:6])
        if implied is None:
            return _bad(
                "居住证号码的地址码应为810000、820000或830000",
                "a residence permit's address code is 810000, 820000 or 830000",
            )
    elif int(number[:2]) not in _PROVINCES:
        return _bad("地址码的省级代码不存在", "no such province-level address code")
    born = _birth_date(number[6:14])
    if born is None:
        return _BAD_BIRTH_DATE
    if born.year < 1900 or (as_of is not None and born > as_of):
        return _BAD_BIRTH_RANGE
    # the 17 digits were checked above: the body read as a base-13 number (see
    # gb11643_check_character)
    if _CHECK[2 * int(body, 13) % 11] != number[17]:
        return _BAD_CHECK
    # a frozen dataclass costs a microsecond to build: the few distinct results are shared
    key = (born, number[16] in "13579", implied)
    found = _GOOD.get(key)
    if found is None:
        if len(_GOOD) >= _BIRTH_DATES_MAX:
            _GOOD.clear()
        found = _GOOD[key] = DocumentCheck(True, None, born, "1" if key[1] else "2", implied)
    return found


_BAD_BIRTH_DATE = _bad("出生日期码不是有效日期", "the birth-date digits are not a valid date")
_BAD_BIRTH_RANGE = _bad(
    "出生日期码早于1900年或晚于今天", "the birth date is before 1900 or in the future"
)
_BAD_CHECK = _bad("校验码不正确（ISO 7064 MOD 11-2）", "wrong check character (ISO 7064 MOD 11-2)")

# yyyymmdd -> date (None: not a date); numbers repeat birth dates, so a bounded memo
_BIRTH_DATES: dict[str, dt.date | None] = {}
_BIRTH_DATES_MAX = 65536
_GOOD: dict[tuple[dt.date, bool, str | None], DocumentCheck] = {}


def _birth_date(digits: str) -> dt.date | None:
    """The date of 8 ASCII digits ``yyyymmdd``, or ``None`` when they name no date."""
    try:
        return _BIRTH_DATES[digits]  # one lookup when remembered (the usual case)
    except KeyError:
        pass
    try:
        day: dt.date | None = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        day = None
    if len(_BIRTH_DATES) >= _BIRTH_DATES_MAX:
        _BIRTH_DATES.clear()
    _BIRTH_DATES[digits] = day
    return day


@functools.lru_cache(maxsize=4096)
def check_document_number(
    fmt: str | None, number: str, as_of: dt.date | None = None
) -> DocumentCheck:
    """Check ``number`` against the format ``fmt`` of its document type (pack data).

    ``fmt`` is one of ``gb11643_resident``, ``gb11643_residence_permit``,
    ``foreign_permanent_residence``, ``hk_mo_travel_permit``, ``tw_travel_permit``, ``passport``,
    ``unchecked`` (or ``None``: only the length is checked). ``as_of`` bounds birth dates.
    Any other ``fmt`` raises :class:`InputError` (never a silent pass).
    """
    if fmt is not None and fmt not in DOCUMENT_FORMATS:
        raise InputError(
            f"unknown document-number format {fmt!r} (known: {', '.join(DOCUMENT_FORMATS)})"
        )
    return _check_number(fmt, number, as_of)


def check_citizen_number(number: str, as_of: dt.date | None = None) -> DocumentCheck:
    """``check_document_number("gb11643_resident", number, as_of)`` without its memo.

    For callers that check numbers which do not repeat (a snapshot's 学籍号s, one per student):
    there the memo only costs (a key built and stored for every number, then evicted).
    """
    return _check_number("gb11643_resident", number, as_of)


def _check_number(fmt: str | None, number: str, as_of: dt.date | None) -> DocumentCheck:
    """:func:`check_document_number` for a known ``fmt`` (``None`` or one of the formats)."""
    value = normalize_document_number(number)
    if not value:
        return _bad("证件号为空", "the number is empty")
    if len(value) > 32:
        return _bad("证件号过长", "the number is too long")
    if fmt == "gb11643_resident":
        return _eighteen(value, as_of)
    if fmt == "gb11643_residence_permit":
        return _eighteen(value, as_of, permit=True)
    if fmt == "foreign_permanent_residence":
        if _PR_2017.match(value):
            return DocumentCheck(True)
        if len(value) == 18 and value[0] == "9" and _EIGHTEEN.match(value):
            if gb11643_check_character(value[:17]) != value[17]:
                return _bad(
                    "校验码不正确（ISO 7064 MOD 11-2）", "wrong check character (ISO 7064 MOD 11-2)"
                )
            return DocumentCheck(True)
        return _bad(
            "应为以9开头的18位号码（2023年版）或3位字母加12位数字（2017年版）",
            "18 characters starting with 9 (2023 card) or 3 letters and 12 digits (2017 card)",
        )
    if fmt == "hk_mo_travel_permit":
        m = _HK_MO.match(value)
        if m is None:
            return _bad(
                "应为H或M加8位数字（可另有2位换证次数）", "H or M and 8 digits (optionally 2 more)"
            )
        return DocumentCheck(True, region="HKG" if m.group(1) == "H" else "MAC")
    if fmt == "tw_travel_permit":
        if _TW.match(value) is None:
            return _bad(
                "应为8位数字（旧号可另有签发次数和机关代码）",
                "8 digits (old numbers add an issue count)",
            )
        return DocumentCheck(True, region="TWN")
    if fmt == "passport":
        if _PASSPORT.match(value) is None:
            return _bad("应为5至17位字母或数字", "5 to 17 letters or digits")
        return DocumentCheck(True)
    return DocumentCheck(True)


def identity_key(namespace: str | None, number: str, issuer: str | None = None) -> str | None:
    """The key under which a document number identifies a person (one person, one registry).

    Numbers of one ``namespace`` (pack data) are compared after normalisation; a Hong Kong or
    Macao permit by its 9-character lifelong part (the renewal count changes), a Taiwan permit by
    its 8-digit lifelong number, a passport together with its ``issuer`` (the holder's
    国籍/地区, since passport numbers are unique only per country). ``None`` for an empty number.
    """
    value = normalize_document_number(number)
    if not value:
        return None
    if namespace == "hk_mo_travel_permit":
        m = _HK_MO.match(value)
        value = m.group(1) + m.group(2) if m else value
    elif namespace == "tw_travel_permit":
        m = _TW.match(value)
        value = m.group(1) if m else value
    if namespace == "passport":
        value = f"{issuer or '?'}:{value}"
    return f"{namespace or 'other'}:{value}"
