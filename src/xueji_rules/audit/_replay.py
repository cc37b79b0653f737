"""Replaying a record's history: every event decided under the law in force on its date.

For each event the registry recorded, the engine of the pack in force on the request's date
decides the request against the record as it stood then. What the registry did (``result``:
done, pending or refused) is compared with the decision: a change carried out although the
rules refuse it, lack an approval or lack documents is a finding, and so is every obligation the
decision starts that was completed after its due date or is still open and overdue on the as-of
date. The record then moves on by the change the registry recorded (``after``), so later events
are decided against the record the registry really held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, cast

from xueji_rules.audit._checks import make_finding
from xueji_rules.audit._convert import EngineInputs
from xueji_rules.audit.context import AuditContext, request_day
from xueji_rules.engine import Engine
from xueji_rules.engine._inputs import REJECTED
from xueji_rules.engine.decision import Decision, Obligation
from xueji_rules.errors import XuejiRulesError
from xueji_rules.findings import Finding
from xueji_rules.packs.model import Citation, Pack
from xueji_rules.records.validate import report_finding

__all__ = ["ARCHIVE_OBLIGATIONS", "replay"]

# obligations whose completion is the archive's creation (O05), and the update duties (O06)
ARCHIVE_OBLIGATIONS = frozenset({"enroll.archive", "kindergarten_enroll.archive"})
_UPDATE_SUFFIX = "record_update"
_FINAL_LIVE = frozenset({"allowed"})


def _iso(day: Any) -> Any:
    return day.isoformat() if isinstance(day, dt.date) else day


def _edge_target(pack: Pack, transition: str, stage: str, status: str) -> str | None:
    """Where the lifecycle would move the record if the registry carried the change out."""
    spec = pack.lifecycle.transitions.get(transition)
    if spec is None:
        return None
    for edge in spec.edges:
        if status in edge.from_statuses and (edge.stages is None or stage in edge.stages):
            return edge.to
    return None


def _refusal_citations(decision: Decision, pack: Pack) -> tuple[Citation, ...]:
    failed = tuple(
        r.citation
        for r in decision.rules
        if not r.passed and r.modality in ("mandatory", "default")
    )
    if failed:
        return failed
    spec = pack.lifecycle.transitions.get(decision.transition)
    return (spec.citation,) if spec is not None and spec.citation is not None else ()


class _Replay:
    """One history's replay; collects findings into ``out``.

    ``typed``: the bundle came from the typed decoder (D-355), whose history start record and
    requests are already what the top engine's converters make of them; they are not converted
    again for that engine (for an older pack's engine they are, as raw ones are).
    """

    def __init__(
        self, bundle: Mapping[str, Any], ctx: AuditContext, out: list[Finding], typed: bool
    ) -> None:
        self.bundle = bundle
        self.ctx = ctx
        self.out = out
        self.record_id: str = bundle["record"]["id"]
        # the record state as the converters of ``inputs`` give it (None: they reject it, and
        # the engine's own decide words the problem); kept in step with the raw state
        self.converted: dict[str, Any] | None = None
        self.inputs: EngineInputs | None = None
        # the record fields changed since ``converted`` was last brought up to date: converted
        # (all at once) only when another event is decided, so the last events' changes never
        self.pending: dict[str, Any] = {}
        self.where: tuple[int, dt.date, Any] = (0, dt.date.min, None)  # the event replayed
        # the converters whose output the requests already are (None: raw requests)
        self.requests_of: EngineInputs | None = None
        if typed:
            self.requests_of = ctx.top_inputs
            start = (bundle.get("history") or {}).get("start")
            if start is not None:  # converted: later changes are merged into it converted
                # (never changed in place: each change makes a new dict)
                self.converted, self.inputs = start, ctx.top_inputs

    def base(self) -> dict[str, Any]:
        """The evidence of the event being replayed: its index, date and transition."""
        index, day, transition = self.where
        return {"event": index, "date": day.isoformat(), "transition": transition}

    def finding(self, check: str, evidence: dict[str, Any], pack: Pack | None, **kw: Any) -> None:
        self.out.append(make_finding(check, (self.record_id,), evidence, pack, **kw))

    def run(self, start: dict[str, Any] | None, events: Any) -> dict[str, Any]:
        """Replay ``events`` from ``start`` (the history's, or an unregistered record's);
        return the final state. States are never changed in place: each event makes a new one."""
        state = start if start is not None else _unregistered(self.bundle["record"])
        for index, event in enumerate(events):
            state = self.event(index, event, state)
        return state

    # -- one event --------------------------------------------------------------------------

    def event(self, index: int, event: Mapping[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        request = event.get("request")
        after: Mapping[str, Any] = event.get("after") or {}
        if request is None:  # a registry update without request (e.g. the yearly promotion)
            return self.apply(index, event.get("on"), state, after, None, None)
        day = request_day(request)
        if day is None:  # the engine words what is wrong with the request
            pack = self.ctx.pack_on(self.ctx.as_of)
            message = "request.date: missing or not a date (yyyy-mm-dd)"
            evidence = {
                "event": index,
                "date": None,
                "transition": request.get("transition"),
                "error": message,
            }
            self.finding("history.event_error", evidence, pack)
            return self.apply(index, None, state, after, None, None)
        engine = self.ctx.engine_on(day)
        # the evidence every finding of the event starts with, built only for a finding
        self.where = (index, day, request.get("transition"))
        base = self.base
        if engine is None:
            self.finding("history.outside_validity", base(), None)
            return self.apply(index, day, state, after, None, None)
        pack = engine.pack
        try:
            decision = self.decide(engine, state, request)
        except XuejiRulesError as exc:
            self.finding("history.event_error", {**base(), "error": exc.message[:300]}, pack)
            return self.apply(index, day, state, after, None, None)
        result = event.get("result", "done")
        if result == "done":
            self.judge(decision, request, after, base, engine)
        if result != "refused" and decision.outcome not in ("denied", "denied_by_default"):
            self.obligations(decision, event, base, pack)
        return self.apply(index, day, state, after, decision, result)

    def decide(self, engine: Engine, state: dict[str, Any], request: Mapping[str, Any]) -> Decision:
        """``engine.decide(state, request)``, without converting the record again.

        The record is converted once (and again only when the engine's converters differ) and
        each change merged in converted (``EngineInputs.change``); whenever a converter
        rejects an input, or deciding fails, ``engine.decide`` on the raw inputs decides or
        words the error, exactly as without this shortcut.
        """
        inputs = self.ctx.inputs[engine.pack.id]
        if self.inputs is not inputs:
            self.inputs = inputs
            self.pending = {}  # the whole state is converted
            try:
                self.converted = inputs.record(state)
            except REJECTED:
                self.converted = None
        elif self.pending:
            # the fields are independent: converting the changes merged gives what converting
            # them one event at a time gives for every field's last value, and the state these
            # values make is the one the engine would convert (a value a later event replaced
            # does not matter to either)
            pending, self.pending = self.pending, {}
            if self.converted is not None:
                try:
                    self.converted = {**self.converted, **inputs.change(pending)}
                except REJECTED:
                    self.converted = None
        record = self.converted
        if record is not None:
            try:
                converted = (
                    cast(dict[str, Any], request)  # the typed decoder's: a converted dict
                    if inputs is self.requests_of
                    else inputs.request(request)
                )
            except REJECTED:
                return engine.decide(state, request)
            try:
                return engine.decide_converted(record, converted)
            except XuejiRulesError:
                pass  # decide words it, from the raw inputs
        return engine.decide(state, request)

    def judge(
        self,
        decision: Decision,
        request: Mapping[str, Any],
        after: Mapping[str, Any],
        base: Callable[[], dict[str, Any]],
        engine: Engine,
    ) -> None:
        """Findings for a change the registry carried out."""
        pack = engine.pack
        outcome = decision.outcome
        recorded = after.get("status")
        if outcome == "allowed" and (recorded is None or recorded == decision.next_status):
            return  # the usual case: a change the rules allow, recorded as they give it
        evidence = {
            **base(),
            "outcome": outcome,
            "pack": pack.id,
            "from_status": decision.from_status,
        }
        if outcome == "allowed":
            if recorded is not None and recorded != decision.next_status:
                evidence.update(expected_status=decision.next_status, recorded_status=recorded)
                self.finding("history.status_mismatch", evidence, pack)
            return
        if outcome in ("needs_approval", "incomplete") and recorded == decision.next_status:
            # the registry recorded the law's interim status (e.g. transfer_pending): it did not
            # complete the change, whatever the event's result says — unless that status is also
            # the change's own target (a record change that keeps the status)
            target = _edge_target(
                pack, decision.transition, decision.from_stage, decision.from_status
            )
            if target != recorded:
                return
        if outcome == "needs_approval":
            missing = [{"body": a.body, "kind": a.kind, "rule": a.rule} for a in decision.approvals]
            # a grant by a body that no approval rule of this transition names stands in for the
            # missing one: the wrong body approved (a grant the case merely did not need is not)
            named = self.ctx.transition_bodies[pack.id].get(decision.transition, frozenset())
            given = sorted(
                {
                    a["body"]
                    for a in request.get("approvals", ())
                    if a.get("granted", True) and a["body"] not in named
                }
            )
            cites = tuple(pack.rule(a.rule).citation for a in decision.approvals)
            evidence["missing_approvals"] = missing
            if given:
                evidence["approvals_by_other_bodies"] = given
                self.finding("history.approval_wrong_body", evidence, pack, citations=cites)
            else:
                self.finding("history.approval_missing", evidence, pack, citations=cites)
            return
        if outcome == "incomplete":
            docs = sorted({d.id for d in decision.missing_documents})
            evidence["missing_documents"] = docs
            cites = tuple(pack.rule(d.rule).citation for d in decision.missing_documents)
            self.finding("history.documents_missing", evidence, pack, citations=cites)
            return
        failed = sorted(
            r.id for r in decision.rules if not r.passed and r.modality in ("mandatory", "default")
        )
        evidence["failed_rules"] = failed
        if decision.reason is not None and not failed:
            evidence["reason"] = decision.reason.zh
        self.finding(
            "history.move_not_allowed", evidence, pack, citations=_refusal_citations(decision, pack)
        )

    def obligations(
        self,
        decision: Decision,
        event: Mapping[str, Any],
        base: Callable[[], dict[str, Any]],
        pack: Pack,
    ) -> None:
        done: dict[str, dt.date] = {}
        for item in event.get("completed", ()):
            done.setdefault(item["obligation"], item["on"])
        as_of = self.ctx.as_of
        for ob in decision.obligations:
            due = ob.due
            if due is None:
                continue
            completed = done.get(ob.id)
            if completed is None and ob.id in ARCHIVE_OBLIGATIONS:
                completed = (self.bundle.get("archive") or {}).get("created_on")
            if completed is not None:
                if completed > due:
                    self.late(ob, base, pack, "late", completed)
            elif as_of > due:
                self.late(ob, base, pack, "overdue", None)

    def late(
        self,
        ob: Obligation,
        base: Callable[[], dict[str, Any]],
        pack: Pack,
        kind: str,
        completed: dt.date | None,
    ) -> None:
        if ob.id in ARCHIVE_OBLIGATIONS:
            check = f"O05.archive_{kind}"
        elif ob.id.endswith(_UPDATE_SUFFIX):
            check = f"O06.update_{kind}"
        else:
            check = f"history.obligation_{kind}"
        evidence = {
            **base(),
            "obligation": ob.id,
            "party": ob.party,
            "rule": ob.rule,
            "trigger": _iso(ob.trigger),
            "due": _iso(ob.due),
            "completed_on": _iso(completed),
            "as_of": self.ctx.as_of.isoformat(),
        }
        self.finding(check, evidence, pack, citations=(ob.citation,))

    # -- moving the record on ---------------------------------------------------------------

    def apply(
        self,
        index: int,
        day: dt.date | None,
        state: dict[str, Any],
        after: Mapping[str, Any],
        decision: Decision | None,
        result: str | None,
    ) -> dict[str, Any]:
        new = dict(state)
        changed: dict[str, Any] = {}
        if decision is not None:
            if result == "done":
                if decision.outcome == "allowed":
                    new["status"], new["stage"] = decision.next_status, decision.next_stage
                    changed = {"status": decision.next_status, "stage": decision.next_stage}
                else:
                    engine = self.ctx.engine_on(decision.as_of)
                    target = (
                        _edge_target(
                            engine.pack, decision.transition, state["stage"], state["status"]
                        )
                        if engine is not None
                        else None
                    )
                    if target is not None:
                        new["status"] = changed["status"] = target
            elif result == "pending" and decision.outcome == "needs_approval":
                new["status"] = changed["status"] = decision.next_status
            if (
                decision.outcome == "allowed"
                and result == "done"
                and decision.transition == "transfer"
            ):
                self.check_backup(state, after, decision, index)
        new.update(after)
        if self.converted is not None and (changed or after):
            self.pending.update(changed)
            self.pending.update(after)
        if "id" in after and after["id"] != state.get("id"):  # (most changes keep the number)
            spec = self.ctx.records_on(day) if day is not None else None
            evidence = {
                "event": index,
                "date": _iso(day),
                "old_number": state.get("id"),
                "new_number": after["id"],
            }
            holder = {"id": self.record_id, "stage": new.get("stage")}
            item = (
                "O07.number_changed",
                f"学籍历史的第{index + 1}个事件更改了学籍号",
                f"event {index + 1} of the history changed the registry number",
                evidence,
            )
            self.out += report_finding(spec or self.ctx.records, holder, [item])
        return new

    def check_backup(
        self, state: Mapping[str, Any], after: Mapping[str, Any], decision: Decision, index: int
    ) -> None:
        """O11: the sending school keeps a backup of a student who transferred away."""
        school = (state.get("school") or {}).get("id")
        if school is None:
            return
        day = decision.as_of
        for backup in self.bundle.get("transfer_backups") or ():
            if (
                backup["school"] == school
                and backup["date"] >= day
                and backup.get("electronic", False)
            ):
                return
        pack = self.ctx.pack_on(day)
        evidence = {"event": index, "date": day.isoformat(), "sending_school": school}
        self.finding("O11.transfer_backup_missing", evidence, pack)


def replay(
    bundle: Mapping[str, Any], ctx: AuditContext, out: list[Finding], *, typed: bool = False
) -> dict[str, Any]:
    """Replay the bundle's history, appending findings to ``out``; return the final record state.

    ``typed``: ``bundle`` is the typed decoder's (its start record and requests converted, D-355).
    """
    history = bundle.get("history")
    if not history:
        return _unregistered(bundle["record"])
    start, events = history.get("start"), history.get("events")
    if not events:  # nothing to replay: the state it starts from
        return dict(start) if start is not None else _unregistered(bundle["record"])
    return _Replay(bundle, ctx, out, typed).run(start, events)


def _unregistered(record: Mapping[str, Any]) -> dict[str, Any]:
    """The state a history without a start record starts from."""
    return {"id": record["id"], "stage": record["stage"], "status": "unregistered"}
