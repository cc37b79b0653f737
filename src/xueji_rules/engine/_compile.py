"""Type-check and compile every expression of a pack against the record/request/params types.

Every problem of every expression is collected with the pack file, line and rule id, so one load
reports them all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from xueji_rules import expr
from xueji_rules._schemas import load_schema
from xueji_rules.engine.decision import ApprovalNeeded, MissingDocument, Obligation, RuleResult
from xueji_rules.errors import ExpressionError, Location, PackError, Problem
from xueji_rules.expr import types as t
from xueji_rules.packs.model import Citation, Edge, ObligationSpec, Pack, Rule, Text

__all__ = [
    "CompiledEdge",
    "CompiledObligation",
    "CompiledPack",
    "CompiledRule",
    "compile_pack",
    "declarations_for",
]

Fn = Callable[[Any, Any, Any], Any]
VARIABLES = ("record", "request", "params")

_PARAM_TYPES: dict[str, t.Type] = {
    "int": t.INT,
    "double": t.DOUBLE,
    "string": t.STRING,
    "bool": t.BOOL,
    "date": t.DATE,
    "list": t.ListType(t.DYN),
}


@dataclass(frozen=True, slots=True)
class Check:
    """One condition of a rule with the message and citation shown when it fails."""

    fn: Fn
    message: Text
    citation: Citation
    source_pack: str


@dataclass(frozen=True, slots=True)
class CompiledObligation:
    """An obligation with its clock compiled.

    ``fixed`` is the obligation of a clockless duty, built once; obligations with a clock are
    cached by (trigger, amount) in ``cache``, a bounded dict (values are immutable, so sharing them
    between decisions and threads is safe).
    """

    spec: ObligationSpec
    rule_id: str
    when: Fn | None
    trigger: Fn | None
    amount: Fn | int | None
    fixed: Obligation | None
    cache: dict[tuple[Any, Any], Obligation]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its expressions compiled and its possible results built once.

    A rule's result can only be one of a few values (passed, failed on check i, passed on a granted
    exception), so they are made at load time instead of on every decision.
    """

    rule: Rule
    when: Fn | None
    checks: tuple[Check, ...]
    obligations: tuple[CompiledObligation, ...]
    passed: RuleResult
    failed: tuple[RuleResult, ...]
    granted: RuleResult
    missing: tuple[tuple[frozenset[str], MissingDocument], ...]
    approval: ApprovalNeeded | None
    route: str | None


def _results(
    rule: Rule, checks: tuple[Check, ...]
) -> tuple[RuleResult, tuple[RuleResult, ...], RuleResult]:
    route = rule.exception.route if rule.exception else None

    def result(
        passed: bool, message: Text, citation: Citation, source: str, granted: bool = False
    ) -> RuleResult:
        return RuleResult(rule.id, passed, rule.modality, citation, message, source, granted, route)

    passed = result(True, rule.message, rule.citation, rule.source_pack)
    failed = tuple(result(False, c.message, c.citation, c.source_pack) for c in checks) or (
        result(False, rule.message, rule.citation, rule.source_pack),
    )
    return passed, failed, result(True, rule.message, rule.citation, rule.source_pack, granted=True)


@dataclass(frozen=True, slots=True)
class CompiledEdge:
    """A lifecycle edge with its condition compiled."""

    edge: Edge
    when: Fn | None
    to_stage: Fn | None = None


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """Everything the engine needs to decide, indexed for speed."""

    pack: Pack
    rules_by_key: dict[tuple[str, str], tuple[CompiledRule, ...]]
    edges: dict[str, tuple[CompiledEdge, ...]]
    declarations: expr.Declarations


