"""Type-check and compile every expression of a pack against the record/request/params types.

Every problem of every expression is collected with the pack file, line and rule id, so one load
reports them all. Besides expressions, this builds once what every decision would otherwise build
again: a rule's possible results (one set per parameter period when its messages show parameter
values, ``{params.NAME}``), its missing-document and approval entries with their labels, the
presence test of its ``needs``, and the lifecycle's edge targets and forbidden moves.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xueji_rules import expr
from xueji_rules._schemas import load_schema
from xueji_rules.engine._inputs import input_schema
from xueji_rules.engine.decision import ApprovalNeeded, MissingDocument, Obligation, RuleResult
from xueji_rules.errors import ExpressionError, Location, PackError, Problem
from xueji_rules.expr import types as t
from xueji_rules.packs.model import (
    Citation,
    Edge,
    Forbidden,
    InputField,
    ObligationSpec,
    Pack,
    Parameter,
    Rule,
    Text,
)

__all__ = [
    "CompiledEdge",
    "CompiledForbidden",
    "CompiledObligation",
    "CompiledPack",
    "CompiledRule",
    "ParamTimeline",
    "compile_pack",
    "declarations_for",
    "input_label",
    "input_type",
]

Fn = Callable[[Any, Any, Any], Any]
Missing = Callable[[Any, Any], tuple[str, ...]]
VARIABLES = ("record", "request", "params")

_PARAM_TYPES: dict[str, t.Type] = {
    "int": t.INT,
    "double": t.DOUBLE,
    "string": t.STRING,
    "bool": t.BOOL,
    "date": t.DATE,
    "list": t.ListType(t.DYN),
}
_PLACEHOLDER = re.compile(r"\{params\.([A-Za-z_][A-Za-z0-9_]*)\}")


def _runtime_value(kind: str, value: Any) -> Any:
    """A parameter value as expressions see it: dates as ``date``, doubles as ``float``."""
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "double":
        return float(value)
    return value


class ParamTimeline:
    """Parameter values as of a date: one table per period between value changes.

    Period 0 is before any parameter has a value; period ``i`` starts on ``starts[i - 1]``.
    Messages that show parameter values are rendered once per period (:func:`render`).
    """

    def __init__(self, parameters: Mapping[str, Parameter]) -> None:
        self.starts = sorted({v.since for p in parameters.values() for v in p.values})
        self.tables: list[dict[str, Any]] = [{}]
        self.raw: list[dict[str, Any]] = [{}]
        for start in self.starts:
            table: dict[str, Any] = {}
            raw: dict[str, Any] = {}
            for pid, param in parameters.items():
                value = param.value_on(start)
                if value is not None:
                    table[pid] = _runtime_value(param.type, value.value)
                    raw[pid] = value.value
            self.tables.append(table)
            self.raw.append(raw)

    def period(self, day: dt.date) -> int:
        """The index of the period ``day`` falls in."""
        return bisect.bisect_right(self.starts, day)

    def on(self, day: dt.date) -> dict[str, Any]:
        """The parameter values in force on ``day`` (as expressions see them)."""
        return self.tables[bisect.bisect_right(self.starts, day)]

    def __len__(self) -> int:
        return len(self.tables)


def _figure(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "、".join(_figure(v) for v in value)
    return str(value)


def placeholders(text: Text) -> list[str]:
    """The parameter names a message shows (``{params.NAME}``), in order, both languages."""
    names = _PLACEHOLDER.findall(text.zh)
    if text.en:
        names += _PLACEHOLDER.findall(text.en)
    return names


def render(text: Text, values: Mapping[str, Any]) -> Text:
    """``text`` with each ``{params.NAME}`` replaced by the value in ``values`` (left as written
    when the parameter has no value in force)."""

    def one(s: str) -> str:
        return _PLACEHOLDER.sub(
            lambda m: _figure(values[m.group(1)]) if m.group(1) in values else m.group(0), s
        )

    rendered = Text(one(text.zh), one(text.en) if text.en is not None else None)
    return text if rendered == text else rendered


@dataclass(frozen=True, slots=True)
class Check:
    """One condition of a rule with the message and citation shown when it fails."""

    fn: Fn
    message: Text
    citation: Citation
    source_pack: str
    also_cites: tuple[Citation, ...] = ()


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
    party_label: Text | None = None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its expressions compiled and its possible results built once.

    A rule's result can only be one of a few values (passed, failed on check i, passed on a granted
    exception), so they are made at load time instead of on every decision; one set per parameter
    period (``passed[p]``, ``failed[p][i]``, ``granted[p]``), identical objects when the rule's
    messages show no parameter value. ``missing_inputs`` returns the ``needs`` paths that are
    absent (``None`` when the rule needs nothing).
    """

    rule: Rule
    when: Fn | None
    checks: tuple[Check, ...]
    obligations: tuple[CompiledObligation, ...]
    passed: tuple[RuleResult, ...]
    failed: tuple[tuple[RuleResult, ...], ...]
    granted: tuple[RuleResult, ...]
    missing: tuple[tuple[frozenset[str], MissingDocument], ...]
    approval: ApprovalNeeded | None
    route: str | None
    missing_inputs: Missing | None = None

    @property
    def period_dependent(self) -> bool:
        """Whether the rule's results differ between parameter periods."""
        first = self.passed[0]
        return any(r is not first for r in self.passed) or any(
            f is not self.failed[0] for f in self.failed
        )


