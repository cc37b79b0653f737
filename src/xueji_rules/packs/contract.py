"""The input contract of a transition: what its rules and lifecycle edges read, per stage.

Built from the compiled expressions (the paths each reads and tests with ``has()``, the literals
it compares them with) and the ids the rules name (documents, approval bodies, exception routes),
so it is always the pack's own account of what a registry system must send. ``xueji-rules show
PACK --transition T`` prints it; the service and the documentation site call
:func:`transition_contract`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xueji_rules import expr
from xueji_rules.errors import InputError, Location
from xueji_rules.expr import types as t
from xueji_rules.packs._expressions import PackExpression, compile_expressions, pack_declarations
from xueji_rules.packs.model import InputField, Pack, Rule, Text

__all__ = ["transition_contract", "transition_contracts"]

_INPUT_ROOTS = ("record", "request")
# the request paths whose compared literals are ids of a vocabulary kind
_ID_PATHS = {
    "request.ground": "grounds",
    "request.applicant": "applicants",
    "request.documents[]": "documents",
    "request.approvals[].body": "approval_bodies",
}


def _type_at(root: t.Type, parts: list[str]) -> t.Type | None:
    node: t.Type | None = root
    for part in parts:
        if node is None:
            return None
        element = part.endswith("[]")
        name = part.removesuffix("[]")
        if isinstance(node, t.ObjectType):
            node = node.field(name)
        elif isinstance(node, t.MapType):
            node = node.value
        else:
            return None
        if element:
            node = node.elem if isinstance(node, t.ListType) else None
    return node


def _shown(ty: t.Type | None) -> str:
    """A type as a registry developer reads it: objects are ``object``, not their schema name."""
    if ty is None:
        return "dyn"
    if isinstance(ty, t.ObjectType):
        return "object"
    if isinstance(ty, t.ListType):
        return f"list({_shown(ty.elem)})"
    if isinstance(ty, t.MapType):
        return f"map({_shown(ty.key)}, {_shown(ty.value)})"
    return str(ty)


def _required(root: t.Type, parts: list[str]) -> bool:
    """Whether a schema-valid input always has the path (every step required)."""
    node: t.Type | None = root
    for part in parts:
        name = part.removesuffix("[]")
        if not isinstance(node, t.ObjectType) or name not in node.required:
            return False
        node = node.field(name)
        if part.endswith("[]"):
            node = node.elem if isinstance(node, t.ListType) else None
    return True


def _schema_node(schema: Any, parts: list[str]) -> Mapping[str, Any] | None:
    node = schema
    for part in parts:
        props = node.get("properties") if isinstance(node, Mapping) else None
        name = part.removesuffix("[]")
        if not isinstance(props, Mapping) or name not in props:
            return None
        node = props[name]
        if part.endswith("[]"):
            node = node.get("items") if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def _label(
    schemas: Mapping[str, Any], path: str, fields: tuple[InputField, ...] = ()
) -> dict[str, str] | None:
    """The label of an input path: its ``x-label`` (from the schemas or the pack's
    ``inputs.yaml``), a school field's ``x-label-part`` after its holder's label (the engine's
    :func:`~xueji_rules.engine._compile.input_label`), else its description."""
    root, *parts = path.split(".")
    node = _schema_node(schemas.get(root), parts)
    if node is None:
        return None
    label = node.get("x-label")
    if isinstance(label, Mapping) and isinstance(label.get("zh"), str):
        return Text(label["zh"], label.get("en")).to_json()
    if "[]" not in path:
        from xueji_rules.engine._compile import input_label

        found = input_label(path, fields)
        if found is not None:
            return found.to_json()
    description = node.get("description")
    return {"en": description} if isinstance(description, str) else None


def _vocabulary_label(pack: Pack, kind: str, ident: str) -> dict[str, str] | None:
    label = pack.vocabularies.get(kind, {}).get(ident)
    return label.to_json() if isinstance(label, Text) else None


def _applies(stages: tuple[str, ...] | None, stage: str) -> bool:
    return stages is None or stage in stages


class _Stage:
    """What one stage of the transition reads, gathered item by item."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, set[str]]] = {}
        self.values: dict[str, set[str]] = {}
        self.ids: dict[str, dict[str, dict[str, Any]]] = {
            "documents": {},
            "approval_bodies": {},
            "grounds": {},
            "applicants": {},
        }
        self.exceptions: dict[str, dict[str, Any]] = {}

    def field(self, path: str, how: str, who: str) -> None:
        self.fields.setdefault(path, {}).setdefault(how, set()).add(who)

    def ident(self, vocabulary: str, ident: str, who: str, **extra: Any) -> None:
        entry = self.ids[vocabulary].setdefault(ident, {"id": ident, "used_by": set()})
        entry["used_by"].add(who)
        for key, value in extra.items():
            if value is not None:
                entry.setdefault(key, value)

    def program(self, program: expr.Program, who: str) -> None:
        for path in program.reads:
            if path.split(".")[0] in _INPUT_ROOTS:
                self.field(path, "read_by", who)
        for path in program.tested:
            if path.split(".")[0] in _INPUT_ROOTS:
                self.field(path, "tested_by", who)
        for use in program.literal_uses():
            if use.path.split(".")[0] not in _INPUT_ROOTS:
                continue
            kind = _ID_PATHS.get(use.path)
            if kind is not None:
                self.ident(kind, use.value, who)
            else:
                self.values.setdefault(use.path, set()).add(use.value)

    def rule(self, rule: Rule) -> None:
        for path in rule.needs:
            self.field(path, "needed_by", rule.id)
        for document in rule.documents:
            label = document.label.to_json() if document.label is not None else None
            alternatives = list(document.alternatives) or None
            self.ident("documents", document.id, rule.id, label=label, alternatives=alternatives)
        if rule.approval is not None:
            approval = rule.approval
            shown = approval.label.to_json() if approval.label else None
            self.ident("approval_bodies", approval.body, rule.id, label=shown)
            entry = self.ids["approval_bodies"][approval.body]
            entry.setdefault("kinds", set()).add(approval.kind)
        if rule.exception is not None and rule.modality == "default":
            self.exceptions[rule.id] = {
                "rule": rule.id,
                "route": rule.exception.route,
                "label": rule.exception.label.to_json() if rule.exception.label else None,
            }


