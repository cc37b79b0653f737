"""Render a decision as a readable Chinese trace (the same data as its JSON form)."""

from __future__ import annotations

from xueji_rules.engine.decision import Decision
from xueji_rules.packs.model import Pack
from xueji_rules.records.masking import Masker

__all__ = ["OUTCOME_LABELS", "explain"]

OUTCOME_LABELS = {
    "allowed": "准予办理",
    "needs_approval": "待审批",
    "denied": "不予办理",
    "denied_by_default": "原则上不予办理（可经例外途径）",
    "incomplete": "材料不全",
}
_MODALITY_LABELS = {
    "mandatory": "强制",
    "default": "原则",
    "documents": "材料",
    "approval": "审批",
    "obligation": "义务",
}
_UNIT_LABELS = {"workdays": "个工作日", "days": "日", "weeks": "周", "months": "个月"}


def explain(decision: Decision, pack: Pack | None = None, *, reveal: bool = False) -> str:
    """A multi-line Chinese explanation of ``decision``.

    The 学籍号 is masked (docs/privacy.md) unless ``reveal=True``.
    """
    lifecycle = pack.lifecycle if pack else None
    record_id = decision.record_id if reveal else Masker.for_pack(pack).mask_id(decision.record_id)

    def status(sid: str) -> str:
        if lifecycle and sid in lifecycle.statuses:
            return f"{lifecycle.statuses[sid].label}（{sid}）"
        return sid

    transition = decision.transition
    if lifecycle and transition in lifecycle.transitions:
        transition = f"{lifecycle.transitions[transition].label}（{transition}）"
    lines = [
        f"业务：{transition}　学籍号：{record_id}　日期：{decision.as_of.isoformat()}",
        f"规则包：{decision.pack} {decision.pack_version}",
        f"结论：{OUTCOME_LABELS[decision.outcome]}（{decision.outcome}）",
        f"状态：{status(decision.from_status)} → {status(decision.next_status)}",
    ]
    if decision.next_stage != decision.from_stage:
        stages = lifecycle.stages if lifecycle else {}
        label = (
            stages[decision.next_stage].label
            if decision.next_stage in stages
            else decision.next_stage
        )
        lines.append(f"学段：{decision.from_stage} → {label}（{decision.next_stage}），学籍号不变")
    if decision.reason is not None:
        lines.append(f"原因：{decision.reason.zh}")
    if decision.allowed_transitions is not None:
        allowed = "、".join(decision.allowed_transitions) or "无"
        lines.append(f"当前状态可办理的业务：{allowed}")
    if decision.rules:
        lines.append("适用的规则：")
        for r in decision.rules:
            mark = "✓" if r.passed else "✗"
            extra = "（已获例外批准）" if r.exception_granted else ""
            lines.append(
                f"  {mark} [{_MODALITY_LABELS.get(r.modality, r.modality)}] {r.id}{extra}\n"
                f"      {r.message.zh}\n      依据：{r.citation.render()}（{r.source_pack}）"
            )
            if not r.passed and r.exception_route:
                lines.append(f"      例外途径：{r.exception_route}")
    if decision.missing_documents:
        lines.append("尚缺材料：")
        for d in decision.missing_documents:
            alt = f"（或：{'、'.join(d.alternatives)}）" if d.alternatives else ""
            lines.append(f"  - {d.label.zh} [{d.id}]{alt}")
    if decision.approvals:
        lines.append("尚需审批：")
        for a in decision.approvals:
            label = a.label.zh if a.label else a.body
            lines.append(f"  - {label} [{a.body}/{a.kind}]")
    if decision.obligations:
        lines.append("由此产生的义务与期限：")
        for o in decision.obligations:
            if o.due_status == "computed" and o.due is not None and o.trigger is not None:
                when = f"{o.trigger.isoformat()} 起 {o.amount}{_UNIT_LABELS.get(o.unit or '', o.unit)}，截止 {o.due.isoformat()}"
            elif o.due_status == "calendar_unavailable":
                when = "截止日期无法计算：缺少节假日数据"
            else:
                when = "无具体期限"
            lines.append(f"  - {o.party}：{o.action.zh}（{when}；{o.citation.render()}）")
    return "\n".join(lines)
