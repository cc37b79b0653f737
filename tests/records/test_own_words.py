"""The records checks speak in our own words: no run of 20 characters copied from an article."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from xueji_rules.packs import load_pack
from xueji_rules.records import check_accounts, check_staff, records_spec, validate_record

from ..packs.test_own_words import LIMIT, _law_text, _longest_copied_run
from .conftest import AS_OF, pupil


def test_labels_and_messages_are_not_pasted(tmp_path: Path) -> None:
    law = _law_text()
    spec = records_spec(load_pack("shanxi"))
    texts = [c.label.zh for c in spec.checks.values()]
    bad = [
        pupil(
            person__name=..., person__is_disabled=True, family__1=..., person__current_address=...
        ),
        pupil(person__id_doc_number="1" * 18, id="L14010520150301999X"),
        pupil(
            family=[], special_education={"disabled": True}, id="G" + "1" * 18, temporary_id=True
        ),
    ]
    for record in bad:
        texts += [f.message.zh for f in validate_record(record, spec, as_of=AS_OF).findings]
    texts += [
        f.message.zh
        for f in check_accounts(
            [{"id": "a", "system": "k12", "status": "active", "created_on": "2020-01-01"}],
            spec,
            as_of=dt.date(2026, 3, 2),
        )
    ]
    texts += [
        f.message.zh
        for f in check_staff(
            [
                {
                    "id": "s",
                    "system": "k12",
                    "org_kind": "school",
                    "ownership": "public",
                    "start_date": "2026-01-01",
                }
            ],
            spec,
            as_of=dt.date(2026, 3, 2),
        )
    ]
    assert len(texts) > 30
    pasted = [(t, run) for t in texts if len(run := _longest_copied_run(t, law)) >= LIMIT]
    assert pasted == []
