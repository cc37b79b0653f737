"""Build a :class:`RecordsSpec` from a pack's ``records/*.yaml`` documents, base layer first.

A layer only adds: citations to the form and to checks, form groups and fields, code lists,
personal fields, quasi-identifiers and checks. Redefining something its base already has is an
error, as is a reference to an unknown document, article, stage, status, field, code list or
parameter. Every problem is collected and raised at once as a ``PackError``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, cast

from xueji_rules._schemas import load_schema
from xueji_rules._yaml import YamlDocument
from xueji_rules.errors import Location, PackError, Problem
from xueji_rules.packs.model import Citation, Pack, Text
from xueji_rules.records import _paths
from xueji_rules.records.spec import (
    Check,
    CodeList,
    CodeValue,
    Form,
    FormField,
    FormGroup,
    NumberScheme,
    PersonalField,
    RecordsSpec,
    RequestField,
    System,
)

__all__ = ["build_spec", "records_spec"]

_ONCE = ("form", "registry_numbers", "one_registry", "systems", "accounts")
_SYSTEMS: tuple[System, ...] = ("k12", "preschool")


def _text(data: Mapping[str, Any]) -> Text:
    return Text(zh=data["zh"], en=data.get("en"))


class _Builder:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.problems: list[Problem] = []
        self.once: dict[str, tuple[Any, YamlDocument, str]] = {}
        self.form_extra: list[tuple[dict[str, Any], YamlDocument]] = []
        self.code_lists: dict[str, CodeList] = {}
        self.personal: dict[str, PersonalField] = {}
        self.request_personal: dict[str, RequestField] = {}
        self.quasi: list[str] = []
        self.checks: dict[str, Check] = {}
        self.extra_citations: list[tuple[str, Mapping[str, Any], YamlDocument]] = []

    def problem(self, message: str, doc: YamlDocument, path: tuple[str | int, ...]) -> None:
        self.problems.append(Problem(message, doc.locate(path), code="records"))

    def cite(
        self, data: Mapping[str, Any], doc: YamlDocument, path: tuple[str | int, ...]
    ) -> Citation:
        citation = Citation(
            document=data["document"],
            article=data["article"],
            paragraph=data.get("paragraph"),
            item=data.get("item"),
        )
        document = self.pack.documents.get(citation.document)
        if document is None:
            self.problem(f"citation names unknown document '{citation.document}'", doc, path)
            return citation
        known = {a for a, _, _ in document.articles}
        if known and citation.article not in known:
            self.problem(f"{document.number} has no article {citation.article}", doc, path)
        return dataclasses.replace(citation, number=document.number)

    def cite_all(
        self, items: list[Any], doc: YamlDocument, path: tuple[str | int, ...]
    ) -> tuple[Citation, ...]:
        return tuple(self.cite(c, doc, (*path, i)) for i, c in enumerate(items))

    # -- reading ---------------------------------------------------------------------------

    def read(self, layer: str, doc: YamlDocument) -> None:
        data: dict[str, Any] = doc.data
        for section in _ONCE:
            if section in data:
                if section in self.once:
                    _, _, first = self.once[section]
                    self.problem(
                        f"records section '{section}' is already defined by pack '{first}'; "
                        "a layer only adds (docs/records.md)",
                        doc,
                        (section,),
                    )
                else:
                    self.once[section] = (data[section], doc, layer)
        if "form_layer" in data:
            self.form_extra.append((data["form_layer"], doc))
        for list_id, item in (data.get("code_lists") or {}).items():
            if list_id in self.code_lists:
                self.problem(
                    f"code list '{list_id}' is already defined", doc, ("code_lists", list_id)
                )
                continue
            values = tuple(
                CodeValue(
                    id=v["id"],
                    label=Text(v["zh"], v.get("en")),
                    format=v.get("format"),
                    namespace=v.get("namespace"),
                    region=v.get("region"),
                    placement=v.get("placement"),
                )
                for v in item["values"]
            )
            ids = [v.id for v in values]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                self.problem(
                    f"code list '{list_id}' lists '{dup}' twice", doc, ("code_lists", list_id)
                )
            self.code_lists[list_id] = CodeList(
                list_id, _text(item["label"]), values, item.get("source")
            )
        privacy = data.get("privacy") or {}
        for i, item in enumerate(privacy.get("personal_fields") or []):
            path = item["path"]
            if path in self.personal:
                self.problem(
                    f"personal field '{path}' is already declared",
                    doc,
                    ("privacy", "personal_fields", i),
                )
                continue
            self.personal[path] = PersonalField(
                path, item["kind"], item["deidentify"], _text(item["label"])
            )
        for i, item in enumerate(privacy.get("request_fields") or []):
            where = ("privacy", "request_fields", i)
            path = item["path"]
            if path in self.request_personal:
                self.problem(f"personal request field '{path}' is already declared", doc, where)
                continue
            unknown = _request_path_problem(path, self.pack)
            if unknown is not None:
                self.problem(unknown, doc, where)
                continue
            self.request_personal[path] = RequestField(path, item["kind"], _text(item["label"]))
        for path in privacy.get("quasi_identifiers") or []:
            if path not in self.quasi:
                self.quasi.append(path)
        for check_id, item in (data.get("checks") or {}).items():
            if check_id in self.checks:
                self.problem(
                    f"check '{check_id}' is already defined; add citations with check_citations",
                    doc,
                    ("checks", check_id),
                )
                continue
            citations = {
                system: self.cite_all(
                    item["citations"][system], doc, ("checks", check_id, "citations", system)
                )
                for system in _SYSTEMS
                if system in item["citations"]
            }
            scope = item.get("scope") or {}
            self.checks[check_id] = Check(
                id=check_id,
                label=_text(item["label"]),
                severity=item["severity"],
                citations=citations,
                org_kinds=tuple(scope["org_kinds"]) if "org_kinds" in scope else None,
            )
        for check_id, item in (data.get("check_citations") or {}).items():
            self.extra_citations.append((check_id, item, doc))

    # -- merging and checking ----------------------------------------------------------------

    def add_citations(self) -> None:
        for check_id, item, doc in self.extra_citations:
            check = self.checks.get(check_id)
            if check is None:
                self.problem(
                    f"check_citations for unknown check '{check_id}'",
                    doc,
                    ("check_citations", check_id),
                )
                continue
            merged = dict(check.citations)
            for system in _SYSTEMS:
                if system in item:
                    added = self.cite_all(item[system], doc, ("check_citations", check_id, system))
                    merged[system] = (*merged.get(system, ()), *added)
            self.checks[check_id] = dataclasses.replace(check, citations=merged)

    def form(self) -> Form | None:
        if "form" not in self.once:
            for _, doc in self.form_extra:
                self.problem("form_layer without a form in any base pack", doc, ("form_layer",))
            return None
        data, doc, _ = self.once["form"]
        citations = [self.cite(data["citation"], doc, ("form", "citation"))]
        citations += self.cite_all(data.get("also_cites", []), doc, ("form", "also_cites"))
        groups = [self._group(g) for g in data["groups"]]
        fields = [self._field(f) for f in data["fields"]]
        sources = [(f, doc, ("form", "fields", i)) for i, f in enumerate(data["fields"])]
        for extra, extra_doc in self.form_extra:
            citations += self.cite_all(
                extra.get("also_cites", []), extra_doc, ("form_layer", "also_cites")
            )
            groups += [self._group(g) for g in extra.get("groups", [])]
            fields += [self._field(f) for f in extra.get("fields", [])]
            sources += [
                (f, extra_doc, ("form_layer", "fields", i))
                for i, f in enumerate(extra.get("fields", []))
            ]
        for stage in data["stages"]:
            if stage not in self.pack.lifecycle.stages:
                self.problem(f"form names unknown stage '{stage}'", doc, ("form", "stages"))
        self._check_fields(groups, fields, sources)
        return Form(
            id=data["id"],
            label=_text(data["label"]),
            stages=tuple(data["stages"]),
            citations=tuple(citations),
            groups=tuple(groups),
            fields=tuple(fields),
        )

    @staticmethod
    def _group(data: Mapping[str, Any]) -> FormGroup:
        return FormGroup(
            data["id"], _text(data["label"]), data.get("path"), data.get("absent", "error")
        )

    @staticmethod
    def _field(data: Mapping[str, Any]) -> FormField:
        when = data.get("required_when")
        return FormField(
            number=data["number"],
            id=data["id"],
            group=data["group"],
            path=data["path"],
            type=data["type"],
            required=data["required"],
            label=_text(data["label"]),
            codes=data.get("codes"),
            document_type_field=data.get("document_type_field"),
            max_length=data.get("max_length"),
            required_when=(when["field"], when["equals"]) if when else None,
        )

    def _check_fields(
        self,
        groups: list[FormGroup],
        fields: list[FormField],
        sources: Sequence[tuple[Mapping[str, Any], YamlDocument, tuple[str | int, ...]]],
    ) -> None:
        group_ids = [g.id for g in groups]
        by_group = {g.id: g for g in groups}
        seen_ids: set[str] = set()
        seen_numbers: set[int] = set()
        by_id = {f.id: f for f in fields}
        for f, (_, doc, where) in zip(fields, sources, strict=True):
            if f.id in seen_ids or f.number in seen_numbers:
                self.problem(
                    f"form field '{f.id}' (number {f.number}) is defined twice", doc, where
                )
            seen_ids.add(f.id)
            seen_numbers.add(f.number)
            group = by_group.get(f.group)
            if group is None:
                self.problem(
                    f"field '{f.id}' names unknown group '{f.group}'", doc, (*where, "group")
                )
            elif group.path and not f.path.startswith(group.path + "."):
                self.problem(
                    f"field '{f.id}' lies outside its group's path '{group.path}'",
                    doc,
                    (*where, "path"),
                )
            if f.type == "code" and f.codes not in self.code_lists:
                self.problem(
                    f"field '{f.id}' names unknown code list '{f.codes}'", doc, (*where, "codes")
                )
            if f.type == "document_number":
                kind = by_id.get(f.document_type_field or "")
                if kind is None or kind.codes != "id_doc_type":
                    self.problem(
                        f"field '{f.id}' needs a document_type_field of code list 'id_doc_type'",
                        doc,
                        where,
                    )
            if f.required_when is not None and f.required_when[0] not in by_id:
                self.problem(
                    f"field '{f.id}' is required when unknown field '{f.required_when[0]}'",
                    doc,
                    where,
                )
        for dup in sorted({g for g in group_ids if group_ids.count(g) > 1}):
            self.problems.append(
                Problem(f"form group '{dup}' is defined twice", Location(), code="records")
            )

    def build(self) -> RecordsSpec:
        for layer, doc in self.pack.record_files:
            self.read(layer, doc)
        self.add_citations()
        form = self.form()
        lifecycle = self.pack.lifecycle
        schemes: tuple[NumberScheme, ...] = ()
        unknown: Any = "info"
        if "registry_numbers" in self.once:
            data, doc, _ = self.once["registry_numbers"]
            schemes = tuple(
                NumberScheme(
                    id=s["id"],
                    prefix=s["prefix"],
                    label=_text(s["label"]),
                    body=s["body"],
                    temporary=s["temporary"],
                    equals_document_of=tuple(s.get("equals_document_of", ())),
                )
                for s in data["schemes"]
            )
            unknown = data.get("unknown_scheme", "info")
            prefixes = [s.prefix for s in schemes]
            if len(set(prefixes)) != len(prefixes):
                self.problem(
                    "two registry-number schemes share a prefix",
                    doc,
                    ("registry_numbers", "schemes"),
                )
        live: frozenset[str] = frozenset()
        carried: frozenset[str] = frozenset()
        if "one_registry" in self.once:
            data, doc, _ = self.once["one_registry"]
            live = frozenset(data["live_statuses"])
            carried = frozenset(data.get("preschool_number_statuses", ()))
            for status in sorted((live | carried) - set(lifecycle.statuses)):
                self.problem(
                    f"live status '{status}' is not a lifecycle status", doc, ("one_registry",)
                )
        systems: dict[str, System] = {}
        if "systems" in self.once:
            data, doc, _ = self.once["systems"]
            for system in _SYSTEMS:
                for stage in data.get(system, []):
                    if stage not in lifecycle.stages:
                        self.problem(
                            f"system '{system}' names unknown stage '{stage}'",
                            doc,
                            ("systems", system),
                        )
                    systems[stage] = system
        dormancy: dict[System, str] = {}
        if "accounts" in self.once:
            data, doc, _ = self.once["accounts"]
            for system, ref in data["dormancy_months"].items():
                param_id = ref.split(".", 1)[1]
                param = self.pack.parameters.get(param_id)
                if param is None or param.type != "int":
                    self.problem(
                        f"accounts: '{ref}' is not an int parameter of the pack",
                        doc,
                        ("accounts", "dormancy_months", system),
                    )
                else:
                    dormancy[cast(System, system)] = param_id
        for path in [*self.personal, *self.quasi]:
            try:
                _paths.parse(path)
            except ValueError as exc:
                self.problems.append(Problem(str(exc), Location(), code="records"))
        if self.problems:
            raise PackError(self.problems)
        grades = {sid: s.grades for sid, s in lifecycle.stages.items() if s.grades is not None}
        return RecordsSpec(
            pack_id=self.pack.id,
            form=form
            if form is not None
            else Form("none", Text("（无采集表）", "(no form)"), (), (), (), ()),
            code_lists=self.code_lists,
            schemes=schemes,
            unknown_scheme=unknown,
            live_statuses=live,
            preschool_number_statuses=carried,
            personal_fields=tuple(self.personal.values()),
            quasi_identifiers=tuple(self.quasi),
            systems=systems,
            checks=self.checks,
            account_dormancy=dormancy,
            stage_grades={k: (v[0], v[1]) for k, v in grades.items()},
            personal_request_fields=tuple(self.request_personal.values()),
            _pack=self.pack,
        )


def _request_path_problem(path: str, pack: Pack) -> str | None:
    """Why ``path`` names no field of a request (bundled schema or the pack's inputs), or None.

    A personal field that names nothing would silently mask nothing: a typo must be an error.
    """
    try:
        segments = _paths.parse(path)
    except ValueError as exc:
        return str(exc)
    declared = {f.path.split(".", 1)[1] for f in pack.inputs if f.kind == "request"}
    if path in declared:
        return None
    node: Any = load_schema("request.schema.json")
    for depth, (key, _, is_array) in enumerate(segments):
        node = _resolve(node)
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(properties, Mapping) or key not in properties:
            where = ".".join(s[0] for s in segments[: depth + 1])
            return f"personal request field '{path}': the request has no field '{where}'"
        node = _resolve(properties[key])
        if is_array:
            node = _resolve(node.get("items", {}))
    return None


def _resolve(node: Any) -> Any:
    """A schema node with its ``$ref`` (local, or into another bundled schema) followed."""
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if not isinstance(ref, str):
        return node
    file, _, pointer = ref.partition("#")
    target: Any = load_schema(file or "request.schema.json")
    for part in pointer.strip("/").split("/") if pointer else ():
        target = target[part]
    return target


def build_spec(pack: Pack) -> RecordsSpec:
    """Build the records spec of ``pack``; raise ``PackError`` listing every problem."""
    return _Builder(pack).build()


def records_spec(pack: Pack) -> RecordsSpec:
    """The records data of ``pack`` (built once per pack and cached).

    Raises :class:`~xueji_rules.errors.PackError` listing every problem of the records files
    (unknown code list, field or document, a layer redefining what its base has, ...).
    """
    cached = _CACHE.get(id(pack))
    if cached is not None and cached[0] is pack:
        return cached[1]
    spec = build_spec(pack)
    if len(_CACHE) >= 16:
        _CACHE.clear()
    _CACHE[id(pack)] = (pack, spec)
    return spec


_CACHE: dict[int, tuple[Pack, RecordsSpec]] = {}
