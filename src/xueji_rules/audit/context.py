"""What every worker needs to audit records: the engines of a pack chain and the audit settings.

:class:`AuditSpec` is a small picklable value (a pack reference, the as-of date, settings); each
worker process, and each Spark executor, turns it into an :class:`AuditContext` once through
:func:`context_for`, which caches it per process. The context holds one
:class:`~xueji_rules.engine.Engine` per pack of the chain (``shanxi`` → ``shanxi``, ``national``),
so an event dated before Shanxi's rules took effect is decided under the national rules alone.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from xueji_rules.audit._convert import (
    EngineInputs,
    bundle_model,
    engine_inputs,
    typed_bundle_schema,
)
from xueji_rules.engine import Engine
from xueji_rules.engine._inputs import InputModel
from xueji_rules.engine._typed import TypedDecoder, typed_decoder
from xueji_rules.errors import InputError, Location
from xueji_rules.packs.model import Pack
from xueji_rules.records.masking import Masker
from xueji_rules.records.registry import IdentityHasher
from xueji_rules.records.spec import RecordsSpec

__all__ = ["CHECK_GROUPS", "AuditContext", "AuditSpec", "context_for", "request_day", "spec_from"]


CHECK_GROUPS = frozenset({"form"})


def _new_key() -> bytes:
    return secrets.token_bytes(32)


@dataclass(frozen=True, slots=True)
class AuditSpec:
    """How to audit: the pack (bundled name or directory), the as-of date and settings.

    ``dropout_report_days``: calendar days after a compulsory-stage student stopped attending by
    which the school must have started dropout follow-up (the texts say "及时"; docs/decisions.md
    D-226). ``checks``: optional check groups — ``"form"`` runs the whole collection-form check
    of :func:`xueji_rules.records.validate_record` on every record (slower; docs/audit.md).
    ``reveal_personal_data``: findings show 学籍号s and personal values in clear (masked by
    default, docs/privacy.md). ``identity_key``: the key of the identity hashes that group one
    person's records; random per spec, so every worker or executor that receives this spec hashes
    alike and nobody else can.
    """

    pack: str
    as_of: dt.date
    calendar_files: tuple[str, ...] = ()
    dropout_report_days: int = 30
    checks: frozenset[str] = frozenset()
    reveal_personal_data: bool = False
    identity_key: bytes = field(default_factory=_new_key, repr=False)


_ENGINES: dict[tuple[str, tuple[str, ...]], tuple[Engine, ...]] = {}


def _engines(pack: str, calendar_files: tuple[str, ...]) -> tuple[Engine, ...]:
    """The engines of a pack chain (most specific first), built once per process."""
    key = (pack, calendar_files)
    engines = _ENGINES.get(key)
    if engines is None:
        top = Engine(pack, calendar_files=calendar_files)
        chain = [
            top,
            *(Engine(root, calendar_files=calendar_files) for root in top.pack.base_roots),
        ]
        if len(_ENGINES) >= 4:
            _ENGINES.clear()
        engines = _ENGINES[key] = tuple(chain)
    return engines


class AuditContext:
    """The per-process state of an audit: engines per pack of the chain, converters, settings."""

    def __init__(self, spec: AuditSpec) -> None:
        unknown = spec.checks - CHECK_GROUPS
        if unknown:
            raise InputError(
                f"--checks: unknown check group(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(CHECK_GROUPS))})",
                Location(),
            )
        self.spec = spec
        self.as_of = spec.as_of
        engines = _engines(spec.pack, spec.calendar_files)
        self.engines: tuple[Engine, ...] = engines
        self._engine_on: dict[dt.date, Engine | None] = {}
        self.top = top = engines[0]
        # per pack: transition -> the bodies its approval rules name (a grant by any other body
        # is a grant by the wrong body)
        self.transition_bodies: dict[str, dict[str, frozenset[str]]] = {}
        for e in engines:
            named: dict[str, set[str]] = {}
            for rule in e.pack.rules:
                if rule.approval is not None:
                    for transition in rule.transitions:
                        named.setdefault(transition, set()).add(rule.approval.body)
            self.transition_bodies[e.pack.id] = {t: frozenset(b) for t, b in named.items()}
        self.compulsory = frozenset(
            s.id for s in top.pack.lifecycle.stages.values() if s.compulsory
        )
        self.bundles: InputModel = bundle_model(top.pack.inputs)
        #: bundle lines decoded, checked and converted in one native call (the ``[fast]``
        #: extra; D-353), history start records and requests as the top engine converts them
        #: (D-355), or None: then they are parsed and converted by ``bundles``. Not with
        #: ``--checks form``, whose check reads the record as parsed, before conversion.
        self.typed_bundles: TypedDecoder | None = (
            typed_decoder(typed_bundle_schema(top.pack.inputs), "bundle.schema.json")
            if "form" not in spec.checks
            else None
        )
        # per pack of the chain: its engine's converters (the replay converts a record once)
        self.inputs: dict[str, EngineInputs] = {
            e.pack.id: engine_inputs(e.pack.inputs) for e in engines
        }
        #: the converters of the top engine: what the typed decoder's start and requests match
        self.top_inputs: EngineInputs = self.inputs[top.pack.id]
        current = self.engine_on(spec.as_of)
        if current is None:  # no law to audit against: never a silent fallback (DESIGN 4)
            spans = "; ".join(
                f"{e.pack.id} from {e.pack.valid_from}"
                + (f" to {e.pack.valid_until}" if e.pack.valid_until else "")
                for e in reversed(engines)
            )
            raise InputError(
                f"no pack of the chain is in force on {spec.as_of} ({spans})",
                Location(path="as_of"),
            )
        #: the pack in force on the as-of date (``pack_on(as_of)``; every record's checks ask)
        self.as_of_pack: Pack = current.pack
        # the school calendar of the audited pack gives the terms (facts about schools, not law)
        self.school = top.time.school
        # the records data (checks, live statuses, privacy) of the pack in force on the as-of date
        self.records: RecordsSpec = current.records
        self.hasher = IdentityHasher(spec.identity_key)
        self.masker = Masker(top.records)
        self.reveal = spec.reveal_personal_data

    def engine_on(self, day: dt.date) -> Engine | None:
        """The most specific engine of the chain whose pack is in force on ``day``."""
        try:
            return self._engine_on[day]  # events fall on a few days: remembered (bounded)
        except KeyError:
            pass
        found = None
        for engine in self.engines:
            pack = engine.pack
            if day >= pack.valid_from and (pack.valid_until is None or day <= pack.valid_until):
                found = engine
                break
        if len(self._engine_on) >= 4096:
            self._engine_on.clear()
        self._engine_on[day] = found
        return found

    def pack_on(self, day: dt.date) -> Pack | None:
        """The pack in force on ``day`` (see :meth:`engine_on`)."""
        engine = self.engine_on(day)
        return engine.pack if engine is not None else None

    def records_on(self, day: dt.date) -> RecordsSpec | None:
        """The records data of the pack in force on ``day`` (see :meth:`engine_on`)."""
        engine = self.engine_on(day)
        return engine.records if engine is not None else None

    def param(self, day: dt.date, name: str) -> Any:
        """Parameter ``name`` as in force on ``day`` (``None`` when no pack or value covers it)."""
        pack = self.pack_on(day)
        if pack is None or name not in pack.parameters:
            return None
        value = pack.parameters[name].value_on(day)
        return None if value is None else value.value


_CACHE: dict[AuditSpec, AuditContext] = {}


def context_for(spec: AuditSpec) -> AuditContext:
    """The context for ``spec``, built once per process (workers and Spark executors reuse it)."""
    context = _CACHE.get(spec)
    if context is None:
        if len(_CACHE) >= 4:
            _CACHE.clear()
        context = _CACHE[spec] = AuditContext(spec)
    return context


def parse_as_of(text: str) -> dt.date:
    """An ``--as-of`` value (``yyyy-mm-dd``), or :class:`InputError`."""
    try:
        if len(text) == 10 and text[4] == text[7] == "-":  # not the other forms Python reads
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError(f"--as-of: {text!r} is not a date (yyyy-mm-dd)", Location())


def request_day(request: Any) -> dt.date | None:
    """The date of a history event's request (converted or ISO text), or ``None`` if malformed."""
    day = request.get("date") if isinstance(request, dict) else None
    if day.__class__ is str:  # the usual case: events fall on a few days, remembered
        found = _DAYS.get(day)
        if found is not None:
            return found
    if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        return day
    if isinstance(day, str) and len(day) == 10:
        try:
            found = dt.date.fromisoformat(day)
        except ValueError:
            return None
        if day.__class__ is str:
            if len(_DAYS) >= 4096:
                _DAYS.clear()
            _DAYS[day] = found
        return found
    return None


# request date text -> date (only valid dates are kept); bounded
_DAYS: dict[str, dt.date] = {}


def spec_from(pack: str | os.PathLike[str], as_of: dt.date | str, **settings: Any) -> AuditSpec:
    """An :class:`AuditSpec` from a pack reference and date (a path is made absolute)."""
    ref = os.fspath(pack)
    if os.sep in ref or ref.startswith((".", "~")):
        ref = os.path.abspath(os.path.expanduser(ref))
    if isinstance(as_of, str):
        day = parse_as_of(as_of)
    elif isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
        day = as_of
    else:  # a datetime would not compare with the snapshot's dates
        raise InputError(
            f"as_of must be a date or yyyy-mm-dd text, not {type(as_of).__name__}", Location()
        )
    if "checks" in settings:
        settings["checks"] = frozenset(settings["checks"])
    return AuditSpec(pack=ref, as_of=day, **settings)
