"""Who a record belongs to, as keys that never reveal the person (one person, one registry).

The audit partitions records by these keys to find two live registries of one person (O01) and
a preschool number not continued in primary school (O07). A key is a truncated SHA-256 of the
normalised identity, so spill files and worker messages carry no name or document number.

``IdentityFinder`` is the interface: :class:`DefaultIdentityFinder` reads the bundle's ``person``
(the identity fields of 附件1); the records package (issue 13) can supply its own finder with the
same method, e.g. one that also reads the collection-form fields of the record itself.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["DOCUMENT", "PROBABLE", "DefaultIdentityFinder", "IdentityFinder"]

DOCUMENT = "document"  # same identity-document type and number: the same person
PROBABLE = "probable"  # no document number; same name, birth date and guardian: probably


class IdentityFinder(Protocol):
    """Gives the identity keys of a converted bundle: ``(kind, key)`` pairs."""

    def keys(self, bundle: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """The bundle's identity keys (empty when the bundle names no person)."""
        ...


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


class DefaultIdentityFinder:
    """Keys from ``bundle.person``: the document number, else name + birth date + guardian."""

    def keys(self, bundle: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """See :class:`IdentityFinder`."""
        person = bundle.get("person")
        if not person:
            return ()
        number = person.get("id_doc_number")
        if number:
            kind = _norm(person.get("id_doc_type", "") or "")
            return ((DOCUMENT, _hash(DOCUMENT, kind, _norm(number))),)
        name, birth, guardian = (
            person.get("name"),
            person.get("birth_date"),
            person.get("guardian_name"),
        )
        if name and birth and guardian:
            return ((PROBABLE, _hash(PROBABLE, _norm(name), str(birth), _norm(guardian))),)
        return ()
