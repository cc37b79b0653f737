"""The pages of what the pack declares beside its rules: vocabularies, input fields, the records
data (personal fields, registry numbers, checks) and the collection form."""

from __future__ import annotations

from typing import Any

from xueji_rules.authoring.site.context import SiteContext
from xueji_rules.authoring.site.html import esc, table
from xueji_rules.packs.model import VOCABULARY_KINDS, Text
from xueji_rules.records.spec import CodeList, FormField

__all__ = ["form_page", "inputs_page", "records_page", "vocabularies_page"]

KINDS = {
    "approval_bodies": Text("审批机关", "Approving bodies"),
    "documents": Text("材料", "Documents"),
    "grounds": Text("申请理由", "Grounds"),
    "exception_routes": Text("例外的批准途径", "Exception routes"),
    "applicants": Text("申请人", "Applicants"),
    "parties": Text("义务的责任方", "Parties to duties"),
}
_REQUIRED = {
    "star": Text("★ 必采", "★ required"),
    "asterisk": Text("* 建议采集（缺少为警告）", "* recommended (missing: a warning)"),
    "none": Text("选填", "optional"),
}
_DEIDENTIFY = {
    "remove": Text("删除", "removed"),
    "pseudonymize": Text("假名化（带密钥的 HMAC）", "pseudonymised (keyed HMAC)"),
    "generalize_year_month": Text("只保留年月", "year and month kept"),
    "generalize_year": Text("只保留年份", "year kept"),
    "generalize_county": Text("只保留到县（区）", "county kept"),
    "keep": Text("保留", "kept"),
}
_SEVERITY = {
    "error": Text("错误", "error"),
    "warning": Text("警告", "warning"),
    "info": Text("提示", "information"),
}


def _users(ctx: SiteContext) -> dict[tuple[str, str], set[str]]:
    """Which rules name each vocabulary id: the ids of the transitions' contracts (documents,
    approval bodies, grounds, applicants), exception routes and the parties of duties."""
    out: dict[tuple[str, str], set[str]] = {}
    for contract in ctx.data.contracts.values():
        for stage in contract["stages"].values():
            for kind in ("documents", "approval_bodies", "grounds", "applicants"):
                for row in stage[kind]:
                    out.setdefault((kind, row["id"]), set()).update(row["used_by"])
    for rule in ctx.pack.rules:
        if rule.exception is not None:
            out.setdefault(("exception_routes", rule.exception.route), set()).add(rule.id)
        for o in rule.obligations:
            out.setdefault(("parties", o.party), set()).add(rule.id)
    return out


def vocabularies_page(ctx: SiteContext) -> str:
    """Every id the pack declares, by kind, with its labels and the rules that name it."""
    t = ctx.t
    users = _users(ctx)
    parts = [
        "<p>"
        + esc(
            t(
                "申请和规则中使用的各类标识及其中英文名称（vocabularies.yaml）；"
                "申请中出现未声明的标识时，引擎报告输入错误并给出相近的标识。",
                "The ids requests and rules use, with their Chinese and English names "
                "(vocabularies.yaml); an id a request uses that the pack does not know is an "
                "input error with a did-you-mean.",
            )
        )
        + "</p>"
    ]
    for kind in VOCABULARY_KINDS:
        entries = ctx.pack.vocabularies.get(kind, {})
        parts.append(
            f"<h2 id='vocab-{esc(kind)}'>{ctx.text(KINDS[kind])}{ctx.paren(str(len(entries)))}</h2>"
        )
        if not entries:
            parts.append(f"<p class='muted'>{esc(t('未声明', 'none declared'))}</p>")
            continue
        rows = [
            (
                f'<code class="id" id="vocab-{esc(kind)}-{esc(key)}">{esc(key)}</code>',
                esc(label.zh),
                esc(label.en or "—"),
                " ".join(ctx.who_link(r) for r in sorted(users.get((kind, key), ()))) or "—",
            )
            for key, label in sorted(entries.items())
        ]
        headers = ("id", "中文", "English", t("使用它的规则", "rules naming it"))
        parts.append(table(headers, rows, "vocab"))
    return "\n".join(parts)


def _bounds(schema: dict[str, Any]) -> str:
    bits = []
    if "enum" in schema:
        bits.append(" | ".join(str(v) for v in schema["enum"]))
    for key, sign in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "len ≤")):
        if key in schema:
            bits.append(f"{sign} {schema[key]}")
    return esc("; ".join(bits)) or "—"


