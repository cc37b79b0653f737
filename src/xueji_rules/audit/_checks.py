"""The audit's own checks: stable ids, severities, the articles they rest on and their messages.

The checks the records package implements (O01, O07, O08, O12, O15, O17: one person one
registry, 学籍号s, accounts, staff, the form) are not here: their ids, severities and articles are
pack data (``records/checks.yaml``) and the audit calls the records package's functions. A test
keeps the two sets of ids apart.

Each check lists every article it rests on; a finding carries those whose document is part of the
pack in force for it (a Shanxi article only when 晋教〔2026〕1号 governs the date). Messages are
our own words (Chinese first, English beside it); the table in ``docs/audit.md`` mirrors this one
and a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xueji_rules.findings import Finding, Severity
from xueji_rules.packs.model import Citation, Pack, Text

__all__ = ["CHECKS", "CheckInfo", "cite", "make_finding"]

# document ids as the bundled packs declare them, with their numbers for packs that lack them
_NUMBERS = {
    "jiaoji_2025_1": "教基〔2025〕1号",
    "jiaoji_2025_8": "教基〔2025〕8号",
    "jinjiao_2026_1": "晋教〔2026〕1号",
}
N1, N8, SX = "jiaoji_2025_1", "jiaoji_2025_8", "jinjiao_2026_1"


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """One check: id, severity, articles (document id, article, paragraph, item), message."""

    id: str
    severity: Severity
    articles: tuple[tuple[str, int, int | None, int | None], ...]
    message: Text
    catalog: str  # the catalog entry (O01..O19) or "history"/"input"


def _c(
    id: str,
    severity: Severity,
    articles: tuple[tuple[str, int, int | None, int | None], ...],
    zh: str,
    en: str,
    catalog: str,
) -> CheckInfo:
    return CheckInfo(id, severity, articles, Text(zh, en), catalog)


_ALL = (
    _c(
        "O02.phantom_registry",
        "error",
        ((N8, 8, None, None), (N1, 25, None, None), (SX, 49, None, None)),
        "学生在籍，但该学期不在任何班级名册上（空挂学籍），学校应在核准中发现并处理。",
        "The student is registered but on no class roster for the term (phantom registry); the term verification must catch and resolve it.",
        "O02",
    ),
    _c(
        "O03.person_record_mismatch",
        "error",
        ((N8, 17, 3, None), (N1, 25, None, None), (SX, 49, None, None)),
        "学生实际在另一所学校的班级名册上就读，学籍却在本校（人籍分离），应办理转学或更正。",
        "The student is on another school's class roster while the registry sits here (person and record apart); transfer or correct it.",
        "O03",
    ),
    _c(
        "O04.verification_missing",
        "error",
        ((N1, 25, None, None), (SX, 49, None, None)),
        "学校在该学期没有按规定核准学籍（山西：每学期开学1个月后至少核准一次）。",
        "The school did not verify its registry in the term as required (Shanxi: at least once from one month after the opening).",
        "O04",
    ),
    _c(
        "O05.archive_late",
        "error",
        ((N8, 6, 1, None), (N1, 6, 1, None), (SX, 9, 1, None)),
        "学籍档案在初次入学（入园）注册后超过2个月才建立。",
        "The registry archive was built more than two months after the first registration.",
        "O05",
    ),
    _c(
        "O05.archive_overdue",
        "error",
        ((N8, 6, 1, None), (N1, 6, 1, None), (SX, 9, 1, None)),
        "初次入学（入园）注册已超过2个月，学籍档案仍未建立。",
        "Two months after the first registration the registry archive still does not exist.",
        "O05",
    ),
    _c(
        "O06.update_late",
        "warning",
        ((N1, 7, None, None), (SX, 13, 1, None)),
        "升学、转学等变动后，学校超过规定时限才更新学籍信息。",
        "After a promotion, transfer or other change the school updated the record after the time limit.",
        "O06",
    ),
    _c(
        "O06.update_overdue",
        "warning",
        ((N1, 7, None, None), (SX, 13, 1, None)),
        "升学、转学等变动后，更新学籍信息的时限已过，仍未更新。",
        "The time limit to update the record after a change has passed and the record is not updated.",
        "O06",
    ),
    _c(
        "O11.transfer_backup_missing",
        "error",
        ((N1, 15, 1, None), (SX, 19, None, None)),
        "学生转出后，转出学校没有备份保留电子学籍档案（及必要的纸质档案复印件）。",
        "After the student transferred away the sending school kept no electronic backup (and paper copies where needed).",
        "O11",
    ),
    _c(
        "O16.sanction_not_recorded",
        "warning",
        ((SX, 45, None, None),),
        "记过及以上纪律处分没有记入学生学籍档案。",
        "A sanction of 记过 or above is missing from the student's archive.",
        "O16",
    ),
    _c(
        "O16.specialized_education_recorded",
        "error",
        ((SX, 45, None, None),),
        "未成年学生接受专门教育的情形被记入了学籍档案，依规不得记入。",
        "A minor's specialized education was written into the archive, which the rules forbid.",
        "O16",
    ),
    _c(
        "O18.record_deleted",
        "error",
        ((N8, 12, None, None), (N8, 13, 1, None), (N1, 19, None, None)),
        "学籍记录被删除；离园、毕业、结业、肄业等学籍信息记录应当保留。",
        "A registry record was deleted; records of children who left, graduated or otherwise finished must be kept.",
        "O18",
    ),
    _c(
        "O19.dropout_not_reported",
        "error",
        ((N1, 17, None, None), (N1, 26, None, 4), (SX, 51, None, 4)),
        "义务教育阶段学生已停止到校，学校未及时启动控辍保学、报告辍学。",
        "A compulsory-stage student stopped attending and the school did not report the dropout in time.",
        "O19",
    ),
    _c(
        "history.move_not_allowed",
        "error",
        (),
        "学籍系统办理了按当日有效规则不允许的学籍变动。",
        "The registry carried out a change the rules in force on its date do not allow.",
        "history",
    ),
    _c(
        "history.approval_missing",
        "error",
        (),
        "学籍变动缺少规定的审批（核准、同意、核办等）就已办结。",
        "The change was completed without an approval the rules require.",
        "history",
    ),
    _c(
        "history.approval_wrong_body",
        "error",
        (),
        "学籍变动的审批由无权审批的机构作出，规定的审批机构没有审批。",
        "The change was approved by a body other than the one the rules name, which did not approve it.",
        "history",
    ),
    _c(
        "history.documents_missing",
        "error",
        (),
        "学籍变动缺少规定的材料或信息就已办结。",
        "The change was completed without documents or data the rules require.",
        "history",
    ),
    _c(
        "history.status_mismatch",
        "warning",
        (),
        "学籍系统记录的变动结果与规则判定的结果不一致。",
        "The status the registry recorded after the event differs from the one the rules give.",
        "history",
    ),
    _c(
        "history.record_mismatch",
        "warning",
        (),
        "按学籍历史推算的当前学籍状态与快照中的记录不一致。",
        "The record's current status differs from the one its own history leads to.",
        "history",
    ),
    _c(
        "history.obligation_late",
        "warning",
        (),
        "规定时限内应完成的事项逾期才完成。",
        "A duty with a time limit was completed after its due date.",
        "history",
    ),
    _c(
        "history.obligation_overdue",
        "error",
        (),
        "规定时限内应完成的事项已过期限，仍未完成。",
        "A duty with a time limit is past its due date and still open.",
        "history",
    ),
    _c(
        "history.outside_validity",
        "info",
        (),
        "该事件的日期不在所选规则包的有效期内，未能按当日规则审查。",
        "The event is dated outside every pack of the chosen chain; it could not be reviewed under the law of its day.",
        "history",
    ),
    _c(
        "history.event_error",
        "warning",
        (),
        "该事件的申请数据不完整或不合规，无法按规则判定。",
        "The event's request is malformed for the rules and could not be decided.",
        "history",
    ),
    _c(
        "input.bad_line",
        "error",
        (),
        "快照中的这一行无法读取或不符合格式，已跳过。",
        "This snapshot line could not be read or does not match its schema; it was skipped.",
        "input",
    ),
)

CHECKS: Mapping[str, CheckInfo] = {c.id: c for c in _ALL}


def cite(info: CheckInfo, pack: Pack | None) -> tuple[Citation, ...]:
    """The check's citations whose documents belong to ``pack`` (all of them without a pack)."""
    out = []
    for document, article, paragraph, item in info.articles:
        if pack is not None and document not in pack.documents:
            continue
        number = pack.documents[document].number if pack is not None else _NUMBERS[document]
        out.append(Citation(document, article, paragraph, item, number))
    return tuple(out)


def make_finding(
    check: str,
    records: tuple[str, ...],
    evidence: Mapping[str, Any],
    pack: Pack | None,
    citations: tuple[Citation, ...] = (),
    message: Text | None = None,
) -> Finding:
    """A finding of ``check`` (citations: the check's own, then ``citations``, deduplicated)."""
    info = CHECKS[check]
    own = cite(info, pack)
    merged = own + tuple(c for c in citations if c not in own)
    return Finding(
        check=check,
        severity=info.severity,
        records=tuple(sorted(records)),
        citations=merged,
        message=message or info.message,
        evidence=evidence,
    )
