"""The effective pack as immutable values: documents, parameters, lifecycle, rules, provenance."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from xueji_rules.errors import Location

if TYPE_CHECKING:
    from xueji_rules._yaml import YamlDocument

__all__ = [
    "NOT_SPECIFIED",
    "NOT_SPECIFIED_LABEL",
    "VOCABULARY_KINDS",
    "Approval",
    "Citation",
    "Clock",
    "Document",
    "DocumentRequirement",
    "Edge",
    "ExceptionRoute",
    "Forbidden",
    "InputField",
    "Lifecycle",
    "Modality",
    "Narrowing",
    "ObligationSpec",
    "Override",
    "Pack",
    "Parameter",
    "ParameterValue",
    "Rule",
    "Stage",
    "Status",
    "Text",
    "Transition",
    "chinese_numeral",
]

Modality = Literal["mandatory", "default", "documents", "approval", "obligation"]

NOT_SPECIFIED = "not_specified"
"""The exception route of a default rule whose text names no one who may grant the exception."""

VOCABULARY_KINDS = (
    "approval_bodies",
    "documents",
    "grounds",
    "exception_routes",
    "applicants",
    "parties",
)
"""The kinds of ids a pack declares in ``vocabularies.yaml`` (docs/pack-format.md)."""

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Render 1..999 the way article numbers are written (16 -> 十六, 105 -> 一百零五)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = _DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _DIGITS[rest]
    return head + (_DIGITS[rest // 10] + "十" + (_DIGITS[rest % 10] if rest % 10 else ""))


@dataclass(frozen=True, slots=True)
class Text:
    """A label or message: Chinese, English optional."""

    zh: str
    en: str | None = None

    def to_json(self) -> dict[str, str]:
        """The JSON form: ``{"zh": ..., "en": ...}`` (``en`` only when present)."""
        return {"zh": self.zh} if self.en is None else {"zh": self.zh, "en": self.en}

    @classmethod
    def from_json(cls, data: Any) -> Text:
        """The value of :meth:`to_json`."""
        return cls(zh=data["zh"], en=data.get("en"))

    def in_lang(self, lang: str) -> str:
        """The text in ``lang`` (``zh`` or ``en``); Chinese when there is no English."""
        return self.en if lang == "en" and self.en is not None else self.zh


NOT_SPECIFIED_LABEL = Text("条文未规定由谁批准例外", "not specified by the text")
"""The label of the :data:`NOT_SPECIFIED` exception route."""


@dataclass(frozen=True, slots=True)
class Document:
    """A legal document a pack encodes."""

    id: str
    number: str
    title: str
    issuer: str
    issued: dt.date
    effective: dt.date
    valid_until: dt.date | None = None
    implements: tuple[str, ...] = ()
    articles: tuple[tuple[int, str, str | None], ...] = ()  # (article, topic, why not encoded)
    source_pack: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    """A reference to a document's article (and optionally paragraph and item)."""

    document: str
    article: int
    paragraph: int | None = None
    item: int | None = None
    number: str = ""  # the document number, filled in when the pack is resolved

    def render(self) -> str:
        """``晋教〔2026〕1号 第十六条第一款（一）``."""
        text = f"{self.number or self.document} 第{chinese_numeral(self.article)}条"
        if self.paragraph is not None:
            text += f"第{chinese_numeral(self.paragraph)}款"
        if self.item is not None:
            text += f"（{chinese_numeral(self.item)}）"
        return text

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in decisions and findings: ``document`` is the number as issued,
        ``document_id`` the pack's id of the document."""
        out: dict[str, Any] = {
            "document": self.number or self.document,
            "document_id": self.document,
            "article": self.article,
        }
        if self.paragraph is not None:
            out["paragraph"] = self.paragraph
        if self.item is not None:
            out["item"] = self.item
        out["text"] = self.render()
        return out

    def render_en(self) -> str:
        """``晋教〔2026〕1号 art. 16(1)(1)``: the document number stays as issued."""
        text = f"{self.number or self.document} art. {self.article}"
        if self.paragraph is not None:
            text += f"({self.paragraph})"
        if self.item is not None:
            text += f"({self.item})"
        return text

    def render_in(self, lang: str) -> str:
        """The rendered citation for ``lang`` (``zh`` or ``en``)."""
        return self.render_en() if lang == "en" else self.render()

    @classmethod
    def from_json(cls, data: Any) -> Citation:
        """Rebuild a citation from its JSON form (:meth:`to_json`'s value).

        JSON written before ``document_id`` existed gives the number as the document too.
        """
        number = data["document"]
        document = data.get("document_id", number)
        return cls(
            document=document,
            article=data["article"],
            paragraph=data.get("paragraph"),
            item=data.get("item"),
            number=number if number != document else "",
        )