def _inline_refs(schema: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    if depth > 20:
        return {}
    if isinstance(schema, Mapping):
        if "$ref" in schema:
            file, _, pointer = str(schema["$ref"]).partition("#")
            target: Any = load_schema(file) if file else root
            new_root = target
            for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
                target = target[part]
            return _inline_refs(target, new_root, depth + 1)
        return {k: _inline_refs(v, root, depth + 1) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(v, root, depth + 1) for v in schema]
    return schema


def input_type(kind: str) -> t.Type:
    """The expression type of ``record`` or ``request``, built from its JSON Schema."""
    schema = copy.deepcopy(load_schema(f"{kind}.schema.json"))
    return t.from_json_schema(_inline_refs(schema, schema), kind)


def input_sizes(kind: str) -> dict[str, int]:
    """The largest sizes the schema of ``record`` or ``request`` allows, by path (cost estimate)."""
    schema = copy.deepcopy(load_schema(f"{kind}.schema.json"))
    return t.sizes_from_json_schema(_inline_refs(schema, schema), kind)


def _parameter_sizes(pack: Pack) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for pid, param in pack.parameters.items():
        for value in param.values:
            for path, size in expr.sizes_of_value(value.value, f"params.{pid}").items():
                sizes[path] = max(size, sizes.get(path, 0))
    return sizes


def declarations_for(
    pack: Pack, functions: expr.FunctionRegistry, settings: Mapping[str, Any]
) -> expr.Declarations:
    """What a pack's expressions see: the variables ``record``, ``request`` and ``params``, the
    constant ``settings`` (the pack's effective settings), and the functions."""
    params = t.ObjectType(
        "params",
        {pid: _PARAM_TYPES[p.type] for pid, p in sorted(pack.parameters.items())},
        required=frozenset(),
    )
    settings_type = t.ObjectType(
        "settings",
        {name: expr.type_of_value(value) for name, value in sorted(settings.items())},
        required=frozenset(settings),
    )
    return expr.Declarations(
        variables={
            "record": input_type("record"),
            "request": input_type("request"),
            "params": params,
        },
        functions=functions,
        constants={"settings": (settings_type, dict(settings))},
        sizes={**input_sizes("record"), **input_sizes("request"), **_parameter_sizes(pack)},
    )


class _Compiler:
    def __init__(self, pack: Pack, declarations: expr.Declarations) -> None:
        self.pack = pack
        self.decls = declarations
        self.problems: list[Problem] = []

    def compile(self, source: str, want: t.Type, location: Location, what: str) -> Fn | None:
        try:
            program = expr.compile(source, self.decls)
        except ExpressionError as exc:
            self.problems.extend(
                Problem(f"{what}: {error.with_location(Location())}", location)
                for error in exc.errors
            )
            return None
        if program.result_type not in (want, t.DYN):
            self.problems.append(
                Problem(
                    f"{what} must be of type {want}, but {source!r} is of type {program.result_type}",
                    location,
                )
            )
            return None
        fn: Fn = program.function
        return fn

    def rule(self, rule: Rule) -> CompiledRule:
        loc = rule.location
        when = self.compile(rule.when, t.BOOL, rule.where("when"), "when") if rule.when else None
        checks: list[Check] = []
        if rule.require:
            fn = self.compile(rule.require, t.BOOL, rule.where("require"), "require")
            if fn is not None:
                checks.append(Check(fn, rule.message, rule.citation, rule.source_pack))
        for narrowing in rule.narrowings:
            if rule.modality not in ("mandatory", "default"):
                self.problems.append(
                    Problem("only mandatory and default rules can be narrowed", narrowing.location)
                )
            fn = self.compile(narrowing.require, t.BOOL, narrowing.location, "narrowing require")
            if fn is not None:
                checks.append(
                    Check(fn, narrowing.message, narrowing.citation, narrowing.source_pack)
                )
        if rule.require and rule.modality in ("documents", "approval", "obligation"):
            self.problems.append(
                Problem(f"a {rule.modality} rule takes no 'require'; use 'when'", loc)
            )
        passed, failed, granted = _results(rule, tuple(checks))
        missing = tuple(
            (
                frozenset((d.id, *d.alternatives)),
                MissingDocument(d.id, d.label, rule.id, d.alternatives),
            )
            for d in rule.documents
        )
        approval = (
            ApprovalNeeded(rule.approval.body, rule.approval.kind, rule.id, rule.approval.label)
            if rule.approval
            else None
        )
        return CompiledRule(
            rule,
            when,
            tuple(checks),
            tuple(self.obligation(o, rule.id) for o in rule.obligations),
            passed,
            failed,
            granted,
            missing,
            approval,
            rule.exception.route if rule.exception else None,
        )

    def obligation(self, spec: ObligationSpec, rule_id: str) -> CompiledObligation:
        loc = spec.location
        when = (
            self.compile(spec.when, t.BOOL, loc, f"obligation '{spec.id}' when")
            if spec.when
            else None
        )
        trigger: Fn | None = None
        amount: Fn | int | None = None
        if spec.clock is not None:
            trigger = self.compile(
                spec.clock.trigger, t.DATE, loc, f"obligation '{spec.id}' trigger"
            )
            if isinstance(spec.clock.amount, int):
                amount = spec.clock.amount
            else:
                amount = self.compile(
                    spec.clock.amount, t.INT, loc, f"obligation '{spec.id}' amount"
                )
        fixed = (
            None
            if spec.clock
            else Obligation(spec.id, spec.party, spec.action, spec.citation, rule_id)
        )
        return CompiledObligation(spec, rule_id, when, trigger, amount, fixed, {})

    def edges(self) -> dict[str, tuple[CompiledEdge, ...]]:
        out: dict[str, tuple[CompiledEdge, ...]] = {}
        for tid, transition in sorted(self.pack.lifecycle.transitions.items()):
            compiled = []
            for e in transition.edges:
                what = f"transition '{tid}'"
                when = self.compile(e.when, t.BOOL, e.location, f"{what} when") if e.when else None
                stage = (
                    self.compile(e.to_stage, t.STRING, e.location, f"{what} to_stage")
                    if e.to_stage
                    else None
                )
                compiled.append(CompiledEdge(e, when, stage))
            out[tid] = tuple(compiled)
        return out


def compile_pack(
    pack: Pack, functions: expr.FunctionRegistry, settings: Mapping[str, Any]
) -> CompiledPack:
    """Compile every expression of ``pack``; raise :class:`PackError` listing every problem."""
    decls = declarations_for(pack, functions, settings)
    compiler = _Compiler(pack, decls)
    compiled = [compiler.rule(rule) for rule in pack.rules]
    edges = compiler.edges()
    if compiler.problems:
        raise PackError(compiler.problems)
    by_key: dict[tuple[str, str], list[CompiledRule]] = {}
    stages = list(pack.lifecycle.stages)
    for item in compiled:
        for tid in item.rule.transitions:
            for stage in item.rule.stages or stages:
                by_key.setdefault((tid, stage), []).append(item)
    return CompiledPack(
        pack=pack,
        rules_by_key={k: tuple(v) for k, v in sorted(by_key.items())},
        edges=edges,
        declarations=decls,
    )
