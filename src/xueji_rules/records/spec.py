"""The records data of an effective pack as immutable values (``records/*.yaml``, SD7).

:func:`~xueji_rules.records._build.records_spec` builds a :class:`RecordsSpec` from a loaded pack: the collection form with
its groups, fields and code lists, the registry-number schemes, the statuses that hold a live
registry, the personal fields of records and of requests, the quasi-identifiers, and every check
with its severity and the articles it cites per registry system. See ``docs/records.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from xueji_rules.findings import Severity
from xueji_rules.packs.model import Citation, Pack, Text

__all__ = [
    "Check",
    "CodeList",
    "CodeValue",
    "FieldType",
    "Form",
    "FormField",
    "FormGroup",
    "NumberScheme",
    "PersonalField",
    "RecordsSpec",
    "RequestField",
    "System",
]

System = Literal["k12", "preschool"]
FieldType = Literal[
    "text", "name", "code", "country", "boolean", "date", "grade", "document_number", "phone",
    "address",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class CodeValue:
    """One value of a code list: the stored ``id`` and its labels (plus type-specific data)."""

    id: str
    label: Text
    format: str | None = None  # document types: the number check
    namespace: str | None = None  # document types: numbers shared across types
    region: str | None = None  # 港澳台侨外: the 国籍/地区 code that goes with it
    placement: str | None = None  # 特教学生就读类型: the record's special_education.placement


@dataclass(frozen=True, slots=True)
class CodeList:
    """An enumeration of the form (民族, 身份证件类型, ...)."""

    id: str
    label: Text
    values: tuple[CodeValue, ...]
    source: str | None = None

    def get(self, value_id: str) -> CodeValue | None:
        """The value with this id, or ``None``."""
        return _index(self).get(value_id)


_INDEXES: dict[int, tuple[CodeList, dict[str, CodeValue]]] = {}


def _index(codes: CodeList) -> dict[str, CodeValue]:
    """The values of ``codes`` by id (built once per list: lookups run per record in audits)."""
    entry = _INDEXES.get(id(codes))
    if entry is None or entry[0] is not codes:
        entry = _INDEXES[id(codes)] = (codes, {v.id: v for v in codes.values})
    return entry[1]


@dataclass(frozen=True, slots=True)
class FormGroup:
    """A block of the form; a block with a ``path`` (a family member) may be absent as a whole."""

    id: str
    label: Text
    path: str | None = None
    absent: Severity = "error"


@dataclass(frozen=True, slots=True)
class FormField:
    """One numbered field of the collection form."""

    number: int
    id: str
    group: str
    path: str
    type: FieldType
    required: Literal["star", "asterisk", "none"]
    label: Text
    codes: str | None = None
    document_type_field: str | None = None
    max_length: int | None = None
    required_when: tuple[str, object] | None = None  # (field id, value)


@dataclass(frozen=True, slots=True)
class Form:
    """The collection form: where it applies, what it cites, its groups and fields."""

    id: str
    label: Text
    stages: tuple[str, ...]
    citations: tuple[Citation, ...]
    groups: tuple[FormGroup, ...]
    fields: tuple[FormField, ...]

    def field(self, field_id: str) -> FormField:
        """The field with this id (``KeyError`` if absent)."""
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def group(self, group_id: str) -> FormGroup:
        """The group with this id (``KeyError`` if absent)."""
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)


@dataclass(frozen=True, slots=True)
class NumberScheme:
    """A registry-number (学籍号) scheme: a prefix letter and an 18-character body."""

    id: str
    prefix: str
    label: Text
    body: Literal["gb11643", "gb11643_structure", "region_birth_random"]
    temporary: bool
    equals_document_of: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonalField:
    """A field that holds personal data: how it is masked and de-identified."""

    path: str
    kind: Literal[
        "name", "document_number", "registry_number", "phone", "address", "birth_date", "free_text"
    ]
    deidentify: Literal[
        "remove", "pseudonymize", "generalize_year_month", "generalize_year",
        "generalize_county", "keep",
    ]  # fmt: skip
    label: Text


@dataclass(frozen=True, slots=True)
class RequestField:
    """A request field that holds personal data (a new hukou place, a requester's details, free
    text): how it is masked in decision logs and in errors. ``path`` is relative to the request
    (``new_hukou.city``, ``exceptions[].reference``)."""

    path: str
    kind: Literal[
        "name", "document_number", "registry_number", "phone", "address", "birth_date", "free_text"
    ]
    label: Text


@dataclass(frozen=True, slots=True)
class Check:
    """A check the records package runs: severity and articles per registry system."""

    id: str
    label: Text
    severity: Severity
    citations: Mapping[System, tuple[Citation, ...]]
    org_kinds: tuple[str, ...] | None = None  # staff checks: the organisations in scope

    def applies_to(self, system: System | None) -> bool:
        """Whether the check runs for records or rows of ``system``."""
        return system is not None and bool(self.citations.get(system))


@dataclass(frozen=True, slots=True)
class RecordsSpec:
    """Everything the records package reads from a pack (its records data merged over layers)."""

    pack_id: str
    form: Form
    code_lists: Mapping[str, CodeList]
    schemes: tuple[NumberScheme, ...]
    unknown_scheme: Severity | Literal["ignore"]
    live_statuses: frozenset[str]
    personal_fields: tuple[PersonalField, ...]
    quasi_identifiers: tuple[str, ...]
    systems: Mapping[str, System]  # stage -> system
    checks: Mapping[str, Check]
    account_dormancy: Mapping[System, str]  # system -> parameter id
    stage_grades: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    personal_request_fields: tuple[RequestField, ...] = ()
    # statuses of a record holding a kindergarten's number carried into primary school (D-47)
    preschool_number_statuses: frozenset[str] = frozenset()
    _pack: Pack | None = field(default=None, repr=False, compare=False)

    def system_of(self, stage: object) -> System | None:
        """The registry system (``k12``/``preschool``) of a stage, or ``None`` if unknown."""
        return self.systems.get(stage) if isinstance(stage, str) else None

    def check(self, check_id: str) -> Check:
        """The check with this id (``KeyError`` if the pack has none)."""
        return self.checks[check_id]

    def dormancy_months(self, system: System, day: dt.date) -> tuple[int, Citation] | None:
        """The account-sealing threshold in force on ``day`` and its citation, if any."""
        param_id = self.account_dormancy.get(system)
        if param_id is None or self._pack is None:
            return None
        value = self._pack.parameters[param_id].value_on(day)
        if value is None:
            return None
        return int(value.value), value.citation
