"""Chinese names for input fields, modalities, units and relations, as the site and diff show them.

A field's label comes, in order, from its JSON Schema (``x-label``/``title``, a layer's
``inputs.yaml`` when packs declare them), from the table below, from the Chinese part of the
schema's ``description``, and last from the path itself. The table names the fields the bundled
schemas had when this module was written; a field added later still gets a label from its schema.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from xueji_rules._schemas import load_schema
from xueji_rules.packs.model import Pack

__all__ = [
    "MODALITY",
    "RELATION",
    "UNIT",
    "field_label",
    "pack_labeler",
    "schema_labels",
]

MODALITY = {
    "mandatory": "强制（须、应、不得）",
    "default": "原则性规定（原则上、一般），可例外",
    "documents": "须提交材料",
    "approval": "须经批准",
    "obligation": "义务与时限",
}
RELATION = {
    "adds": "新增",
    "narrows": "收紧",
    "fills": "细化（填补授权）",
    "replaces": "替换",
    "same": "重申",
}
UNIT = {
    "workdays": "个工作日",
    "days": "天",
    "weeks": "周",
    "months": "个月",
    "years": "年",
    "ratio": "（比例）",
}

_ROOTS = {"record": "学生记录", "request": "申请", "params": "参数", "settings": "设置"}

_TABLE = {
    "record.id": "学籍号",
    "record.temporary_id": "临时学籍号",
    "record.status": "学籍状态",
    "record.stage": "学段",
    "record.grade": "年级",
    "record.school_system": "学制",
    "record.birth_date": "出生日期",
    "record.nationality": "国籍/港澳台侨身份",
    "record.enrolled_on": "入学注册日期",
    "record.has_registry": "已有学籍号",
    "record.admission_term_start": "录取学期开学日",
    "record.registration_extended_until": "延期入学截止日",
    "record.school_years_completed": "本学段已完成学年数",
    "record.school": "就读学校",
    "record.school.id": "就读学校标识码",
    "record.school.name": "就读学校名称",
    "record.school.province": "就读学校所在省",
    "record.school.city": "就读学校所在市",
    "record.school.county": "就读学校所在县（区）",
    "record.school.ownership": "就读学校办学性质",
    "record.school.kind": "就读学校类型",
    "record.school.enrollment_area": "就读学校招生片区",
    "record.school.managed_by": "就读学校主管部门层级",
    "record.school.vacancies": "就读学校空余学位",
    "record.special_education": "特殊教育信息",
    "record.special_education.disabled": "是否残疾",
    "record.special_education.placement": "特殊教育安置方式",
    "record.suspensions": "休学记录",
    "record.suspensions[].start": "休学开始日",
    "record.suspensions[].end": "休学结束日",
    "record.suspensions[].ground": "休学原因",
    "record.suspensions[].stage": "休学时学段",
    "record.sanctions": "纪律处分记录",
    "record.sanctions[].level": "处分等级",
    "record.sanctions[].start": "处分开始日",
    "record.sanctions[].end": "处分解除日",
    "record.sanctions[].revoked": "处分已撤销",
    "request.transition": "学籍业务",
    "request.date": "受理日期",
    "request.applicant": "申请人",
    "request.ground": "申请理由",
    "request.documents": "已提交材料",
    "request.approvals": "已取得的批准",
    "request.exceptions": "已获准的例外",
    "request.approvals[].body": "批准机关",
    "request.approvals[].kind": "批准方式",
    "request.approvals[].date": "批准日期",
    "request.approvals[].granted": "是否准予",
    "request.exceptions[].rule": "例外所涉规则",
    "request.exceptions[].granted_by": "准予例外的机关",
    "request.exceptions[].reference": "例外批准文号",
    "request.to_school": "转入学校",
    "request.to_school.id": "转入学校标识码",
    "request.to_school.name": "转入学校名称",
    "request.to_school.province": "转入学校所在省",
    "request.to_school.city": "转入学校所在市",
    "request.to_school.county": "转入学校所在县（区）",
    "request.to_school.ownership": "转入学校办学性质",
    "request.to_school.kind": "转入学校类型",
    "request.to_school.enrollment_area": "转入学校招生片区",
    "request.to_school.managed_by": "转入学校主管部门层级",
    "request.to_school.vacancies": "转入学校空余学位",
    "request.target_grade": "拟转入年级",
    "request.target_school_system": "拟转入学制",
    "request.cross_province": "跨省",
    "request.hukou_moved": "户籍已迁移",
    "request.hukou_move_scope": "户籍迁移范围",
    "request.residence_moved": "家庭居住地已相应变化",
    "request.new_hukou": "户籍迁入地",
    "request.new_hukou.province": "户籍迁入省",
    "request.new_hukou.city": "户籍迁入市",
    "request.new_hukou.county": "户籍迁入县（区）",
    "request.period_start": "申请期限开始日",
    "request.period_end": "申请期限结束日",
    "request.missed_class_hours": "因病须缺课学时",
    "request.term_class_hours": "本学期总学时",
    "request.returned_on": "返校日期",
    "request.to_stage": "录取学段",
    "request.reported_on": "报到日期",
    "request.submitted_on": "学校报送上级日期",
    "request.evidence_received_on": "学校取得证明材料日期",
    "request.truancy_weeks_continuous": "连续旷课周数",
    "request.truancy_weeks_cumulative": "累计旷课周数",
    "request.program_years": "转入中职专业学制年限",
    "request.meets_entry_requirements": "符合转入学校招生条件",
    "request.gaokao_registration_closed": "当年高考报名已截止",
    "request.sat_proficiency_exams_elsewhere": "已在外省参加学业水平考试",
    "request.information_verified": "信息已核验属实",
    "request.attending": "实际在园（校）就读",
    "request.closure_date": "幼儿园撤销日期",
    "request.changed_fields": "变更的关键信息项",
    "request.graduation": "毕业条件",
    "request.graduation.curriculum_completed": "修完教育教学计划规定内容",
    "request.graduation.credits_met": "学分达到规定要求",
    "request.graduation.fitness_test_passed": "体质健康测试合格",
    "request.graduation.evaluation_met": "综合素质评价材料符合要求",
    "request.graduation.proficiency_exams_passed": "学业水平合格性考试全部合格",
}

_CJK_RUN = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff（）、，0-9〔〕号条款]*")


def _resolve(node: Any, root: Mapping[str, Any]) -> Any:
    for _ in range(10):
        if not isinstance(node, Mapping) or "$ref" not in node:
            return node
        ref = str(node["$ref"])
        file, _, pointer = ref.partition("#")
        target: Any = load_schema(file) if file else root
        for part in [p for p in pointer.split("/") if p]:
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        node = target
    return node


@functools.cache
def schema_labels() -> dict[str, str]:
    """Labels read off the record and request schemas (``x-label``, ``title`` or the Chinese in
    ``description``), by dotted path (array items as ``name[]``)."""
    out: dict[str, str] = {}
    for kind in ("record", "request"):
        root = load_schema(f"{kind}.schema.json")

        def walk(path: str, node: Any, depth: int, root: Mapping[str, Any] = root) -> None:
            node = _resolve(node, root)
            if not isinstance(node, Mapping) or depth > 4:
                return
            for name, sub in (node.get("properties") or {}).items():
                raw = sub if isinstance(sub, Mapping) else {}
                target = _resolve(raw, root)
                label = _own_label(raw) or _own_label(target)
                if label:
                    out[f"{path}.{name}"] = label
                walk(f"{path}.{name}", target, depth + 1)
                items = target.get("items") if isinstance(target, Mapping) else None
                if isinstance(items, Mapping):
                    walk(f"{path}.{name}[]", items, depth + 1)

        walk(kind, root, 0)
    return out


def _own_label(node: Any) -> str | None:
    if not isinstance(node, Mapping):
        return None
    for key in ("x-label", "title"):
        value = node.get(key)
        if isinstance(value, Mapping) and isinstance(value.get("zh"), str):
            return str(value["zh"])
        if isinstance(value, str) and _CJK_RUN.search(value):
            return value
    return None


def _description_label(path: str) -> str | None:
    from xueji_rules._schemas import load_schema as _load

    kind, *parts = path.replace("[]", "").split(".")
    if kind not in ("record", "request"):
        return None
    root = _load(f"{kind}.schema.json")
    node: Any = root
    for part in parts:
        node = _resolve(node, root)
        if isinstance(node, Mapping) and node.get("type") == "array":
            node = _resolve(node.get("items", {}), root)
        props = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(props, Mapping) or part not in props:
            return None
        node = props[part]
    desc = node.get("description") if isinstance(node, Mapping) else None
    if isinstance(desc, str):
        match = _CJK_RUN.match(desc.strip())  # a description that starts in Chinese names it
        if match:
            return match.group(0).rstrip("（、，")
    return None


@functools.cache
def field_label(path: str) -> str:
    """The Chinese name of an input path (``request.to_school.city`` → 转入学校所在市)."""
    if path in _ROOTS:
        return _ROOTS[path]
    found = schema_labels().get(path) or _TABLE.get(path) or _description_label(path)
    if found:
        return found
    return path


def pack_labeler(pack: Pack) -> Callable[[str], str]:
    """A labeler for :func:`~xueji_rules.authoring.expressions.readable` under ``pack``: input
    fields by their Chinese names, ``params.X`` by the parameter's label."""

    def label(path: str) -> str:
        root, _, rest = path.partition(".")
        if root == "params" and rest:
            param = pack.parameters.get(rest)
            return f"参数「{param.label.zh if param else rest}」"
        if root == "settings" and rest:
            return f"设置「{rest}」"
        return field_label(path)

    return label
