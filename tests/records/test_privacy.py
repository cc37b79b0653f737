"""Privacy by default: personal data never appears in de-identified exports, default traces or
error messages (Hypothesis), and the masks themselves."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_rules import Engine, InputError, explain
from xueji_rules.records import Deidentifier, Masker, deidentify_stream, mask

from .conftest import AS_OF, citizen, pupil

# characters no message, label or trace of the library uses, so a hit can only be a leak
RARE = "鑫淼焱垚犇骉羴赑舙龘靐齉麤厵"
names = st.text(RARE + "·", min_size=2, max_size=6).filter(lambda s: s[0] != "·" and s[-1] != "·")
phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@st.composite
def citizens(draw: st.DrawFn) -> str:
    born = draw(st.dates(dt.date(2008, 1, 1), dt.date(2021, 12, 31)))
    seq = draw(st.integers(0, 999))
    return citizen(f"140105{born:%Y%m%d}{seq:03d}")


@st.composite
def people(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A record full of personal data, and every name, document number and phone in it."""
    idn, f1, f2 = draw(citizens()), draw(citizens()), draw(citizens())
    name, father, mother = draw(names), draw(names), draw(names)
    p1, p2 = draw(phones), draw(phones)
    record = pupil(
        id="G" + idn,
        birth_date=f"{idn[6:10]}-{idn[10:12]}-{idn[12:14]}",
        person__name=name,
        person__former_name=draw(names),
        person__id_doc_number=idn,
        family__0__name=father,
        family__0__id_doc_number=f1,
        family__0__phone=p1,
        family__1__name=mother,
        family__1__id_doc_number=f2,
        family__1__phone=p2,
    )
    # personal data typed where it does not belong must not get out either
    if draw(st.booleans()):
        record["person"]["class"] = f"{name}的班"
    if draw(st.booleans()):
        record["family"][0]["employer"] = f"{mother}个体户"
    secrets = [idn, f1, f2, name, father, mother, p1, p2, record["person"]["former_name"]]
    return record, secrets


SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine("shanxi")


@SETTINGS
@given(people(), st.binary(min_size=16, max_size=64))
def test_no_personal_value_in_a_deidentified_export(
    engine: Engine, tmp_path: Path, item: Any, key: bytes
) -> None:
    record, secrets = item
    out = io.StringIO()
    deidentify_stream([record], Deidentifier(engine.records, key), out, workdir=tmp_path)
    text = out.getvalue()
    assert json.loads(text)["birth_date"] == record["birth_date"][:7]
    for value in secrets:
        assert value not in text


@SETTINGS
@given(people())
def test_no_personal_value_in_a_default_trace(engine: Engine, item: Any) -> None:
    record, secrets = item
    request = {"transition": "verify", "date": "2026-04-15", "applicant": "school"}
    decision = engine.decide(record, request)
    trace = explain(decision, engine.pack)
    for value in secrets:
        assert value not in trace
    assert record["id"] in explain(decision, engine.pack, reveal=True)


@SETTINGS
@given(people(), st.sampled_from(["family_as_object", "long_number", "name_as_list", "bad_birth"]))
def test_no_personal_value_in_error_messages(engine: Engine, item: Any, how: str) -> None:
    record, secrets = item
    if how == "family_as_object":
        record["family"] = record["family"][0]
    elif how == "long_number":
        record["person"]["id_doc_number"] = record["person"]["id_doc_number"] * 4
    elif how == "name_as_list":
        record["person"]["name"] = [record["person"]["name"], record["family"][0]["phone"]]
    else:
        record["birth_date"] = record["person"]["id_doc_number"]
    request = {"transition": "verify", "date": "2026-04-15"}
    with pytest.raises(InputError) as caught:
        engine.decide(record, request)
    text = str(caught.value) + " ".join(p.message for p in caught.value.problems)
    for value in secrets:
        assert value not in text
    findings = engine.validate_record(record, as_of=AS_OF).findings
    messages = " ".join(
        f.message.zh + (f.message.en or "") + json.dumps(f.evidence, ensure_ascii=False)
        for f in findings
    )
    assert findings
    for value in secrets:
        assert value not in messages


