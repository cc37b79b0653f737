"""Render a decision as a readable trace, in Chinese or English (the same data as its JSON form)."""

from __future__ import annotations

from typing import Literal

from xueji_rules.engine.decision import Decision, Obligation
from xueji_rules.packs.model import NOT_SPECIFIED, Pack, Text
from xueji_rules.records.masking import Masker

__all__ = ["LANGUAGES", "OUTCOME_LABELS", "explain"]

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

OUTCOME_LABELS = {
    "allowed": "准予办理",
    "needs_approval": "待审批",
    "denied": "不予办理",
    "denied_by_default": "原则上不予办理（可经例外途径）",
    "incomplete": "材料不全",
}
_OUTCOME_EN = {
    "allowed": "allowed",
    "needs_approval": "needs approval",
    "denied": "denied",
    "denied_by_default": "denied in principle (an exception is possible)",
    "incomplete": "incomplete",
}
_MODALITY = {
    "mandatory": Text("强制", "must"),
    "default": Text("原则", "default"),
    "documents": Text("材料", "documents"),
    "approval": Text("审批", "approval"),
    "obligation": Text("义务", "duty"),
}
_UNITS = {
    "workdays": Text("个工作日", " working days"),
    "days": Text("日", " days"),
    "weeks": Text("周", " weeks"),
    "months": Text("个月", " months"),
}
# the words of the trace, Chinese then English
_W = {
    "transition": Text("业务", "Transition"),
    "record": Text("学籍号", "Record"),
    "date": Text("日期", "Date"),
    "pack": Text("规则包", "Pack"),
    "outcome": Text("结论", "Outcome"),
    "status": Text("状态", "Status"),
    "stage": Text("学段", "Stage"),
    "same_number": Text("，学籍号不变", ", same registry number"),
    "grade": Text("年级", "Grade"),
    "system": Text("学制", "School system"),
    "reason": Text("原因", "Reason"),
    "cites": Text("依据", "Under"),
    "also_cites": Text("同时依据", "Also under"),
    "allowed": Text("当前状态可办理的业务", "Transitions open from this status"),
    "none": Text("无", "none"),
    "rules": Text("适用的规则", "Rules that applied"),
    "granted": Text("（已获例外批准）", " (exception granted)"),
    "route": Text("例外途径", "Exception route"),
    "not_specified": Text("条文未规定由谁批准例外", "not specified by the text"),
    "missing_docs": Text("尚缺材料", "Documents missing"),
    "or": Text("或", "or"),
    "missing_inputs": Text(
        "尚缺信息（相关规则无法判断）", "Inputs missing (the rules named cannot be decided)"
    ),
    "needed_by": Text("需要它的规则", "needed by"),
    "approvals": Text("尚需审批", "Approvals still needed"),
    "obligations": Text("由此产生的义务与期限", "Duties and deadlines"),
    "from": Text(" 起 ", " + "),
    "due": Text("，截止 ", ", due "),
    "no_calendar": Text("截止日期无法计算：缺少节假日数据", "due date unknown: no holiday data"),
    "no_deadline": Text("无具体期限", "no deadline"),
}
_SEP = {"zh": ("：", "　", "、", "（", "）", "；"), "en": (": ", "  ", ", ", " (", ")", "; ")}


