"""The engine: decide a request against a record under an effective pack."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple

from xueji_rules.calendar._grades import SCHOOL_SYSTEMS, grade_range
from xueji_rules.engine._compile import (
    CompiledEdge,
    CompiledObligation,
    CompiledPack,
    CompiledRule,
    compile_pack,
    render,
)
from xueji_rules.engine._inputs import REJECTED, input_model
from xueji_rules.engine._plan import (
    Hooks,
    InputChecks,
    PlanBuilder,
    approval_key,
    document_key,
    granted_set,
    is_approved,
)
from xueji_rules.engine._time import TimeService
from xueji_rules.engine.decision import (
    ApprovalNeeded,
    Decision,
    MissingDocument,
    MissingInput,
    Obligation,
    Outcome,
    RuleResult,
    build_decision,
)
from xueji_rules.errors import (
    CalendarUnavailable,
    EvaluationError,
    InputError,
    Location,
    OutsideValidity,
    PatternError,
    XuejiRulesError,
)
from xueji_rules.packs.loader import load_pack
from xueji_rules.packs.model import NOT_SPECIFIED, Citation, Pack, Text
from xueji_rules.records._build import records_spec
from xueji_rules.records.masking import Masker
from xueji_rules.records.spec import RecordsSpec
from xueji_rules.records.validate import RecordValidation, validate_record

__all__ = ["Engine"]


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Situation(NamedTuple):
    """What the rules of one decision are evaluated against: the converted inputs, the
    parameter table and period in force on the request's date, and what the request brings
    (exceptions granted, approvals by body and by (body, kind), documents). The order is the
    generated plans' parameter order (``_plan``)."""

    rec: dict[str, Any]
    req: dict[str, Any]
    params: dict[str, Any]
    day: dt.date
    period: int
    exceptions: frozenset[tuple[str, str]]
    granted: AbstractSet[str]
    kinded: AbstractSet[tuple[str, str]]
    documents: frozenset[str]