def test_reveal_keeps_errors_as_they_are() -> None:
    record = pupil(person__id_doc_number="1" * 70)
    with pytest.raises(InputError) as masked:
        Engine("shanxi").decide(record, {"transition": "verify", "date": "2026-04-15"})
    with pytest.raises(InputError) as clear:
        Engine("shanxi", reveal_personal_data=True).decide(
            record, {"transition": "verify", "date": "2026-04-15"}
        )
    assert "1" * 8 not in str(masked.value)
    assert "1" * 60 in str(clear.value)  # errors show a long value cut to an excerpt


def test_masks() -> None:
    assert mask("name", "张三丰") == "张**"
    assert mask("name", "王") == "*"
    assert mask("document_number", "11010519491231002X") == "110*************2X"
    assert mask("registry_number", "S0401") == "S***1"
    assert mask("phone", "13812345678") == "138******78"
    assert mask("birth_date", "2015-03-01") == "2015-**-**"
    assert mask("address", "山西省太原市") == "***"


def test_masked_record_and_finding(shanxi: Any) -> None:
    masker = Masker(shanxi)
    record = pupil()
    shown = masker.mask_record(record)
    assert shown["person"]["name"] == "张**" and shown["family"][1]["phone"] == "139******32"
    assert shown["person"]["sex"] == "1" and shown["grade"] == 5
    assert record["person"]["name"] == "张小明"  # the input is not changed
    assert masker.is_personal("family[1].phone") and not masker.is_personal("person.sex")
    # without a pack only the 学籍号 is known to be personal
    assert Masker().mask_id("G11010519491231002X") == "G11**************2X"


def test_a_records_values_looked_up_once_mask_as_the_records_do(shanxi: Any) -> None:
    from xueji_rules.findings import Finding
    from xueji_rules.packs.model import Text

    masker = Masker(shanxi)
    record = pupil()
    finding = Finding(
        check="O01.duplicate_registry",
        severity="error",
        records=(record["id"],),
        citations=(),
        message=Text(f"{record['person']['name']} 重复", "duplicate"),
        evidence={"name": record["person"]["name"], "n": 2},
    )
    values = masker.record_values([record])
    assert values and [len(v[1]) for v in values] == sorted(
        (len(v[1]) for v in values), reverse=True
    )
    by_values = masker.mask_finding(finding, values=values)
    assert by_values == masker.mask_finding(finding, [record])
    assert record["person"]["name"] not in by_values.message.zh
    assert by_values.evidence["name"] == "张**"


def test_pseudonyms_are_stable_per_key(shanxi: Any) -> None:
    a = Deidentifier(shanxi, b"k" * 32)
    b = Deidentifier(shanxi, b"k" * 32)
    c = Deidentifier(shanxi, b"x" * 32)
    record = pupil()
    assert a.record(record)["id"] == b.record(record)["id"] != c.record(record)["id"]
    assert a.record(record)["person_pseudonym"] == b.record(record)["person_pseudonym"]
    assert Deidentifier(shanxi, b"k" * 32, birth_date="year").record(record)["birth_date"] == "2015"
    with pytest.raises(ValueError):
        Deidentifier(shanxi, b"short")


def test_k_anonymity_report(shanxi: Any, tmp_path: Path) -> None:
    rows = [pupil() for _ in range(3)] + [
        pupil(person__sex="2", person__id_doc_number=citizen("14010520150301002"))
    ]
    report = deidentify_stream(
        rows, Deidentifier(shanxi, b"k" * 32), io.StringIO(), workdir=tmp_path
    )
    data = report.to_json()
    assert (
        data["records"] == 4
        and data["k_anonymity"]["classes"] == 2
        and data["k_anonymity"]["k_min"] == 1
    )
    assert data["k_anonymity"]["records_below_k"] == {"2": 1, "5": 4, "10": 4}
    assert data["quasi_identifiers"]["person.sex"] == 4
    assert data["removed"]["person.name"] == 4 and data["pseudonymized"]["id"] == 4