@dataclass(frozen=True, slots=True)
class CompiledEdge:
    """A lifecycle edge with its condition and targets compiled."""

    edge: Edge
    when: Fn | None
    to_stage: Fn | None = None
    to_grade: Fn | None = None
    to_school_system: Fn | None = None

    @property
    def has_targets(self) -> bool:
        """Whether the edge moves the record's stage, grade or school system."""
        return not (
            self.to_stage is None and self.to_grade is None and self.to_school_system is None
        )


@dataclass(frozen=True, slots=True)
class CompiledForbidden:
    """A forbidden move with its condition compiled."""

    entry: Forbidden
    when: Fn | None


@dataclass(frozen=True, slots=True)
class CompiledPack:
    """Everything the engine needs to decide, indexed for speed."""

    pack: Pack
    rules_by_key: dict[tuple[str, str], tuple[CompiledRule, ...]]
    edges: dict[str, tuple[CompiledEdge, ...]]
    declarations: expr.Declarations
    forbidden: dict[str, tuple[CompiledForbidden, ...]]
    timeline: ParamTimeline
    input_labels: dict[str, Text]
    # the program behind each compiled function, so generated rule functions can splice its code
    programs: Mapping[Fn, expr.Program] = field(default_factory=dict)


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
            resolved = _inline_refs(target, new_root, depth + 1)
            # annotations beside a $ref (a field's own x-label) stay on the resolved schema
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            return {**resolved, **extra} if isinstance(resolved, Mapping) and extra else resolved
        return {k: _inline_refs(v, root, depth + 1) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(v, root, depth + 1) for v in schema]
    return schema


_INLINED: dict[tuple[str, tuple[InputField, ...]], Any] = {}


def _inlined(kind: str, fields: Iterable[InputField] = ()) -> Any:
    """The schema of ``kind`` with every ``$ref`` resolved; shared, so callers only read it.

    Remembered per (kind, a pack's input fields): a pack load asks for it once per ``needs``
    path and label, and resolving copies the whole schema."""
    key = (kind, tuple(fields))
    found = _INLINED.get(key)
    if found is None:
        schema = copy.deepcopy(input_schema(kind, key[1]))
        found = _inline_refs(schema, schema)
        if len(_INLINED) >= 32:
            _INLINED.clear()
        _INLINED[key] = found
    return found


def input_type(kind: str, fields: Iterable[InputField] = ()) -> t.Type:
    """The expression type of ``record`` or ``request``, built from its JSON Schema (plus a
    pack's own input fields)."""
    return t.from_json_schema(_inlined(kind, fields), kind)


def _schema_at(path: str, fields: Iterable[InputField]) -> Mapping[str, Any] | None:
    kind, *parts = path.split(".")
    node: Any = _inlined(kind, fields)
    for part in parts:
        props = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(props, Mapping) or part not in props:
            return None
        node = props[part]
    return node if isinstance(node, Mapping) else None


def _text_of(value: Any) -> Text | None:
    if isinstance(value, Mapping) and isinstance(value.get("zh"), str):
        return Text(value["zh"], value.get("en"))
    return None


def input_label(path: str, fields: Iterable[InputField] = ()) -> Text | None:
    """The label of an input path: its ``x-label`` in the schemas or ``inputs.yaml``; for a field
    of a shared definition (a school), its ``x-label-part`` after the label of the field holding
    it (``request.to_school.vacancies`` → 转入（接收）学校空余学位)."""
    node = _schema_at(path, fields)
    if node is None:
        return None
    own = _text_of(node.get("x-label"))
    part = _text_of(node.get("x-label-part"))
    if own is not None or part is None or "." not in path.split(".", 1)[1]:
        return own or part
    holder = input_label(path.rsplit(".", 1)[0], fields)
    if holder is None:
        return part
    en = f"{holder.en}: {part.en}" if holder.en and part.en else part.en
    return Text(f"{holder.zh}{part.zh}", en)


