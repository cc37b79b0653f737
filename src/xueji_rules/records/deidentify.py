"""De-identified copies of registry records, and what re-identification risk remains.

Each personal field (pack data, ``records/privacy.yaml``) is removed, replaced by a keyed
pseudonym (HMAC-SHA256 from the standard library under the caller's key: the same value gives the
same pseudonym in every export made with the same key, and nobody without the key can compute
or reverse it), or generalised (a birth date to year-month or year, an address to its county).
A record whose document number is known also gets ``person_pseudonym``, the pseudonym of its
identity key, so one child's records can be linked across exports without the number.

As a last guard every string that stays in the copy is scanned for the record's own personal
values (names, document numbers, phones, the 学籍号); a string containing one is
dropped. The report names the quasi-identifiers that remain and the k-anonymity of their
combination, computed with spill files (bounded memory). See docs/privacy.md.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from xueji_rules.records import _paths
from xueji_rules.records._spill import Spill
from xueji_rules.records.masking import Masker
from xueji_rules.records.registry import document_key
from xueji_rules.records.spec import PersonalField, RecordsSpec

__all__ = [
    "GUARDED_KINDS",
    "MIN_KEY_BYTES",
    "Deidentifier",
    "DeidentifyReport",
    "QuasiIdentifierClasses",
    "deidentify_stream",
    "drop_personal_strings",
    "generalize_address",
]

MIN_KEY_BYTES = 16
_CJK = "\u4e00-\u9fff"
_COUNTY = re.compile(
    rf"^(?:[{_CJK}]{{2,8}}?(?:省|自治区|特别行政区))?"
    rf"(?:[{_CJK}]{{2,10}}?(?:市|自治州|地区|盟))?"
    rf"[{_CJK}]{{1,10}}?(?:自治县|自治旗|区|县|旗|市)"
)
_GUARDED_KINDS = ("name", "document_number", "registry_number", "phone")
GUARDED_KINDS = _GUARDED_KINDS  # the kinds of personal value the last guard looks for
_K_LEVELS = (2, 5, 10)


def generalize_address(address: str) -> str | None:
    """The address cut after its county-level unit (``山西省太原市小店区``), or ``None``."""
    m = _COUNTY.match(address.strip())
    return m.group(0) if m else None


@dataclass
class DeidentifyReport:
    """What an export did and what remains: counts, quasi-identifiers, k-anonymity."""

    records: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    pseudonymized: dict[str, int] = field(default_factory=dict)
    generalized: dict[str, int] = field(default_factory=dict)
    dropped_by_guard: int = 0
    quasi_identifiers: dict[str, int] = field(default_factory=dict)  # path -> records having it
    classes: int = 0
    k_min: int | None = None
    classes_below: dict[int, int] = field(default_factory=dict)
    records_below: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON (keys sorted where they are paths)."""
        return {
            "records": self.records,
            "removed": dict(sorted(self.removed.items())),
            "pseudonymized": dict(sorted(self.pseudonymized.items())),
            "generalized": dict(sorted(self.generalized.items())),
            "dropped_by_guard": self.dropped_by_guard,
            "quasi_identifiers": dict(self.quasi_identifiers),
            "k_anonymity": {
                "classes": self.classes,
                "k_min": self.k_min,
                "classes_below_k": {str(k): self.classes_below.get(k, 0) for k in _K_LEVELS},
                "records_below_k": {str(k): self.records_below.get(k, 0) for k in _K_LEVELS},
            },
        }


class Deidentifier:
    """De-identifies one record at a time under ``spec``'s privacy data and a secret ``key``.

    ``birth_date`` chooses how far birth dates are generalised (``year_month`` or ``year``),
    whatever the pack says for them.
    """

    def __init__(
        self,
        spec: RecordsSpec,
        key: bytes,
        *,
        birth_date: Literal["year_month", "year"] | None = None,
    ) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the pseudonym key must have at least {MIN_KEY_BYTES} bytes")
        self.spec = spec
        self._key = key
        self.birth_date = birth_date
        self.masker = Masker(spec)

    def pseudonym(self, kind: str, value: str) -> str:
        """The keyed pseudonym of ``value`` (``p_`` and 32 hex digits of HMAC-SHA256)."""
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), "sha256").hexdigest()
        return "p_" + digest[:32]

    def record(
        self, record: Mapping[str, Any], report: DeidentifyReport | None = None
    ) -> dict[str, Any]:
        """A de-identified copy of ``record``."""
        out: Any = json.loads(json.dumps(record, default=str))
        personal = [
            (f, text) for f, text in self.masker.personal_values(record) if f.kind in _GUARDED_KINDS
        ]
        person_key = (
            document_key(self.spec, record.get("person") or {})
            if isinstance(record.get("person"), Mapping)
            else None
        )
        for f in self.masker.fields:
            for path, value in reversed(list(_paths.iter_values(out, f.path))):
                if value is None or isinstance(value, Mapping | list):
                    continue
                self._apply(out, f, path, value, report)
        if person_key is not None:
            out["person_pseudonym"] = self.pseudonym("person", person_key)
        dropped = _guard(out, [text for _, text in personal])
        if report is not None:
            report.records += 1
            report.dropped_by_guard += dropped
        result: dict[str, Any] = out
        return result

    def _apply(
        self, out: Any, f: PersonalField, path: str, value: Any, report: DeidentifyReport | None
    ) -> None:
        action = f.deidentify
        if f.kind == "birth_date" and self.birth_date is not None:
            action = (
                "generalize_year_month" if self.birth_date == "year_month" else "generalize_year"
            )
        text = str(value)
        counter: dict[str, int] | None = None
        if action == "keep":
            return
        if action == "remove":
            _delete(out, path)
            counter = report.removed if report else None
        elif action == "pseudonymize":
            _set(out, path, self.pseudonym(f.kind, text))
            counter = report.pseudonymized if report else None
        elif action in ("generalize_year_month", "generalize_year"):
            width = 7 if action == "generalize_year_month" else 4
            if re.match(r"^[0-9]{4}-[0-9]{2}", text):
                _set(out, path, text[:width])
                counter = report.generalized if report else None
            else:
                _delete(out, path)
                counter = report.removed if report else None
        else:  # generalize_county
            county = generalize_address(text)
            if county is None:
                _delete(out, path)
                counter = report.removed if report else None
            else:
                _set(out, path, county)
                counter = report.generalized if report else None
        if counter is not None:
            counter[f.path] = counter.get(f.path, 0) + 1


