"""The engine: decide a request against a record under an effective pack."""

from __future__ import annotations

import bisect
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from xueji_rules.engine._compile import CompiledObligation, CompiledPack, CompiledRule, compile_pack
from xueji_rules.engine._inputs import input_model
from xueji_rules.engine._plan import _approved, build_plans
from xueji_rules.engine._time import TimeService
from xueji_rules.engine.decision import (
    ApprovalNeeded,
    Decision,
    MissingDocument,
    Obligation,
    Outcome,
    RuleResult,
)
from xueji_rules.errors import (
    CalendarUnavailable,
    EvaluationError,
    InputError,
    Location,
    OutsideValidity,
    XuejiRulesError,
)
from xueji_rules.packs.loader import load_pack
from xueji_rules.packs.model import Pack, Text
from xueji_rules.records._build import records_spec
from xueji_rules.records.masking import Masker
from xueji_rules.records.spec import RecordsSpec
from xueji_rules.records.validate import RecordValidation, validate_record

__all__ = ["Engine"]

_DENIED = ("denied", "denied_by_default")


def _runtime_value(kind: str, value: Any) -> Any:
    """A parameter value as expressions see it: dates as ``date``, doubles as ``float``."""
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "double":
        return float(value)
    return value


class _ParamTimeline:
    """Parameter values as of a date: one dict per period between value changes."""

    def __init__(self, pack: Pack) -> None:
        starts = sorted({v.since for p in pack.parameters.values() for v in p.values})
        self._starts = starts
        self._tables: list[dict[str, Any]] = []
        for start in starts:
            table: dict[str, Any] = {}
            for pid, param in pack.parameters.items():
                value = param.value_on(start)
                if value is not None:
                    table[pid] = _runtime_value(param.type, value.value)
            self._tables.append(table)

    def on(self, day: dt.date) -> dict[str, Any]:
        index = bisect.bisect_right(self._starts, day) - 1
        return self._tables[index] if index >= 0 else {}


