"""Load a pack by name or path, resolve its ``extends`` chain and build the effective pack.

References follow :mod:`xueji_rules.packs._resolve` (a bundled name always means the bundled
pack; ``extends`` paths are taken from the folder of the pack that says them), files are read
by :mod:`xueji_rules.packs._layout` within one :class:`~xueji_rules._safeio.Budget` for the whole
chain, and :attr:`Pack.digest <xueji_rules.packs.model.Pack.digest>` identifies the content.

Layering is explicit: a layer changes its base only through declared overrides (parameters: new
dated values; rules: replace, narrow, disable), each naming its target and citing why. Adding a rule
or parameter whose id the base already has is undeclared shadowing, an error. The effective pack
keeps, for every rule and parameter, the pack it came from and the overrides applied to it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from xueji_rules._safeio import Budget
from xueji_rules.errors import Location, PackError, Problem
from xueji_rules.packs._layout import LayerFiles, collect_layer
from xueji_rules.packs._reader import PackLayer, read_layer
from xueji_rules.packs._resolve import bundled_packs, parse_pack_ref, resolve_pack_dir
from xueji_rules.packs.model import (
    VOCABULARY_KINDS,
    Citation,
    Document,
    Forbidden,
    InputField,
    Lifecycle,
    Narrowing,
    Override,
    Pack,
    Parameter,
    Rule,
    Stage,
    Status,
    Text,
    Transition,
)

__all__ = [
    "DIGEST_HEADER",
    "bundled_packs",
    "load_pack",
    "load_pack_report",
    "pack_digest",
    "parse_pack_ref",
    "resolve_pack_dir",
]

MAX_CHAIN = 8
_Cited = TypeVar("_Cited", Stage, Status, Transition)


def _display_root(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


_LAYER_CACHE: dict[tuple[str, str, str], PackLayer] = {}
_LAYER_CACHE_SIZE = 32


def _parse_cached(files: LayerFiles) -> PackLayer:
    """Parse a layer, reusing an earlier parse of byte-identical files in this process.

    A base pack is parsed once however many layers and engines build on it; the files are read
    every time (that is cheap), so an edited file is never served from the cache. Only clean
    layers are kept; a layer is never modified after it is parsed.
    """
    if files.problems:
        return read_layer(files)
    key = (str(files.root), files.display_root, files.fingerprint())
    layer = _LAYER_CACHE.get(key)
    if layer is not None:
        # parsed before: charge what parsing it cost, so a pack passes or fails the same way
        budget = files.budget
        if layer.values > budget.values_left:
            return read_layer(files)  # reports the limit where it is reached
        budget.values_left -= layer.values
    else:
        layer = read_layer(files)
        if not layer.problems:
            if len(_LAYER_CACHE) >= _LAYER_CACHE_SIZE:
                _LAYER_CACHE.clear()
            _LAYER_CACHE[key] = layer
    return layer


def _read_chain(root: Path) -> list[PackLayer]:
    """The pack at ``root`` and every pack it extends, this pack first."""
    layers: list[PackLayer] = []
    seen: set[Path] = set()
    budget = Budget()  # one budget for the whole chain
    current: Path | None = root
    while current is not None:
        if current in seen:
            raise PackError(
                [Problem("'extends' forms a cycle", Location(file=_display_root(current)))]
            )
        if len(layers) >= MAX_CHAIN:
            raise PackError(
                [
                    Problem(
                        f"'extends' chain longer than {MAX_CHAIN}",
                        Location(file=_display_root(current)),
                    )
                ]
            )
        seen.add(current)
        layer = _parse_cached(collect_layer(current, _display_root(current), budget))
        layers.append(layer)
        if layer.extends is None:
            break
        current = resolve_pack_dir(layer.extends, relative_to=current, where=layer.pack_location)
    _check_ids(layers)
    return layers


def _check_ids(layers: Sequence[PackLayer]) -> None:
    """A layer may not take the id of a pack in its chain (it would claim to be its base)."""
    problems = []
    for i, layer in enumerate(layers):
        for base in layers[i + 1 :]:
            if base.id == layer.id and not layer.problems:
                problems.append(
                    Problem(
                        f"pack id '{layer.id}' is also the id of the pack it extends "
                        f"({_display_root(base.root)}); a layer needs an id of its own",
                        layer.pack_location,
                    )
                )
                break
    if problems:
        raise PackError(problems)


DIGEST_HEADER = "xueji-rules-pack-digest/1"


def pack_digest(layers: Sequence[PackLayer]) -> str:
    """``"sha256:<hex>"`` of the files that can change a decision, layer by layer.

    The hashed text is ``DIGEST_HEADER``, then for each layer in chain order (the pack first,
    then the pack it extends, and so on) a line ``layer <position>`` followed by one line
    ``<relative path> <sha256 of the file's bytes>`` per file, sorted by path; every line ends
    with ``\n``. ``tests/`` is not hashed; where the pack lies on disk does not matter.
    """
    lines = [DIGEST_HEADER]
    for position, layer in enumerate(layers):
        lines.append(f"layer {position}")
        lines.extend(layer.digest_lines)
    text = "".join(line + "\n" for line in lines)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Merger:
    """Merge layers base-first into the effective pack, collecting problems."""

    def __init__(self, layers: list[PackLayer]) -> None:
        self.layers = list(reversed(layers))  # base first
        self.problems: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.parameters: dict[str, Parameter] = {}
        self.rules: dict[str, Rule] = {}
        self.disabled: list[tuple[str, Override]] = []
        self.stages: dict[str, Stage] = {}
        self.statuses: dict[str, Status] = {}
        self.transitions: dict[str, Transition] = {}
        self.settings: dict[str, Any] = {}
        self.lifecycle_locations: dict[str, Location] = {}
        self.vocabularies: dict[str, dict[str, Text]] = {kind: {} for kind in VOCABULARY_KINDS}
        self.vocabulary_sources: dict[tuple[str, str], str] = {}
        self.inputs: dict[str, InputField] = {}
        self.forbidden: list[Forbidden] = []

    def problem(self, message: str, location: Location) -> None:
        self.problems.append(Problem(message, location))

    def merge(self) -> None:
        for layer in self.layers:
            self.merge_layer(layer)

    def merge_layer(self, layer: PackLayer) -> None:
        for doc_id in layer.articles:
            if doc_id not in {d.id for d in layer.documents}:
                self.problem(
                    f"articles file for document '{doc_id}', which this pack does not declare",
                    layer.pack_location,
                )
        for doc in layer.documents:
            if doc.id in layer.articles:
                doc = dataclasses.replace(doc, articles=layer.articles[doc.id])
            if doc.id in self.documents:
                self.problem(
                    f"document id '{doc.id}' already declared by pack '{self.documents[doc.id].source_pack}'",
                    layer.pack_location,
                )
            self.documents[doc.id] = doc
        self.settings.update(layer.settings)
        sections: tuple[tuple[str, Mapping[str, object], Mapping[str, object]], ...] = (
            ("stage", self.stages, layer.stages),
            ("status", self.statuses, layer.statuses),
            ("transition", self.transitions, layer.transitions),
        )
        for kind, known, new in sections:
            for key in new:
                if key in known:
                    self.problem(
                        f"{kind} '{key}' is already defined by the base lifecycle",
                        layer.pack_location,
                    )
        self.merge_vocabulary(layer)
        self.merge_inputs(layer)
        self.forbidden.extend(layer.forbidden)
        self.lifecycle_locations.update(layer.lifecycle_locations)
        self.stages.update(layer.stages)
        self.statuses.update(layer.statuses)
        self.transitions.update(layer.transitions)
        for decl in layer.parameters:
            if decl.id in self.parameters:
                self.problem(
                    f"parameter '{decl.id}' shadows the base pack's parameter of the same name; "
                    "declare an override instead",
                    decl.location,
                )
                continue
            self.parameters[decl.id] = Parameter(
                decl.id, decl.type, decl.label, decl.values, decl.unit, layer.id, decl.location
            )
        for override in layer.parameter_overrides:
            base = self.parameters.get(override.target)
            if base is None:
                self.problem(
                    f"override of unknown parameter '{override.target}'", override.location
                )
                continue
            dates = {v.since for v in override.values}
            kept = tuple(v for v in base.values if v.since not in dates)
            self.parameters[base.id] = dataclasses.replace(
                base,
                values=tuple(sorted(kept + override.values, key=lambda v: v.since)),
                overridden_by=(*base.overridden_by, layer.id),
            )
        for rule in layer.rules:
            if rule.id in self.rules:
                self.problem(
                    f"rule '{rule.id}' shadows a rule of pack '{self.rules[rule.id].source_pack}'; "
                    "declare an override (replace, narrow or disable) instead",
                    rule.location,
                )
                continue
            if not rule.id.startswith(layer.id + "."):
                self.problem(
                    f"rule id '{rule.id}' must start with the pack id '{layer.id}.'", rule.location
                )
            self.rules[rule.id] = rule
        first_override: dict[str, Location] = {}
        for ov in layer.rule_overrides:
            # a second override of the same rule in one layer would silently win over the first
            if ov.target in first_override:
                where = first_override[ov.target].prefix().rstrip(": ") or "elsewhere"
                self.problem(
                    f"rule '{ov.target}' is already overridden by this layer at {where}; "
                    "a layer overrides a rule once (merge the two overrides into one)",
                    ov.location,
                )
                continue
            first_override[ov.target] = ov.location
            base_rule = self.rules.get(ov.target)
            if base_rule is None:
                self.problem(f"override of unknown rule '{ov.target}'", ov.location)
                continue
            if base_rule.source_pack == layer.id and not base_rule.history:
                self.problem(
                    f"rule '{ov.target}' is this pack's own rule; edit it instead of overriding",
                    ov.location,
                )
                continue
            record = Override(ov.action, layer.id, ov.citation, ov.location)
            if ov.action == "disable":
                del self.rules[ov.target]
                self.disabled.append((ov.target, record))
            elif ov.action == "replace" and ov.rule is not None:
                self.rules[ov.target] = dataclasses.replace(
                    ov.rule,
                    history=(*base_rule.history, record),
                    relation=ov.rule.relation or "replaces",
                )
            elif ov.action == "narrow" and ov.require is not None and ov.message is not None:
                narrowing = Narrowing(ov.require, ov.message, ov.citation, layer.id, ov.location)
                self.rules[ov.target] = dataclasses.replace(
                    base_rule,
                    narrowings=(*base_rule.narrowings, narrowing),
                    history=(*base_rule.history, record),
                )

    def merge_vocabulary(self, layer: PackLayer) -> None:
        """A layer adds ids to the vocabularies; redefining an id (in any layer) is an error."""
        for entry in layer.vocabulary:
            known = self.vocabularies[entry.kind]
            if entry.id in known:
                owner = self.vocabulary_sources[(entry.kind, entry.id)]
                self.problem(
                    f"{entry.kind} id '{entry.id}' is already declared by pack '{owner}'; "
                    "a layer adds ids, it does not redefine them",
                    entry.location,
                )
                continue
            known[entry.id] = entry.label
            self.vocabulary_sources[(entry.kind, entry.id)] = layer.id

    def merge_inputs(self, layer: PackLayer) -> None:
        """A layer declares input fields on top of the bundled schemas (and its bases' fields)."""
        for item in layer.inputs:
            base = _base_input_fields(item.kind)
            if item.name in base:
                self.problem(
                    f"input field '{item.path}' is already a field of the bundled "
                    f"{item.kind} schema; a pack may only add fields",
                    item.location,
                )
            elif item.path in self.inputs:
                owner = self.inputs[item.path].source_pack
                self.problem(
                    f"input field '{item.path}' is already declared by pack '{owner}'",
                    item.location,
                )
            elif item.enum is not None and any(
                _enum_value_misfits(item.type, value) for value in item.enum
            ):
                self.problem(
                    f"input field '{item.path}': every enum value must be of type {item.type}",
                    item.location,
                )
            else:
                self.inputs[item.path] = item

    def check_forbidden(self) -> list[Forbidden]:
        """Every forbidden move names a known transition, stages and statuses; it is cited, and
        it is not shadowed everywhere by an unconditional edge (it would never apply)."""
        out = []
        for item in self.forbidden:
            where = item.location
            transition = self.transitions.get(item.transition)
            if transition is None:
                self.problem(
                    f"forbidden move of unknown transition '{item.transition}'"
                    f"{_hint(item.transition, self.transitions)}",
                    where,
                )
                continue
            for stage in item.stages or ():
                if stage not in self.stages:
                    self.problem(
                        f"forbidden move names unknown stage '{stage}'{_hint(stage, self.stages)}",
                        where,
                    )
            for status in item.from_statuses or ():
                if status not in self.statuses:
                    self.problem(
                        f"forbidden move names unknown status '{status}'"
                        f"{_hint(status, self.statuses)}",
                        where,
                    )
            stages = item.stages or tuple(self.stages)
            statuses = item.from_statuses or tuple(self.statuses)
            open_pairs = [
                (stage, status)
                for stage in stages
                for status in statuses
                if not any(
                    e.when is None
                    and status in e.from_statuses
                    and (e.stages is None or stage in e.stages)
                    for e in transition.edges
                )
            ]
            if not open_pairs:
                self.problem(
                    f"forbidden move of '{item.transition}' can never apply: an edge without a "
                    "condition allows it for every stage and status it names",
                    where,
                )
            out.append(
                dataclasses.replace(
                    item,
                    citation=self.cite(item.citation, where),
                    also_cites=tuple(self.cite(c, where) for c in item.also_cites),
                )
            )
        return out

    def label_rule(self, rule: Rule) -> Rule:
        """Fill the labels a rule leaves to the vocabularies (documents, approval bodies)."""
        documents = self.vocabularies["documents"]
        bodies = self.vocabularies["approval_bodies"]
        changed: dict[str, Any] = {}
        if any(d.label is None for d in rule.documents):
            filled = []
            for d in rule.documents:
                if d.label is None:
                    label = documents.get(d.id)
                    if label is None:
                        self.problem(
                            f"document '{d.id}' has no label: give one in the rule or declare "
                            "it in vocabularies.yaml",
                            rule.location,
                        )
                        label = Text(d.id)
                    d = dataclasses.replace(d, label=label)
                filled.append(d)
            changed["documents"] = tuple(filled)
        if rule.approval is not None and rule.approval.label is None:
            label = bodies.get(rule.approval.body)
            if label is not None:
                changed["approval"] = dataclasses.replace(rule.approval, label=label)
        return dataclasses.replace(rule, **changed) if changed else rule

    def cite(self, citation: Citation, location: Location) -> Citation:
        doc = self.documents.get(citation.document)
        if doc is None:
            self.problem(f"citation names unknown document '{citation.document}'", location)
            return citation
        known = {a for a, _, _ in doc.articles}
        if known and citation.article not in known:
            self.problem(f"{doc.number} has no article {citation.article}", location)
        return dataclasses.replace(citation, number=doc.number)

    def check_rule(self, rule: Rule) -> Rule:
        loc = rule.location
        for tid in rule.transitions:
            if tid not in self.transitions:
                self.problem(f"unknown transition '{tid}'{_hint(tid, self.transitions)}", loc)
        for sid in rule.stages or ():
            if sid not in self.stages:
                self.problem(f"unknown stage '{sid}'{_hint(sid, self.stages)}", loc)
        return dataclasses.replace(
            rule,
            citation=self.cite(rule.citation, loc),
            also_cites=tuple(self.cite(c, loc) for c in rule.also_cites),
            obligations=tuple(
                dataclasses.replace(o, citation=self.cite(o.citation, o.location))
                for o in rule.obligations
            ),
            narrowings=tuple(
                dataclasses.replace(n, citation=self.cite(n.citation, n.location))
                for n in rule.narrowings
            ),
            history=tuple(
                dataclasses.replace(
                    h, citation=self.cite(h.citation, h.location) if h.citation else None
                )
                for h in rule.history
            ),
        )

    def _cite_item(self, kind: str, key: str, item: _Cited) -> _Cited:
        if item.citation is None:
            return item
        where = self.lifecycle_locations.get(key, Location(path=f"lifecycle {kind} '{key}'"))
        return dataclasses.replace(item, citation=self.cite(item.citation, where))

    def check_lifecycle(self) -> None:
        self.stages = {k: self._cite_item("stage", k, v) for k, v in self.stages.items()}
        self.statuses = {k: self._cite_item("status", k, v) for k, v in self.statuses.items()}
        self.transitions = {
            k: self._cite_item("transition", k, v) for k, v in self.transitions.items()
        }
        for transition in self.transitions.values():
            for edge in transition.edges:
                for status in (
                    *edge.from_statuses,
                    edge.to,
                    *((edge.pending,) if edge.pending else ()),
                ):
                    if status not in self.statuses:
                        self.problem(
                            f"transition '{transition.id}' names unknown status '{status}'{_hint(status, self.statuses)}",
                            edge.location,
                        )
                for stage in edge.stages or ():
                    if stage not in self.stages:
                        self.problem(
                            f"transition '{transition.id}' names unknown stage '{stage}'{_hint(stage, self.stages)}",
                            edge.location,
                        )

    def check_parameters(self) -> None:
        for pid, param in list(self.parameters.items()):
            values = tuple(
                dataclasses.replace(v, citation=self.cite(v.citation, param.location))
                for v in param.values
            )
            for value in values:
                if not _value_fits(param.type, value.value):
                    self.problem(
                        f"parameter '{pid}' is declared {param.type}, but its value since "
                        f"{value.since.isoformat()} is {value.value!r}",
                        param.location,
                    )
            self.parameters[pid] = dataclasses.replace(param, values=values)


def _base_input_fields(kind: str) -> frozenset[str]:
    from xueji_rules._schemas import load_schema

    return frozenset(load_schema(f"{kind}.schema.json").get("properties", {}))


def _enum_value_misfits(kind: str, value: Any) -> bool:
    if kind in ("string", "date"):
        return not isinstance(value, str)
    if kind == "integer":
        return type(value) is not int
    if kind == "number":
        return type(value) not in (int, float)
    return not isinstance(value, bool)


def _value_fits(kind: str, value: Any) -> bool:
    """Whether a parameter value has its declared type (bool is not an int here)."""
    if kind == "int":
        return type(value) is int and -(2**63) <= value < 2**63
    if kind == "double":
        return type(value) in (int, float)
    if kind == "string":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "date":
        try:
            return (
                isinstance(value, str) and len(value) == 10 and bool(dt.date.fromisoformat(value))
            )
        except ValueError:
            return False
    return isinstance(value, list)


def _hint(word: str, choices: Mapping[str, object]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def load_pack(ref: str | os.PathLike[str]) -> Pack:
    """Load a pack by bundled name or directory path; raise :class:`PackError` listing every problem.

    ``ref`` is a bundled name (``"shanxi"``, ``"bundled:shanxi"``) or a path (``"./shanxi"``,
    ``Path("drafts/x")``); see :mod:`xueji_rules.packs._resolve`. Expressions are not compiled
    here; :class:`xueji_rules.Engine` type-checks and compiles them.
    """
    pack, problems = load_pack_report(ref)
    if problems or pack is None:
        raise PackError(problems)
    return pack


def load_pack_report(ref: str | os.PathLike[str]) -> tuple[Pack | None, tuple[Problem, ...]]:
    """The pack and every problem loading it met, for a linter that reports them all at once.

    When only rules files fail their schema, the pack is still built from everything else and
    the rules that could be read (see ``_schemas.repaired_items``), so references and
    expressions are checked in the same run; never decide with a pack that came with problems.
    When another file fails, building would only add problems caused by the first ones, so the
    pack is ``None``. A pack reference that names nothing still raises :class:`PackError`.
    """
    root = resolve_pack_dir(ref)
    layers = _read_chain(root)
    problems = [p for layer in layers for p in layer.problems]
    if any(_outside_rules(p) for p in problems):
        return None, tuple(problems)
    merger = _Merger(layers)
    merger.merge()
    merger.check_lifecycle()
    merger.check_parameters()
    forbidden = merger.check_forbidden()
    rules = tuple(merger.label_rule(merger.check_rule(rule)) for rule in merger.rules.values())
    problems += merger.problems
    top = layers[0]
    valid_from = max(layer.valid_from for layer in layers)
    untils = [layer.valid_until for layer in layers if layer.valid_until is not None]
    pack = Pack(
        id=top.id,
        version=top.version,
        name=top.name,
        chain=tuple(layer.id for layer in layers),
        valid_from=valid_from,
        valid_until=min(untils) if untils else None,
        documents=merger.documents,
        parameters=merger.parameters,
        lifecycle=Lifecycle(merger.stages, merger.statuses, merger.transitions, tuple(forbidden)),
        rules=tuple(sorted(rules, key=lambda r: r.id)),
        settings=merger.settings,
        root=str(root),
        base_roots=tuple(str(layer.root) for layer in layers[1:]),
        calendar_files=tuple(str(p) for layer in reversed(layers) for p in layer.calendar_files),
        scenario_files=tuple(str(p) for p in top.scenario_files),
        disabled_rules=tuple(merger.disabled),
        record_files=tuple(
            (layer.id, doc) for layer in reversed(layers) for doc in layer.record_files
        ),
        digest=pack_digest(layers),
        vocabularies={kind: dict(sorted(ids.items())) for kind, ids in merger.vocabularies.items()},
        inputs=tuple(sorted(merger.inputs.values(), key=lambda f: f.path)),
    )
    return pack, tuple(problems)


def _outside_rules(problem: Problem) -> bool:
    return "/rules/" not in (problem.location.file or "").replace(os.sep, "/")
