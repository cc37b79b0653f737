"""validate_record: the collection form, identity numbers and the 学籍号, as a registry saves."""

from __future__ import annotations

from xueji_rules import Engine
from xueji_rules.records import RecordsSpec, validate_record

from .conftest import AS_OF, PUPIL_ID, citizen, pupil


def checks(spec: RecordsSpec, record: dict, **kw: object) -> list[tuple[str, str, str]]:
    result = validate_record(record, spec, as_of=AS_OF)
    return [(f.check, f.severity, f.evidence.get("path", "")) for f in result.findings]


def test_a_complete_record_has_no_problem(shanxi: RecordsSpec) -> None:
    result = validate_record(pupil(), shanxi, as_of=AS_OF)
    assert result.findings == ()
    assert result.ok and result.form == "k12_student_basic_info_2022"


def test_every_star_field_is_required_and_named_by_label_and_path(shanxi: RecordsSpec) -> None:
    star = [f for f in shanxi.form.fields if f.required == "star"]
    assert len(star) == 26  # catalog §4.1 tally
    for field in star:
        top, _, rest = field.path.partition(".")
        if top.startswith("family"):
            index = int(top[7])
            record = pupil(**{f"family__{index}__{field.path.split('.')[-1]}": ...})
        elif rest:
            record = pupil(**{f"{top}__{rest}": ...})
        else:
            record = pupil(**{top: ...})
        result = validate_record(record, shanxi, as_of=AS_OF)
        required = [f for f in result.findings if f.check == "record.form.required"]
        assert [f.evidence["path"] for f in required] == [field.path], field.id
        assert field.label.zh in required[0].message.zh and field.path in required[0].message.zh
        assert f"第{field.number}项" in required[0].message.zh
        assert not result.ok


def test_asterisk_fields_missing_are_warnings(shanxi: RecordsSpec) -> None:
    record = pupil(person__current_address=..., person__hukou_address=..., family__1__phone=...)
    found = checks(shanxi, record)
    assert found == [
        ("record.form.recommended", "warning", "person.current_address"),
        ("record.form.recommended", "warning", "person.hukou_address"),
        ("record.form.recommended", "warning", "family[1].phone"),
    ]
    assert validate_record(record, shanxi, as_of=AS_OF).ok


def test_second_family_member_missing_is_a_warning_first_an_error(shanxi: RecordsSpec) -> None:
    one = pupil(family__1=...)
    assert checks(shanxi, one) == [("record.form.group_missing", "warning", "family[1]")]
    none = pupil(family=[])
    found = checks(shanxi, none)
    assert ("record.form.group_missing", "error", "family[0]") in found
    assert ("record.form.group_missing", "warning", "family[1]") in found
    # fields of an absent block are not reported one by one
    assert not [c for c in found if c[0] == "record.form.required"]


def test_disability_fields_are_required_when_disabled(shanxi: RecordsSpec) -> None:
    record = pupil(person__is_disabled=True)
    found = checks(shanxi, record)
    assert found == [
        ("O17.special_education_fields", "error", "person.disability_type"),
        ("O17.special_education_fields", "error", "person.special_ed_attendance_type"),
    ]
    ok = pupil(
        person__is_disabled=True,
        person__disability_type="4",
        person__special_ed_attendance_type="regular_class",
    )
    assert checks(shanxi, ok) == []
    cited = validate_record(record, shanxi, as_of=AS_OF).findings[0].citations
    assert [c.render() for c in cited] == [
        "教基〔2025〕1号 第十一条第三款",
        "晋教〔2026〕1号 第九条第二款",
    ]


def test_code_lists_and_value_types(shanxi: RecordsSpec) -> None:
    record = pupil(
        person__ethnicity="57",
        person__sex="M",
        person__nationality_region="cn",
        family__0__phone="call me",
        person__is_boarder="no",
        grade=8,
        person__political_status="14",
    )
    found = checks(shanxi, record)
    assert [c[2] for c in found if c[0] == "record.form.value"] == [
        "person.sex",
        "person.nationality_region",
        "person.ethnicity",
        "grade",
        "person.political_status",
        "person.is_boarder",
        "family[0].phone",
    ]
    # a string where the schema wants a boolean is also a schema problem
    assert [c[0] for c in found if c[0] != "record.form.value"] == ["record.schema"]


