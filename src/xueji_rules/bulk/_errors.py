"""Errors that cross a process boundary, and their JSON form in batch output.

An :class:`~xueji_rules.errors.XuejiRulesError` does not survive ``pickle`` as it is (its
constructor takes structured fields, while ``pickle`` replays only the message), so a worker
sends a :class:`PortableError` — the class name and the instance's fields — and the parent
rebuilds an error of the same class with the same ``message``, ``location`` and ``problems``.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from xueji_rules import errors as _errors_module
from xueji_rules.bulk.problems import error_problem
from xueji_rules.errors import Location, XuejiRulesError

__all__ = ["PortableError", "error_json", "portable", "restore"]


@dataclass(frozen=True, slots=True)
class PortableError:
    """A picklable stand-in for an error raised in another process."""

    type_name: str
    state: tuple[tuple[str, Any], ...]
    text: str


def portable(exc: XuejiRulesError) -> PortableError:
    """The picklable form of ``exc`` (its fields; only its message if a field will not pickle)."""
    state = tuple(sorted(vars(exc).items()))
    try:
        pickle.dumps(state)
    except Exception:  # a subclass holding something unpicklable: keep what a person reads
        state = (("message", exc.message), ("location", exc.location), ("_listed", exc.problems))
    return PortableError(type(exc).__name__, state, str(exc))


def restore(box: PortableError) -> XuejiRulesError:
    """An error of the original class (or :class:`XuejiRulesError`) with the original fields."""
    cls = getattr(_errors_module, box.type_name, None)
    if not (isinstance(cls, type) and issubclass(cls, XuejiRulesError)):
        cls = XuejiRulesError
    exc = cls.__new__(cls)
    exc.__dict__.update(dict(box.state))
    if not hasattr(exc, "message"):
        exc.message = box.text
    if not hasattr(exc, "location"):
        exc.location = Location()
    if not hasattr(exc, "_listed"):
        exc._listed = ()
    if not hasattr(exc, "known"):
        exc.known = ()
    Exception.__init__(exc, box.text)
    return exc


def error_json(exc: XuejiRulesError) -> dict[str, Any]:
    """The ``error`` object of a batch output line: the error's problem object (RFC 9457,
    ``schemas/problem.schema.json``, without ``status``; :mod:`xueji_rules.bulk.problems`)."""
    return error_problem(exc)