def test_masked_request(shanxi: Any) -> None:
    masker = Masker(shanxi)
    request = {
        "transition": "transfer",
        "date": "2026-03-09",
        "to_school": {"id": "140202003", "city": "大同市"},
        "new_hukou": {"province": "山西省", "city": "大同市", "county": "平城区"},
        "exceptions": [{"rule": "shanxi.transfer.window", "reference": "晋教字〔2026〕张某批"}],
    }
    shown = masker.mask_request(request)
    assert shown["new_hukou"] == {"province": "***", "city": "***", "county": "***"}
    assert shown["exceptions"][0] == {
        "rule": "shanxi.transfer.window",
        "reference": mask("free_text", "晋教字〔2026〕张某批"),
    }
    assert "张某" not in json.dumps(shown, ensure_ascii=False)
    # what is not personal stays: ids, dates, the receiving school (an institution)
    assert shown["transition"] == "transfer" and shown["to_school"] == request["to_school"]
    assert request["new_hukou"]["city"] == "大同市"  # the input is not changed
    assert masker.is_personal_request("exceptions[0].reference")
    assert not masker.is_personal_request("to_school.city")
    # a value of the wrong shape where a personal value belongs is masked whole
    odd = masker.mask_request({"new_hukou": {"city": ["鑫淼", "焱垚"]}})
    assert "鑫淼" not in json.dumps(odd, ensure_ascii=False)
    assert Masker().mask_request(request) == request  # without a pack nothing is known


@pytest.mark.parametrize(
    "change",
    [
        {"new_hukou": {"city": RARE * 20}},  # too long: the error quotes the value
        {
            "exceptions": [
                {"rule": "r", "granted_by": "superior_registry_dept", "reference": RARE * 20}
            ]
        },
        {"release": {"requester": RARE * 20}},
    ],
)
def test_personal_request_values_masked_in_errors(change: dict[str, Any]) -> None:
    record = pupil()
    request = {"transition": "transfer", "date": "2026-03-09", **change}
    with pytest.raises(InputError) as masked:
        Engine("shanxi").decide(record, request)
    with pytest.raises(InputError) as clear:
        Engine("shanxi", reveal_personal_data=True).decide(record, request)
    assert RARE[:8] in str(clear.value)  # the unmasked error does quote the value
    text = str(masked.value) + " ".join(p.message for p in masked.value.problems)
    assert RARE[:2] not in text
    assert type(masked.value) is type(clear.value)


_SHAPES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text("ab", max_size=2)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["person", "family", "name", "id"]), inner, max_size=3),
    ),
    max_leaves=12,
)


def _misfits_by_definition(node: object, segments: tuple[Any, ...]) -> list[object]:
    """Where a path stops because of a shape: a non-mapping where a key is to be read, a
    non-list where a ``[]`` segment fans out (the definition ``values_and_misfits`` follows)."""
    if not segments:
        return []
    if not isinstance(node, Mapping):
        return [node]
    (key, index, is_array), rest = segments[0], segments[1:]
    if key not in node:
        return []
    value = node[key]
    if not is_array:
        return _misfits_by_definition(value, rest)
    if not isinstance(value, list):
        return [value]
    chosen = value if index is None else value[index : index + 1]
    return [m for item in chosen for m in _misfits_by_definition(item, rest)]


@settings(max_examples=300, derandomize=True)
@given(_SHAPES, st.sampled_from(["id", "person.name", "family[].name", "family[1].name", "a.b.c"]))
def test_values_and_misfits_is_the_two_walks_in_one(data: object, path: str) -> None:
    from xueji_rules.records import _paths

    values, misfits = _paths.values_and_misfits(data, path)
    assert values == [v for _, v in _paths.iter_values(data, path)]
    assert misfits == _misfits_by_definition(data, _paths.parse(path))