@dataclass(frozen=True, slots=True)
class ParameterValue:
    """One dated value of a parameter."""

    since: dt.date
    value: Any
    citation: Citation
    source_pack: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A dated parameter: the value in force is the latest one on or before the date."""

    id: str
    type: str
    label: Text
    values: tuple[ParameterValue, ...]
    unit: str | None = None
    source_pack: str = ""
    location: Location = field(default_factory=Location)
    overridden_by: tuple[str, ...] = ()

    def value_on(self, day: dt.date) -> ParameterValue | None:
        """The value in force on ``day`` (``None`` before the first value)."""
        index = bisect.bisect_right([v.since for v in self.values], day) - 1
        return self.values[index] if index >= 0 else None


@dataclass(frozen=True, slots=True)
class Stage:
    """A school stage (学段)."""

    id: str
    label: str
    compulsory: bool = False
    grades: tuple[int, int] | None = None
    citation: Citation | None = None
    label_en: str | None = None

    @property
    def text(self) -> Text:
        """The label in both languages."""
        return Text(self.label, self.label_en)


@dataclass(frozen=True, slots=True)
class Status:
    """A registry status."""

    id: str
    label: str
    terminal: bool = False
    citation: Citation | None = None
    label_en: str | None = None

    @property
    def text(self) -> Text:
        """The label in both languages."""
        return Text(self.label, self.label_en)


@dataclass(frozen=True, slots=True)
class Edge:
    """One way a transition can move a record: stages, from statuses, target and pending status."""

    from_statuses: tuple[str, ...]
    to: str
    stages: tuple[str, ...] | None = None
    pending: str | None = None
    when: str | None = None
    location: Location = field(default_factory=Location)
    to_stage: str | None = None  # CEL string expression: the stage after the transition
    to_grade: str | None = None  # CEL int expression: the grade after the transition
    to_school_system: str | None = None  # CEL string expression: the 学制 after the transition


@dataclass(frozen=True, slots=True)
class Transition:
    """A named lifecycle transition and its edges."""

    id: str
    label: str
    edges: tuple[Edge, ...]
    source_pack: str = ""
    citation: Citation | None = None
    label_en: str | None = None

    @property
    def text(self) -> Text:
        """The label in both languages."""
        return Text(self.label, self.label_en)


@dataclass(frozen=True, slots=True)
class Forbidden:
    """A move the law forbids: a transition refused for these stages and statuses, with citations.

    Consulted only when no edge of the transition matches; the refusal then names the articles
    like any rule does. ``stages`` / ``from_statuses`` of ``None`` mean every stage / status.
    """

    transition: str
    citation: Citation
    message: Text
    stages: tuple[str, ...] | None = None
    from_statuses: tuple[str, ...] | None = None
    when: str | None = None
    also_cites: tuple[Citation, ...] = ()
    source_pack: str = ""
    location: Location = field(default_factory=Location)

    def matches(self, transition: str, stage: str, status: str) -> bool:
        """Whether the entry speaks of this transition from this stage and status."""
        return (
            self.transition == transition
            and (self.stages is None or stage in self.stages)
            and (self.from_statuses is None or status in self.from_statuses)
        )

    @property
    def citations(self) -> tuple[Citation, ...]:
        """The citation and the also-cited articles, in that order."""
        return (self.citation, *self.also_cites)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Stages, statuses and transitions."""

    stages: dict[str, Stage]
    statuses: dict[str, Status]
    transitions: dict[str, Transition]
    forbidden: tuple[Forbidden, ...] = ()

    def allowed_from(self, stage: str, status: str) -> tuple[str, ...]:
        """Transitions that have an edge for this stage and status (sorted)."""
        return tuple(
            sorted(
                t.id
                for t in self.transitions.values()
                if any(
                    status in e.from_statuses and (e.stages is None or stage in e.stages)
                    for e in t.edges
                )
            )
        )


@dataclass(frozen=True, slots=True)
class DocumentRequirement:
    """A document a rule requires; any of ``id`` and ``alternatives`` satisfies it."""

    id: str
    label: Text | None  # None: the label declared in the pack's vocabulary
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Approval:
    """An approval a rule requires, by a named body."""

    body: str
    kind: str
    label: Text | None = None