def inputs_page(ctx: SiteContext) -> str:
    """The pack's own input fields (``inputs.yaml``), and every field the transitions read."""
    t = ctx.t
    uses = ctx.data.field_uses
    parts = [
        f"<h2 id='own'>{esc(t('规则包声明的输入字段', 'Input fields the pack declares'))}</h2>"
    ]
    own = ctx.pack.inputs
    if own:
        rows = []
        for f in own:
            schema = f.json_schema()
            read = sorted(uses.get(f.path, {}).get("by", {}))
            rows.append(
                (
                    f'<span id="input-{esc(f.path)}">{ctx.text(f.label)}</span><br>'
                    f"<code class='id'>{esc(f.path)}</code>",
                    esc(f.type),
                    _bounds(schema),
                    esc(f.description or "—"),
                    esc(f.source_pack),
                    ctx.sep.join(ctx.transition_link(x) for x in read) or "—",
                )
            )
        headers = (
            t("字段", "field"),
            t("类型", "type"),
            t("取值", "values"),
            t("说明", "description"),
            t("规则包", "pack"),
            t("读取它的业务", "read by"),
        )
        parts.append(table(headers, rows))
    else:
        note = t(
            "本规则包没有声明自己的输入字段；规则只读取内置的学生记录和申请字段。",
            "The pack declares no input fields of its own; its rules read the bundled record "
            "and request fields only.",
        )
        parts.append(f"<p class='muted'>{esc(note)}</p>")
    parts.append(f"<h2 id='read'>{esc(t('各业务读取的字段', 'Fields the transitions read'))}</h2>")
    read_rows = [
        (
            ctx.field(path),
            esc(use["type"]),
            esc(t("是", "yes") if use["always"] else t("否", "no")),
            ctx.sep.join(ctx.transition_link(x) for x in sorted(use["by"])),
        )
        for path, use in uses.items()
    ]
    read_headers = (
        t("字段", "field"),
        t("类型", "type"),
        t("必有", "always present"),
        t("学籍业务", "transitions"),
    )
    return "\n".join(parts) + table(read_headers, read_rows)


def _codes_link(ctx: SiteContext, codes: CodeList | None, key: str | None) -> str:
    if key is None:
        return "—"
    if codes is None:
        return f"<code class='id'>{esc(key)}</code>"
    return f'<a href="form.html#codes-{esc(key)}">{ctx.text(codes.label)}</a>'


def _field_row(ctx: SiteContext, f: FormField) -> tuple[str, ...]:
    t = ctx.t
    notes = []
    if f.required_when is not None:
        other, value = f.required_when
        notes.append(t(f"第{other}项为 {value} 时必填", f"required when {other} is {value}"))
    if f.max_length is not None:
        notes.append(t(f"最多 {f.max_length} 字", f"at most {f.max_length} characters"))
    if f.document_type_field:
        notes.append(
            t(
                f"按 {f.document_type_field} 的证件类型校验",
                f"checked by the type in {f.document_type_field}",
            )
        )
    codes = ctx.data.records.code_lists.get(f.codes) if f.codes else None
    return (
        str(f.number),
        f"<span id='field-{esc(f.id)}'>{ctx.text(f.label)}</span>",
        f"<code class='id'>{esc(f.path)}</code>",
        esc(f.type),
        ctx.text(_REQUIRED.get(f.required), f.required),
        _codes_link(ctx, codes, f.codes),
        esc(ctx.semi.join(notes)) or "—",
    )


def form_page(ctx: SiteContext) -> str:
    """The collection form: where it applies and what it cites, its fields by group, its code
    lists."""
    t = ctx.t
    spec = ctx.data.records
    form = spec.form
    if not form.fields:
        return f"<p class='muted'>{esc(t('本规则包没有采集表。', 'The pack has no collection form.'))}</p>"
    stages = ctx.sep.join(ctx.stage_name(s) for s in form.stages)
    cites = ctx.sep.join(ctx.cite(c) for c in form.citations)
    parts = [
        f"<p><strong>{ctx.text(form.label)}</strong> <code class='id'>{esc(form.id)}</code></p>",
        f"<p>{esc(t('适用学段：', 'Stages: '))}{stages}{ctx.semi}{esc(t('依据：', 'under: '))}{cites}</p>",
    ]
    headers = (
        t("序号", "no."),
        t("信息项", "field"),
        t("记录中的位置", "path in the record"),
        t("类型", "type"),
        t("采集要求", "required"),
        t("代码表", "code list"),
        t("说明", "notes"),
    )
    for group in form.groups:
        fields = [f for f in form.fields if f.group == group.id]
        where = f" <code class='id'>{esc(group.path)}</code>" if group.path else ""
        parts.append(f"<h2 id='group-{esc(group.id)}'>{ctx.text(group.label)}{where}</h2>")
        parts.append(table(headers, [_field_row(ctx, f) for f in fields]))
    parts.append(f"<h2>{esc(t('代码表', 'Code lists'))}</h2>")
    for key, codes in sorted(spec.code_lists.items()):
        values = ctx.sep.join(
            f"{ctx.text(v.label)} <code class='id'>{esc(v.id)}</code>" for v in codes.values
        )
        source = ctx.paren(esc(codes.source)) if codes.source else ""
        parts.append(
            f"<details id='codes-{esc(key)}'><summary>{ctx.text(codes.label)}{source}"
            f"{ctx.paren(str(len(codes.values)))}</summary><p>{values}</p></details>"
        )
    return "\n".join(parts)