class _Ids:
    """The ids a request may name, as the pack knows them (declared or used by its rules)."""

    def __init__(self, pack: Pack) -> None:
        vocab = pack.vocabularies
        rules = pack.rules
        self.transitions = frozenset(pack.lifecycle.transitions)
        self.bodies = frozenset(
            {
                *vocab.get("approval_bodies", {}),
                *vocab.get("exception_routes", {}),
                *(r.approval.body for r in rules if r.approval is not None),
                *(r.exception.route for r in rules if r.exception is not None),
            }
            - {NOT_SPECIFIED}
        )
        self.documents = frozenset(
            {
                *vocab.get("documents", {}),
                *(x for r in rules for d in r.documents for x in (d.id, *d.alternatives)),
            }
        )
        # grounds are read inside expressions; they are checked once the pack declares them
        self.grounds = frozenset(vocab.get("grounds", {})) or None
        self.rules = {r.id: r for r in rules}
        self.disabled = frozenset(rule_id for rule_id, _ in pack.disabled_rules)


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

    Errors raised while deciding mask the personal data of the record and of the request (the
    pack's ``records/privacy.yaml``, docs/privacy.md) unless ``reveal_personal_data=True``.
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
        extra_calendars = tuple(os.fspath(f) for f in calendar_files)
        # what a worker process needs to build this same engine (decide_many with jobs > 1):
        # every keyword argument of __init__ belongs here (tests/bulk checks the signature)
        self._options: dict[str, Any] = {
            "calendar_files": extra_calendars,
            "strict_calendar": strict_calendar,
            "reveal_personal_data": reveal_personal_data,
        }
        self.time = TimeService.for_pack(self.pack, extra_files=list(extra_calendars))
        functions = self.time.functions()
        self._compiled: CompiledPack = compile_pack(self.pack, functions, self.time.settings())
        self._params = self._compiled.timeline
        self._strict_calendar = strict_calendar
        # (transition, stage, status) -> its generated decider (built on first use), or False
        self._deciders: dict[tuple[str, str, str], Any] = {}
        # compiled functions of the same expression text share one value per decision
        first: dict[str, Any] = {}
        self._same_text = {
            fn: first.setdefault(program.source, fn)
            for fn, program in self._compiled.programs.items()
        }
        self._param_starts = self._params.starts
        self._param_tables = self._params.tables
        # (transition, stage, status) -> the edges that start there and the plan of the
        # (transition, stage) (built on first use), for every known triple
        self._index: dict[tuple[str, str, str], tuple[tuple[CompiledEdge, ...], Any]] = {
            (tid, stage, status): (
                self._edges_from(tid, stage, status),
                _UNBUILT if (tid, stage) in self._compiled.rules_by_key else None,
            )
            for tid in self._compiled.edges
            for stage in self.pack.lifecycle.stages
            for status in self.pack.lifecycle.statuses
        }
        self._plans_on = True
        self._records = input_model("record", self.pack.inputs)
        self._requests = input_model("request", self.pack.inputs)
        self._convert_record = self._records.raw
        self._convert_request = self._requests.raw
        # key tuple -> the converter learnt for it (``KeySets.fast``, filled in place)
        self._record_keysets = self._records.keysets.fast.get
        self._request_keysets = self._requests.keysets.fast.get
        self._ids = _Ids(self.pack)
        # (stage, the record's school_system or None) -> its grades, for the fast input check
        self._grades: dict[tuple[str, str | None], tuple[int, int] | None] = {}
        for stage in self.pack.lifecycle.stages:
            for system in (None, *SCHOOL_SYSTEMS):
                try:
                    span = grade_range(stage, system or self.time.default_school_system)
                except EvaluationError:  # a stage the grade table does not know: not checked
                    continue
                self._grades[(stage, system)] = span
        self._statuses = frozenset(self.pack.lifecycle.statuses)
        self._stages = frozenset(self.pack.lifecycle.stages)
        self._valid_from = self.pack.valid_from
        self._valid_until = self.pack.valid_until or dt.date.max
        self._pack_id = self.pack.id
        self._pack_version = self.pack.version
        self._pack_digest = self.pack.digest
        checks = InputChecks(
            self._check_converted, self._valid_from, self._valid_until, self._grades,
            self._ids.grounds, self._ids.documents, self._ids.bodies,
        )  # fmt: skip
        self._plan_builder = PlanBuilder(
            self._compiled.rules_by_key,
            self._compiled.programs,
            self._clocked,
            Hooks(
                self._params.starts, self._params.tables, self._refusal, self._targets,
                self._exceptions, self._missing_inputs, _SEVERITY,
                (self.pack.id, self.pack.version, self.pack.digest), strict_calendar, checks,
            ),
            self.time.tabled(functions),
            self.time.inline_forms(functions),
        )  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"Engine({self.pack.id!r}, version={self.pack.version!r}, rules={len(self.pack.rules)})"
        )

    # -- inputs -------------------------------------------------------------------------------

    def _check_inputs(
        self, record: Mapping[str, Any], request: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        try:  # the generated converters straight away; on a rejection, word the problems
            rec = self._convert_record(record)
            req = self._convert_request(request)
        except REJECTED:
            rec, req = self._word_rejection(record, request)
        self._check_converted(rec, req)
        return rec, req

    def _word_rejection(
        self, record: Mapping[str, Any], request: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Convert both inputs through the wording path: when both are bad, one error lists the
        record's problems and then the request's (a caller fixes both in one round)."""
        converted: list[dict[str, Any]] = []
        errors: list[InputError] = []
        for model, value in ((self._records, record), (self._requests, request)):
            try:
                converted.append(model.convert(value))
            except InputError as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            problems = [problem for error in errors for problem in error.problems]
            raise InputError("; ".join(e.message for e in errors), errors[0].location, problems)
        return converted[0], converted[1]

    def _check_converted(self, rec: dict[str, Any], req: dict[str, Any]) -> None:
        """The checks of converted inputs that a schema cannot make (see ``_check_inputs``)."""
        if rec["status"] not in self._statuses or rec["stage"] not in self._stages:
            self._unknown_status_or_stage(rec)
        day: dt.date = req["date"]
        if day < self._valid_from or day > self._valid_until:
            pack = self.pack
            until = pack.valid_until.isoformat() if pack.valid_until else "open-ended"
            raise OutsideValidity(
                f"{day.isoformat()} is outside pack '{pack.id}', which covers "
                f"{pack.valid_from.isoformat()} to {until}",
                Location(path="request.date"),
            )
        # fast path: the common request passes every check with a few set lookups
        grade = rec.get("grade")
        if grade is not None:
            span = self._grades.get((rec["stage"], rec.get("school_system")), (grade, grade))
            if span is None or not span[0] <= grade <= span[1]:
                self._check_record(rec, day)
        birth = rec.get("birth_date")
        if birth is not None and birth > day:
            self._check_record(rec, day)
        ids = self._ids
        if (
            req["transition"] not in ids.transitions
            or "exceptions" in req
            or ("ground" in req and ids.grounds is not None and req["ground"] not in ids.grounds)
            or ("documents" in req and not ids.documents.issuperset(req["documents"]))
        ):
            self._check_ids(req)
        elif "approvals" in req:
            bodies = ids.bodies
            for approval in req["approvals"]:
                if approval["body"] not in bodies:
                    self._check_ids(req)

    def _unknown_status_or_stage(self, rec: dict[str, Any]) -> None:
        lifecycle = self.pack.lifecycle
        if rec["status"] not in lifecycle.statuses:
            raise InputError(
                f"unknown status {rec['status']!r}{_hint(rec['status'], lifecycle.statuses)}",
                Location(path="record.status"),
                known=sorted(lifecycle.statuses),
            )
        raise InputError(
            f"stage {rec['stage']!r} is not covered by pack '{self.pack.id}'",
            Location(path="record.stage"),
        )

    def _check_record(self, rec: dict[str, Any], day: dt.date) -> None:
        """Facts that a schema cannot check: the grade belongs to the stage, the birth date is
        not in the future of the request."""
        grade = rec.get("grade")
        if grade is not None and (rec["stage"], rec.get("school_system")) in self._grades:
            system = self.time.school_system_of(rec)
            span = grade_range(rec["stage"], system)
            if span is None:
                raise InputError(
                    f"stage {rec['stage']!r} has no grades, but the record gives grade {grade}",
                    Location(path="record.grade"),
                )
            if not span[0] <= grade <= span[1]:
                raise InputError(
                    f"grade {grade} is not a grade of stage {rec['stage']!r} under the "
                    f"{system} system (grades {span[0]}-{span[1]})",
                    Location(path="record.grade"),
                )
        birth = rec.get("birth_date")
        if birth is not None and birth > day:
            raise InputError(
                f"birth date {birth.isoformat()} is after the request's date {day.isoformat()}",
                Location(path="record.birth_date"),
            )

    def _check_ids(self, req: dict[str, Any]) -> None:
        """Every id a request names must be one the pack knows (SD4): a typo is an input error,
        never a refusal under the law nor a silently failing rule."""
        ids = self._ids
        transition = req["transition"]
        if transition not in ids.transitions:
            raise InputError(
                f"unknown transition {transition!r}{_hint(transition, ids.transitions)} "
                f"(pack '{self.pack.id}' defines {len(ids.transitions)}; see docs/glossary.md)",
                Location(path="request.transition"),
            )
        ground = req.get("ground")
        if ground is not None and ids.grounds is not None and ground not in ids.grounds:
            raise InputError(
                f"unknown ground {ground!r}{_hint(ground, ids.grounds)}",
                Location(path="request.ground"),
                known=sorted(ids.grounds),
            )
        for i, doc in enumerate(req.get("documents", ())):
            if doc not in ids.documents:
                raise InputError(
                    f"unknown document {doc!r}{_hint(doc, ids.documents)}",
                    Location(path=f"request.documents[{i}]"),
                )
        for i, approval in enumerate(req.get("approvals", ())):
            body = approval["body"]
            if body not in ids.bodies:
                raise InputError(
                    f"unknown approving body {body!r}{_hint(body, ids.bodies)}",
                    Location(path=f"request.approvals[{i}].body"),
                )
        for i, exc in enumerate(req.get("exceptions", ())):
            rule_id = exc["rule"]
            rule = ids.rules.get(rule_id)
            if rule is None and rule_id not in ids.disabled:
                raise InputError(
                    f"unknown rule {rule_id!r}{_hint(rule_id, ids.rules)}",
                    Location(path=f"request.exceptions[{i}].rule"),
                )
            if rule is not None and rule.modality != "default":
                raise InputError(
                    f"rule {rule_id!r} is a {rule.modality} rule: only a default rule (原则上/一般) "
                    "admits an exception",
                    Location(path=f"request.exceptions[{i}].rule"),
                )
            body = exc["granted_by"]
            if body not in ids.bodies:
                raise InputError(
                    f"unknown granting body {body!r}{_hint(body, ids.bodies)}",
                    Location(path=f"request.exceptions[{i}].granted_by"),
                )

    # -- deciding -----------------------------------------------------------------------------

    def decide(self, record: Mapping[str, Any], request: Mapping[str, Any]) -> Decision:
        """Decide ``request`` against ``record`` as of the request's date.

        Records and requests are JSON-like mappings (dates as ``yyyy-mm-dd`` strings or
        ``datetime.date``) valid against ``schemas/record.schema.json`` and
        ``schemas/request.schema.json`` (plus the pack's own ``inputs.yaml`` fields); a bad one,
        or one naming an id the pack does not know, raises
        :class:`~xueji_rules.errors.InputError` naming the field.
        """
        try:
            try:  # the generated converters straight away; on a rejection, word the problems
                # the converters learnt for these key sets (D-310), looked up here rather than
                # by each model's dispatch (D-332); anything else goes through the models
                to_rec = to_req = None
                if record.__class__ is dict and request.__class__ is dict:
                    to_rec = self._record_keysets(tuple(record))
                    to_req = self._request_keysets(tuple(request))
                if to_rec is not None and to_req is not None:
                    try:
                        rec = to_rec(record)
                        req = to_req(request)
                    except Exception:  # unusual or rejected: the models decide
                        rec = self._convert_record(record)
                        req = self._convert_request(request)
                else:
                    rec = self._convert_record(record)
                    req = self._convert_request(request)
            except REJECTED:
                rec, req = self._word_rejection(record, request)
            # what _decide_checked does, without the call
            decider = self._deciders.get((req["transition"], rec["stage"], rec["status"]))
            if decider:
                try:
                    return decider(rec, req, True)  # type: ignore[no-any-return]
                except EvaluationError:
                    pass  # checked and decided again below, which names what failed
            self._check_converted(rec, req)
            return self._decide(rec, req)
        except (InputError, EvaluationError) as exc:
            if self._reveal:
                raise
            raise self._masker.scrub_error(exc, record, request) from None

    def decide_converted(self, record: dict[str, Any], request: dict[str, Any]) -> Decision:
        """Decide a record and a request that this engine's input converters already produced.

        For callers that decide many requests against one record and keep it converted (the
        audit's history replay converts a record once, not once per event): ``record`` and
        ``request`` must be what ``input_model("record", engine.pack.inputs).raw`` and
        ``input_model("request", ...).raw`` (``xueji_rules.engine._inputs``) return, unchanged
        — valid against the schemas, dates as ``datetime.date``. Every other check of
        :meth:`decide` runs (statuses, stages, the pack's validity, grades, birth date, ids),
        and the decision is the one :meth:`decide` gives for the unconverted inputs. Errors are
        masked as :meth:`decide` masks them (from the converted values).
        """
        try:
            return self._decide_checked(record, request)
        except (InputError, EvaluationError) as exc:
            if self._reveal:
                raise
            raise self._masker.scrub_error(exc, record, request) from None

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
        self,
        pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
        *,
        jobs: int = 1,
        chunk_size: int = 256,
    ) -> Iterator[Decision | XuejiRulesError]:
        """Decide many (record, request) pairs, in input order; a bad pair yields its error.

        With ``jobs=1`` every pair is decided in this process. With ``jobs=N > 1`` pairs go in
        chunks of ``chunk_size`` to N worker processes, each with this same engine (inherited
        through ``fork``, or rebuilt once from a copy of :attr:`pack` and this engine's options
        under ``spawn``); at most ``2N + 2`` chunks are in flight, so memory stays bounded on
        an unbounded iterator. Results are the same for any ``jobs`` (see ``docs/scale.md``). Raises :class:`~xueji_rules.errors.InputError`
        at once when ``jobs`` or ``chunk_size`` is not a whole number of at least 1.
        """
        from xueji_rules.bulk._pairs import decide_pairs

        return decide_pairs(self, pairs, jobs=jobs, chunk_size=chunk_size)

    def audit(
        self,
        snapshot: str | os.PathLike[str],
        *,
        as_of: dt.date | str,
        out: Any = None,
        jobs: int = 1,
        calendar_files: Iterable[str] = (),
        chunk_size: int = 1000,
        **settings: Any,
    ) -> Any:
        """Audit a registry snapshot under this engine's pack (see :mod:`xueji_rules.audit`).

        Findings go to ``out`` (a path or text stream) as JSONL, or, without ``out``, into the
        returned :class:`~xueji_rules.audit.AuditResult`. Workers load the pack from its directory.
        ``settings`` are :class:`~xueji_rules.audit.AuditSpec`'s optional fields, as the command
        line's options: ``checks=["form"]``, ``reveal_personal_data=True``,
        ``dropout_report_days``. Bad arguments raise :class:`~xueji_rules.errors.InputError`.
        """
        from xueji_rules.audit import audit_snapshot

        return audit_snapshot(
            snapshot, pack=self.pack.root, as_of=as_of, out=out, jobs=jobs,
            calendar_files=tuple(calendar_files), chunk_size=chunk_size, **settings,
        )  # fmt: skip

    @property
    def _use_plans(self) -> bool:
        """Whether decisions go through the generated functions; tests switch it off to compare
        them with the reference loop."""
        return self._plans_on

    @_use_plans.setter
    def _use_plans(self, on: bool) -> None:
        self._plans_on = on
        self._deciders = {}

    def _decide_checked(self, rec: dict[str, Any], req: dict[str, Any]) -> Decision:
        """``_check_converted``, then ``_decide``: by the decider of the inputs' (transition,
        stage, status) when there is one, which makes the checks itself (a decider exists only
        for a triple the pack knows; see ``_plan.InputChecks``)."""
        decider = self._deciders.get((req["transition"], rec["stage"], rec["status"]))
        if decider:
            try:
                return decider(rec, req, True)  # type: ignore[no-any-return]
            except EvaluationError:
                pass  # checked and decided again below, which names the expression that failed
        self._check_converted(rec, req)
        return self._decide(rec, req)

    def _decide(self, rec: dict[str, Any], req: dict[str, Any]) -> Decision:
        decider = self._deciders.get((req["transition"], rec["stage"], rec["status"]))
        if decider is None:
            decider = self._build_decider((req["transition"], rec["stage"], rec["status"]))
        if decider:
            try:
                return decider(rec, req)  # type: ignore[no-any-return]
            except EvaluationError:
                pass  # decided again below, which names the expression that failed
        transition_id: str = req["transition"]
        stage: str = rec["stage"]
        status: str = rec["status"]
        day: dt.date = req["date"]
        period = bisect_right(self._param_starts, day)
        params = self._param_tables[period]
        chosen: CompiledEdge | None = None
        found = self._index.get((transition_id, stage, status))
        if found is None:
            candidates, plan = self._edges_from(transition_id, stage, status), None
        else:
            candidates, plan = found
        for candidate in candidates:
            if candidate.when is None or self._eval(
                candidate.when, rec, req, params, f"transition '{transition_id}' when"
            ):
                chosen = candidate
                break
        if chosen is None:
            return self._refusal(rec, req, params, period)
        edge = chosen.edge

        documents = frozenset(req["documents"]) if "documents" in req else _EMPTY
        # an approval counts for a rule when its body matches and its kind (if given) does too
        granted, kinded = granted_set(req["approvals"]) if "approvals" in req else _NO_GRANTS
        exceptions = self._exceptions(req) if "exceptions" in req else _NO_EXCEPTIONS
        if not self._use_plans:
            plan = None
        elif plan is _UNBUILT:
            plan = self._build_plan(transition_id, stage)
        if plan is not None:
            try:
                worst, rules, approvals, missing, undecided, obligations = plan(
                    rec, req, params, day, period, exceptions, granted, kinded, documents
                )
            except EvaluationError:
                # rerun the reference path below: it names the rule whose expression failed
                plan = None
        if plan is None:
            worst, rules, approvals, missing, undecided, obligations = self._reference(
                (transition_id, stage),
                _Situation(rec, req, params, day, period, exceptions, granted, kinded, documents),
            )
        outcome: Outcome = _SEVERITY[worst]
        next_stage = stage
        grade = rec.get("grade")
        system = rec.get("school_system")
        if worst == 0:  # allowed
            next_status = edge.to
            if chosen.has_targets:
                next_stage, grade, system = self._targets(chosen, rec, req, params, transition_id)
        elif worst == 1 and edge.pending:  # needs approval
            next_status = edge.pending
        else:
            next_status = status
        return build_decision(
            outcome, transition_id, status, next_status, day, self._pack_id, self._pack_version,
            rec["id"], stage, next_stage, rules, approvals, missing, obligations,
            None, None, self._pack_digest, grade, system,
            self._missing_inputs(undecided) if undecided else (), (),
        )  # fmt: skip

    def _reference(
        self, key: tuple[str, str], situation: _Situation
    ) -> tuple[
        int,
        tuple[RuleResult, ...],
        tuple[ApprovalNeeded, ...],
        tuple[MissingDocument, ...],
        list[tuple[CompiledRule, tuple[str, ...]]],
        tuple[Obligation, ...],
    ]:
        """What a generated plan returns, by the reference rule loop.

        ``_plan`` generates the same evaluation as straight-line code per key; this loop is
        what it must agree with, and what runs when an expression raises (it names the rule).
        Returns the worst severity index (see ``_SEVERITY``), the rule results, the approvals
        still needed, the documents missing, the rules left undecided by absent inputs, and
        the obligations started.
        """
        rec, req, params, day, p, exceptions, granted, kinded, documents = situation
        results: list[RuleResult] = []
        needed: list[ApprovalNeeded] = []
        missing: list[MissingDocument] = []
        applied: list[CompiledRule] = []
        undecided: list[tuple[CompiledRule, tuple[str, ...]]] = []
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
                if item.missing_inputs is not None:
                    absent = item.missing_inputs(rec, req)
                    if absent:
                        undecided.append((item, absent))
                        worst = max(worst, 2)
                        continue
                applied.append(item)
                modality = rule.modality
                result = item.passed[p]
                if modality == "mandatory" or modality == "default":
                    for index, check in enumerate(item.checks):
                        if not check.fn(rec, req, params):
                            if modality == "default" and (rule.id, item.route) in exceptions:
                                result = item.granted[p]
                            else:
                                result = item.failed[p][index]
                                worst = max(worst, 4 if modality == "mandatory" else 3)
                            break
                elif modality == "documents":
                    for accepted, doc in item.missing:
                        if documents.isdisjoint(accepted):
                            missing.append(doc)
                            result = item.failed[p][0]
                    if result is not item.passed[p]:
                        worst = max(worst, 2)
                elif item.approval is not None and not is_approved(item.approval, granted, kinded):
                    needed.append(item.approval)
                    result = item.failed[p][0]
                    worst = max(worst, 1)
                results.append(result)
        except EvaluationError as exc:
            if isinstance(exc, CalendarUnavailable) or item is None:
                raise
            if isinstance(exc, PatternError):  # a regular expression the input supplied
                raise _bad_pattern(exc, item.rule.location) from None
            # the location names the rule; the message says what went wrong
            raise EvaluationError(exc.message, item.rule.location) from None
        obligations: tuple[Obligation, ...] = ()
        if worst < 3 and applied:  # neither denied nor denied by default
            obligations = self._obligations(applied, rec, req, params)
        return (
            worst,
            tuple(results),
            tuple(sorted(needed, key=approval_key)),
            tuple(sorted(missing, key=document_key)),
            undecided,
            obligations,
        )

    def _build_decider(self, key: tuple[str, str, str]) -> Any:
        """The generated decider of (transition, stage, status), built once; ``False`` when
        plans are off or the triple is not one the pack knows."""
        found = self._index.get(key)
        decider = (
            self._plan_builder.decider(key, found[0])
            if found is not None and self._plans_on
            else False
        )
        self._deciders[key] = decider
        return decider

    def _build_plan(self, transition_id: str, stage: str) -> Any:
        """Build the plan of (transition, stage) and put it in the index for every status."""
        plan = self._plan_builder.build((transition_id, stage))
        for status in self.pack.lifecycle.statuses:
            key = (transition_id, stage, status)
            entry = self._index.get(key)
            if entry is not None:
                self._index[key] = (entry[0], plan)
        return plan

    def _edges_from(self, transition_id: str, stage: str, status: str) -> tuple[CompiledEdge, ...]:
        """The edges of a transition that start from ``stage`` and ``status``, in pack order."""
        return tuple(
            candidate
            for candidate in self._compiled.edges.get(transition_id, ())
            if status in candidate.edge.from_statuses
            and (candidate.edge.stages is None or stage in candidate.edge.stages)
        )

    def _exceptions(self, req: dict[str, Any]) -> frozenset[tuple[str, str]]:
        """(rule, route) of each exception the request carries. It counts only when granted by
        the rule's own route; for a rule whose text names no route, a grant by any body the pack
        knows counts (docs/decisions.md D-103)."""
        out: set[tuple[str, str]] = set()
        for x in req.get("exceptions", ()):
            rule = self._ids.rules.get(x["rule"])
            route = rule.exception.route if rule is not None and rule.exception else None
            out.add((x["rule"], NOT_SPECIFIED if route == NOT_SPECIFIED else x["granted_by"]))
        return frozenset(out)

    def _refusal(
        self,
        rec: dict[str, Any],
        req: dict[str, Any],
        params: dict[str, Any],
        period: int,
    ) -> Decision:
        """No edge matches: refused, citing the articles that forbid the move when the pack
        models them (``forbidden:``), else saying that no text provides for it."""
        lifecycle = self.pack.lifecycle
        transition_id: str = req["transition"]
        stage: str = rec["stage"]
        status: str = rec["status"]
        entries = [
            f.entry
            for f in self._compiled.forbidden.get(transition_id, ())
            if f.entry.matches(transition_id, stage, status)
            and (
                f.when is None
                or self._eval(f.when, rec, req, params, f"forbidden move of '{transition_id}'")
            )
        ]
        citations: tuple[Citation, ...] = ()
        if entries:
            # the most specific layer words the reason; every layer's articles are cited
            reason = render(entries[-1].message, self._params.raw[period])
            seen: list[Citation] = []
            for entry in entries:
                seen += [c for c in entry.citations if c not in seen]
            citations = tuple(seen)
        else:
            st = lifecycle.stages[stage].text
            su = lifecycle.statuses[status].text
            tr = lifecycle.transitions[transition_id].text
            reason = Text(
                f"本规则包所依据的条文没有规定{st.zh}学生在“{su.zh}”状态下办理“{tr.zh}”，"
                "因此不予办理。",
                f"The texts this pack encodes make no provision for '{tr.en or transition_id}' "
                f"by a {st.en or stage} student whose status is '{su.en or status}', so it is "
                "refused.",
            )
        return Decision(
            outcome="denied",
            next_status=status,
            next_stage=stage,
            next_grade=rec.get("grade"),
            next_school_system=rec.get("school_system"),
            allowed_transitions=self._allowed(rec, req, params),
            reason=reason,
            citations=citations,
            transition=transition_id,
            from_status=status,
            from_stage=stage,
            as_of=req["date"],
            record_id=rec["id"],
            pack=self._pack_id,
            pack_version=self._pack_version,
            pack_digest=self._pack_digest,
        )

    def _allowed(
        self, rec: dict[str, Any], req: dict[str, Any], params: dict[str, Any]
    ) -> tuple[str, ...]:
        """The transitions an edge allows from the record's stage and status, conditions
        included (a condition that cannot be evaluated on this record counts as allowing)."""
        stage, status = rec["stage"], rec["status"]
        out = []
        for tid, edges in self._compiled.edges.items():
            for candidate in edges:
                e = candidate.edge
                if status not in e.from_statuses or (
                    e.stages is not None and stage not in e.stages
                ):
                    continue
                try:
                    ok = candidate.when is None or bool(candidate.when(rec, req, params))
                except EvaluationError:
                    ok = True
                if ok:
                    out.append(tid)
                    break
        return tuple(sorted(out))

    def _targets(
        self, chosen: CompiledEdge, rec: Any, req: Any, params: Any, transition_id: str
    ) -> tuple[str, int | None, str | None]:
        """The record's stage, grade and school system once the transition is complete."""
        where = f"transition '{transition_id}'"
        stage: str = rec["stage"]
        grade: int | None = rec.get("grade")
        system: str | None = rec.get("school_system")
        if chosen.to_stage is not None:
            stage = self._eval(chosen.to_stage, rec, req, params, f"{where} to_stage")
            if stage not in self.pack.lifecycle.stages:
                known = ", ".join(sorted(self.pack.lifecycle.stages))
                raise InputError(
                    f"{where} moves the record to unknown stage {stage!r} (known: {known})",
                    Location(path="request.to_stage"),
                )
        if chosen.to_school_system is not None:
            system = self._eval(
                chosen.to_school_system, rec, req, params, f"{where} to_school_system"
            )
            if system is not None and system not in SCHOOL_SYSTEMS:
                known = ", ".join(SCHOOL_SYSTEMS)
                raise InputError(
                    f"{where} moves the record to unknown school system {system!r} (known: {known})",
                    Location(path="request.target_school_system"),
                )
        if chosen.to_grade is not None:
            grade = self._eval(chosen.to_grade, rec, req, params, f"{where} to_grade")
        if grade is not None:
            if grade.__class__ is not int:
                raise EvaluationError(f"{where} to_grade gave {grade!r}, not an int")
            effective = system or self.time.default_school_system
            span = self._grades.get((stage, system), (grade, grade))
            if span is None or not span[0] <= grade <= span[1]:
                where_to = (
                    "a stage without grades" if span is None else f"grades {span[0]}-{span[1]}"
                )
                raise InputError(
                    f"{where} would leave the record in grade {grade} of stage {stage!r} "
                    f"({where_to} under the {effective} system)",
                    Location(path="request.target_grade"),
                )
        return stage, grade, system

    def _missing_inputs(
        self, undecided: list[tuple[CompiledRule, tuple[str, ...]]]
    ) -> tuple[MissingInput, ...]:
        by_path: dict[str, list[str]] = {}
        for item, paths in undecided:
            for path in paths:
                by_path.setdefault(path, []).append(item.rule.id)
        labels = self._compiled.input_labels
        return tuple(
            MissingInput(path, labels.get(path) or Text(path, path), tuple(rules))
            for path, rules in sorted(by_path.items())
        )

    def _obligations(
        self,
        applied: list[CompiledRule],
        rec: dict[str, Any],
        req: dict[str, Any],
        params: dict[str, Any],
    ) -> tuple[Obligation, ...]:
        out: list[Obligation] = []
        # expressions are pure: one value per distinct expression text and decision (several
        # duties of one rule often share a condition and a clock)
        memo: dict[Any, Any] = {}
        value = self._memo_eval
        for item in applied:
            for ob in item.obligations:
                if ob.when is not None and not value(ob.when, rec, req, params, memo, item, ob):
                    continue
                if ob.fixed is not None:
                    out.append(ob.fixed)
                    continue
                assert ob.trigger is not None and ob.spec.clock is not None
                try:
                    trigger: dt.date = value(ob.trigger, rec, req, params, memo, item, ob)
                    amount: int = (
                        ob.amount
                        if isinstance(ob.amount, int)
                        else value(ob.amount, rec, req, params, memo, item, ob)
                    )
                except CalendarUnavailable as exc:
                    # the clock's own start or length needs a year without data (a trigger such
                    # as "the working day before closure"): the duty stands, its date is unknown
                    if self._strict_calendar:
                        raise
                    out.append(self._unknown_clock(ob, exc))
                    continue
                out.append(self._clocked(ob, trigger, amount))
        return tuple(out)

    def _clocked(self, ob: CompiledObligation, trigger: dt.date, amount: int) -> Obligation:
        """The obligation due ``amount`` units after ``trigger`` (cached per obligation)."""
        key = (trigger, amount)
        cached = ob.cache.get(key)
        if cached is None:
            cached = self._clock(ob, trigger, amount)
            if len(ob.cache) >= _OBLIGATION_CACHE:
                ob.cache.clear()
            ob.cache[key] = cached
        if self._strict_calendar and cached.due_status == "calendar_unavailable":
            raise CalendarUnavailable(trigger.year, cached.detail)
        return cached

    def _memo_eval(
        self,
        fn: Any,
        rec: Any,
        req: Any,
        params: Any,
        memo: dict[Any, Any],
        item: CompiledRule,
        ob: CompiledObligation,
    ) -> Any:
        """``fn``'s value, computed once per decision for all functions of the same text; an
        error names the rule and the obligation (``_eval``), and is not remembered."""
        key = self._same_text.get(fn, fn)
        found = memo.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = memo[key] = fn(rec, req, params)
            except CalendarUnavailable:
                raise
            except EvaluationError as exc:
                where = f"{item.rule.id} obligation '{ob.spec.id}'"
                raise self._located(exc, where) from None
        return found

    @staticmethod
    def _unknown_clock(ob: CompiledObligation, exc: CalendarUnavailable) -> Obligation:
        spec = ob.spec
        amount = ob.amount if isinstance(ob.amount, int) else None
        unit = spec.clock.unit if spec.clock else "days"
        return Obligation(
            spec.id, spec.party, spec.action, spec.citation, ob.rule_id,
            None, "calendar_unavailable", None, amount, unit, str(exc), ob.party_label,
        )  # fmt: skip

    def _clock(self, ob: CompiledObligation, trigger: dt.date, amount: int) -> Obligation:
        spec = ob.spec
        unit = spec.clock.unit if spec.clock else "days"
        try:
            due = self.time.due(trigger, amount, unit)
        except CalendarUnavailable as exc:
            return Obligation(
                spec.id, spec.party, spec.action, spec.citation, ob.rule_id,
                None, "calendar_unavailable", trigger, amount, unit, str(exc), ob.party_label,
            )  # fmt: skip
        return Obligation(
            spec.id, spec.party, spec.action, spec.citation, ob.rule_id,
            due, "computed", trigger, amount, unit, None, ob.party_label,
        )  # fmt: skip

    def _eval(self, fn: Any, rec: Any, req: Any, params: Any, where: str) -> Any:
        try:
            return fn(rec, req, params)
        except CalendarUnavailable:
            raise
        except EvaluationError as exc:
            raise self._located(exc, where) from None

    def _located(self, exc: EvaluationError, where: str) -> EvaluationError | InputError:
        """``exc`` reworded to say where it happened (the rule's location when ``where`` starts
        with a rule id); a pattern the input supplied is the input's fault (``InputError``)."""
        rule_id = where.split(" ", 1)[0]
        rule = self._ids.rules.get(rule_id)
        if isinstance(exc, PatternError):
            return _bad_pattern(exc, rule.location if rule else Location())
        if rule is not None:  # the location names the rule; keep only what follows its id
            return EvaluationError(f"{where.split(' ', 1)[1]}: {exc.message}", rule.location)
        return EvaluationError(f"{where}: {exc.message}")


_OBLIGATION_CACHE = 4096
_NO_EXCEPTIONS: frozenset[tuple[str, str]] = frozenset()
_EMPTY: frozenset[Any] = frozenset()
_MISSING = object()
_UNBUILT = object()  # a plan not built yet (see _build_plan)
_NO_GRANTS: tuple[AbstractSet[str], AbstractSet[tuple[str, str]]] = (frozenset(), frozenset())


_SEVERITY: tuple[Outcome, ...] = (
    "allowed",
    "needs_approval",
    "incomplete",
    "denied_by_default",
    "denied",
)


def _bad_pattern(exc: PatternError, where: Location) -> InputError:
    """A pattern from the record or request that RE2 refuses: the input's fault, not the pack's."""
    return InputError(f"the input supplies a pattern that is not valid RE2: {exc.message}", where)
