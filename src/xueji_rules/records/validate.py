"""Check one record as a registry system does on save: every problem at once, as findings.

:func:`validate_record` runs, in this order, the record schema (``schemas/record.schema.json``),
the collection form (required marks, conditional fields, value types and code lists), the
identity document (format, birth date and sex against the record), consistency between fields,
and the 学籍号 (its scheme, its link to the citizen number, temporary numbers). Each problem is a
:class:`~xueji_rules.findings.Finding` naming the field by its Chinese label, number and path.
No message or evidence carries a personal value (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from xueji_rules._schemas import iter_problems, validator_for
from xueji_rules.errors import Location
from xueji_rules.findings import Finding, Severity
from xueji_rules.packs.model import Text
from xueji_rules.records import _paths
from xueji_rules.records._numbers import check_registry_number
from xueji_rules.records.identity import DocumentCheck, check_document_number
from xueji_rules.records.masking import Masker
from xueji_rules.records.spec import FormField, RecordsSpec, System

__all__ = ["RecordValidation", "conditional_findings", "report_finding", "validate_record"]

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_NAME_MARKS = frozenset(" ·•.-'")
# control and invisible format characters (Unicode Cc and the common Cf)
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
_GB11643_FORMATS = ("gb11643_resident", "gb11643_residence_permit")


@dataclass(frozen=True, slots=True)
class RecordValidation:
    """Every problem of one record; ``ok`` when none of them is an error.

    ``form`` names the collection form whose required marks applied (``None`` for a stage the
    form does not cover, such as preschool: then only the values present are checked).
    """

    record_id: str | None
    form: str | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """No finding of severity ``error``."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity ``error``."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity ``warning``."""
        return tuple(f for f in self.findings if f.severity == "warning")

    def to_json(self) -> dict[str, Any]:
        """``{"record", "form", "ok", "findings"}`` with findings in their JSON form."""
        return {
            "record": self.record_id,
            "form": self.form,
            "ok": self.ok,
            "findings": [f.to_json() for f in self.findings],
        }


_PER_SPEC: dict[int, tuple[RecordsSpec, dict[Any, Any]]] = {}


def _cache_of(spec: RecordsSpec) -> dict[Any, Any]:
    """Values derived from ``spec`` once (validation runs per record)."""
    entry = _PER_SPEC.get(id(spec))
    if entry is None or entry[0] is not spec:
        if len(_PER_SPEC) >= 16:
            _PER_SPEC.clear()
        entry = _PER_SPEC[id(spec)] = (spec, {})
    return entry[1]


def _masker_of(spec: RecordsSpec) -> Masker:
    cache = _cache_of(spec)
    masker = cache.get("masker")
    if masker is None:
        masker = cache["masker"] = Masker(spec)
    return masker


def _field_names(spec: RecordsSpec, f: FormField) -> tuple[str, str, dict[str, Any]]:
    """How a field is named in messages and evidence (computed once per field)."""
    cache = _cache_of(spec)
    key = ("names", f.id)
    if key not in cache:
        group = spec.form.group(f.group)
        zh_label = f.label.zh if group.path is None else f"{group.label.zh}·{f.label.zh}"
        en_label = f.label.en or f.id
        if group.path is not None:
            en_label = f"{group.label.en or group.id}: {en_label}"
        zh = f"第{f.number}项“{zh_label}”（{f.path}）"
        en = f"field {f.number} '{en_label}' ({f.path})"
        evidence = {"field": f.id, "number": f.number, "path": f.path, "label": zh_label}
        cache[key] = (zh, en, evidence)
    names: tuple[str, str, dict[str, Any]] = cache[key]
    return names


class _Run:
    def __init__(self, spec: RecordsSpec, record: Mapping[str, Any], as_of: dt.date) -> None:
        self.spec = spec
        self.record = record
        self.as_of = as_of
        rid = record.get("id")
        self.record_id = rid if isinstance(rid, str) and rid else None
        self.system: System | None = spec.system_of(record.get("stage"))
        self._masker: Masker | None = None
        self.findings: list[Finding] = []

    @property
    def masker(self) -> Masker:
        if self._masker is None:
            self._masker = _masker_of(self.spec)
        return self._masker

    # -- reporting -------------------------------------------------------------------------

    def report(
        self,
        check_id: str,
        zh: str,
        en: str,
        evidence: Mapping[str, Any],
        severity: Severity | None = None,
    ) -> None:
        check = self.spec.checks.get(check_id)
        if check is None or not check.applies_to(self.system):
            return
        assert self.system is not None
        label = check.label
        self.findings.append(
            Finding(
                check=check_id,
                severity=severity or check.severity,
                records=(self.record_id,) if self.record_id else (),
                citations=check.citations[self.system],
                message=Text(f"{label.zh}：{zh}", f"{label.en or check_id}: {en}"),
                evidence=dict(evidence),
            )
        )

    def field_names(self, f: FormField) -> tuple[str, str, dict[str, Any]]:
        zh, en, evidence = _field_names(self.spec, f)
        return zh, en, dict(evidence)

    # -- the checks ------------------------------------------------------------------------

    def run(self, check_schema: bool) -> None:
        if check_schema:
            self.schema()
        form = self.spec.form
        applies = self.record.get("stage") in form.stages
        absent_groups: set[str] = set()
        for group in form.groups:
            if group.path is None:
                continue
            if not isinstance(_paths.get(self.record, group.path), Mapping):
                absent_groups.add(group.id)
                if applies:
                    self.report(
                        "record.form.group_missing",
                        f"未填写“{group.label.zh}”（{group.path}）",
                        f"'{group.label.en or group.id}' ({group.path}) is missing",
                        {"group": group.id, "path": group.path},
                        severity=group.absent,
                    )
        for f in form.fields:
            value = _paths.get(self.record, f.path)
            if _blank(value):
                if applies and f.group not in absent_groups:
                    self.missing(f)
                continue
            self.value(f, value)
        self.consistency()
        for item in check_registry_number(self.spec, self.record, self.as_of):
            self.report(*item)

    def schema(self) -> None:
        validator = validator_for("record.schema.json")
        check = self.spec.checks.get("record.form.value")
        if check is None:
            citations: tuple[Any, ...] = ()
        elif self.system is not None:
            citations = check.citations.get(self.system, ())
        else:
            citations = tuple(c for cs in check.citations.values() for c in cs)
        for problem in iter_problems(
            validator, _jsonable(self.record), lambda path: Location(), root="record"
        ):
            message = self.masker.scrub(problem.message, [self.record])
            self.findings.append(
                Finding(
                    check="record.schema",
                    severity="error",
                    records=(self.record_id,) if self.record_id else (),
                    citations=citations,
                    message=Text(
                        f"记录不符合记录结构（schemas/record.schema.json）：{message}",
                        f"record does not match schemas/record.schema.json: {message}",
                    ),
                    evidence={"schema": "record.schema.json"},
                )
            )

    def missing(self, f: FormField) -> None:
        zh, en, evidence = self.field_names(f)
        if f.required == "star":
            self.report(
                "record.form.required", f"{zh}未填写（必采信息项）", f"{en} is required", evidence
            )
        elif f.required == "asterisk":
            self.report("record.form.recommended", f"{zh}未填写", f"{en} is missing", evidence)
        elif f.required_when is not None:
            other_id, wanted = f.required_when
            other = self.spec.form.field(other_id)
            if _paths.get(self.record, other.path) == wanted:
                self.report(
                    "O17.special_education_fields",
                    f"第{other.number}项“{other.label.zh}”为是时，{zh}必须填写",
                    f"{en} is required when field {other.number} is yes",
                    evidence,
                )

    def value(self, f: FormField, value: Any) -> None:
        reason = self.problem_of(f, value)
        if reason is None:
            return
        zh, en, evidence = self.field_names(f)
        if not self.masker.is_personal(f.path) and isinstance(value, str | int | bool):
            evidence["value"] = value
        if f.type == "document_number":
            check_id = "record.identity.document_number"
        else:
            check_id = "record.form.value"
        self.report(check_id, f"{zh}{reason.zh}", f"{en}: {reason.en}", evidence)

    def problem_of(self, f: FormField, value: Any) -> Text | None:
        t = f.type
        if t == "boolean":
            return (
                None
                if isinstance(value, bool)
                else Text("应为是或否（true/false）", "must be true or false")
            )
        if t == "grade":
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # JSON's 3.0 is the integer 3, as the JSON Schema says
            if not isinstance(value, int) or isinstance(value, bool):
                return Text("应为整数年级", "must be a whole grade number")
            span = self.spec.stage_grades.get(str(self.record.get("stage")))
            if span is not None and not span[0] <= value <= span[1]:
                return Text(
                    f"不在本学段的年级范围（{span[0]}—{span[1]}）内",
                    f"outside the stage's grades {span[0]}-{span[1]}",
                )
            return None
        if t == "date":
            day = _date(value)
            if day is None:
                return Text("不是有效日期（yyyy-mm-dd）", "is not a valid date (yyyy-mm-dd)")
            if day > self.as_of:
                return Text("晚于今天", "lies in the future")
            return None
        if not isinstance(value, str):
            return Text("应为文字", "must be text")
        if _CONTROL.search(value) is not None or value != value.strip():
            return Text("含有控制字符或首尾空白", "has control characters or surrounding blanks")
        if len(value) > (f.max_length or 200):
            return Text(
                f"超过{f.max_length or 200}个字符", f"longer than {f.max_length or 200} characters"
            )
        if t == "name":
            if len(value) > 50 or not all(c.isalpha() or c in _NAME_MARKS for c in value):
                return Text(
                    "只能由文字和间隔号等组成，不超过50个字符",
                    "letters and name marks only, at most 50",
                )
        elif t == "code":
            codes = self.spec.code_lists[f.codes or ""]
            if codes.get(value) is None:
                return Text(
                    f"不是“{codes.label.zh}”代码表中的值",
                    f"is not a value of the '{codes.label.en or codes.id}' code list",
                )
        elif t == "country":
            if not _COUNTRY.match(value):
                return Text(
                    "应为三位大写字母的国家或地区代码（GB/T 2659）",
                    "must be a 3-letter country or region code (GB/T 2659)",
                )
        elif t == "phone":
            if not _PHONE.match(value):
                return Text("不是有效的电话号码", "is not a telephone number")
        elif t == "document_number":
            return self.document(f, value).problem
        return None

    def document(self, f: FormField, number: str) -> DocumentCheck:
        kind = self.doc_type(f)
        fmt = kind.format if kind is not None else None
        return check_document_number(fmt, number, self.as_of)

    def doc_type(self, f: FormField) -> Any:
        if f.document_type_field is None:
            return None
        type_field = self.spec.form.field(f.document_type_field)
        type_value = _paths.get(self.record, type_field.path)
        codes = self.spec.code_lists.get(type_field.codes or "")
        return codes.get(type_value) if codes is not None and isinstance(type_value, str) else None

    def consistency(self) -> None:
        form = self.spec.form
        if not form.fields:
            return
        person = self.record.get("person")
        person = person if isinstance(person, Mapping) else {}
        self.identity_cross_check(person)
        special = self.record.get("special_education")
        special = special if isinstance(special, Mapping) else {}
        disabled = person.get("is_disabled")
        if (
            isinstance(disabled, bool)
            and isinstance(special.get("disabled"), bool)
            and disabled != special["disabled"]
        ):
            self.inconsistent(
                "person.is_disabled",
                "special_education.disabled",
                "是否残疾人与特殊教育信息中的残疾标记不一致",
                "is_disabled contradicts special_education.disabled",
            )
        if disabled is False:
            for key in ("disability_type", "special_ed_attendance_type"):
                if not _blank(person.get(key)):
                    self.inconsistent(
                        "person.is_disabled",
                        f"person.{key}",
                        "是否残疾人为否，却填写了特殊教育学生信息",
                        "special education data given for a student without a disability",
                    )
        attendance = person.get("special_ed_attendance_type")
        codes = self.spec.code_lists.get("special_ed_attendance_type")
        placement = special.get("placement")
        if isinstance(attendance, str) and isinstance(placement, str) and codes is not None:
            entry = codes.get(attendance)
            if entry is not None and entry.placement is not None and entry.placement != placement:
                self.inconsistent(
                    "person.special_ed_attendance_type",
                    "special_education.placement",
                    "特教学生就读类型与安置方式不一致",
                    "attendance type contradicts the placement",
                )

    def inconsistent(self, a: str, b: str, zh: str, en: str) -> None:
        self.report(
            "record.form.inconsistent", f"{zh}（{a}、{b}）", f"{en} ({a}, {b})", {"paths": [a, b]}
        )

    def identity_cross_check(self, person: Mapping[str, Any]) -> None:
        try:
            f = self.spec.form.field("id_doc_number")
        except KeyError:
            return
        number = _paths.get(self.record, f.path)
        kind = self.doc_type(f)
        if not isinstance(number, str) or kind is None:
            return
        result = check_document_number(kind.format, number, self.as_of)
        if not result.ok:
            return
        zh, en, evidence = self.field_names(f)
        born = _date(self.record.get("birth_date"))
        if result.birth_date is not None and born is not None and born != result.birth_date:
            self.report(
                "record.identity.birth_date_mismatch",
                f"出生日期与{zh}中的出生日期码不一致",
                f"date of birth differs from the one in {en}",
                {**evidence, "compared": "birth_date"},
            )
        sex = person.get("sex")
        if (
            result.sex is not None
            and isinstance(sex, str)
            and sex in ("1", "2")
            and sex != result.sex
        ):
            self.report(
                "record.identity.sex_mismatch",
                f"性别与{zh}的顺序码不一致",
                f"sex differs from the sequence digit of {en}",
                {**evidence, "compared": "person.sex"},
            )
        self.region_cross_check(person, kind, result, zh, en, evidence)

    def region_cross_check(
        self,
        person: Mapping[str, Any],
        kind: Any,
        result: DocumentCheck,
        zh: str,
        en: str,
        evidence: dict[str, Any],
    ) -> None:
        hmt_codes = self.spec.code_lists.get("hk_mo_tw_overseas_foreign")
        hmt = person.get("hk_mo_tw_overseas_foreign_code")
        entry = hmt_codes.get(hmt) if hmt_codes is not None and isinstance(hmt, str) else None
        nationality = person.get("nationality_region")
        if result.region is not None and entry is not None and entry.region != result.region:
            self.report(
                "record.identity.region_mismatch",
                f"{zh}表明的地区与港澳台侨外信息不一致",
                f"{en} implies another region than the HK/Macao/Taiwan field",
                {**evidence, "implied_region": result.region},
            )
        if (
            entry is not None
            and entry.region is not None
            and isinstance(nationality, str)
            and _COUNTRY.match(nationality)
            and nationality != entry.region
        ):
            self.report(
                "record.identity.region_mismatch",
                "国籍/地区与港澳台侨外信息不一致",
                "nationality or region contradicts the HK/Macao/Taiwan field",
                {
                    "paths": ["person.nationality_region", "person.hk_mo_tw_overseas_foreign_code"],
                    "nationality_region": nationality,
                    "hk_mo_tw_overseas_foreign_code": hmt,
                },
            )
        if (
            kind.format == "gb11643_resident"
            and isinstance(nationality, str)
            and _COUNTRY.match(nationality)
            and nationality != "CHN"
        ):
            self.report(
                "record.identity.region_mismatch",
                "持居民身份证，国籍/地区却不是中国",
                "a resident identity card with a nationality other than China",
                {**evidence, "nationality_region": nationality},
            )


def _blank(value: Any) -> bool:
    return (
        value is _paths.MISSING or value is None or (isinstance(value, str) and not value.strip())
    )


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def conditional_findings(record: Mapping[str, Any], spec: RecordsSpec) -> list[Finding]:
    """The form's conditional requirements alone (e.g. O17: 残疾类型 and 特教学生就读类型 when
    是否残疾人 is 是), as :func:`validate_record` reports them — cheap enough for every record of
    an audit. Only where the form applies (its stages)."""
    form = spec.form
    if record.get("stage") not in form.stages:
        return []
    run: _Run | None = None
    read: dict[str, Any] = {}  # fields conditioned on one field read it once
    for f, other_path, wanted in _conditional_fields(spec):
        value = read.get(other_path, read)  # read itself: not read yet
        if value is read:
            value = read[other_path] = _paths.get(record, other_path)
        if value == wanted and _blank(_paths.get(record, f.path)):
            run = run or _Run(spec, record, dt.date.today())
            run.missing(f)
    return run.findings if run is not None else []


_CONDITIONAL: dict[int, tuple[RecordsSpec, list[tuple[FormField, str, object]]]] = {}


def _conditional_fields(spec: RecordsSpec) -> list[tuple[FormField, str, object]]:
    """The form's fields with a condition: (field, the path the condition reads, its value)."""
    entry = _CONDITIONAL.get(id(spec))
    if entry is None or entry[0] is not spec:
        fields = []
        for f in spec.form.fields:
            if f.required_when is not None:
                other_id, wanted = f.required_when
                fields.append((f, spec.form.field(other_id).path, wanted))
        entry = _CONDITIONAL[id(spec)] = (spec, fields)
    return entry[1]


