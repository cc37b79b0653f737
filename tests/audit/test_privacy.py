"""Privacy by default (issue 13 item 4): the audit's findings and a de-identified snapshot carry no
name, document number or phone of the input; ``--reveal-personal-data`` shows 学籍号s in clear."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.audit.conftest import AS_OF, pupil, write_snapshot
from xueji_rules import Engine
from xueji_rules.audit import audit_snapshot
from xueji_rules.audit.export import export_snapshot
from xueji_rules.cli import main
from xueji_rules.records import Deidentifier, gb11643_check_character

KEY = b"k" * 32
# rare characters that no message of ours uses: a name found in the output is a leak, never a word
CJK = st.sampled_from("鑫淼焱垚犇骉猋羴鱻龘靐齉厵爨")
NAMES = st.text(CJK, min_size=2, max_size=4)
PHONES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@st.composite
def citizen_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid 居民身份证 number and the birth date it carries."""
    region = draw(st.sampled_from(["140105", "140106", "140213", "110105"]))
    born = draw(st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2018, 12, 31)))
    body = f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + gb11643_check_character(body), born.isoformat()


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    number, born = draw(citizen_numbers())
    return {
        "name": draw(NAMES),
        "guardian": draw(NAMES),
        "phone": draw(PHONES),
        "number": number,
        "born": born,
    }


def bundles_of(p: dict[str, Any], q: dict[str, Any]) -> list[dict[str, Any]]:
    """Bundles that give findings of every kind that names records, around two people."""

    def record(who: dict[str, Any], rid: str, **fields: Any) -> dict[str, Any]:
        person = {"name": who["name"], "id_doc_type": "resident_id_card",
                  "id_doc_number": who["number"]}  # fmt: skip
        family = [{"name": who["guardian"], "is_guardian": True, "phone": who["phone"]}]
        return {**pupil(rid, birth_date=who["born"], person=person, family=family), **fields}

    g_p, g_q = "G" + p["number"], "G" + q["number"]
    return [
        {"record": record(p, g_p, temporary_id=True)},  # O08
        {"record": record(p, "J" + q["number"])},  # O01 with the first, O07.number_document_…
        {  # O07.number_changed in the history: old and new numbers are in the evidence
            "record": record(q, g_q),
            "history": {
                "start": pupil("L" + q["number"][:16] + "99", birth_date=q["born"]),
                "events": [{"on": "2026-10-09", "after": {"id": g_q}}],
            },
        },
        # a bad line whose error messages would echo a document number and a phone
        {"record": record(q, g_q + "X", birth_date=q["number"], grade=q["phone"])},
    ]


def secrets_of(*who: dict[str, Any]) -> list[str]:
    return [v for p in who for v in (p["name"], p["guardian"], p["phone"], p["number"])]


@settings(max_examples=15, derandomize=True, deadline=None)
@given(people(), people())
def test_no_personal_value_in_findings_or_a_deidentified_snapshot(
    tmp_path_factory: Any, p: dict[str, Any], q: dict[str, Any]
) -> None:
    assume(p["number"] != q["number"])
    root = write_snapshot(tmp_path_factory.mktemp("s") / "snap", bundles_of(p, q))
    out = io.StringIO()
    result = audit_snapshot(root, pack="shanxi", as_of=AS_OF, out=out)
    text = out.getvalue()
    assert result.summary.findings >= 4 and "input.bad_line" in text
    for value in secrets_of(p, q):
        assert value not in text, value
    target = tmp_path_factory.mktemp("d") / "deid"
    deidentifier = Deidentifier(Engine("shanxi").records, KEY)
    export_snapshot(root, target, deidentifier, workdir=tmp_path_factory.mktemp("w"))
    copied = "".join(p.read_text(encoding="utf-8") for p in sorted(target.iterdir()))
    for value in secrets_of(p, q):
        assert value not in copied, value


def test_reveal_shows_the_registry_numbers(tmp_path: Path) -> None:
    number = "L14010520170101" + "0011"
    root = write_snapshot(tmp_path / "s", [{"record": pupil(number, birth_date="2017-01-01")}])
    masked = audit_snapshot(root, pack="shanxi", as_of=AS_OF).findings
    assert [f.records for f in masked] == [("L14**************11",)]
    shown = audit_snapshot(root, pack="shanxi", as_of=AS_OF, reveal_personal_data=True).findings
    assert [f.records for f in shown] == [(number,)]


def test_export_of_a_snapshot_directory(tmp_path: Path) -> None:
    p = {"name": "王小明", "guardian": "王大明", "phone": "13912345678",
         "number": "140105201701010011", "born": "2017-01-01"}  # fmt: skip
    root = write_snapshot(
        tmp_path / "s",
        bundles_of(p, {**p, "number": "14010520170101003X", "name": "李四"})[:3],
        accounts=[{"id": "a1", "system": "k12", "status": "active", "created_on": "2026-01-01"}],
    )
    (tmp_path / "key").write_bytes(KEY)
    out = io.StringIO()
    code = main(["export", "--deidentify", "--key-file", str(tmp_path / "key"), "--pack", "shanxi",
                 str(root), "-o", str(tmp_path / "deid")], out=out, err=io.StringIO())  # fmt: skip
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["records"] == 3 and report["removed"]["person.name"] == 3
    files = sorted(f.name for f in (tmp_path / "deid").iterdir())
    assert files == ["accounts.jsonl", "bundles.jsonl", "snapshot.json"]
    rows = [json.loads(line) for line in (tmp_path / "deid" / "bundles.jsonl").open()]
    # one child keeps one pseudonym: the record and the number its history changed to
    changed = rows[2]
    assert changed["record"]["id"] == changed["history"]["events"][0]["after"]["id"]
    assert changed["record"]["id"].startswith("p_") and changed["record"]["birth_date"] == "2017-01"
    # an existing output directory is refused, nothing is written over it
    again = main(["export", "--deidentify", "--key-file", str(tmp_path / "key"), "--pack", "shanxi",
                  str(root), "-o", str(tmp_path / "deid")], out=io.StringIO(), err=io.StringIO())  # fmt: skip
    assert again == 2


def test_export_of_a_parquet_snapshot(tmp_path: Path) -> None:
    import pytest

    pytest.importorskip("pyarrow")
    from xueji_rules.audit.synth import SynthConfig, synthesize

    synthesize(tmp_path / "pq", SynthConfig(students=200, seed=9, format="parquet"))
    deidentifier = Deidentifier(Engine("shanxi").records, KEY)
    report = export_snapshot(tmp_path / "pq", tmp_path / "deid", deidentifier, workdir=tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "deid" / "bundles.jsonl").open()]
    assert report.records == len(rows) >= 200
    assert all(r["record"]["id"].startswith("p_") and "name" not in r["record"].get("person", {})
               for r in rows)  # fmt: skip