@dataclass(frozen=True, slots=True)
class ExceptionRoute:
    """Who may grant an exception to a default (原则上/一般) rule.

    ``route`` is :data:`NOT_SPECIFIED` when the text names no one (the rule says so in its
    decision instead of naming a body the text does not).
    """

    route: str
    label: Text | None = None

    @property
    def specified(self) -> bool:
        """Whether the text names who may grant the exception."""
        return self.route != NOT_SPECIFIED


@dataclass(frozen=True, slots=True)
class Clock:
    """When an obligation falls due: ``amount`` ``unit`` after ``trigger``."""

    trigger: str
    amount: str | int
    unit: str


@dataclass(frozen=True, slots=True)
class ObligationSpec:
    """A duty a rule starts when it applies."""

    id: str
    party: str
    action: Text
    clock: Clock | None
    when: str | None
    citation: Citation
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class Narrowing:
    """An extra condition a layer adds to a base rule, with its own message and citation."""

    require: str
    message: Text
    citation: Citation
    source_pack: str
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class Override:
    """A record of one override applied to a rule or parameter (for provenance)."""

    action: str
    source_pack: str
    citation: Citation | None
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class Rule:
    """One encoded rule of the law."""

    id: str
    transitions: tuple[str, ...]
    modality: Modality
    message: Text
    citation: Citation
    source_pack: str
    stages: tuple[str, ...] | None = None
    when: str | None = None
    require: str | None = None
    exception: ExceptionRoute | None = None
    documents: tuple[DocumentRequirement, ...] = ()
    approval: Approval | None = None
    obligations: tuple[ObligationSpec, ...] = ()
    also_cites: tuple[Citation, ...] = ()
    relation: str | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    narrowings: tuple[Narrowing, ...] = ()
    history: tuple[Override, ...] = ()
    location: Location = field(default_factory=Location)
    field_locations: tuple[tuple[str, Location], ...] = ()
    needs: tuple[str, ...] = ()  # inputs that must be present for the rule to be decided

    def where(self, key: str) -> Location:
        """The location of one of the rule's fields (``when``, ``require``), else of the rule."""
        for name, location in self.field_locations:
            if name == key:
                return location
        return self.location

    def in_force(self, day: dt.date) -> bool:
        """Whether the rule is in force on ``day``."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until


@dataclass(frozen=True, slots=True)
class InputField:
    """An input field a pack declares on top of the bundled record/request schemas.

    ``path`` is ``record.NAME`` or ``request.NAME``; ``type`` one of ``string``, ``integer``,
    ``number``, ``boolean``, ``date``.
    """

    path: str
    type: str
    label: Text
    enum: tuple[str | int, ...] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    max_length: int | None = None
    description: str | None = None
    source_pack: str = ""
    location: Location = field(default_factory=Location)

    @property
    def kind(self) -> str:
        """``record`` or ``request``."""
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The field's name inside the record or request."""
        return self.path.split(".", 1)[1]

    def json_schema(self) -> dict[str, Any]:
        """The field as a JSON Schema property (the keywords the input converter supports)."""
        out: dict[str, Any] = (
            {"type": "string", "format": "date"} if self.type == "date" else {"type": self.type}
        )
        if self.enum is not None:
            out["enum"] = list(self.enum)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.description:
            out["description"] = self.description
        out["x-label"] = self.label.to_json()
        return out


@dataclass(frozen=True, slots=True)
class Pack:
    """An effective pack: its own content merged over every base it extends."""

    id: str
    version: str
    name: Text
    chain: tuple[str, ...]  # this pack first, then its bases
    valid_from: dt.date
    valid_until: dt.date | None
    documents: dict[str, Document]
    parameters: dict[str, Parameter]
    lifecycle: Lifecycle
    rules: tuple[Rule, ...]
    settings: dict[str, Any]
    root: str  # the directory of this pack
    base_roots: tuple[str, ...] = ()
    calendar_files: tuple[str, ...] = ()
    scenario_files: tuple[str, ...] = ()
    disabled_rules: tuple[tuple[str, Override], ...] = ()
    # (layer id, document) of every records/*.yaml, base layer first; read by xueji_rules.records
    record_files: tuple[tuple[str, YamlDocument], ...] = ()
    # "sha256:<hex>" of every file of every layer that can change a decision (tests/ excluded);
    # see xueji_rules.packs.loader.pack_digest and docs/pack-format.md
    digest: str = ""
    vocabularies: Mapping[str, Mapping[str, Text]] = field(default_factory=dict)
    inputs: tuple[InputField, ...] = ()

    def label_of(self, kind: str, item: str) -> Text | None:
        """The declared label of ``item`` in vocabulary ``kind`` (``None`` when undeclared)."""
        return self.vocabularies.get(kind, {}).get(item)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
