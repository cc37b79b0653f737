"""The 学籍号 of one record: its scheme, its body, its link to the citizen number (O07, O08).

The schemes are pack data and ASSUMPTIONS about the registry system's practice (D-205); their
problems are warnings. A number of no known scheme is reported at the pack's ``unknown_scheme``
severity (``info`` nationally) or not at all (``ignore``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

from xueji_rules.records.identity import (
    _birth_date,
    check_citizen_number,
    check_document_number,
    gb11643_check_character,
    normalize_document_number,
)
from xueji_rules.records.spec import NumberScheme, RecordsSpec

__all__ = ["check_registry_number", "scheme_of"]

_RANDOM = re.compile(r"^[0-9]{6}([0-9]{8})[0-9]{4}$")
_STRUCTURE = re.compile(r"^[0-9]{17}[0-9X]$")

_WHERE = {"path": "id", "label": "学籍号"}  # copied into each finding's evidence

Report = tuple[str, str, str, dict[str, Any]] | tuple[str, str, str, dict[str, Any], Any]


def scheme_of(spec: RecordsSpec, number: str) -> NumberScheme | None:
    """The scheme whose prefix ``number`` carries (19 characters: prefix and 18), if any."""
    if len(number) != 19:
        return None
    for scheme in spec.schemes:
        if number.startswith(scheme.prefix):
            return scheme
    return None


def _body_problem(
    scheme: NumberScheme, body: str, as_of: dt.date
) -> tuple[str, str, dt.date | None]:
    """('', '', birth date) when the body fits the scheme, else the problem in zh and en."""
    if scheme.body == "gb11643":
        result = check_citizen_number(body, as_of)  # one number per student: no memo
        if result.problem is not None:
            return result.problem.zh, result.problem.en or "", None
        return "", "", result.birth_date
    if scheme.body == "gb11643_structure":
        if not _STRUCTURE.match(body):
            return "号码部分应为17位数字加校验码", "17 digits and a check character expected", None
        if gb11643_check_character(body[:17]) != body[17]:
            return "号码部分的校验码不正确", "wrong check character", None
        born = _yyyymmdd(body[6:14])
        if born is None:
            return (
                "号码部分的出生日期码不是有效日期",
                "the birth-date digits are not a valid date",
                None,
            )
        return "", "", born
    m = _RANDOM.match(body)
    born = _yyyymmdd(m.group(1)) if m else None
    if born is None:
        return (
            "号码部分应为6位地区码、8位出生日期和4位数字",
            "6-digit region, 8-digit birth date and 4 digits expected",
            None,
        )
    return "", "", born


def _yyyymmdd(text: str) -> dt.date | None:
    """The date of 8 ASCII digits ``yyyymmdd`` (both callers matched them), or ``None``."""
    return _birth_date(text)


def check_registry_number(
    spec: RecordsSpec, record: Mapping[str, Any], as_of: dt.date
) -> Iterator[Report]:
    """The 学籍号 findings of ``record`` as (check, zh, en, evidence[, severity]) tuples."""
    number = record.get("id")
    if not isinstance(number, str) or not number or not spec.schemes:
        return
    scheme = scheme_of(spec, number)
    flag = record.get("temporary_id")
    # temporary by its scheme; by the flag only where no scheme tells (a contradiction between
    # the two is reported below, once)
    temporary = scheme.temporary if scheme is not None else flag is True
    if temporary and spec.system_of(record.get("stage")) == "k12":
        # temporary numbers are for kindergarten children without a valid document (8号 第七条);
        # a child goes on to primary school only with a valid one (D-38), so a K-12 record with
        # one was never replaced (D-281)
        yield (
            "O08.temporary_number",
            "中小学阶段的学生仍使用临时学籍号，应换发正式学籍号",
            "a primary or secondary student still holds a temporary registry number",
            {**_WHERE, "scheme": scheme.id if scheme else None, "temporary": True,
             "stage": record.get("stage")},
        )  # fmt: skip
    if scheme is None:
        if spec.unknown_scheme != "ignore":
            prefixes = "、".join(s.prefix for s in spec.schemes)
            yield (
                "O07.number_unknown_scheme",
                f"学籍号不是{prefixes}开头的19位号码，无法按编码方案校验",
                "the registry number follows no known scheme and cannot be checked",
                dict(_WHERE),
                spec.unknown_scheme,
            )
        return
    zh, en, born = _body_problem(scheme, number[1:], as_of)
    if zh:
        yield (
            "O07.number_format",
            f"{scheme.label.zh}：{zh}",
            f"{scheme.label.en}: {en}",
            {**_WHERE, "scheme": scheme.id},
        )
        return
    record_birth = record.get("birth_date")
    if record_birth.__class__ is dt.date:  # a converted record's: compared without writing out
        differs = born is not None and record_birth != born
    else:
        if isinstance(record_birth, dt.date):
            record_birth = record_birth.isoformat()
        differs = (
            born is not None and isinstance(record_birth, str) and record_birth != born.isoformat()
        )
    if differs:
        yield (
            "O07.number_format",
            "学籍号中的出生日期与出生日期不一致",
            "the birth date inside the registry number differs from the date of birth",
            {**_WHERE, "scheme": scheme.id, "compared": "birth_date"},
        )
    person = record.get("person")
    if person.__class__ is not dict and not isinstance(person, Mapping):
        person = {}
    doc_type = person.get("id_doc_type")
    doc_number = person.get("id_doc_number")
    if (
        scheme.equals_document_of
        and isinstance(doc_type, str)
        and doc_type in scheme.equals_document_of
        and isinstance(doc_number, str)
        and normalize_document_number(doc_number) != number[1:]
    ):
        yield (
            "O07.number_document_mismatch",
            f"{scheme.label.zh}的号码部分应与学生的公民身份号码相同（证件号变更后可能不同，请核实）",
            "the number should carry the student's citizen number (it may differ after that number changed)",
            {**_WHERE, "scheme": scheme.id},
        )
    # checked only where a temporary number makes it matter (one GB 11643 check less per record)
    if (
        scheme.temporary
        and doc_type == "resident_id_card"
        and isinstance(doc_number, str)
        and check_document_number("gb11643_resident", doc_number, as_of).ok
    ):
        yield (
            "O08.temporary_number",
            "学生已有有效的公民身份号码，仍使用临时学籍号，应换发正式学籍号",
            "the student has a valid citizen number but still a temporary registry number",
            {**_WHERE, "scheme": scheme.id, "temporary": True},
        )
    if isinstance(flag, bool) and flag != scheme.temporary:
        yield (
            "O08.temporary_number",
            "临时学籍号标记（temporary_id）与学籍号的编码方案不一致",
            "the temporary_id flag contradicts the number's scheme",
            {**_WHERE, "scheme": scheme.id, "temporary_id": flag},
        )