def test_an_integral_float_grade_is_the_integer_the_schema_says_it_is(shanxi: RecordsSpec) -> None:
    """New-user report item 6: JSON from Java or Go clients writes 3.0; the JSON Schema and the
    engine take it as 3, so the form check does too (3.5 and 9.0 on a primary record do not)."""
    assert checks(shanxi, pupil(grade=3.0)) == []
    assert checks(shanxi, pupil(grade=3.5)) == [
        ("record.schema", "error", ""),
        ("record.form.value", "error", "grade"),
    ]
    assert checks(shanxi, pupil(grade=9.0)) == [("record.form.value", "error", "grade")]
    assert checks(shanxi, pupil(grade=True))[-1] == ("record.form.value", "error", "grade")


def test_all_56_ethnic_groups_are_listed_with_gb3304_codes(shanxi: RecordsSpec) -> None:
    codes = shanxi.code_lists["ethnicity"]
    numbered = [v.id for v in codes.values if v.id.isdigit() and int(v.id) <= 56]
    assert numbered == [f"{i:02d}" for i in range(1, 57)]
    assert codes.get("01").label.zh == "汉族" and codes.get("56").label.zh == "基诺族"
    assert len({v.label.zh for v in codes.values}) == len(codes.values)


def test_identity_number_checked_and_cross_checked(shanxi: RecordsSpec) -> None:
    wrong_check = PUPIL_ID[:-1] + ("0" if PUPIL_ID[-1] != "0" else "1")
    found = checks(shanxi, pupil(person__id_doc_number=wrong_check, id="S1"))
    assert ("record.identity.document_number", "error", "person.id_doc_number") in found
    # a valid number of another child: birth date and sex disagree with the record
    other = citizen("14010520150302002")
    found = checks(shanxi, pupil(person__id_doc_number=other, id="G" + other))
    assert ("record.identity.birth_date_mismatch", "error", "person.id_doc_number") in found
    assert ("record.identity.sex_mismatch", "error", "person.id_doc_number") in found
    future = citizen("14010520300101001")
    found = checks(shanxi, pupil(person__id_doc_number=future))
    assert ("record.identity.document_number", "error", "person.id_doc_number") in found


def test_other_document_types(shanxi: RecordsSpec) -> None:
    hk = pupil(
        person__id_doc_type="hk_mo_travel_permit",
        person__id_doc_number="H1234567800",
        person__hk_mo_tw_overseas_foreign_code="hong_kong",
        person__nationality_region="HKG",
        id="S1",
    )
    assert [c for c in checks(shanxi, hk) if c[0] != "O07.number_unknown_scheme"] == []
    macao_mismatch = pupil(
        person__id_doc_type="hk_mo_travel_permit",
        person__id_doc_number="M12345678",
        person__hk_mo_tw_overseas_foreign_code="hong_kong",
        person__nationality_region="HKG",
        id="S1",
    )
    assert ("record.identity.region_mismatch", "warning", "person.id_doc_number") in checks(
        shanxi, macao_mismatch
    )
    permit = citizen("83000020150301003")
    tw = pupil(
        person__id_doc_type="hk_mo_tw_residence_permit",
        person__id_doc_number=permit,
        person__hk_mo_tw_overseas_foreign_code="taiwan",
        person__nationality_region="TWN",
        id="S1",
    )
    assert [c for c in checks(shanxi, tw) if c[0] != "O07.number_unknown_scheme"] == []
    bad_permit = pupil(
        person__id_doc_type="hk_mo_tw_residence_permit", person__id_doc_number=PUPIL_ID, id="S1"
    )
    assert ("record.identity.document_number", "error", "person.id_doc_number") in checks(
        shanxi, bad_permit
    )


