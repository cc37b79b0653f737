"""Masking personal data in traces, error messages, logs and findings (privacy by default).

Which fields are personal is pack data (``records/privacy.yaml``: ``personal_fields`` of the
record, ``request_fields`` of a request); how a value of each kind is masked is fixed here
(docs/privacy.md "Masks"). The 学籍号 (``record.id``) is always treated as personal: the usual
scheme builds it from the citizen number (D-205). Everything that shows record or request data
to a person goes through a :class:`Masker` unless the caller asks to reveal
(``explain(..., reveal=True)``, ``--reveal-personal-data``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from xueji_rules.errors import Problem, XuejiRulesError
from xueji_rules.findings import Finding
from xueji_rules.packs.model import Pack, Text
from xueji_rules.records import _paths
from xueji_rules.records.spec import PersonalField, RecordsSpec, RequestField

__all__ = ["Masker", "mask"]

_REGISTRY_NUMBER = PersonalField(
    "id", "registry_number", "pseudonymize", Text("学籍号", "registry number")
)


def mask(kind: str, value: Any) -> str:
    """The masked form of a personal ``value`` of ``kind`` (never the value itself).

    name → first character and one ``*`` per other character (``张**``); document and registry
    numbers → first 3 and last 2 characters kept for 10 or more characters, first and last for
    5–9, nothing below; phones → first 3 and last 2 of 7 or more; birth dates → the year
    (``2015-**-**``); addresses and free text → ``***``.
    """
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    n = len(text)
    if kind == "name":
        return "*" if n <= 1 else text[0] + "*" * (n - 1)
    if kind in ("document_number", "registry_number"):
        if n >= 10:
            return text[:3] + "*" * (n - 5) + text[-2:]
        if n >= 5:
            return text[0] + "*" * (n - 2) + text[-1]
        return "*" * n
    if kind == "phone":
        return text[:3] + "*" * (n - 5) + text[-2:] if n >= 7 else "*" * n
    if kind == "birth_date":
        return text[:4] + "-**-**" if n >= 4 and text[:4].isdigit() else "****-**-**"
    return "***"


class Masker:
    """Masks a pack's personal fields; build it with :meth:`for_pack` or from a spec.

    ``Masker()`` without a spec masks only the 学籍号, for traces made without a pack.
    ``fields`` are the record's personal fields, ``request_fields`` the request's.
    """

    def __init__(self, spec: RecordsSpec | None = None) -> None:
        fields = list(spec.personal_fields) if spec is not None else []
        if not any(f.path == "id" for f in fields):
            fields.insert(0, _REGISTRY_NUMBER)
        self.fields: tuple[PersonalField, ...] = tuple(fields)
        self.request_fields: tuple[RequestField, ...] = (
            spec.personal_request_fields if spec is not None else ()
        )
        # a value of the wrong shape is masked whole, as free text
        self._whole = _whole_of(self.fields)
        self._request_whole = _whole_of(self.request_fields)

    @classmethod
    def for_pack(cls, pack: Pack | None) -> Masker:
        """The masker of ``pack``'s privacy data (or the default one when ``pack`` is None)."""
        if pack is None:
            return cls()
        from xueji_rules.records._build import records_spec

        return cls(records_spec(pack))

    def field_of(self, path: str) -> PersonalField | None:
        """The personal field declaration that names the concrete ``path``, if any."""
        for f in self.fields:
            if f.path == path or _paths.matches(f.path, path):
                return f
        return None

    def is_personal(self, path: str) -> bool:
        """Whether the value at concrete ``path`` is personal data."""
        return self.field_of(path) is not None

    def is_personal_request(self, path: str) -> bool:
        """Whether the request value at concrete ``path`` (``exceptions[0].reference``) is
        personal data."""
        return any(f.path == path or _paths.matches(f.path, path) for f in self.request_fields)

    def mask_id(self, record_id: str) -> str:
        """The masked 学籍号 (the record id) as traces and reports show it."""
        f = self.field_of("id") or _REGISTRY_NUMBER
        return mask(f.kind, record_id)

    def personal_values(self, record: Any) -> list[tuple[PersonalField, str]]:
        """Every personal value of ``record`` as text (with its field), longest first."""
        found = _values_of(record, self.fields, self._whole)
        found.sort(key=lambda item: -len(item[1]))
        return found

    def request_values(self, request: Any) -> list[tuple[RequestField, str]]:
        """Every personal value of ``request`` as text (with its field), longest first."""
        found = _values_of(request, self.request_fields, self._request_whole)
        found.sort(key=lambda item: -len(item[1]))
        return found

    def mask_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``record`` with every personal value masked (for logs and debugging)."""
        return _masked_copy(record, self.fields)

    def mask_request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``request`` with every personal value masked (for logs and debugging)."""
        return _masked_copy(request, self.request_fields)

    def _values(self, records: Iterable[Any], requests: Iterable[Any]) -> list[tuple[str, str]]:
        values: list[tuple[str, str]] = [
            (f.kind, text) for r in records for f, text in self.personal_values(r)
        ]
        values += [(f.kind, text) for q in requests for f, text in self.request_values(q)]
        values.sort(key=lambda item: -len(item[1]))
        return values

    def scrub(self, obj: Any, records: Iterable[Any], requests: Iterable[Any] = ()) -> Any:
        """``obj`` (text, or JSON-like data) with every personal value of ``records`` (and of
        ``requests``) masked.

        Used for error messages and evidence: any string that contains a personal value of the
        given records or requests (also in its ``repr`` form) has that value replaced by its
        mask.
        """
        values = self._values(records, requests)
        if not values:
            return obj
        return _scrub(obj, values)

    def scrub_error(
        self, exc: XuejiRulesError, record: Any, request: Any = None
    ) -> XuejiRulesError:
        """``exc`` with personal values of ``record`` (and ``request``) masked in its message
        and problems.

        Returns ``exc`` itself when nothing needed masking; otherwise an error of the same class
        (input and evaluation errors) with the same locations.
        """
        values = self._values([record], [request] if request is not None else [])
        if not values:
            return exc
        message = _scrub(exc.message, values)
        problems = tuple(
            Problem(_scrub(p.message, values), p.location, p.code, p.known) for p in exc.problems
        )
        if message == exc.message and all(
            a.message == b.message for a, b in zip(problems, exc.problems, strict=True)
        ):
            return exc
        listed = problems if len(problems) > 1 else None
        if type(exc).__init__ is XuejiRulesError.__init__:
            return type(exc)(message, exc.location, listed, known=exc.known)
        clone = copy.copy(exc)  # an error with its own constructor (e.g. CalendarUnavailable)
        clone.message = message
        clone._listed = listed or ()
        Exception.__init__(clone, str(clone))
        return clone

    def record_values(self, records: Iterable[Any]) -> list[tuple[str, str]]:
        """``(kind, text)`` of every personal value of ``records``, longest first: what
        :meth:`mask_finding` scrubs, for a caller that masks several findings of one record."""
        return self._values(records, ())

    def mask_finding(
        self,
        finding: Finding,
        records: Iterable[Any] = (),
        *,
        values: list[tuple[str, str]] | None = None,
    ) -> Finding:
        """A finding fit to leave the registry: record ids masked, evidence and message scrubbed.

        ``values`` (from :meth:`record_values`) stand for ``records`` when given.
        """
        if values is None:
            values = self._values(records, ())
        shown = _with_shown(values)

        def scrub(obj: Any) -> Any:
            return _scrub_shown(obj, shown) if shown else obj

        message = Text(
            scrub(finding.message.zh),
            scrub(finding.message.en) if finding.message.en else None,
        )
        return dataclasses.replace(
            finding,
            records=tuple(self.mask_id(r) for r in finding.records),
            message=message,
            evidence=scrub(dict(finding.evidence)),
        )