def _set(record: Any, path: str, value: Any) -> None:
    *head, (key, index, is_array) = _paths.parse(path)
    node = _walk(record, head)
    if is_array:
        node[key][index] = value
    else:
        node[key] = value


def _delete(record: Any, path: str) -> None:
    *head, (key, index, is_array) = _paths.parse(path)
    node = _walk(record, head)
    if is_array:
        node[key][index] = None
    else:
        node.pop(key, None)


def _walk(record: Any, segments: list[_paths.Segment]) -> Any:
    node = record
    for key, index, is_array in segments:
        node = node[key]
        if is_array:
            node = node[index]
    return node


def drop_personal_strings(node: Any, values: list[str]) -> int:
    """Drop every string of ``node`` (JSON data, changed in place) that contains one of
    ``values``; return how many were dropped (the last guard of every export)."""
    return _guard(node, values)


def _guard(node: Any, values: list[str]) -> int:
    """Drop every string of ``node`` that contains one of ``values``; return how many."""
    dropped = 0
    if isinstance(node, dict):
        for key in list(node):
            item = node[key]
            if isinstance(item, str) and any(v in item for v in values):
                del node[key]
                dropped += 1
            else:
                dropped += _guard(item, values)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, str) and any(v in item for v in values):
                node[i] = None
                dropped += 1
            else:
                dropped += _guard(item, values)
    return dropped


class QuasiIdentifierClasses:
    """Counts the quasi-identifiers of exported records and their combinations (k-anonymity),
    through spill files under ``workdir`` (bounded memory)."""

    def __init__(
        self, spec: RecordsSpec, workdir: str | os.PathLike[str], partitions: int = 64
    ) -> None:
        self.paths = spec.quasi_identifiers
        self.seen: dict[str, int] = {path: 0 for path in self.paths}
        self.spill = Spill(workdir, "kanon", partitions=partitions)

    def add(self, exported: Mapping[str, Any]) -> None:
        """Count one exported (de-identified) record."""
        combination = []
        for path in self.paths:
            value = _paths.get(exported, path)
            present = value is not _paths.MISSING and value is not None
            self.seen[path] += present
            combination.append(value if present else None)
        self.spill.add(json.dumps(combination, ensure_ascii=False, sort_keys=True), 1)

    def finish(self, report: DeidentifyReport) -> None:
        """Write the counts and the classes into ``report``; the spill files are removed."""
        for _, rows in self.spill.groups():
            size = len(rows)
            report.classes += 1
            report.k_min = size if report.k_min is None else min(report.k_min, size)
            for k in _K_LEVELS:
                if size < k:
                    report.classes_below[k] = report.classes_below.get(k, 0) + 1
                    report.records_below[k] = report.records_below.get(k, 0) + size
        report.quasi_identifiers = {path: n for path, n in self.seen.items() if n}

    def close(self) -> None:
        """Remove the spill files (also when the export failed)."""
        self.spill.close()


def deidentify_stream(
    records: Iterable[Mapping[str, Any]],
    deidentifier: Deidentifier,
    out: TextIO,
    *,
    workdir: str | os.PathLike[str],
    partitions: int = 64,
) -> DeidentifyReport:
    """Write one de-identified JSON line per record to ``out``; return the report.

    Memory stays bounded: records are handled one at a time and the k-anonymity classes are
    counted through spill files under ``workdir``.
    """
    report = DeidentifyReport()
    classes = QuasiIdentifierClasses(deidentifier.spec, workdir, partitions)
    try:
        for record in records:
            copy = deidentifier.record(record, report)
            out.write(json.dumps(copy, ensure_ascii=False, sort_keys=True) + "\n")
            classes.add(copy)
        classes.finish(report)
    finally:
        classes.close()
    return report