def report_finding(
    spec: RecordsSpec, record: Mapping[str, Any], items: Iterable[Any]
) -> list[Finding]:
    """Findings of ``record`` from ``(check, zh, en, evidence[, severity])`` items (the form the
    records checks produce, e.g. :func:`~xueji_rules.records._numbers.check_registry_number`)."""
    run: _Run | None = None
    for item in items:
        run = run or _Run(spec, record, dt.date.today())
        run.report(*item)
    return run.findings if run is not None else []


def validate_record(
    record: Mapping[str, Any],
    spec: RecordsSpec,
    *,
    as_of: dt.date | None = None,
    check_schema: bool = True,
) -> RecordValidation:
    """Every problem of ``record`` under the pack's records data ``spec``.

    ``as_of`` (default: today) is the day dates are checked against (a birth date may not lie
    after it). The findings come in a fixed order: schema, form fields in form order, group and
    consistency checks, then the 学籍号. ``check_schema=False`` skips the JSON Schema pass for a
    caller that has already found the record valid against it (``Engine.validate_record`` does,
    with its compiled converter, which is about a hundred times faster than jsonschema).
    """
    if not isinstance(record, Mapping):
        raise TypeError("validate_record expects a mapping")
    run = _Run(spec, record, as_of or dt.date.today())
    run.run(check_schema)
    applies = record.get("stage") in spec.form.stages
    return RecordValidation(run.record_id, spec.form.id if applies else None, tuple(run.findings))


def iter_findings(
    records: Iterator[Mapping[str, Any]], spec: RecordsSpec, *, as_of: dt.date | None = None
) -> Iterator[Finding]:
    """The findings of many records in input order (a stream in, a stream out)."""
    day = as_of or dt.date.today()
    for record in records:
        yield from validate_record(record, spec, as_of=day).findings
