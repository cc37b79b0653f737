"""One synthetic student's history, decided by the engine as it is written.

Every request is decided by the engine of the pack in force on its date (the same chain the
audit uses) and must come out as the story expects: allowed for a clean event, or the planted
outcome for a planted one; anything else raises :class:`SynthError` (a bug in the generator, never
silently kept). Obligations get completion dates from the decision's own due dates, on time
unless a plant says otherwise. The history runs from the summer of 2025 (national rules only) over
autumn 2025, spring 2026 (Shanxi's rules from 2026-02-10) and autumn 2026.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from xueji_rules.audit.context import AuditContext
from xueji_rules.engine.decision import Decision

__all__ = ["Story", "SynthError"]

AUTUMN_25, SPRING_26, AUTUMN_26 = "2025-09-01", "2026-03-02", "2026-09-01"
_GRAD = {"fitness_test_passed": True, "credits_met": True, "curriculum_completed": True,
         "evaluation_met": True, "proficiency_exams_passed": True}  # fmt: skip
_SUSPEND_DOCS = ["suspension_resumption_form", "county_hospital_record"]


class SynthError(AssertionError):
    """The generator wrote an event the rules do not decide as the story expects."""


def _d(text: str, days: int) -> str:
    return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()


def _iso(day: dt.date) -> str:
    return day.isoformat()


class Story:
    """Builds one bundle: the state moves event by event; ``events`` is the history."""

    def __init__(self, ctx: AuditContext, start: dict[str, Any]) -> None:
        self.ctx = ctx
        self.start = dict(start)
        self.state: dict[str, Any] = dict(start)
        self.events: list[dict[str, Any]] = []
        self.attendance: list[dict[str, Any]] = []
        self.backups: list[dict[str, Any]] = []
        self.archive: dict[str, Any] | None = None

    # -- deciding ---------------------------------------------------------------------------

    def decide(self, request: dict[str, Any]) -> Decision:
        """The decision of ``request`` against the current state."""
        day = dt.date.fromisoformat(request["date"])
        engine = self.ctx.engine_on(day)
        if engine is None:
            raise SynthError(f"no pack in force on {day}")
        return engine.decide(self.state, request)

    def act(
        self,
        request: dict[str, Any],
        after: dict[str, Any] | None = None,
        *,
        expect: str = "allowed",
        late: str | None = None,
        open_: str | None = None,
        status: str | None = None,
    ) -> Decision:
        """Record ``request`` as done; ``late``/``open_`` name an obligation to plant late or open."""
        decision = self.decide(request)
        if decision.outcome != expect:
            failed = [r.id for r in decision.failed_rules]
            raise SynthError(
                f"{self.state['id']}: {request['transition']} on {request['date']} is "
                f"{decision.outcome}, expected {expect} (failed: {failed}, "
                f"approvals: {[a.body for a in decision.approvals]}, "
                f"documents: {[m.id for m in decision.missing_documents]})"
            )
        completed = []
        for ob in decision.obligations:
            if ob.due is None or ob.trigger is None or ob.id.endswith(".archive"):
                continue
            if ob.id == open_:
                continue
            if ob.id == late:
                done = ob.due + dt.timedelta(days=7)
            else:
                done = min(ob.due, ob.trigger + dt.timedelta(days=1))
            completed.append({"obligation": ob.id, "on": _iso(done)})
        new_status = status or (
            decision.next_status if decision.outcome == "allowed" else self._target(decision)
        )
        change: dict[str, Any] = {"status": new_status}
        if decision.next_stage != self.state["stage"]:
            change["stage"] = decision.next_stage
        change.update(after or {})
        event: dict[str, Any] = {"request": request, "after": change}
        if completed:
            event["completed"] = completed
        self.events.append(event)
        self.state.update(change)
        return decision

    def _target(self, decision: Decision) -> str:
        engine = self.ctx.engine_on(decision.as_of)
        assert engine is not None
        spec = engine.pack.lifecycle.transitions[decision.transition]
        for edge in spec.edges:
            if self.state["status"] in edge.from_statuses and (
                edge.stages is None or self.state["stage"] in edge.stages
            ):
                return edge.to
        raise SynthError(f"no edge for {decision.transition}")

    def update(self, on: str, change: dict[str, Any]) -> None:
        """A registry update without request (the yearly promotion, a data fix)."""
        self.events.append({"on": on, "after": change})
        self.state.update(change)

    def attend(self, term: str, school: str | None = None, **extra: Any) -> None:
        """The roster entry of ``term``: the state's school unless given."""
        entry: dict[str, Any] = {"term_start": term, "stage": self.state["stage"]}
        where = school if school is not None else (self.state.get("school") or {}).get("id")
        if where:
            entry["school"] = where
        entry.update(extra)
        self.attendance.append(entry)

    # -- requests the stories use ----------------------------------------------------------

    def transfer(self, date: str, to: dict[str, Any], *, drop: str | None = None,
                 late: str | None = None, open_: str | None = None,
                 expect: str = "allowed", backup: bool = True) -> None:  # fmt: skip
        """A transfer to ``to`` with every approval (``drop``: leave one body's out)."""
        old = self.state["school"]
        sx = dt.date.fromisoformat(date) >= dt.date(2026, 2, 10)
        approvals = [
            {"body": "sending_school", "kind": "verify_process", "date": _d(date, 2)},
            {"body": "sending_superior_registry_dept", "date": _d(date, 3)},
            {"body": "receiving_superior_registry_dept", "date": _d(date, 3)},
        ]
        if sx:
            approvals.insert(0, {"body": "sending_school", "kind": "consent", "date": _d(date, 1)})
            if to.get("ownership") == "private":  # 晋 第二十一条: the bureau places the student
                approvals.append({"body": "receiving_competent_bureau", "date": _d(date, 3)})
        approvals = [a for a in approvals if a["body"] != drop]
        request = {"transition": "transfer", "date": date, "applicant": "guardian",
                   "ground": "residence_moved", "residence_moved": True,
                   "to_school": to, "approvals": approvals}  # fmt: skip
        school = {k: v for k, v in to.items() if k != "vacancies"}
        self.act(request, {"school": school}, expect=expect, late=late, open_=open_,
                 status="enrolled")  # fmt: skip
        if backup:
            self.backups.append(
                {"school": old["id"], "date": date, "electronic": True, "paper_copy": True}
            )

    def suspend(self, date: str, end: str, *, bodies: tuple[str, ...] = ("school", "superior_registry_dept"),
                documents: tuple[str, ...] = tuple(_SUSPEND_DOCS), expect: str = "allowed",
                status: str | None = None) -> None:  # fmt: skip
        """An illness suspension from the Monday after ``date`` to ``end``."""
        start = _d(date, 6)
        request = {"transition": "suspend", "date": date, "applicant": "guardian", "ground": "illness",
                   "period_start": start, "period_end": end, "missed_class_hours": 300,
                   "term_class_hours": 700, "documents": list(documents),
                   "approvals": [{"body": b} for b in bodies]}  # fmt: skip
        entry = {"start": start, "end": end, "ground": "illness", "stage": self.state["stage"]}
        suspensions = [*self.state.get("suspensions", ()), entry]
        self.act(request, {"suspensions": suspensions}, expect=expect,
                 status=status or ("suspended" if expect != "allowed" else None))  # fmt: skip

    def resume(self, date: str) -> None:
        """The return after a suspension, to the same grade (晋 第三十一条)."""
        request = {"transition": "resume", "date": date, "applicant": "guardian",
                   "returned_on": _d(date, -1), "submitted_on": _d(date, 1),
                   "target_grade": self.state["grade"],
                   "documents": ["suspension_resumption_form", "resumption_evidence"],
                   "approvals": [{"body": "school", "date": date},
                                 {"body": "superior_registry_dept", "date": _d(date, 6)}]}  # fmt: skip
        self.act(request)

    def graduate(self, date: str) -> None:
        """Graduation at the end of the stage (with 晋 第三十九条's conditions for 普高)."""
        request: dict[str, Any] = {"transition": "graduate", "date": date, "applicant": "school",
                                   "approvals": [{"body": "superior_registry_dept"}]}  # fmt: skip
        if self.state["stage"] == "senior_secondary":
            request["graduation"] = dict(_GRAD)
        self._special(request)
        self.act(request)

    def _special(self, request: dict[str, Any]) -> None:
        # a disabled student's graduation and progression rest on the expert committee's
        # evaluation (教基〔2025〕1号 第十四条第二款)
        if (self.state.get("special_education") or {}).get("disabled"):
            request["documents"] = [*request.get("documents", ()), "expert_committee_evaluation"]

    def next_stage(self, school: dict[str, Any], next_stage: str) -> None:
        """Admission to the next stage and the report there (升学, same registry number)."""
        admit: dict[str, Any] = {
            "transition": "admit",
            "date": "2026-08-20",
            "to_stage": next_stage,
        }
        self._special(admit)
        self.act(admit, {"grade": self.state["grade"] + 1, "school": school})
        self.act({"transition": "promote", "date": AUTUMN_26, "reported_on": AUTUMN_26})

    def register(self, school: dict[str, Any], *, archive_days: int | None = 19) -> None:
        """A new first-grader: admission, then registration with the superior's approval."""
        self.act({"transition": "admit", "date": "2026-08-15"}, {"school": school})
        request = {"transition": "enroll", "date": AUTUMN_26, "applicant": "school",
                   "documents": ["id_document"], "information_verified": True,
                   "approvals": [{"body": "superior_registry_dept", "date": _d(AUTUMN_26, 4)}]}  # fmt: skip
        self.act(request, {"enrolled_on": AUTUMN_26})
        if archive_days is not None:
            self.archive = {"created_on": _d(AUTUMN_26, archive_days)}

    def bundle(
        self, identity: dict[str, Any], extra: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """The finished bundle (the record is the final state, with ``identity``'s fields)."""
        out: dict[str, Any] = {"record": {**self.state, **identity}}
        if self.events:
            out["history"] = {"start": self.start, "events": self.events}
        if self.attendance:
            out["attendance"] = self.attendance
        if self.archive is not None:
            out["archive"] = self.archive
        if self.backups:
            out["transfer_backups"] = self.backups
        if extra is not None:
            extra(out)
        return out