def input_sizes(kind: str, fields: Iterable[InputField] = ()) -> dict[str, int]:
    """The largest sizes the schema of ``record`` or ``request`` (plus a pack's own input fields)
    allows, by path: the sizes the cost estimate assumes."""
    return t.sizes_from_json_schema(_inlined(kind, fields), kind)


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
    constant ``settings`` (the pack's effective settings), and the functions. ``record`` and
    ``request`` carry the pack's own input fields (``inputs.yaml``) beside the bundled ones."""
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
            "record": input_type("record", pack.inputs),
            "request": input_type("request", pack.inputs),
            "params": params,
        },
        functions=functions,
        constants={"settings": (settings_type, dict(settings))},
        sizes={
            **input_sizes("record", pack.inputs),
            **input_sizes("request", pack.inputs),
            **_parameter_sizes(pack),
        },
    )


def _missing_inputs(paths: tuple[str, ...]) -> Missing:
    """A function returning the paths of ``paths`` absent from (record, request)."""
    specs = tuple((path, path.startswith("record."), tuple(path.split(".")[1:])) for path in paths)

    def missing(rec: Any, req: Any) -> tuple[str, ...]:
        out: tuple[str, ...] = ()
        for path, of_record, keys in specs:
            node = rec if of_record else req
            for key in keys:
                if not isinstance(node, dict) or key not in node:
                    out += (path,)
                    break
                node = node[key]
        return out

    return missing


