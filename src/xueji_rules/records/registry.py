"""One person, one registry; one number per person for life — across a whole snapshot.

Both functions take an iterable of records (``schemas/record.schema.json``, with ``person`` and
``family`` where known), stream it once into hash-partitioned spill files under ``workdir`` and
then check one partition at a time, so memory stays bounded whatever the snapshot's size (see
:mod:`xueji_rules.records._spill`). Identity keys are written only as keyed hashes (HMAC-SHA256
under a random key that lives in memory for one call), never in clear.

* :func:`find_duplicate_registries` (O01): two records in a live status (pack data,
  ``one_registry.live_statuses``) with the same identity document number → ``O01.duplicate_registry``
  (error); with the same normalised name and birth date and a guardian in common, where at least
  one has no document number → ``O01.probable_duplicate_registry`` (warning).
* :func:`find_number_reuse` (O07): one 学籍号 held by different people → ``O07.number_reused``;
  one person (by document number) under two formal numbers → ``O07.number_changed``, or, when one
  is a kindergarten's and the other a school's, ``O07.preschool_number_not_continued``. A
  temporary number replaced by a formal one is not a change (8号 第七条; D-206).

Findings come partition by partition, in a fixed order for a given ``partitions`` count.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from xueji_rules.findings import Finding
from xueji_rules.packs.model import Citation, Text
from xueji_rules.records._numbers import scheme_of
from xueji_rules.records._spill import Spill
from xueji_rules.records.identity import identity_key
from xueji_rules.records.spec import RecordsSpec, System

__all__ = ["document_key", "find_duplicate_registries", "find_number_reuse", "normalize_name"]

_PAIRWISE_LIMIT = 2000  # rows compared pairwise within one group
_NAME_MARKS = str.maketrans("", "", " \t\u3000·•‧・.-'")


def normalize_name(name: str) -> str:
    """A name as compared: NFKC, no blanks or name marks (· • - '), case-folded."""
    return unicodedata.normalize("NFKC", name).translate(_NAME_MARKS).casefold()


def document_key(spec: RecordsSpec, holder: Mapping[str, Any]) -> str | None:
    """The identity key of a person's document (``person`` or a family member), or ``None``."""
    number = holder.get("id_doc_number")
    if not isinstance(number, str) or not number.strip():
        return None
    kind = holder.get("id_doc_type")
    codes = spec.code_lists.get("id_doc_type")
    entry = codes.get(kind) if codes is not None and isinstance(kind, str) else None
    namespace = entry.namespace if entry is not None else (kind if isinstance(kind, str) else None)
    issuer = holder.get("nationality_region")
    return identity_key(namespace, number, issuer if isinstance(issuer, str) else None)


class _Hasher:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def __call__(self, text: str) -> str:
        return hmac.new(self._key, text.encode("utf-8"), "sha256").hexdigest()[:32]


def _person(record: Mapping[str, Any]) -> Mapping[str, Any]:
    person = record.get("person")
    return person if isinstance(person, Mapping) else {}


def _probable_key(record: Mapping[str, Any]) -> str | None:
    name = _person(record).get("name")
    born = record.get("birth_date")
    if isinstance(born, dt.date):
        born = born.isoformat()
    if not isinstance(name, str) or not normalize_name(name) or not isinstance(born, str):
        return None
    return f"{normalize_name(name)}|{born}"


def _guardians(spec: RecordsSpec, record: Mapping[str, Any]) -> list[str]:
    members = [m for m in record.get("family") or [] if isinstance(m, Mapping)]
    flagged = [m for m in members if m.get("is_guardian") is True]
    keys = []
    for m in flagged or members:
        key = document_key(spec, m)
        name = m.get("name")
        if key is not None:
            keys.append(key)
        if isinstance(name, str) and normalize_name(name):
            keys.append("name:" + normalize_name(name))
    return keys


def _school(record: Mapping[str, Any]) -> str | None:
    school = record.get("school")
    sid = school.get("id") if isinstance(school, Mapping) else None
    return sid if isinstance(sid, str) else None


def _finding(
    spec: RecordsSpec,
    check_id: str,
    rows: list[list[Any]],
    zh: str,
    en: str,
    evidence: dict[str, Any],
) -> Finding | None:
    check = spec.checks.get(check_id)
    if check is None:
        return None
    systems: list[System] = []
    for row in rows:
        system = spec.system_of(row[2])
        if system is not None and system not in systems and check.applies_to(system):
            systems.append(system)
    if not systems:
        return None
    citations: list[Citation] = []
    for system in sorted(systems):
        citations += [c for c in check.citations[system] if c not in citations]
    ordered = sorted(rows, key=lambda r: (str(r[0]), str(r[1]), str(r[2])))
    return Finding(
        check=check_id,
        severity=check.severity,
        records=tuple(sorted({str(r[0]) for r in ordered})),
        citations=tuple(citations),
        message=Text(f"{check.label.zh}：{zh}", f"{check.label.en or check_id}: {en}"),
        evidence={
            **evidence,
            "statuses": [r[1] for r in ordered],
            "stages": [r[2] for r in ordered],
            "schools": [r[3] for r in ordered],
        },
    )


def find_duplicate_registries(
    records: Iterable[Mapping[str, Any]],
    spec: RecordsSpec,
    *,
    workdir: str | os.PathLike[str],
    partitions: int = 256,
) -> Iterator[Finding]:
    """O01 findings over ``records`` (any iterable, read once) with bounded memory.

    ``workdir`` holds the spill files while the call runs (they are removed afterwards);
    ``partitions`` sets how many: memory holds about ``len(records) / partitions`` rows.
    """
    digest = _Hasher()
    by_document = Spill(workdir, "o01-doc", partitions=partitions)
    by_person = Spill(workdir, "o01-name", partitions=partitions)
    try:
        for record in records:
            status = record.get("status")
            rid = record.get("id")
            if status not in spec.live_statuses or not isinstance(rid, str):
                continue
            row: list[Any] = [rid, status, record.get("stage"), _school(record)]
            doc = document_key(spec, _person(record))
            namespace = doc.split(":", 1)[0] if doc else None
            if doc is not None:
                by_document.add(digest(doc), [*row, namespace])
            probable = _probable_key(record)
            if probable is not None:
                guardians = sorted({digest(g) for g in _guardians(spec, record)})
                by_person.add(digest(probable), [*row, digest(doc) if doc else None, guardians])
        for _, rows in by_document.groups():
            distinct = {r[0]: r for r in rows}
            if len(distinct) < 2:
                continue
            finding = _finding(
                spec,
                "O01.duplicate_registry",
                list(distinct.values()),
                f"{len(distinct)}个在籍学籍登记了同一身份证件号",
                f"{len(distinct)} live registries carry the same identity document number",
                {"matched_on": "document_number", "document_namespace": rows[0][4]},
            )
            if finding is not None:
                yield finding
        for _, rows in by_person.groups():
            yield from _probable(spec, rows)
    finally:
        by_document.close()
        by_person.close()


def _probable(spec: RecordsSpec, rows: list[list[Any]]) -> Iterator[Finding]:
    """Connected groups of records that share name, birth date and a guardian.

    Two records with different document numbers are different people; two with the same number
    were already reported as certain duplicates.
    """
    distinct = list({r[0]: r for r in rows}.values())
    if len(distinct) < 2 or len(distinct) > _PAIRWISE_LIMIT:
        return
    parent = list(range(len(distinct)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    linked = False
    for i in range(len(distinct)):
        for j in range(i + 1, len(distinct)):
            a, b = distinct[i], distinct[j]
            if a[4] is not None and b[4] is not None:
                continue
            if set(a[5]) & set(b[5]):
                parent[find(i)] = find(j)
                linked = True
    if not linked:
        return
    components: dict[int, list[list[Any]]] = {}
    for i, row in enumerate(distinct):
        components.setdefault(find(i), []).append(row)
    for members in components.values():
        if len(members) < 2:
            continue
        finding = _finding(
            spec,
            "O01.probable_duplicate_registry",
            [m[:4] for m in members],
            f"{len(members)}个在籍学籍的姓名、出生日期相同且有共同的监护人，至少一个未登记身份证件号，请核实是否为同一学生",
            f"{len(members)} live registries share name, date of birth and a guardian, one without a document number: check whether they are one student",
            {"matched_on": "name+birth_date+guardian"},
        )
        if finding is not None:
            yield finding


def find_number_reuse(
    records: Iterable[Mapping[str, Any]],
    spec: RecordsSpec,
    *,
    workdir: str | os.PathLike[str],
    partitions: int = 256,
) -> Iterator[Finding]:
    """O07 findings over ``records`` in any status (a number once given is never given again).

    A person is identified by the document number, or, without one, by normalised name and
    birth date; only the document number is certain enough to say a person changed numbers.
    """
    digest = _Hasher()
    by_number = Spill(workdir, "o07-number", partitions=partitions)
    by_holder = Spill(workdir, "o07-person", partitions=partitions)
    try:
        for record in records:
            number = record.get("id")
            if not isinstance(number, str) or not number:
                continue
            stage = record.get("stage")
            row: list[Any] = [number, record.get("status"), stage, _school(record)]
            doc = document_key(spec, _person(record))
            probable = _probable_key(record)
            if doc is not None or probable is not None:
                by_number.add(
                    number,
                    [*row, digest(doc) if doc else None, digest(probable) if probable else None],
                )
            if doc is not None:
                scheme = scheme_of(spec, number)
                temporary = record.get("temporary_id") is True or (
                    scheme is not None and scheme.temporary
                )
                by_holder.add(digest(doc), [*row, temporary])
        for _, rows in by_number.groups():
            people = _people(rows)
            if people < 2:
                continue
            finding = _finding(
                spec,
                "O07.number_reused",
                [r[:4] for r in rows],
                f"同一学籍号登记在{people}个不同学生名下",
                f"one registry number is recorded for {people} different students",
                {"people": people},
            )
            if finding is not None:
                yield finding
        for _, rows in by_holder.groups():
            yield from _changed(spec, rows)
    finally:
        by_number.close()
        by_holder.close()


def _people(rows: list[list[Any]]) -> int:
    """How many different people hold rows: linked by the same document, or by the same name
    and birth date where a document is missing on either side."""
    if len(rows) > _PAIRWISE_LIMIT:  # a pathological group: count certain identities only
        return len({r[4] for r in rows if r[4] is not None}) or 1
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            a, b = rows[i], rows[j]
            same_doc = a[4] is not None and a[4] == b[4]
            same_name = a[5] is not None and a[5] == b[5] and (a[4] is None or b[4] is None)
            if same_doc or same_name:
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(rows))})


def _changed(spec: RecordsSpec, rows: list[list[Any]]) -> Iterator[Finding]:
    formal = {r[0]: r for r in rows if not r[4]}
    if len(formal) < 2:
        return
    systems = {spec.system_of(r[2]) for r in formal.values()}
    if systems == {"k12", "preschool"}:
        check_id = "O07.preschool_number_not_continued"
        zh = "幼儿园的正式学籍号在小学阶段没有接续使用，学生另有一个正式学籍号"
        en = "the kindergarten's formal number was not continued: the pupil holds another formal number"
    else:
        check_id = "O07.number_changed"
        zh = f"同一身份证件号的学生持有{len(formal)}个不同的正式学籍号"
        en = f"one student (same document number) holds {len(formal)} different formal numbers"
    finding = _finding(
        spec, check_id, [r[:4] for r in formal.values()], zh, en, {"numbers": len(formal)}
    )
    if finding is not None:
        yield finding
