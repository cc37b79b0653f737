"""One person, one registry; one number per person for life — across a whole snapshot.

The checks come in two halves so that they run unchanged on one machine, in worker processes
and in Spark:

* :func:`registry_facts` turns one record into small *facts* ``(kind, key, row)``: its keyed
  identity hashes and its 学籍号 with the few fields the checks read (id, status, stage, school);
* :func:`registry_findings` checks the facts of one ``(kind, key)`` group.

Between the two, the facts are grouped by key: hash-partitioned spill files here and in the
audit (:mod:`xueji_rules.records._spill`), a ``groupBy`` in Spark. Identity keys are keyed
BLAKE2b hashes (:class:`IdentityHasher`, a random key that lives in memory for one run), never
in clear.

* ``O01.duplicate_registry`` (error): two or more records in a live status (pack data,
  ``one_registry.live_statuses``) with the same identity document number;
  ``O01.probable_duplicate_registry`` (warning): the same normalised name and birth date and a
  guardian in common, where at least one record has no document number.
* ``O07.number_reused``: one 学籍号 held by different people; ``O07.number_changed``: one person
  (by document number) under two formal numbers, or ``O07.preschool_number_not_continued`` when
  one is a kindergarten's (its stage is preschool, or its status says the number was carried
  into primary school: ``one_registry.preschool_number_statuses``). A temporary number replaced
  by a formal one is not a change (8号 第七条; D-206); two live registries of one person are
  already O01, so numbers that are all live are not reported again as a change (D-280).

:func:`find_duplicate_registries` and :func:`find_number_reuse` run both halves over any
iterable of records with a spill directory, in bounded memory; findings come sorted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from xueji_rules.findings import Finding
from xueji_rules.packs.model import Citation, Text
from xueji_rules.records._numbers import scheme_of
from xueji_rules.records._spill import Spill
from xueji_rules.records.identity import identity_key
from xueji_rules.records.spec import RecordsSpec, System

__all__ = [
    "DOCUMENT",
    "NAME",
    "NUMBER",
    "IdentityHasher",
    "document_key",
    "find_duplicate_registries",
    "find_number_reuse",
    "normalize_name",
    "registry_facts",
    "registry_findings",
]

# fact kinds: the person's document, the person's name and birth date, the 学籍号
DOCUMENT, NAME, NUMBER = "doc", "name", "number"
Fact = tuple[str, str, tuple[Any, ...]]

_PAIRWISE_LIMIT = 2000  # rows compared pairwise within one group
_NAME_MARKS = str.maketrans("", "", " \t\u3000·•‧・.-'")


def normalize_name(name: str) -> str:
    """A name as compared: NFKC, no blanks or name marks (· • - '), case-folded."""
    # NFKC returns a name already in that form (most) after its quick check; the marks are none
    # of them letters, so a name of letters only has none to drop and translate, the costly
    # step, is skipped. No memo: names barely repeat across a registry (D-340)
    text = name if name.isascii() else unicodedata.normalize("NFKC", name)
    return (text if text.isalpha() else text.translate(_NAME_MARKS)).casefold()


def document_key(spec: RecordsSpec, holder: Mapping[str, Any]) -> str | None:
    """The identity key of a person's document (``person`` or a family member), or ``None``."""
    number = holder.get("id_doc_number")
    if not isinstance(number, str) or not number.strip():
        return None
    kind = holder.get("id_doc_type")
    if isinstance(kind, str):
        namespaces = _namespaces(spec)
        namespace = namespaces.get(kind, kind)  # a type the code list lacks: its own name
    else:
        namespace = None
    issuer = holder.get("nationality_region")
    return identity_key(namespace, number, issuer if isinstance(issuer, str) else None)


# id(spec) -> (spec, document type -> its identity namespace): read once per spec, not per record
_NAMESPACES: dict[int, tuple[RecordsSpec, dict[str, str | None]]] = {}


def _namespaces(spec: RecordsSpec) -> dict[str, str | None]:
    entry = _NAMESPACES.get(id(spec))
    if entry is None or entry[0] is not spec:
        codes = spec.code_lists.get("id_doc_type")
        table = {v.id: v.namespace for v in codes.values} if codes is not None else {}
        if len(_NAMESPACES) >= 16:
            _NAMESPACES.clear()
        entry = _NAMESPACES[id(spec)] = (spec, table)
    return entry[1]


class IdentityHasher:
    """Keyed BLAKE2b of identity keys (128 bits as 32 hex digits).

    The key is random unless given: every process of one run (workers, Spark executors) must
    share it so that the same person gets the same hash; nobody without it can test a guessed
    document number against a spill file.
    """

    __slots__ = ("_copy", "_keyed", "key")

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key else secrets.token_bytes(32)
        # keyed once; each hash copies the keyed state instead of keying again
        self._keyed = hashlib.blake2b(key=self.key, digest_size=16)
        self._copy = self._keyed.copy

    def __call__(self, text: str) -> str:
        h = self._copy()
        h.update(text.encode())  # UTF-8
        return h.hexdigest()


def _probable_key(record: Mapping[str, Any], person: Mapping[str, Any]) -> str | None:
    name = person.get("name")
    born = record.get("birth_date")
    if isinstance(born, dt.date):
        born = born.isoformat()
    if not isinstance(name, str) or not isinstance(born, str):
        return None
    norm = normalize_name(name)
    return f"{norm}|{born}" if norm else None


def _guardians(spec: RecordsSpec, record: Mapping[str, Any]) -> list[str]:
    family = record.get("family") or ()
    members: Sequence[Mapping[str, Any]]
    flagged: Sequence[Mapping[str, Any]]
    if family.__class__ is list and len(family) == 1 and family[0].__class__ is dict:
        # the usual family: one member, a dict (the lists below would hold just it)
        members = family
        flagged = family if family[0].get("is_guardian") is True else ()
    else:
        # dict first: an isinstance test against the Mapping ABC costs a Python-level call
        members = [m for m in family if m.__class__ is dict or isinstance(m, Mapping)]
        flagged = [m for m in members if m.get("is_guardian") is True]
    keys = []
    for m in flagged or members:
        if m.get("id_doc_number"):
            key = document_key(spec, m)
            if key is not None:
                keys.append(key)
        name = m.get("name")
        if isinstance(name, str):
            norm = normalize_name(name)
            if norm:
                keys.append("name:" + norm)
    return keys


def _school(record: Mapping[str, Any]) -> str | None:
    school = record.get("school")
    sid = school.get("id") if school.__class__ is dict or isinstance(school, Mapping) else None
    return sid if isinstance(sid, str) else None


def registry_facts(
    record: Mapping[str, Any], spec: RecordsSpec, digest: IdentityHasher
) -> list[Fact]:
    """The facts of one record for O01 and O07 (empty for a record without a 学籍号).

    * ``("doc", hash of the document, (id, status, stage, school, namespace, temporary,
      kindergarten's number))`` — any status;
    * ``("name", hash of name and birth date, (id, status, stage, school, document hash or None,
      guardian hashes))`` — live statuses only;
    * ``("number", 学籍号, (id, status, stage, school, document hash or None, name hash or None))``
      — when the record identifies its person at all.
    """
    rid = record.get("id")
    if not isinstance(rid, str) or not rid:
        return []
    person = record.get("person")
    if person.__class__ is not dict and not isinstance(person, Mapping):
        person = _NOBODY
    doc = document_key(spec, person) if person.get("id_doc_number") else None
    probable = _probable_key(record, person)
    if doc is None and probable is None:
        return []
    status, stage, school = record.get("status"), record.get("stage"), _school(record)
    doc_hash = digest(doc) if doc is not None else None
    facts: list[Fact] = []
    if doc is not None and doc_hash is not None:
        scheme = scheme_of(spec, rid)
        temporary = record.get("temporary_id") is True or (scheme is not None and scheme.temporary)
        system = spec.systems.get(stage) if isinstance(stage, str) else None  # spec.system_of
        preschool = system == "preschool" or status in spec.preschool_number_statuses
        namespace = doc.split(":", 1)[0]
        facts.append(
            (DOCUMENT, doc_hash, (rid, status, stage, school, namespace, temporary, preschool))
        )
    name_hash = digest(probable) if probable is not None else None
    if name_hash is not None and status in spec.live_statuses:
        keys = _guardians(spec, record)
        # one guardian is the usual case: no set to build, nothing to sort
        guardians = (
            (digest(keys[0]),) if len(keys) == 1 else tuple(sorted({digest(g) for g in keys}))
        )
        facts.append((NAME, name_hash, (rid, status, stage, school, doc_hash, guardians)))
    facts.append((NUMBER, rid, (rid, status, stage, school, doc_hash, name_hash)))
    return facts


_NOBODY: Mapping[str, Any] = {}


def _finding(
    spec: RecordsSpec,
    check_id: str,
    rows: Sequence[Sequence[Any]],
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


def registry_findings(kind: str, rows: Sequence[Sequence[Any]], spec: RecordsSpec) -> list[Finding]:
    """The findings of one group of facts: every row has the same ``kind`` and key."""
    if len(rows) < 2:
        return []
    if kind == DOCUMENT:
        return _document_group(spec, rows)
    if kind == NAME:
        return list(_probable(spec, rows))
    if kind == NUMBER:
        return _number_group(spec, rows)
    raise ValueError(f"unknown fact kind {kind!r}")


def _document_group(spec: RecordsSpec, rows: Sequence[Sequence[Any]]) -> list[Finding]:
    out: list[Finding] = []
    distinct = {r[0]: r for r in rows}
    live = {rid: r for rid, r in distinct.items() if r[1] in spec.live_statuses}
    if len(live) >= 2:
        finding = _finding(
            spec,
            "O01.duplicate_registry",
            list(live.values()),
            f"{len(live)}个在籍学籍登记了同一身份证件号",
            f"{len(live)} live registries carry the same identity document number",
            {"matched_on": "document_number", "document_namespace": rows[0][4]},
        )
        if finding is not None:
            out.append(finding)
    formal = {rid: r for rid, r in distinct.items() if not r[5]}
    if len(formal) < 2 or (len(live) >= 2 and formal.keys() <= live.keys()):
        return out  # one number, or numbers that are all live registries: O01 says it
    kinds = {bool(r[6]) for r in formal.values()}
    if kinds == {True, False}:
        check_id = "O07.preschool_number_not_continued"
        zh = "幼儿园的正式学籍号在小学阶段没有接续使用，学生另有一个正式学籍号"
        en = "the kindergarten's formal number was not continued: the pupil holds another formal number"
    else:
        check_id = "O07.number_changed"
        zh = f"同一身份证件号的学生持有{len(formal)}个不同的正式学籍号"
        en = f"one student (same document number) holds {len(formal)} different formal numbers"
    finding = _finding(spec, check_id, list(formal.values()), zh, en, {"numbers": len(formal)})
    if finding is not None:
        out.append(finding)
    return out


def _probable(spec: RecordsSpec, rows: Sequence[Sequence[Any]]) -> Iterator[Finding]:
    """Connected groups of records that share name, birth date and a guardian.

    Two records with different document numbers are different people; two with the same number
    are reported as certain duplicates.
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
    components: dict[int, list[Sequence[Any]]] = {}
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


def _people(rows: Sequence[Sequence[Any]]) -> int:
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


def _number_group(spec: RecordsSpec, rows: Sequence[Sequence[Any]]) -> list[Finding]:
    people = _people(rows)
    if people < 2:
        return []
    finding = _finding(
        spec,
        "O07.number_reused",
        [r[:4] for r in rows],
        f"同一学籍号登记在{people}个不同学生名下",
        f"one registry number is recorded for {people} different students",
        {"people": people},
    )
    return [finding] if finding is not None else []


def _run(
    records: Iterable[Mapping[str, Any]],
    spec: RecordsSpec,
    kinds: frozenset[str],
    workdir: str | os.PathLike[str],
    partitions: int,
) -> Iterator[Finding]:
    digest = IdentityHasher()
    found: list[Finding] = []
    with Spill(workdir, "registry", partitions=partitions) as spill:
        for record in records:
            for kind, key, row in registry_facts(record, spec, digest):
                if kind in kinds:
                    spill.add(f"{kind}\x1f{key}", row)
        for group, rows in spill.groups():
            found += registry_findings(group.split("\x1f", 1)[0], rows, spec)
    # the document group holds both O01 and O07: each finder keeps its own
    wanted = "O07." if NUMBER in kinds else "O01."
    yield from sorted((f for f in found if f.check.startswith(wanted)), key=Finding.sort_key)


def find_duplicate_registries(
    records: Iterable[Mapping[str, Any]],
    spec: RecordsSpec,
    *,
    workdir: str | os.PathLike[str],
    partitions: int = 256,
) -> Iterator[Finding]:
    """O01 findings over ``records`` (any iterable, read once) with bounded memory.

    ``workdir`` holds the spill files while the call runs (they are removed afterwards);
    ``partitions`` sets how many: memory holds about ``len(records) / partitions`` rows plus
    the findings, which come sorted.
    """
    yield from _run(records, spec, frozenset({DOCUMENT, NAME}), workdir, partitions)


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
    yield from _run(records, spec, frozenset({DOCUMENT, NUMBER}), workdir, partitions)