def _label_of_path(ctx: SiteContext, path: str) -> str:
    for f in ctx.data.records.form.fields:
        if f.path == path:
            return ctx.text(f.label)
    return esc(path)


def records_page(ctx: SiteContext) -> str:
    """The records data: the form (linked), registry-number schemes, personal fields and how
    they are masked and exported, quasi-identifiers, and the checks with their articles."""
    t = ctx.t
    spec = ctx.data.records
    form = spec.form
    parts = [f"<h2>{esc(t('学生信息采集表', 'Collection form'))}</h2>"]
    if form.fields:
        parts.append(
            f'<p><a href="form.html">{ctx.text(form.label)}</a>{ctx.colon}'
            f"{esc(t(f'{len(form.fields)} 个信息项', f'{len(form.fields)} fields'))}</p>"
        )
    else:
        parts.append(f"<p class='muted'>{esc(t('无', 'none'))}</p>")
    if spec.schemes:
        parts.append(f"<h2>{esc(t('学籍号', 'Registry numbers'))}</h2>")
        rows = [
            (
                f"<code>{esc(s.prefix)}</code>",
                ctx.text(s.label),
                esc(s.body),
                esc(t("是", "yes") if s.temporary else t("否", "no")),
            )
            for s in spec.schemes
        ]
        parts.append(
            table(
                (
                    t("前缀", "prefix"),
                    t("名称", "scheme"),
                    t("主体", "body"),
                    t("临时", "temporary"),
                ),
                rows,
            )
        )
    parts.append(f"<h2 id='personal'>{esc(t('个人信息字段', 'Personal data'))}</h2>")
    rows = [
        (
            ctx.text(p.label),
            f"<code class='id'>{esc(p.path)}</code>",
            esc(p.kind),
            ctx.text(_DEIDENTIFY.get(p.deidentify), p.deidentify),
        )
        for p in spec.personal_fields
    ]
    note = t(
        "这些字段在说明、错误信息、日志和核查结果中被遮蔽；去标识化导出时按所列方式处理。",
        "These fields are masked in explanations, errors, logs and findings; a de-identified "
        "export treats them as listed.",
    )
    parts.append(f"<p class='muted'>{esc(note)}</p>")
    headers = (
        t("字段", "field"),
        t("位置", "path"),
        t("类别", "kind"),
        t("去标识化导出", "de-identified export"),
    )
    parts.append(table(headers, rows) if rows else f"<p class='muted'>{esc(t('无', 'none'))}</p>")
    if spec.quasi_identifiers:
        parts.append(f"<h2>{esc(t('准标识符', 'Quasi-identifiers'))}</h2>")
        items = ctx.sep.join(
            f"{_label_of_path(ctx, q)} <code class='id'>{esc(q)}</code>"
            for q in spec.quasi_identifiers
        )
        parts.append(f"<p>{items}</p>")
    parts.append(f"<h2 id='checks'>{esc(t('核查', 'Checks'))}</h2>")
    check_rows = [
        (
            f"<code class='id'>{esc(c.id)}</code>",
            ctx.text(c.label),
            ctx.text(_SEVERITY.get(c.severity), c.severity),
            "<br>".join(
                f"{esc(system)}：" + ctx.sep.join(ctx.cite(x) for x in cites)
                for system, cites in sorted(c.citations.items())
            )
            or "—",
        )
        for c in sorted(spec.checks.values(), key=lambda c: c.id)
    ]
    headers = (t("核查", "check"), t("内容", "what"), t("级别", "severity"), t("依据", "under"))
    parts.append(
        table(headers, check_rows) if check_rows else f"<p class='muted'>{esc(t('无', 'none'))}</p>"
    )
    return "\n".join(parts)
