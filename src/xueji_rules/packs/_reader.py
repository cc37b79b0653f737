"""Parse one pack directory (no layering yet): every file validated and turned into values.

The files come from :func:`xueji_rules.packs._layout.collect_layer` (which decides which files
make up a pack and reads them safely); each parsed kind has a handler here, chosen by the
``definition`` of its :class:`~xueji_rules.packs._layout.FileKind`. Problems are collected, not
raised one by one: the caller gets every problem of every file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xueji_rules._schemas import iter_problems, repaired_items, validator_for
from xueji_rules._yaml import YamlDocument, load_yaml_bytes
from xueji_rules.errors import Location, PackError, Problem
from xueji_rules.packs._layout import LayerFiles, RawFile
from xueji_rules.packs.model import (
    NOT_SPECIFIED,
    NOT_SPECIFIED_LABEL,
    Approval,
    Citation,
    Clock,
    Document,
    DocumentRequirement,
    Edge,
    ExceptionRoute,
    Forbidden,
    InputField,
    ObligationSpec,
    ParameterValue,
    Rule,
    Stage,
    Status,
    Text,
    Transition,
)

__all__ = [
    "PackLayer",
    "ParameterDecl",
    "ParameterOverride",
    "RuleOverride",
    "VocabularyEntry",
    "read_layer",
]


@dataclass(frozen=True, slots=True)
class ParameterDecl:
    """A parameter as declared in one layer."""

    id: str
    type: str
    label: Text
    unit: str | None
    values: tuple[ParameterValue, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class ParameterOverride:
    """A layer's new dated values for a base parameter."""

    target: str
    values: tuple[ParameterValue, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class VocabularyEntry:
    """One id a layer declares in ``vocabularies.yaml``, with its label and where it stands."""

    kind: str
    id: str
    label: Text
    location: Location


@dataclass(frozen=True, slots=True)
class RuleOverride:
    """A layer's replace / narrow / disable of a base rule."""

    target: str
    action: str
    citation: Citation
    rule: Rule | None
    require: str | None
    message: Text | None
    location: Location


@dataclass
class PackLayer:
    """Everything one pack directory declares, before it is merged over its base."""

    id: str
    root: Path
    version: str = "0.0.0"
    name: Text = field(default_factory=lambda: Text(""))
    extends: str | None = None
    valid_from: dt.date = dt.date.min
    valid_until: dt.date | None = None
    documents: list[Document] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    parameters: list[ParameterDecl] = field(default_factory=list)
    parameter_overrides: list[ParameterOverride] = field(default_factory=list)
    stages: dict[str, Stage] = field(default_factory=dict)
    statuses: dict[str, Status] = field(default_factory=dict)
    transitions: dict[str, Transition] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    rule_overrides: list[RuleOverride] = field(default_factory=list)
    calendar_files: list[Path] = field(default_factory=list)
    scenario_files: list[Path] = field(default_factory=list)
    # records/*.yaml: read and schema-checked here, interpreted by xueji_rules.records (SD7)
    record_files: list[YamlDocument] = field(default_factory=list)
    articles: dict[str, tuple[tuple[int, str, str | None], ...]] = field(default_factory=dict)
    lifecycle_locations: dict[str, Location] = field(default_factory=dict)
    pack_location: Location = field(default_factory=Location)
    problems: list[Problem] = field(default_factory=list)
    vocabulary: list[VocabularyEntry] = field(default_factory=list)
    inputs: list[InputField] = field(default_factory=list)
    forbidden: list[Forbidden] = field(default_factory=list)
    # "<relative path> <sha256>" of every file that can change a decision (Pack.digest)
    digest_lines: tuple[str, ...] = ()
    values: int = 0  # YAML values parsed (aliases expanded), charged to the pack's budget


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _text(data: dict[str, Any]) -> Text:
    return Text(zh=data["zh"], en=data.get("en"))


def _label(value: str | dict[str, Any]) -> Text:
    """A lifecycle label: a Chinese string, or ``{zh, en}``."""
    return Text(value) if isinstance(value, str) else _text(value)


def _citation(data: dict[str, Any]) -> Citation:
    return Citation(
        document=data["document"],
        article=data["article"],
        paragraph=data.get("paragraph"),
        item=data.get("item"),
    )


def _exception_route(data: dict[str, Any] | None, modality: str) -> ExceptionRoute | None:
    """A default rule's exception route; none given means the text names no one."""
    if data is None:
        return ExceptionRoute(NOT_SPECIFIED, NOT_SPECIFIED_LABEL) if modality == "default" else None
    label = _text(data["label"]) if "label" in data else None
    if label is None and data["route"] == NOT_SPECIFIED:
        label = NOT_SPECIFIED_LABEL
    return ExceptionRoute(data["route"], label)


class _LayerReader:
    def __init__(self, files: LayerFiles) -> None:
        self.files = files
        self.layer = PackLayer(id=files.root.name, root=files.root)
        self.layer.problems.extend(files.problems)
        self.unread: YamlDocument | None = None  # the last document that failed its schema

    def read(self, raw: RawFile, definition: str) -> YamlDocument | None:
        try:
            doc = load_yaml_bytes(raw.data, raw.display, budget=self.files.budget)
        except PackError as exc:
            self.layer.problems.extend(exc.problems)
            return None
        if doc.data is None:
            doc = YamlDocument(data={}, file=doc.file, positions=doc.positions)
        problems = list(
            iter_problems(validator_for(raw.kind.schema, definition), doc.data, doc.locate)
        )
        self.layer.problems.extend(problems)
        self.unread = doc if problems else None
        return None if problems else doc

    def run(self) -> PackLayer:
        handlers = {
            "pack_file": self.pack_file,
            "parameters_file": self.parameters_file,
            "lifecycle_file": self.lifecycle_file,
            "articles_file": self.articles_file,
            "rules_file": self.rules_file,
            "vocabularies_file": self.vocabularies_file,
            "inputs_file": self.inputs_file,
            "records_file": self.layer.record_files.append,
        }
        before = self.files.budget.values_left
        for raw in self.files.files:
            definition = raw.kind.definition
            if definition is None:
                continue
            if (doc := self.read(raw, definition)) is not None:
                handlers[definition](doc)
            elif definition == "rules_file" and self.unread is not None:
                # the file has schema problems (reported above): still read the rules that are
                # valid, or valid once a misspelt key is renamed, so later stages check them too
                self.rules_file(self.unread, salvage=True)
        self.layer.calendar_files = list(self.files.calendar_files)
        self.layer.scenario_files = list(self.files.scenario_files)
        self.layer.digest_lines = tuple(self.files.digest_lines())
        self.layer.values = before - self.files.budget.values_left
        return self.layer

    def articles_file(self, doc: YamlDocument) -> None:
        self.layer.articles[doc.data["document"]] = tuple(
            (a["article"], a["topic"], a.get("not_encoded")) for a in doc.data["articles"]
        )

    def pack_file(self, doc: YamlDocument) -> None:
        data = doc.data
        layer = self.layer
        layer.pack_location = doc.locate(())
        layer.id = data["id"]
        layer.version = data["version"]
        layer.name = _text(data["name"])
        layer.extends = data.get("extends")
        layer.valid_from = _date(data["validity"]["from"])
        until = data["validity"].get("until")
        layer.valid_until = _date(until) if until else None
        layer.settings = dict(data.get("settings") or {})
        for item in data["documents"]:
            layer.documents.append(
                Document(
                    id=item["id"],
                    number=item["number"],
                    title=item["title"],
                    issuer=item["issuer"],
                    issued=_date(item["issued"]),
                    effective=_date(item["effective"]),
                    valid_until=_date(item["valid_until"]) if item.get("valid_until") else None,
                    implements=tuple(item.get("implements", ())),
                    source_pack=layer.id,
                )
            )

    def values(self, items: list[dict[str, Any]]) -> tuple[ParameterValue, ...]:
        values = [
            ParameterValue(_date(v["since"]), v["value"], _citation(v["citation"]), self.layer.id)
            for v in items
        ]
        return tuple(sorted(values, key=lambda v: v.since))

    def parameters_file(self, doc: YamlDocument) -> None:
        for pid, item in (doc.data.get("parameters") or {}).items():
            self.layer.parameters.append(
                ParameterDecl(
                    id=pid,
                    type=item["type"],
                    label=_text(item["label"]),
                    unit=item.get("unit"),
                    values=self.values(item["values"]),
                    location=doc.locate(("parameters", pid)),
                )
            )
        for i, item in enumerate(doc.data.get("overrides") or []):
            self.layer.parameter_overrides.append(
                ParameterOverride(
                    item["target"], self.values(item["values"]), doc.locate(("overrides", i))
                )
            )

    def lifecycle_file(self, doc: YamlDocument) -> None:
        data = doc.data
        for section, known in (
            ("stages", self.layer.stages),
            ("statuses", self.layer.statuses),
            ("transitions", self.layer.transitions),
        ):
            for key in data.get(section) or {}:
                if key in known:
                    self.layer.problems.append(
                        Problem(
                            f"{section[:-1]} '{key}' is defined twice", doc.locate((section, key))
                        )
                    )
        for sid, item in (data.get("stages") or {}).items():
            grades = item.get("grades")
            label = _label(item["label"])
            self.layer.stages[sid] = Stage(
                sid,
                label.zh,
                bool(item.get("compulsory", False)),
                tuple(grades) if grades else None,
                _citation(item["citation"]) if "citation" in item else None,
                label.en,
            )
        for sid, item in (data.get("statuses") or {}).items():
            label = _label(item["label"])
            self.layer.statuses[sid] = Status(
                sid,
                label.zh,
                bool(item.get("terminal", False)),
                _citation(item["citation"]) if "citation" in item else None,
                label.en,
            )
        for tid, item in (data.get("transitions") or {}).items():
            edges = tuple(
                Edge(
                    from_statuses=tuple(e["from"]),
                    to=e["to"],
                    stages=tuple(e["stages"]) if "stages" in e else None,
                    pending=e.get("pending"),
                    when=e.get("when"),
                    location=doc.locate(("transitions", tid, "edges", i)),
                    to_stage=e.get("to_stage"),
                    to_grade=e.get("to_grade"),
                    to_school_system=e.get("to_school_system"),
                )
                for i, e in enumerate(item["edges"])
            )
            label = _label(item["label"])
            self.layer.transitions[tid] = Transition(
                tid,
                label.zh,
                edges,
                self.layer.id,
                _citation(item["citation"]) if "citation" in item else None,
                label.en,
            )
            self.layer.lifecycle_locations[tid] = doc.locate(("transitions", tid))
        for i, item in enumerate(data.get("forbidden") or []):
            self.layer.forbidden.append(
                Forbidden(
                    transition=item["transition"],
                    citation=_citation(item["citation"]),
                    message=_text(item["message"]),
                    stages=tuple(item["stages"]) if "stages" in item else None,
                    from_statuses=tuple(item["from"]) if "from" in item else None,
                    when=item.get("when"),
                    also_cites=tuple(_citation(c) for c in item.get("also_cites", ())),
                    source_pack=self.layer.id,
                    location=doc.locate(("forbidden", i)),
                )
            )

    def vocabularies_file(self, doc: YamlDocument) -> None:
        for kind, entries in (doc.data.get("vocabularies") or {}).items():
            for item_id, label in (entries or {}).items():
                self.layer.vocabulary.append(
                    VocabularyEntry(
                        kind, item_id, _text(label), doc.locate(("vocabularies", kind, item_id))
                    )
                )

    def inputs_file(self, doc: YamlDocument) -> None:
        for path, item in (doc.data.get("inputs") or {}).items():
            enum = item.get("enum")
            self.layer.inputs.append(
                InputField(
                    path=path,
                    type=item["type"],
                    label=_text(item["label"]),
                    enum=tuple(enum) if enum is not None else None,
                    minimum=item.get("minimum"),
                    maximum=item.get("maximum"),
                    max_length=item.get("max_length"),
                    description=item.get("description"),
                    source_pack=self.layer.id,
                    location=doc.locate(("inputs", path)),
                )
            )

    def rule(
        self,
        data: dict[str, Any],
        rule_id: str,
        location: Location,
        doc: YamlDocument | None = None,
        path: tuple[str | int, ...] = (),
    ) -> Rule:
        effective = data.get("effective") or {}
        citation = _citation(data["citation"])
        exception = data.get("exception")
        approval = data.get("approval")
        return Rule(
            id=rule_id,
            transitions=tuple(data["transitions"]),
            modality=data["modality"],
            message=_text(data["message"]),
            citation=citation,
            source_pack=self.layer.id,
            stages=tuple(data["stages"]) if "stages" in data else None,
            when=data.get("when"),
            require=data.get("require"),
            exception=_exception_route(exception, data["modality"]),
            documents=tuple(
                DocumentRequirement(
                    d["id"],
                    _text(d["label"]) if "label" in d else None,
                    tuple(d.get("alternatives", ())),
                )
                for d in data.get("documents", ())
            ),
            approval=Approval(
                approval["body"],
                approval["kind"],
                _text(approval["label"]) if "label" in approval else None,
            )
            if approval
            else None,
            obligations=tuple(
                ObligationSpec(
                    id=o["id"],
                    party=o["party"],
                    action=_text(o["action"]),
                    clock=Clock(o["clock"]["trigger"], o["clock"]["amount"], o["clock"]["unit"])
                    if "clock" in o
                    else None,
                    when=o.get("when"),
                    citation=_citation(o["citation"]) if "citation" in o else citation,
                    location=Location(
                        location.file, location.line, location.column, rule_id=rule_id
                    ),
                )
                for o in data.get("obligations", ())
            ),
            also_cites=tuple(_citation(c) for c in data.get("also_cites", ())),
            relation=data.get("relation"),
            effective_from=_date(effective["from"]) if "from" in effective else None,
            effective_until=_date(effective["until"]) if "until" in effective else None,
            location=location,
            needs=tuple(data.get("needs", ())),
            field_locations=tuple(
                (key, doc.locate((*path, key), rule_id=rule_id))
                for key in ("when", "require", "needs")
                if key in data
            )
            if doc is not None
            else (),
        )

    def rules_file(self, doc: YamlDocument, salvage: bool = False) -> None:
        def items(key: str, definition: str) -> Any:
            if salvage:
                return repaired_items(doc.data, key, "pack.schema.json", definition)
            return enumerate(doc.data.get(key) or [])

        for i, item in items("rules", "rule"):
            loc = doc.locate(("rules", i), rule_id=item["id"])
            self.layer.rules.append(self.rule(item, item["id"], loc, doc, ("rules", i)))
        for i, item in items("overrides", "rule_override"):
            loc = doc.locate(("overrides", i), rule_id=item["target"])
            body = item.get("rule")
            self.layer.rule_overrides.append(
                RuleOverride(
                    target=item["target"],
                    action=item["action"],
                    citation=_citation(item["citation"]),
                    rule=self.rule(body, item["target"], loc, doc, ("overrides", i, "rule"))
                    if body is not None
                    else None,
                    require=item.get("require"),
                    message=_text(item["message"]) if "message" in item else None,
                    location=loc,
                )
            )


def read_layer(files: LayerFiles) -> PackLayer:
    """Parse the files of one pack directory; problems are collected in ``layer.problems``."""
    return _LayerReader(files).run()