def test_inconsistent_fields(shanxi: RecordsSpec) -> None:
    record = pupil(special_education={"disabled": True, "placement": "home_teaching"})
    assert ("record.form.inconsistent", "error", "") in checks(shanxi, record)
    record = pupil(
        person__is_disabled=True,
        person__disability_type="1",
        person__special_ed_attendance_type="special_school",
        special_education={"disabled": True, "placement": "regular_class"},
    )
    assert [c[0] for c in checks(shanxi, record)] == ["record.form.inconsistent"]
    record = pupil(person__disability_type="1")
    assert [c[0] for c in checks(shanxi, record)] == ["record.form.inconsistent"]


def test_registry_numbers(shanxi: RecordsSpec) -> None:
    # G + a number that is not the pupil's citizen number
    other = citizen("14010520150301011")
    assert ("O07.number_document_mismatch", "warning", "id") in checks(
        shanxi, pupil(id="G" + other)
    )
    # G + a malformed body
    assert ("O07.number_format", "warning", "id") in checks(
        shanxi, pupil(id="G" + PUPIL_ID[:-1] + "Y")
    )
    # a temporary number while the pupil holds a citizen number
    found = checks(shanxi, pupil(id="L14010520150301" + "4821"))
    assert ("O08.temporary_number", "warning", "id") in found
    # a temporary number whose birth date is not the pupil's
    assert ("O07.number_format", "warning", "id") in checks(
        shanxi, pupil(id="L14010520150401" + "4821")
    )
    # J: built like a citizen number (check character) for a student without one
    j = "J" + citizen("14010520150301901")
    assert (
        checks(
            shanxi,
            pupil(
                id=j,
                person__id_doc_type="passport",
                person__id_doc_number="E12345678",
                person__nationality_region="CHN",
            ),
        )
        == []
    )
    # the flag must agree with the scheme
    assert ("O08.temporary_number", "warning", "id") in checks(shanxi, pupil(temporary_id=True))
    assert ("O07.number_unknown_scheme", "info", "id") in checks(shanxi, pupil(id="S0401"))


def test_preschool_records_get_value_checks_only(national: RecordsSpec) -> None:
    child = {
        "id": "G" + citizen("14010520210708005"),
        "status": "enrolled",
        "stage": "preschool",
        "birth_date": "2021-07-08",
        "person": {"ethnicity": "99"},
    }
    result = validate_record(child, national, as_of=AS_OF)
    assert result.form is None
    assert [(f.check, f.evidence["path"]) for f in result.findings] == [
        ("record.form.value", "person.ethnicity")
    ]
    assert [c.render() for c in result.findings[0].citations] == ["教基〔2025〕8号 第六条第一款"]


def test_schema_problems_are_findings_and_masked(shanxi: RecordsSpec) -> None:
    record = pupil(person__name=["张小明"], family__0__phone=13812345678)
    result = validate_record(record, shanxi, as_of=AS_OF)
    schema = [f for f in result.findings if f.check == "record.schema"]
    assert len(schema) == 2
    text = " ".join(f.message.zh for f in result.findings)
    assert "张小明" not in text and "13812345678" not in text


def test_engine_validate_record_delegates() -> None:
    engine = Engine("shanxi")
    assert engine.validate_record(pupil(), as_of=AS_OF).ok
    shanxi_cites = {
        c.render()
        for f in engine.validate_record(pupil(person__name=...), as_of=AS_OF).findings
        for c in f.citations
    }
    assert "晋教〔2026〕1号 第九条第一款" in shanxi_cites
    national = Engine("national").validate_record(pupil(person__name=...), as_of=AS_OF)
    assert all(c.document != "晋教〔2026〕1号" for f in national.findings for c in f.citations)


def test_result_to_json() -> None:
    result = Engine("shanxi").validate_record(pupil(person__name=...), as_of=AS_OF)
    data = result.to_json()
    assert data["ok"] is False and data["record"] == "G" + PUPIL_ID
    assert data["findings"][0]["check"] == "record.form.required"
