"""Shared records for the records tests: a complete, valid collection-form record and helpers."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from xueji_rules.packs import load_pack
from xueji_rules.records import RecordsSpec, gb11643_check_character, records_spec

AS_OF = dt.date(2026, 3, 2)


def citizen(body17: str) -> str:
    """A valid citizen number from its first 17 digits."""
    return body17 + gb11643_check_character(body17)


PUPIL_ID = citizen("14010520150301001")  # Taiyuan 小店区, born 2015-03-01, male (sequence 001)


def pupil(**changes: Any) -> dict[str, Any]:
    """A primary pupil whose record fills every field of the form correctly."""
    record: dict[str, Any] = {
        "id": "G" + PUPIL_ID,
        "status": "enrolled",
        "stage": "primary",
        "grade": 5,
        "birth_date": "2015-03-01",
        "school": {"id": "S-140105-01", "county": "小店区"},
        "person": {
            "name": "张小明",
            "sex": "1",
            "nationality_region": "CHN",
            "hk_mo_tw_overseas_foreign_code": "none",
            "ethnicity": "01",
            "id_doc_type": "resident_id_card",
            "id_doc_number": PUPIL_ID,
            "current_address": "山西省太原市小店区平阳路1号",
            "hukou_address": "山西省太原市小店区平阳路1号",
            "class": "五年级2班",
            "is_boarder": False,
            "is_disabled": False,
            "is_rural_left_behind_child": False,
        },
        "family": [
            {
                "name": "张大明",
                "relationship": "father",
                "is_guardian": True,
                "id_doc_type": "resident_id_card",
                "id_doc_number": citizen("14010519800101001"),
                "hukou_address": "山西省太原市小店区平阳路1号",
                "phone": "13812345678",
            },
            {
                "name": "李秀兰",
                "relationship": "mother",
                "is_guardian": True,
                "id_doc_type": "resident_id_card",
                "id_doc_number": citizen("14010519820202002"),
                "hukou_address": "山西省太原市小店区平阳路1号",
                "phone": "13998765432",
            },
        ],
    }
    for path, value in changes.items():
        node: Any = record
        *head, last = path.split("__")
        for key in head:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is ...:
            if isinstance(node, list):
                del node[int(last)]
            else:
                node.pop(last, None)
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return copy.deepcopy(record)


@pytest.fixture(scope="session")
def shanxi() -> RecordsSpec:
    return records_spec(load_pack("shanxi"))


@pytest.fixture(scope="session")
def national() -> RecordsSpec:
    return records_spec(load_pack("national"))