def explain(
    decision: Decision, pack: Pack | None = None, lang: str = "zh", *, reveal: bool = False
) -> str:
    """A multi-line explanation of ``decision`` in ``lang`` (``"zh"``, the default, or ``"en"``).

    With ``pack``, ids are shown with their labels (statuses, stages, transitions). Where a text
    has no English the Chinese is shown; the ids stay the same in both languages. The 学籍号 is
    masked (docs/privacy.md) unless ``reveal=True``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: zh, en)")
    colon, gap, comma, lp, rp, semi = _SEP[lang]
    lifecycle = pack.lifecycle if pack else None
    record_id = decision.record_id if reveal else Masker.for_pack(pack).mask_id(decision.record_id)

    def w(key: str) -> str:
        return _W[key].in_lang(lang)

    def t(text: Text) -> str:
        return text.in_lang(lang)

    def named(label: Text | None, ident: str) -> str:
        return f"{t(label)}{lp}{ident}{rp}" if label is not None else ident

    def status(sid: str) -> str:
        label = lifecycle.statuses[sid].text if lifecycle and sid in lifecycle.statuses else None
        return named(label, sid)

    def stage(sid: str) -> str:
        label = lifecycle.stages[sid].text if lifecycle and sid in lifecycle.stages else None
        return named(label, sid)

    transition = decision.transition
    if lifecycle and transition in lifecycle.transitions:
        transition = named(lifecycle.transitions[transition].text, transition)
    outcome = (OUTCOME_LABELS if lang == "zh" else _OUTCOME_EN)[decision.outcome]
    pack_line = f"{decision.pack} {decision.pack_version}"
    if decision.pack_digest:
        pack_line += f"{gap}{decision.pack_digest}"
    lines = [
        f"{w('transition')}{colon}{transition}{gap}{w('record')}{colon}{record_id}"
        f"{gap}{w('date')}{colon}{decision.as_of.isoformat()}",
        f"{w('pack')}{colon}{pack_line}",
        f"{w('outcome')}{colon}{outcome}{lp}{decision.outcome}{rp}",
        f"{w('status')}{colon}{status(decision.from_status)} → {status(decision.next_status)}",
    ]
    if decision.next_stage != decision.from_stage:
        lines.append(
            f"{w('stage')}{colon}{stage(decision.from_stage)} → {stage(decision.next_stage)}"
            f"{w('same_number')}"
        )
    if decision.next_grade is not None and decision.outcome == "allowed":
        lines.append(f"{w('grade')}{colon}{decision.next_grade}")
    if decision.next_school_system is not None and decision.outcome == "allowed":
        lines.append(f"{w('system')}{colon}{decision.next_school_system}")
    if decision.reason is not None:
        lines.append(f"{w('reason')}{colon}{t(decision.reason)}")
    if decision.citations:
        cited = comma.join(c.render_in(lang) for c in decision.citations)
        lines.append(f"{w('cites')}{colon}{cited}")
    if decision.allowed_transitions is not None:
        allowed = comma.join(decision.allowed_transitions) or w("none")
        lines.append(f"{w('allowed')}{colon}{allowed}")
    if decision.rules:
        lines.append(f"{w('rules')}{colon.strip()}")
        for r in decision.rules:
            mark = "✓" if r.passed else "✗"
            extra = w("granted") if r.exception_granted else ""
            lines.append(
                f"  {mark} [{t(_MODALITY[r.modality]) if r.modality in _MODALITY else r.modality}]"
                f" {r.id}{extra}\n      {t(r.message)}\n"
                f"      {w('cites')}{colon}{r.citation.render_in(lang)}{lp}{r.source_pack}{rp}"
            )
            if r.also_cites:
                also = comma.join(c.render_in(lang) for c in r.also_cites)
                lines.append(f"      {w('also_cites')}{colon}{also}")
            if not r.passed and r.exception_route:
                route = (
                    w("not_specified")
                    if r.exception_route == NOT_SPECIFIED
                    else named(
                        _vocab(pack, "exception_routes", r.exception_route), r.exception_route
                    )
                )
                lines.append(f"      {w('route')}{colon}{route}")
    if decision.missing_inputs:
        lines.append(f"{w('missing_inputs')}{colon.strip()}")
        for m in decision.missing_inputs:
            needed = comma.join(m.rules)
            lines.append(f"  - {t(m.label)} [{m.path}]{lp}{w('needed_by')}{colon}{needed}{rp}")
    if decision.missing_documents:
        lines.append(f"{w('missing_docs')}{colon.strip()}")
        for d in decision.missing_documents:
            alt = f"{lp}{w('or')}{colon}{comma.join(d.alternatives)}{rp}" if d.alternatives else ""
            lines.append(f"  - {t(d.label)} [{d.id}]{alt}")
    if decision.approvals:
        lines.append(f"{w('approvals')}{colon.strip()}")
        for a in decision.approvals:
            label = t(a.label) if a.label else a.body
            lines.append(f"  - {label} [{a.body}/{a.kind}]")
    if decision.obligations:
        lines.append(f"{w('obligations')}{colon.strip()}")
        for o in decision.obligations:
            party = named(o.party_label, o.party) if o.party_label else o.party
            lines.append(f"  - {party}{colon}{t(o.action)}{lp}{_when(o, lang)}{semi}"
                         f"{o.citation.render_in(lang)}{rp}")  # fmt: skip
    return "\n".join(lines)


def _vocab(pack: Pack | None, kind: str, item: str) -> Text | None:
    return pack.label_of(kind, item) if pack is not None else None


def _when(o: Obligation, lang: str) -> str:
    w = _W
    if o.due_status == "computed" and o.due is not None and o.trigger is not None:
        unit = _UNITS[o.unit].in_lang(lang) if o.unit in _UNITS else f" {o.unit}"
        return (
            f"{o.trigger.isoformat()}{w['from'].in_lang(lang)}{o.amount}{unit}"
            f"{w['due'].in_lang(lang)}{o.due.isoformat()}"
        )
    if o.due_status == "calendar_unavailable":
        return w["no_calendar"].in_lang(lang)
    return w["no_deadline"].in_lang(lang)
