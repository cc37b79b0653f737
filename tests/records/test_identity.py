"""Identity numbers: GB 11643 (ISO 7064 MOD 11-2) and the other document formats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xueji_rules.errors import InputError
from xueji_rules.records import check_document_number, gb11643_check_character, identity_key

from .conftest import citizen


def test_the_standards_own_example() -> None:
    # the worked example of GB 11643-1999: check character X
    assert gb11643_check_character("11010519491231002") == "X"
    result = check_document_number("gb11643_resident", "11010519491231002X")
    assert result.ok and result.birth_date == dt.date(1949, 12, 31) and result.sex == "2"
    assert check_document_number("gb11643_resident", "11010519491231002x").ok  # lower-case x
    assert check_document_number("gb11643_resident", "110105 19491231 002X").ok  # blanks ignored


def test_gb11643_problems() -> None:
    cases = {
        "1101051949123100": "18位",
        "11010519491231002Y": "数字",
        "99010519491231002X": "省级代码",
        "110105194902300021": "有效日期",
        "11010518991231002X": "1900",
        "110105194912310021": "校验码",
    }
    for number, words in cases.items():
        result = check_document_number("gb11643_resident", number, dt.date(2026, 1, 1))
        assert not result.ok and result.problem is not None and words in result.problem.zh, number
        assert number not in result.problem.zh and number not in (result.problem.en or "")
    future = citizen("14010520270101001")
    assert not check_document_number("gb11643_resident", future, dt.date(2026, 1, 1)).ok


digits = st.text("0123456789", min_size=3, max_size=3)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(["11", "14", "31", "44", "65"]))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(dt.date(1950, 1, 1), dt.date(2025, 12, 31)))
    return province + rest + born.strftime("%Y%m%d") + draw(digits)


@settings(max_examples=300, derandomize=True)
@given(bodies(), st.integers(0, 17), st.integers(1, 9))
def test_check_character_catches_every_single_substitution(body: str, pos: int, shift: int) -> None:
    number = body + gb11643_check_character(body)
    assert check_document_number("gb11643_resident", number).ok
    chars = list(number)
    if pos == 17:
        alphabet = "0123456789X"
        chars[17] = alphabet[(alphabet.index(chars[17]) + shift) % 11]
    else:
        chars[pos] = str((int(chars[pos]) + shift) % 10)
    assert not check_document_number("gb11643_resident", "".join(chars)).ok


@settings(max_examples=300, derandomize=True)
@given(bodies(), st.integers(0, 16))
def test_check_character_catches_adjacent_transpositions(body: str, pos: int) -> None:
    number = body + gb11643_check_character(body)
    chars = list(number)
    if chars[pos] == chars[pos + 1]:
        return
    chars[pos], chars[pos + 1] = chars[pos + 1], chars[pos]
    assert not check_document_number("gb11643_resident", "".join(chars)).ok


@settings(max_examples=500, derandomize=True)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_the_base_13_check_character_is_the_weighted_sum_of_the_standard(body: str) -> None:
    # GB 11643's definition: weights 2**(17-i) mod 11, check character "10X98765432"[sum % 11]
    weighted = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body)) % 11
    assert gb11643_check_character(body) == "10X98765432"[weighted]
    # full-width digits take the general path and give the same character
    wide = body.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert gb11643_check_character(wide) == "10X98765432"[weighted]


def test_repeated_numbers_give_equal_results_and_problems_stay_distinct() -> None:
    day = dt.date(2026, 1, 1)
    first = check_document_number("gb11643_resident", "11010519491231002X", day)
    again = check_document_number("gb11643_resident", "11010519491231003X".replace("3X", "2X"), day)
    assert first == again and first.birth_date == dt.date(1949, 12, 31)
    boy = "11010519491231001" + gb11643_check_character("11010519491231001")
    assert check_document_number("gb11643_resident", boy, day).sex == "1"
    for bad, words in (("110105194902300021", "有效日期"), ("110105194902300021", "有效日期")):
        result = check_document_number("gb11643_resident", bad, day)
        assert result.problem is not None and words in result.problem.zh


def test_residence_permits_use_the_hk_macao_taiwan_address_codes() -> None:
    for region, code in (("810000", "HKG"), ("820000", "MAC"), ("830000", "TWN")):
        number = citizen(region + "20100101003")
        result = check_document_number("gb11643_residence_permit", number)
        assert result.ok and result.region == code
    assert not check_document_number("gb11643_residence_permit", citizen("14010520100101003")).ok


def test_foreign_permanent_residence_cards() -> None:
    assert check_document_number("foreign_permanent_residence", "USA123456789012").ok  # 2017 card
    new = citizen("93111111120100101")
    assert check_document_number("foreign_permanent_residence", new).ok  # 2023 card
    assert not check_document_number(
        "foreign_permanent_residence", new[:-1] + ("1" if new[-1] != "1" else "2")
    ).ok
    assert not check_document_number("foreign_permanent_residence", citizen("14010520100101003")).ok


def test_travel_permits_and_passports() -> None:
    assert check_document_number("hk_mo_travel_permit", "H12345678").region == "HKG"
    assert check_document_number("hk_mo_travel_permit", "M1234567801").region == "MAC"
    assert not check_document_number("hk_mo_travel_permit", "K12345678").ok
    assert check_document_number("tw_travel_permit", "12345678").ok
    assert check_document_number("tw_travel_permit", "1234567801(B)").ok
    assert not check_document_number("tw_travel_permit", "1234567").ok
    assert check_document_number("passport", "E12345678").ok
    assert not check_document_number("passport", "E12").ok
    assert check_document_number("unchecked", "anything-at-all").ok
    assert not check_document_number("unchecked", "").ok


def test_identity_keys_follow_the_lifelong_part() -> None:
    assert identity_key("hk_mo_travel_permit", "H1234567800") == identity_key(
        "hk_mo_travel_permit", "h12345678 01"
    )
    assert identity_key("tw_travel_permit", "1234567801(B)") == identity_key(
        "tw_travel_permit", "12345678"
    )
    assert identity_key("gb11643", "11010519491231002x") == "gb11643:11010519491231002X"
    assert identity_key("passport", "E1", "CHN") != identity_key("passport", "E1", "USA")
    assert identity_key("gb11643", " ") is None


def test_an_unknown_format_is_an_error_not_a_pass() -> None:
    # a document type id (or a misspelt format) passed for the format used to pass any number
    for fmt in ("resident_id_card", "gb11643_resdent"):
        with pytest.raises(InputError, match="unknown document-number format") as caught:
            check_document_number(fmt, "11010519491231002X")
        assert "gb11643_resident" in str(caught.value)
    assert check_document_number("unchecked", "anything").ok
    assert check_document_number(None, "anything").ok


def test_the_known_formats_are_the_pack_schemas() -> None:
    from xueji_rules.records.identity import DOCUMENT_FORMATS

    schema = json.loads(
        (Path(__file__).parents[2] / "schemas" / "pack-records.schema.json").read_text("utf-8")
    )
    enums: list[list[str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            fmt = node.get("format")
            if isinstance(fmt, dict) and "passport" in fmt.get("enum", ()):
                enums.append(fmt["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert enums and all(sorted(e) == sorted(DOCUMENT_FORMATS) for e in enums)


def test_digits_of_other_scripts_are_not_gb11643_digits() -> None:
    # the shape test (17 ASCII digits, then a digit or X) without a regex must refuse what the
    # regex refused: Arabic-Indic and Devanagari digits pass str.isdigit but are not [0-9]
    for odd in ("\u0663", "\u0967", "\u00b2"):
        number = citizen("11010519491231002")[:8] + odd + citizen("11010519491231002")[9:]
        result = check_document_number("gb11643_resident", number, dt.date(2026, 1, 1))
        assert not result.ok and result.problem is not None, odd
    lower_x = "11010519491231002x"  # a lower-case check character is the upper-case one
    assert check_document_number("gb11643_resident", lower_x, dt.date(2026, 1, 1)).ok


@settings(max_examples=300, derandomize=True)
@given(st.text("0123456789Xx \u0663-１", min_size=15, max_size=20))
def test_the_unmemoised_citizen_check_is_the_memoised_one(number: str) -> None:
    from xueji_rules.records.identity import check_citizen_number

    day = dt.date(2026, 1, 1)
    assert check_citizen_number(number, day) == check_document_number(
        "gb11643_resident", number, day
    )