def _field_rows(
    stage: _Stage,
    decls: expr.Declarations,
    schemas: Mapping[str, Any],
    fields: tuple[InputField, ...] = (),
) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(stage.fields):
        root, *parts = path.split(".")
        root_type = decls.variables.get(root)
        ty = _type_at(root_type, parts) if root_type is not None else None
        row: dict[str, Any] = {
            "path": path,
            "type": _shown(ty),
            "label": _label(schemas, path, fields),
            "always_present": root_type is not None and _required(root_type, parts),
        }
        for how in ("read_by", "tested_by", "needed_by"):
            if how in stage.fields[path]:
                row[how] = sorted(stage.fields[path][how])
        if path in stage.values:
            row["compared_with"] = sorted(stage.values[path])
        rows.append(row)
    return rows


def _id_rows(pack: Pack, kind: str, entries: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for ident in sorted(entries):
        entry = dict(entries[ident])
        entry["used_by"] = sorted(entry["used_by"])
        if "kinds" in entry:
            entry["kinds"] = sorted(entry["kinds"])
        if entry.get("label") is None:
            entry["label"] = _vocabulary_label(pack, kind, ident)
        rows.append(entry)
    return rows


def transition_contract(
    pack: Pack, transition: str, *, declarations: expr.Declarations | None = None
) -> dict[str, Any]:
    """What deciding ``transition`` reads, per stage: input fields (type, label, whether always
    present, which rules read or ``has()``-test or need them, the values they are compared
    with), documents, approval bodies, grounds, applicants, exception rules, and the lifecycle
    edges. Raises :class:`InputError` for a transition the lifecycle does not define."""
    found = pack.lifecycle.transitions.get(transition)
    if found is None:
        import difflib

        close = difflib.get_close_matches(transition, list(pack.lifecycle.transitions), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise InputError(
            f"pack '{pack.id}' has no transition '{transition}'{hint}",
            Location(path="--transition"),
        )
    decls = _declarations(pack, declarations)
    return _contract(pack, transition, decls, compile_expressions(pack, decls))


def transition_contracts(
    pack: Pack, *, declarations: expr.Declarations | None = None
) -> dict[str, dict[str, Any]]:
    """:func:`transition_contract` of every transition, by id (sorted), the pack's expressions
    compiled once for all of them (the documentation site shows every one)."""
    decls = _declarations(pack, declarations)
    compiled = compile_expressions(pack, decls)
    return {
        tid: _contract(pack, tid, decls, compiled) for tid in sorted(pack.lifecycle.transitions)
    }


def _declarations(pack: Pack, declarations: expr.Declarations | None) -> expr.Declarations:
    decls = declarations if declarations is not None else pack_declarations(pack)
    if decls is None:
        raise InputError(f"pack '{pack.id}': its calendars or settings cannot be loaded")
    return decls


def _contract(
    pack: Pack,
    transition: str,
    decls: expr.Declarations,
    compiled_all: list[tuple[PackExpression, expr.Program]],
) -> dict[str, Any]:
    found = pack.lifecycle.transitions[transition]
    compiled = [(item, program) for item, program in compiled_all if _concerns(item, transition)]
    rules = [rule for rule in pack.rules if transition in rule.transitions]
    from xueji_rules.engine._compile import _inlined

    schemas = {kind: _inlined(kind, pack.inputs) for kind in _INPUT_ROOTS}
    stages: dict[str, Any] = {}
    for stage_id in pack.lifecycle.stages:
        edges = [e for e in found.edges if _applies(e.stages, stage_id)]
        here = [r for r in rules if _applies(r.stages, stage_id)]
        if not edges:
            continue
        stage = _Stage()
        for rule in here:
            stage.rule(rule)
        for item, program in compiled:
            if _applies(item.stages, stage_id):
                who = item.rule.id if item.rule is not None else f"lifecycle:{transition}"
                stage.program(program, who)
        stages[stage_id] = {
            "label": pack.lifecycle.stages[stage_id].label,
            "rules": [r.id for r in here],
            "fields": _field_rows(stage, decls, schemas, pack.inputs),
            **{kind: _id_rows(pack, kind, stage.ids[kind]) for kind in stage.ids},
            "exception_rules": [stage.exceptions[k] for k in sorted(stage.exceptions)],
            "edges": [_edge(e) for e in edges],
        }
    return {
        "pack": {"id": pack.id, "version": pack.version},
        "transition": {
            "id": transition,
            "label": found.label,
            "citation": found.citation.render() if found.citation else None,
        },
        "stages": stages,
    }


def _concerns(item: PackExpression, transition: str) -> bool:
    if item.rule is not None:
        return transition in item.rule.transitions
    return item.transition == transition


def _edge(edge: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"from": list(edge.from_statuses), "to": edge.to}
    for key in ("pending", "when", "to_stage", "to_grade", "to_school_system"):
        value = getattr(edge, key, None)
        if value is not None:
            out[key] = value
    return out