class _Compiler:
    def __init__(self, pack: Pack, declarations: expr.Declarations) -> None:
        self.pack = pack
        self.decls = declarations
        self.problems: list[Problem] = []
        self.timeline = ParamTimeline(pack.parameters)
        self.input_labels: dict[str, Text] = {}
        self.programs: dict[Fn, expr.Program] = {}

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
        self.programs[fn] = program
        return fn

    def messages(self, texts: Iterable[Text], location: Location) -> None:
        """Every ``{params.NAME}`` of a message must name a parameter of the pack."""
        for text in texts:
            for name in placeholders(text):
                if name not in self.pack.parameters:
                    hint = _hint(name, self.pack.parameters)
                    self.problems.append(
                        Problem(f"message shows unknown parameter '{name}'{hint}", location)
                    )

    def rendered(self, text: Text) -> tuple[Text, ...]:
        """``text`` for each parameter period (the same object where nothing changes)."""
        if not placeholders(text):
            return (text,) * len(self.timeline)
        out: list[Text] = []
        for raw in self.timeline.raw:
            value = render(text, raw)
            out.append(next((v for v in out if v == value), value))
        return tuple(out)

    def needs(self, rule: Rule) -> Missing | None:
        if not rule.needs:
            return None
        where = rule.where("needs")
        for path in rule.needs:
            node = _schema_at(path, self.pack.inputs)
            if node is None:
                kind = path.split(".", 1)[0]
                parent = path.rpartition(".")[0]
                above = _schema_at(parent, self.pack.inputs) or {}
                fields = [f"{parent}.{f}" for f in above.get("properties", {})]
                self.problems.append(
                    Problem(
                        f"needs: '{path}' is not a field of the {kind} schema{_hint(path, fields)}",
                        where,
                    )
                )
                continue
            if path.count(".") > 1:
                parent = path.rsplit(".", 1)[0]
                parent_node = _schema_at(parent, self.pack.inputs)
                if parent_node is not None and parent_node.get("type") != "object":
                    self.problems.append(
                        Problem(f"needs: '{path}' lies inside a list; name the list itself", where)
                    )
            self.input_labels[path] = input_label(path, self.pack.inputs) or Text(path, path)
        return _missing_inputs(rule.needs)

    def results(
        self, rule: Rule, checks: tuple[Check, ...]
    ) -> tuple[tuple[RuleResult, ...], tuple[tuple[RuleResult, ...], ...], tuple[RuleResult, ...]]:
        route = rule.exception.route if rule.exception else None
        periods = len(self.timeline)
        messages = self.rendered(rule.message)
        check_messages = [self.rendered(c.message) for c in checks] or [messages]
        check_sources = [(c.citation, c.source_pack, c.also_cites) for c in checks] or [
            (rule.citation, rule.source_pack, rule.also_cites)
        ]
        also = rule.also_cites
        passed: list[RuleResult] = []
        granted: list[RuleResult] = []
        failed: list[tuple[RuleResult, ...]] = []
        for p in range(periods):
            same = (
                p > 0
                and messages[p] is messages[p - 1]
                and all(m[p] is m[p - 1] for m in check_messages)
            )
            if same:
                passed.append(passed[-1])
                granted.append(granted[-1])
                failed.append(failed[-1])
                continue
            passed.append(
                RuleResult(
                    rule.id, True, rule.modality, rule.citation, messages[p], rule.source_pack,
                    False, route, also,
                )
            )  # fmt: skip
            granted.append(
                RuleResult(
                    rule.id, True, rule.modality, rule.citation, messages[p], rule.source_pack,
                    True, route, also,
                )
            )  # fmt: skip
            failed.append(
                tuple(
                    RuleResult(rule.id, False, rule.modality, cit, msg[p], src, False, route, alsos)
                    for msg, (cit, src, alsos) in zip(check_messages, check_sources, strict=True)
                )
            )
        return tuple(passed), tuple(failed), tuple(granted)

    def rule(self, rule: Rule) -> CompiledRule:
        loc = rule.location
        when = self.compile(rule.when, t.BOOL, rule.where("when"), "when") if rule.when else None
        checks: list[Check] = []
        if rule.require:
            fn = self.compile(rule.require, t.BOOL, rule.where("require"), "require")
            if fn is not None:
                checks.append(
                    Check(fn, rule.message, rule.citation, rule.source_pack, rule.also_cites)
                )
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
            self.messages([narrowing.message], narrowing.location)
        self.messages([rule.message], loc)
        if rule.require and rule.modality in ("documents", "approval", "obligation"):
            self.problems.append(
                Problem(f"a {rule.modality} rule takes no 'require'; use 'when'", loc)
            )
        if rule.exception is not None and rule.modality != "default":
            self.problems.append(
                Problem(
                    f"only a default rule has an exception route, not a {rule.modality} rule", loc
                )
            )
        passed, failed, granted = self.results(rule, tuple(checks))
        missing = tuple(
            (
                frozenset((d.id, *d.alternatives)),
                MissingDocument(d.id, d.label or Text(d.id), rule.id, d.alternatives),
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
            self.needs(rule),
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
        party = self.pack.label_of("parties", spec.party)
        fixed = (
            None
            if spec.clock
            else Obligation(
                spec.id, spec.party, spec.action, spec.citation, rule_id, party_label=party
            )
        )
        return CompiledObligation(spec, rule_id, when, trigger, amount, fixed, {}, party)

    def edges(self) -> dict[str, tuple[CompiledEdge, ...]]:
        out: dict[str, tuple[CompiledEdge, ...]] = {}
        for tid, transition in sorted(self.pack.lifecycle.transitions.items()):
            compiled = []
            for e in transition.edges:
                what = f"transition '{tid}'"

                def target(source: str | None, want: t.Type, name: str) -> Fn | None:
                    if not source:
                        return None
                    return self.compile(source, want, e.location, f"{what} {name}")  # noqa: B023

                compiled.append(
                    CompiledEdge(
                        e,
                        target(e.when, t.BOOL, "when"),
                        target(e.to_stage, t.STRING, "to_stage"),
                        target(e.to_grade, t.INT, "to_grade"),
                        target(e.to_school_system, t.STRING, "to_school_system"),
                    )
                )
            out[tid] = tuple(compiled)
        return out

    def forbidden(self) -> dict[str, tuple[CompiledForbidden, ...]]:
        out: dict[str, list[CompiledForbidden]] = {}
        for entry in self.pack.lifecycle.forbidden:
            when = (
                self.compile(entry.when, t.BOOL, entry.location, "forbidden move when")
                if entry.when
                else None
            )
            self.messages([entry.message], entry.location)
            out.setdefault(entry.transition, []).append(CompiledForbidden(entry, when))
        return {k: tuple(v) for k, v in sorted(out.items())}


def _hint(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def compile_pack(
    pack: Pack, functions: expr.FunctionRegistry, settings: Mapping[str, Any]
) -> CompiledPack:
    """Compile every expression of ``pack``; raise :class:`PackError` listing every problem."""
    decls = declarations_for(pack, functions, settings)
    compiler = _Compiler(pack, decls)
    compiled = [compiler.rule(rule) for rule in pack.rules]
    edges = compiler.edges()
    forbidden = compiler.forbidden()
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
        forbidden=forbidden,
        timeline=compiler.timeline,
        input_labels=dict(sorted(compiler.input_labels.items())),
        programs=compiler.programs,
    )