_Field = PersonalField | RequestField


def _whole_of(fields: Iterable[_Field]) -> dict[str, Any]:
    """Each field's path -> the field masked as free text (for values of the wrong shape)."""
    return {f.path: dataclasses.replace(f, kind="free_text") for f in fields}


def _values_of(
    data: Any, fields: Iterable[_Field], whole_of: Mapping[str, Any]
) -> list[tuple[Any, str]]:
    """``(field, text)`` for every scalar under each field's path in ``data``."""
    found: list[tuple[Any, str]] = []
    for f in fields:
        values, misfits = _paths.values_and_misfits(data, f.path)
        for value in values:
            found += [(f, text) for text in _leaves(value) if text]
        # a value of the wrong shape on the way (a mapping where a list belongs) may hide
        # personal data anywhere inside it: all of it is treated as personal
        if misfits:
            whole = whole_of[f.path]
            for value in misfits:
                found += [(whole, text) for text in _leaves(value) if len(text) > 1]
    return found


def _masked_copy(data: Mapping[str, Any], fields: Iterable[_Field]) -> dict[str, Any]:
    """A copy of ``data`` with the value under each field's path masked (a list or mapping
    found there is masked whole, as free text)."""
    out: Any = _copy(data)
    for f in fields:
        for path, value in list(_paths.iter_values(out, f.path)):
            if value is None or isinstance(value, bool):
                continue
            shown = mask("free_text", value) if isinstance(value, Mapping | list) else None
            _assign(out, path, shown if shown is not None else mask(f.kind, value))
    result: dict[str, Any] = out
    return result


def _leaves(value: Any, depth: int = 0) -> list[str]:
    """The text of every scalar in ``value`` (a malformed field may hold a list or mapping)."""
    if isinstance(value, bool) or value is None or depth > 20:
        return []
    if isinstance(value, dt.date):
        return [value.isoformat()]
    if isinstance(value, str | int | float):
        return [str(value)]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _leaves(v, depth + 1)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _leaves(v, depth + 1)]
    return []


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def _assign(record: Any, path: str, value: Any) -> None:
    segments = _paths.parse(path)
    node = record
    for key, index, is_array in segments[:-1]:
        node = node[key]
        if is_array:
            node = node[index]
    key, index, is_array = segments[-1]
    if is_array:
        node[key][index] = value
    else:
        node[key] = value


def _scrub_cut(message: str, text: str, masked: str) -> str:
    """Mask a value that an error message shows cut short (its excerpt ends in "…")."""
    for length in range(len(text) - 1, 3, -1):
        head = text[:length]
        for cut in (head + "…", head + "'…"):
            if cut in message:
                message = message.replace(cut, masked + "…")
    return message


def _scrub(obj: Any, values: list[tuple[str, str]]) -> Any:
    """``obj`` with each ``(kind, text)`` value replaced by its mask wherever it appears."""
    return _scrub_shown(obj, _with_shown(values))


def _with_shown(values: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """``(kind, text, text as repr shows it)``: worked out once per value, not per string."""
    return [(kind, text, repr(text)[1:-1]) for kind, text in values]


def _scrub_shown(obj: Any, values: list[tuple[str, str, str]]) -> Any:
    if isinstance(obj, str):
        for kind, text, shown in values:
            if text in obj:
                obj = obj.replace(text, mask(kind, text))
            if shown != text and shown in obj:
                obj = obj.replace(shown, mask(kind, text))
            if "…" in obj:
                obj = _scrub_cut(obj, text, mask(kind, text))
        return obj
    if isinstance(obj, Mapping):
        return {k: _scrub_shown(v, values) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_scrub_shown(v, values) for v in obj]
    return obj
