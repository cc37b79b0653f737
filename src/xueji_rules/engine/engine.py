"""The engine: decide a request against a record under an effective pack."""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from xueji_rules.calendar._grades import SCHOOL_SYSTEMS, grade_range
from xueji_rules.engine._compile import (
    CompiledEdge,
    CompiledObligation,
    CompiledPack,
    CompiledRule,
    compile_pack,
    render,
)
from xueji_rules.engine._inputs import input_model
from xueji_rules.engine._plan import _approved, build_plans
from xueji_rules.engine._time import TimeService
from xueji_rules.engine.decision import (
    ApprovalNeeded,
    Decision,
    MissingDocument,
    MissingInput,
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

_DENIED = ("denied", "denied_by_default")


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


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
        self._compiled: CompiledPack = compile_pack(
            self.pack, self.time.functions(), self.time.settings()
        )
        self._params = self._compiled.timeline
        self._strict_calendar = strict_calendar
        self._plans = build_plans(self._compiled.rules_by_key)
        self._use_plans = True  # tests switch to the reference loop to compare the two
        self._records = input_model("record", self.pack.inputs)
        self._requests = input_model("request", self.pack.inputs)
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
        if rec["status"] not in self._statuses or rec["stage"] not in self._stages:
            self._unknown_status_or_stage(rec)
        day: dt.date = req["date"]
        if day < self._valid_from or day > self._valid_until:
            pack = self.pack
            until = pack.valid_until.isoformat() if pack.valid_until else "open-ended"
            raise OutsideValidity(
                f"request.date {day.isoformat()} is outside pack '{pack.id}', which covers "
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
        return rec, req

    def _unknown_status_or_stage(self, rec: dict[str, Any]) -> None:
        lifecycle = self.pack.lifecycle
        if rec["status"] not in lifecycle.statuses:
            known = ", ".join(sorted(lifecycle.statuses))
            raise InputError(
                f"unknown status {rec['status']!r}{_hint(rec['status'], lifecycle.statuses)} "
                f"(known: {known})",
                Location(path="record.status"),
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
                f"unknown ground {ground!r}{_hint(ground, ids.grounds)} "
                f"(known: {', '.join(sorted(ids.grounds))})",
                Location(path="request.ground"),
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
            rec, req = self._check_inputs(record, request)
            return self._decide(rec, req)
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

    def _decide(self, rec: dict[str, Any], req: dict[str, Any]) -> Decision:
        transition_id: str = req["transition"]
        stage: str = rec["stage"]
        status: str = rec["status"]
        day: dt.date = req["date"]
        period = bisect.bisect_right(self._params.starts, day)
        params = self._params.tables[period]
        chosen: CompiledEdge | None = None
        for candidate in self._compiled.edges.get(transition_id, ()):
            e = candidate.edge
            if status not in e.from_statuses or (e.stages is not None and stage not in e.stages):
                continue
            if candidate.when is None or self._eval(
                candidate.when, rec, req, params, f"transition '{transition_id}' when"
            ):
                chosen = candidate
                break
        if chosen is None:
            return self._refusal(rec, req, params, period)
        edge = chosen.edge

        results: list[RuleResult] = []
        approvals: list[ApprovalNeeded] = []
        missing: list[MissingDocument] = []
        applied: list[CompiledRule] = []
        undecided: list[tuple[CompiledRule, tuple[str, ...]]] = []
        documents = set(req.get("documents", ()))
        # an approval counts for a rule when its body matches and its kind (if given) does too
        granted: dict[str, set[str | None]] = {}
        for a in req.get("approvals", ()):
            if a.get("granted", True):
                granted.setdefault(a["body"], set()).add(a.get("kind"))
        exceptions = self._exceptions(req) if "exceptions" in req else _NO_EXCEPTIONS
        plan = self._plans.get((transition_id, stage)) if self._use_plans else None
        worst = 0  # index into _SEVERITY
        if plan is not None:
            try:
                worst = plan(
                    rec, req, params, day, period, exceptions, granted, documents,
                    results, approvals, missing, applied, undecided,
                )  # fmt: skip
            except EvaluationError:
                # rerun the reference loop below: it names the rule whose expression failed
                for items in (results, approvals, missing, applied, undecided):
                    items.clear()
                plan = None
        if plan is None:
            worst = self._evaluate_rules(
                (transition_id, stage), rec, req, params, day, period, exceptions, granted,
                documents, results, approvals, missing, applied, undecided,
            )  # fmt: skip
        outcome: Outcome = _SEVERITY[worst]
        next_stage = stage
        grade = rec.get("grade")
        system = rec.get("school_system")
        if outcome == "allowed":
            next_status = edge.to
            if chosen.has_targets:
                next_stage, grade, system = self._targets(chosen, rec, req, params, transition_id)
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
            next_grade=grade,
            next_school_system=system,
            missing_inputs=self._missing_inputs(undecided) if undecided else (),
            transition=transition_id,
            from_status=status,
            from_stage=stage,
            as_of=day,
            record_id=rec["id"],
            pack=self._pack_id,
            pack_version=self._pack_version,
            pack_digest=self._pack_digest,
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

    def _evaluate_rules(
        self,
        key: tuple[str, str],
        rec: dict[str, Any],
        req: dict[str, Any],
        params: dict[str, Any],
        day: dt.date,
        period: int,
        exceptions: frozenset[tuple[str, str]],
        granted: dict[str, set[str | None]],
        documents: set[str],
        results: list[RuleResult],
        approvals: list[ApprovalNeeded],
        missing: list[MissingDocument],
        applied: list[CompiledRule],
        undecided: list[tuple[CompiledRule, tuple[str, ...]]],
    ) -> int:
        """The reference rule loop; returns the worst severity index and fills the lists.

        ``_plan`` generates the same evaluation as straight-line code per key; this loop is
        what it must agree with, and what runs when an expression raises (it names the rule).
        """
        worst = 0
        item: CompiledRule | None = None
        p = period
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
                elif item.approval is not None and not _approved(item.approval, granted):
                    approvals.append(item.approval)
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
        return worst

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
            rule_id = where.split(" ", 1)[0]
            rule = self._ids.rules.get(rule_id)
            if isinstance(exc, PatternError):
                raise _bad_pattern(exc, rule.location if rule else Location()) from None
            if rule is not None:  # the location names the rule; keep only what follows its id
                raise EvaluationError(
                    f"{where.split(' ', 1)[1]}: {exc.message}", rule.location
                ) from None
            raise EvaluationError(f"{where}: {exc.message}") from None


_OBLIGATION_CACHE = 4096
_NO_EXCEPTIONS: frozenset[tuple[str, str]] = frozenset()


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