class Engine:
    """Decides requests against records under one effective pack.

    Build it from a bundled pack name (``Engine("shanxi")``), a pack directory, or a loaded
    :class:`~xueji_rules.packs.model.Pack`. Loading reads and validates every file, resolves
    ``extends``, and type-checks and compiles every expression; any problem raises
    :class:`~xueji_rules.errors.PackError` listing all of them. The engine is immutable after
    construction and safe to share between threads.

    ``calendar_files`` adds holiday years the ``chinese-calendar`` package does not cover yet.
    With ``strict_calendar=True`` a due date that cannot be computed raises
    :class:`~xueji_rules.errors.CalendarUnavailable` instead of being reported on the obligation.

    Errors raised while deciding mask the record's personal data (the pack's
    ``records/privacy.yaml``, docs/privacy.md) unless ``reveal_personal_data=True``.
    """

    def __init__(
        self,
        pack: str | os.PathLike[str] | Pack,
        *,
        calendar_files: Iterable[str | os.PathLike[str]] = (),
        strict_calendar: bool = False,
        reveal_personal_data: bool = False,
    ) -> None:
        self.pack: Pack = pack if isinstance(pack, Pack) else load_pack(pack)
        self.records: RecordsSpec = records_spec(self.pack)  # records data, checked at load
        self._masker = Masker(self.records)
        self._reveal = reveal_personal_data
        self.time = TimeService.for_pack(
            self.pack, extra_files=[os.fspath(f) for f in calendar_files]
        )
        self._compiled: CompiledPack = compile_pack(
            self.pack, self.time.functions(), self.time.settings()
        )
        self._params = _ParamTimeline(self.pack)
        self._strict_calendar = strict_calendar
        self._plans = build_plans(self._compiled.rules_by_key)
        self._use_plans = True  # tests switch to the reference loop to compare the two
        self._records = input_model("record")
        self._requests = input_model("request")

    def __repr__(self) -> str:
        return (
            f"Engine({self.pack.id!r}, version={self.pack.version!r}, rules={len(self.pack.rules)})"
        )

    # -- inputs -------------------------------------------------------------------------------

    def _check_inputs(
        self, record: Mapping[str, Any], request: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        rec = self._records.convert(record)
        req = self._requests.convert(request)
        lifecycle = self.pack.lifecycle
        if rec["status"] not in lifecycle.statuses:
            known = ", ".join(sorted(lifecycle.statuses))
            raise InputError(
                f"record.status: unknown status {rec['status']!r} (known: {known})",
                Location(path="record.status"),
            )
        if rec["stage"] not in lifecycle.stages:
            raise InputError(
                f"record.stage: stage {rec['stage']!r} is not covered by pack '{self.pack.id}'",
                Location(path="record.stage"),
            )
        day: dt.date = req["date"]
        pack = self.pack
        if day < pack.valid_from or (pack.valid_until is not None and day > pack.valid_until):
            until = pack.valid_until.isoformat() if pack.valid_until else "open-ended"
            raise OutsideValidity(
                f"request.date {day.isoformat()} is outside pack '{pack.id}', which covers "
                f"{pack.valid_from.isoformat()} to {until}",
                Location(path="request.date"),
            )
        return rec, req

    # -- deciding -----------------------------------------------------------------------------

    def decide(self, record: Mapping[str, Any], request: Mapping[str, Any]) -> Decision:
        """Decide ``request`` against ``record`` as of the request's date.

        Records and requests are JSON-like mappings (dates as ``yyyy-mm-dd`` strings or
        ``datetime.date``) valid against ``schemas/record.schema.json`` and
        ``schemas/request.schema.json``; a bad one raises :class:`~xueji_rules.errors.InputError`
        naming each field.
        """
        try:
            rec, req = self._check_inputs(record, request)
            params = self._params.on(req["date"])
            return self._decide(rec, req, params)
        except (InputError, EvaluationError) as exc:
            if self._reveal:
                raise
            raise self._masker.scrub_error(exc, record) from None

    def validate_record(
        self, record: Mapping[str, Any], *, as_of: dt.date | None = None
    ) -> RecordValidation:
        """Check ``record`` as a registry system does on save; every problem at once.

        Delegates to :func:`xueji_rules.records.validate.validate_record` with this pack's
        collection form, code lists, identity and 学籍号 rules (docs/records.md). ``as_of``
        (default: today) bounds dates. Findings name each field by its Chinese label and path
        and never carry personal values.
        """
        try:
            self._records.convert(record)  # the compiled schema check; jsonschema words failures
            valid_shape = True
        except InputError:
            valid_shape = False
        return validate_record(record, self.records, as_of=as_of, check_schema=not valid_shape)

    def decide_many(
        self, pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]
    ) -> Iterator[Decision | XuejiRulesError]:
        """Decide many (record, request) pairs; a bad pair yields its error instead of stopping."""
        for record, request in pairs:
            try:
                yield self.decide(record, request)
            except XuejiRulesError as exc:
                yield exc

    def audit(
        self,
        snapshot: str | os.PathLike[str],
        *,
        as_of: dt.date | str,
        out: Any = None,
        jobs: int = 1,
        calendar_files: Iterable[str] = (),
    ) -> Any:
        """Audit a registry snapshot under this engine's pack (see :mod:`xueji_rules.audit`).

        Findings go to ``out`` (a path or text stream) as JSONL, or, without ``out``, into the
        returned :class:`~xueji_rules.audit.AuditResult`. Workers load the pack from its directory.
        """
        from xueji_rules.audit import audit_snapshot

        return audit_snapshot(
            snapshot, pack=self.pack.root, as_of=as_of, out=out, jobs=jobs,
            calendar_files=tuple(calendar_files),
        )  # fmt: skip

    def _decide(self, rec: dict[str, Any], req: dict[str, Any], params: dict[str, Any]) -> Decision:
        transition_id: str = req["transition"]
        stage: str = rec["stage"]
        status: str = rec["status"]
        day: dt.date = req["date"]
        base = {
            "transition": transition_id,
            "from_status": status,
            "from_stage": stage,
            "as_of": day,
            "pack": self.pack.id,
            "pack_version": self.pack.version,
            "record_id": rec["id"],
        }
        edge = None
        chosen = None
        for candidate in self._compiled.edges.get(transition_id, ()):
            e = candidate.edge
            if status not in e.from_statuses or (e.stages is not None and stage not in e.stages):
                continue
            if candidate.when is None or self._eval(
                candidate.when, rec, req, params, f"transition '{transition_id}'"
            ):
                edge, chosen = e, candidate
                break
        if edge is None:
            allowed = self.pack.lifecycle.allowed_from(stage, status)
            if transition_id not in self.pack.lifecycle.transitions:
                why = f"生命周期中没有名为 {transition_id!r} 的学籍业务。"
            else:
                label = self.pack.lifecycle.statuses[status].label
                why = f"{self.pack.lifecycle.stages[stage].label}学生在“{label}”状态下不能办理该业务。"
            return Decision(
                outcome="denied",
                next_status=status,
                next_stage=stage,
                allowed_transitions=allowed,
                reason=Text(why),
                **base,
            )

        results: list[RuleResult] = []
        approvals: list[ApprovalNeeded] = []
        missing: list[MissingDocument] = []
        applied: list[CompiledRule] = []
        documents = set(req.get("documents", ()))
        # an approval counts for a rule when its body matches and its kind (if given) does too
        granted: dict[str, set[str | None]] = {}
        for a in req.get("approvals", ()):
            if a.get("granted", True):
                granted.setdefault(a["body"], set()).add(a.get("kind"))
        # an exception counts only when granted by the rule's own exception route
        exceptions = {(x["rule"], x["granted_by"]) for x in req.get("exceptions", ())}
        plan = self._plans.get((transition_id, stage)) if self._use_plans else None
        worst = 0  # index into _SEVERITY
        if plan is not None:
            try:
                args = (documents, results, approvals, missing, applied)
                worst = plan(rec, req, params, day, exceptions, granted, *args)
            except EvaluationError:
                # rerun the reference loop below: it names the rule whose expression failed
                results, approvals, missing, applied = [], [], [], []
                plan = None
        if plan is None:
            worst = self._evaluate_rules(
                (transition_id, stage), rec, req, params, day, exceptions, granted, documents,
                results, approvals, missing, applied,
            )  # fmt: skip
        outcome: Outcome = _SEVERITY[worst]
        next_stage = stage
        if outcome == "allowed":
            next_status = edge.to
            if chosen is not None and chosen.to_stage is not None:
                next_stage = self._next_stage(chosen.to_stage, rec, req, params, transition_id)
        elif outcome == "needs_approval" and edge.pending:
            next_status = edge.pending
        else:
            next_status = status
        obligations: tuple[Obligation, ...] = ()
        if outcome not in _DENIED:
            obligations = tuple(self._obligations(applied, rec, req, params))
        if len(approvals) > 1:
            approvals.sort(key=lambda a: (a.body, a.rule))
        if len(missing) > 1:
            missing.sort(key=lambda d: (d.id, d.rule))
        return Decision(
            outcome=outcome,
            next_status=next_status,
            next_stage=next_stage,
            rules=tuple(results),
            approvals=tuple(approvals),
            missing_documents=tuple(missing),
            obligations=obligations,
            **base,
        )

    def _evaluate_rules(
        self,
        key: tuple[str, str],
        rec: dict[str, Any],
        req: dict[str, Any],
        params: dict[str, Any],
        day: dt.date,
        exceptions: set[tuple[str, str]],
        granted: dict[str, set[str | None]],
        documents: set[str],
        results: list[RuleResult],
        approvals: list[ApprovalNeeded],
        missing: list[MissingDocument],
        applied: list[CompiledRule],
    ) -> int:
        """The reference rule loop; returns the worst severity index and fills the lists.

        ``_plan`` generates the same evaluation as straight-line code per key; this loop is
        what it must agree with, and what runs when an expression raises (it names the rule).
        """
        worst = 0
        item: CompiledRule | None = None
        try:
            for item in self._compiled.rules_by_key.get(key, ()):
                rule = item.rule
                if (rule.effective_from is not None and day < rule.effective_from) or (
                    rule.effective_until is not None and day > rule.effective_until
                ):
                    continue
                if item.when is not None and not item.when(rec, req, params):
                    continue
                applied.append(item)
                modality = rule.modality
                result = item.passed
                if modality == "mandatory" or modality == "default":
                    for index, check in enumerate(item.checks):
                        if not check.fn(rec, req, params):
                            if modality == "default" and (rule.id, item.route) in exceptions:
                                result = item.granted
                            else:
                                result = item.failed[index]
                                worst = max(worst, 4 if modality == "mandatory" else 3)
                            break
                elif modality == "documents":
                    for accepted, doc in item.missing:
                        if documents.isdisjoint(accepted):
                            missing.append(doc)
                            result = item.failed[0]
                    if result is not item.passed:
                        worst = max(worst, 2)
                elif item.approval is not None and not _approved(item.approval, granted):
                    approvals.append(item.approval)
                    result = item.failed[0]
                    worst = max(worst, 1)
                results.append(result)
        except EvaluationError as exc:
            if isinstance(exc, CalendarUnavailable) or item is None:
                raise
            raise EvaluationError(
                f"while evaluating rule '{item.rule.id}': {exc.message}", item.rule.location
            ) from None
        return worst

    def _next_stage(self, fn: Any, rec: Any, req: Any, params: Any, transition_id: str) -> str:
        value = self._eval(fn, rec, req, params, f"transition '{transition_id}' to_stage")
        if value not in self.pack.lifecycle.stages:
            known = ", ".join(sorted(self.pack.lifecycle.stages))
            raise InputError(
                f"transition '{transition_id}' moves the record to unknown stage {value!r} (known: {known})",
                Location(path="request.to_stage"),
            )
        return str(value)

    def _obligations(
        self,
        applied: list[CompiledRule],
        rec: dict[str, Any],
        req: dict[str, Any],
        params: dict[str, Any],
    ) -> Iterator[Obligation]:
        for item in applied:
            for ob in item.obligations:
                spec = ob.spec
                where = f"{item.rule.id} obligation '{spec.id}'"
                if ob.when is not None and not self._eval(ob.when, rec, req, params, where):
                    continue
                if ob.fixed is not None:
                    yield ob.fixed
                    continue
                assert ob.trigger is not None and spec.clock is not None
                try:
                    trigger: dt.date = self._eval(ob.trigger, rec, req, params, where)
                    amount: int = (
                        ob.amount
                        if isinstance(ob.amount, int)
                        else self._eval(ob.amount, rec, req, params, where)
                    )
                except CalendarUnavailable as exc:
                    # the clock's own start or length needs a year without data (a trigger such
                    # as "the working day before closure"): the duty stands, its date is unknown
                    if self._strict_calendar:
                        raise
                    yield self._unknown_clock(ob, exc)
                    continue
                key = (trigger, amount)
                cached = ob.cache.get(key)
                if cached is None:
                    cached = self._clock(ob, trigger, amount)
                    if len(ob.cache) >= _OBLIGATION_CACHE:
                        ob.cache.clear()
                    ob.cache[key] = cached
                if self._strict_calendar and cached.due_status == "calendar_unavailable":
                    raise CalendarUnavailable(trigger.year, cached.detail)
                yield cached

    @staticmethod
    def _unknown_clock(ob: CompiledObligation, exc: CalendarUnavailable) -> Obligation:
        spec = ob.spec
        amount = ob.amount if isinstance(ob.amount, int) else None
        unit = spec.clock.unit if spec.clock else "days"
        return Obligation(
            spec.id, spec.party, spec.action, spec.citation, ob.rule_id,
            None, "calendar_unavailable", None, amount, unit, str(exc),
        )  # fmt: skip

    def _clock(self, ob: CompiledObligation, trigger: dt.date, amount: int) -> Obligation:
        spec = ob.spec
        unit = spec.clock.unit if spec.clock else "days"
        try:
            due = self.time.due(trigger, amount, unit)
        except CalendarUnavailable as exc:
            return Obligation(
                spec.id, spec.party, spec.action, spec.citation, ob.rule_id,
                None, "calendar_unavailable", trigger, amount, unit, str(exc),
            )  # fmt: skip
        return Obligation(
            spec.id, spec.party, spec.action, spec.citation, ob.rule_id,
            due, "computed", trigger, amount, unit,
        )  # fmt: skip

    def _eval(self, fn: Any, rec: Any, req: Any, params: Any, where: str) -> Any:
        try:
            return fn(rec, req, params)
        except CalendarUnavailable:
            raise
        except EvaluationError as exc:
            rule = self._rule_location(where)
            raise EvaluationError(f"while evaluating {where}: {exc.message}", rule) from None

    def _rule_location(self, where: str) -> Location:
        rule_id = where.split(" ", 1)[0]
        for rule in self.pack.rules:
            if rule.id == rule_id:
                return rule.location
        return Location(rule_id=rule_id)


_OBLIGATION_CACHE = 4096


_SEVERITY: tuple[Outcome, ...] = (
    "allowed",
    "needs_approval",
    "incomplete",
    "denied_by_default",
    "denied",
)
