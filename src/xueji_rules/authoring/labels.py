"""How the site and the diff name things, in Chinese and English: input fields, parameters,
vocabulary ids, modalities, relations and units.

An input field's name is the engine's own (:func:`~xueji_rules.engine._compile.input_label`): the
``x-label`` of the bundled JSON Schemas, a school field's ``x-label-part`` after its holder's label,
and the labels of the pack's ``inputs.yaml``, so the site names a field exactly as a decision's
``missing_inputs`` does. :data:`UNLABELLED` names the few fields the schemas leave without a label
(the fields of list elements and of ``record.special_education``); a test fails as soon as a schema
labels one of them, so the table only shrinks. Vocabulary ids take the pack's declared labels
(:meth:`Pack.label_of <xueji_rules.packs.model.Pack.label_of>`).
"""

from __future__ import annotations

from xueji_rules.packs.model import Pack, Text

__all__ = [
    "COMPARED_IDS",
    "MODALITY",
    "RELATION",
    "UNIT",
    "UNLABELLED",
    "Labels",
    "field_text",
]

MODALITY = {
    "mandatory": Text("强制（须、应、不得）", "mandatory (must, must not)"),
    "default": Text(
        "原则性规定（原则上、一般），可例外", "default rule (in principle), exceptions possible"
    ),
    "documents": Text("须提交材料", "documents required"),
    "approval": Text("须经批准", "approval required"),
    "obligation": Text("义务与时限", "duties and time limits"),
}
RELATION = {
    "adds": Text("新增", "adds"),
    "narrows": Text("收紧", "narrows"),
    "fills": Text("细化（填补授权）", "fills (a delegated detail)"),
    "replaces": Text("替换", "replaces"),
    "same": Text("重申", "restates"),
}
UNIT = {
    "workdays": Text("个工作日", " working days"),
    "days": Text("天", " days"),
    "weeks": Text("周", " weeks"),
    "months": Text("个月", " months"),
    "years": Text("年", " years"),
    "ratio": Text("（比例）", " (ratio)"),
}

# The bundled schemas label every top-level field and the school's fields; these they do not
# (tests/authoring/test_labels.py keeps this table to exactly those).
UNLABELLED = {
    "record.special_education.disabled": Text("是否残疾", "disabled"),
    "record.special_education.placement": Text("特殊教育安置方式", "special education placement"),
    "record.suspensions[].start": Text("休学开始日", "suspension start"),
    "record.suspensions[].end": Text("休学结束日", "suspension end"),
    "record.suspensions[].ground": Text("休学原因", "suspension ground"),
    "record.suspensions[].stage": Text("休学时学段", "stage during the suspension"),
    "record.sanctions[].level": Text("处分等级", "sanction level"),
    "record.sanctions[].start": Text("处分开始日", "sanction start"),
    "record.sanctions[].end": Text("处分解除日", "sanction end"),
    "record.sanctions[].revoked": Text("处分已撤销", "sanction revoked"),
    "request.approvals[].body": Text("批准机关", "approving body"),
    "request.approvals[].kind": Text("批准方式", "kind of approval"),
    "request.approvals[].date": Text("批准日期", "date of approval"),
    "request.approvals[].granted": Text("是否准予", "granted"),
    "request.exceptions[].rule": Text("例外所涉规则", "rule excepted"),
    "request.exceptions[].granted_by": Text("准予例外的机关", "body granting the exception"),
    "request.exceptions[].reference": Text("例外批准文号", "reference of the exception"),
}

_ROOTS = {
    "record": Text("学生记录", "the record"),
    "request": Text("申请", "the request"),
    "params": Text("参数", "parameters"),
    "settings": Text("设置", "settings"),
}

COMPARED_IDS = {
    "request.ground": "grounds",
    "request.applicant": "applicants",
    "request.documents[]": "documents",
    "request.approvals[].body": "approval_bodies",
    "request.exceptions[].granted_by": "exception_routes",
}
"""The input paths whose compared values are ids of a vocabulary kind."""


def field_text(pack: Pack, path: str) -> Text | None:
    """The name of an input path in both languages (``None`` when nothing labels it)."""
    from xueji_rules.engine._compile import input_label

    if path in _ROOTS:
        return _ROOTS[path]
    return UNLABELLED.get(path) or (None if "[]" in path else input_label(path, pack.inputs))


class Labels:
    """The names one language of the site uses for ``pack``'s fields, parameters and ids."""

    def __init__(self, pack: Pack, lang: str) -> None:
        self.pack = pack
        self.lang = lang

    def text(self, value: Text | None, fallback: str = "") -> str:
        """``value`` in this language (Chinese when it has no English), else ``fallback``."""
        return value.in_lang(self.lang) if value is not None else fallback

    def field(self, path: str) -> str:
        """An input path, ``params.NAME`` or ``settings.NAME`` by its name."""
        root, _, rest = path.partition(".")
        if root == "params" and rest:
            param = self.pack.parameters.get(rest)
            name = self.text(param.label, rest) if param is not None else rest
            return f"参数「{name}」" if self.lang == "zh" else f"parameter “{name}”"
        if root == "settings" and rest:
            return f"设置「{rest}」" if self.lang == "zh" else f"setting “{rest}”"
        found = field_text(self.pack, path)
        if found is None:
            return path
        if self.lang == "en" and found.en is None:
            return path  # an English sentence reads better with the path than with Chinese
        return found.in_lang(self.lang)

    def value(self, path: str, value: str) -> str | None:
        """The declared label of ``value`` when ``path`` holds ids of a vocabulary."""
        kind = COMPARED_IDS.get(path)
        if kind is None:
            return None
        found = self.pack.label_of(kind, value)
        if found is None and kind == "exception_routes":
            found = self.pack.label_of("approval_bodies", value)
        return self.text(found) if found is not None else None
