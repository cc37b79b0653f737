"""``lint`` finishes the job in one run: every stage reports, every error of every expression,
rules named by id, no schema noise, unguarded optional reads, message placeholders and figures,
vocabulary ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.packs.conftest import (
    BASE_LIFECYCLE,
    BASE_PACK,
    BASE_PARAMS,
    BASE_RULES,
    LAYER_PACK,
    Writer,
)
from xueji_rules.errors import PackError, Problem
from xueji_rules.packs._expressions import compile_expressions
from xueji_rules.packs._lint_checks import vocabulary_problems
from xueji_rules.packs.lint import lint_pack
from xueji_rules.packs.loader import load_pack
from xueji_rules.packs.model import Text


def _pack(write_pack: Writer, rules: str, params: str = BASE_PARAMS, name: str = "base") -> Path:
    return write_pack(
        name,
        {
            "pack.yaml": BASE_PACK,
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/suspend.yaml": BASE_RULES,
            "rules/extra.yaml": rules,
            "parameters.yaml": params,
        },
    )


def _problems(pack: Path) -> list[Problem]:
    """What lint says, but for the base fixture's parameter that these packs leave unread."""
    return [p for p in lint_pack(pack) if p.code != "unused-parameter"]


def _lint(pack: Path) -> list[str]:
    return [str(p) for p in _problems(pack)]


def _messages(pack: Path) -> list[str]:
    """The first line of each problem's message (no location, no caret)."""
    return [p.message.splitlines()[0] for p in _problems(pack)]


# a draft with six mistakes in two rules (the new-user trial's lint_rounds.py)
SIX_MISTAKES = """
rules:
  - id: base.suspend.probe_one
    transitions: [suspend]
    modalty: mandatory
    requrie: "record.grdae > params.cap"
    message: {zh: 探针一}
    citation: {document: doc_a, article: 1}
  - id: base.suspend.probe_two
    transitions: [suspnd]
    modality: mandatory
    require: "termnumber(request.date) == 1 && record.grdae == 1"
    message: {zh: 探针二}
    citation: {document: doc_x, article: 2}
"""


def test_one_run_reports_every_mistake(write_pack: Writer) -> None:
    problems = _lint(_pack(write_pack, SIX_MISTAKES))
    wanted = [
        "rule 'base.suspend.probe_one': unknown field 'modalty' (did you mean 'modality'?)",
        "rule 'base.suspend.probe_one': unknown field 'requrie' (did you mean 'require'?)",
        "rule 'base.suspend.probe_one': require: unknown field 'record.grdae' (did you mean 'record.grade'?)",
        "rule 'base.suspend.probe_two': unknown transition 'suspnd' (did you mean 'suspend'?)",
        "rule 'base.suspend.probe_two': citation names unknown document 'doc_x'",
        "rule 'base.suspend.probe_two': require: unknown function 'termnumber' (did you mean 'term_number'?)",
    ]
    for text in wanted:
        assert any(text in p for p in problems), (text, problems)
    grdae = [p for p in problems if "unknown field 'record.grdae'" in p]
    assert len(grdae) == 2  # both typos of the one field, in two rules
    # no jsonschema noise about the keys the misspelt ones meant, no "rules/0"
    assert not any(
        "is a required property" in p or "rules/" in p.split(": ", 1)[1] for p in problems
    )


def test_a_misspelt_key_is_one_problem(write_pack: Writer) -> None:
    pack = _pack(
        write_pack,
        """
        rules:
          - id: base.suspend.typo
            transitions: [suspend]
            modalty: mandatory
            require: "true"
            message: {zh: 拼错}
            citation: {document: doc_a, article: 1}
        """,
    )
    problems = _lint(pack)
    assert len(problems) == 1, problems
    assert problems[0].endswith(
        "extra.yaml:4:5: rule 'base.suspend.typo': unknown field 'modalty' (did you mean 'modality'?)"
    )


def test_a_required_field_missing_says_when_it_is_required(write_pack: Writer) -> None:
    pack = _pack(
        write_pack,
        """
        rules:
          - id: base.suspend.no_require
            transitions: [suspend]
            modality: mandatory
            message: {zh: 缺条件}
            citation: {document: doc_a, article: 1}
        """,
    )
    assert _messages(pack) == ["'require' is a required property when modality is 'mandatory'"]


UNGUARDED = """
rules:
  - id: base.suspend.grade_probe
    transitions: [suspend]
    modality: mandatory
    require: "record.grade > 0"
    message: {zh: 年级}
    citation: {document: doc_a, article: 1}
  - id: base.suspend.guarded_by_when
    transitions: [suspend]
    when: "has(record.grade)"
    modality: mandatory
    require: "record.grade > 0"
    message: {zh: 年级}
    citation: {document: doc_a, article: 1}
  - id: base.suspend.guarded_inline
    transitions: [suspend]
    modality: mandatory
    require: "!has(request.to_school) || request.to_school.vacancies > 0"
    message: {zh: 学位}
    citation: {document: doc_a, article: 1}
"""


def test_a_read_that_can_raise_on_a_valid_input_is_an_error(write_pack: Writer) -> None:
    problems = _problems(_pack(write_pack, UNGUARDED))
    assert [(p.location.rule_id, p.code) for p in problems] == [
        ("base.suspend.grade_probe", "unguarded-read"),
        ("base.suspend.guarded_inline", "unguarded-read"),
    ]
    first, second = (str(p) for p in problems)
    assert "require reads 'record.grade', which a valid input may lack" in first
    assert "guard it with has(record.grade) or list 'record.grade' in the rule's needs" in first
    assert first.splitlines()[-2:] == ["  | record.grade > 0", "  |        ^"]
    # has(request.to_school) does not say the school's vacancies are there
    assert "reads 'request.to_school.vacancies'" in second


def test_obligations_of_a_mandatory_rule_rely_on_its_require(write_pack: Writer) -> None:
    pack = _pack(
        write_pack,
        """
        rules:
          - id: base.suspend.dated
            transitions: [suspend]
            modality: mandatory
            require: "has(request.period_end) && request.period_end > request.date"
            message: {zh: 期限}
            citation: {document: doc_a, article: 1}
            obligations:
              - id: dated.report
                party: school
                action: {zh: 报告}
                clock: {trigger: "request.period_end", amount: 1, unit: days}
          - id: base.suspend.default_dated
            transitions: [suspend]
            modality: default
            require: "has(request.period_end)"
            exception: {route: bureau}
            message: {zh: 期限}
            citation: {document: doc_a, article: 1}
            obligations:
              - id: default_dated.report
                party: school
                action: {zh: 报告}
                clock: {trigger: "request.period_end", amount: 1, unit: days}
        """,
    )
    problems = _problems(pack)
    # a default rule's obligations also run when an exception was granted over its require
    assert [p.location.rule_id for p in problems] == ["base.suspend.default_dated"]
    assert "obligation 'default_dated.report' trigger reads 'request.period_end'" in str(
        problems[0]
    )


PLACEHOLDERS = """
rules:
  - id: base.suspend.capped
    transitions: [suspend]
    modality: mandatory
    require: "request.date >= date('2025-01-01') && params.cap > 0"
    message:
      zh: 每次休学不超过10个月；上限为{params.cap}，另见{params.capp}与{param.cap}。
      en: At most 10 months at a time.
    citation: {document: doc_a, article: 1}
"""
CAP_MONTHS = BASE_PARAMS.replace("type: int\n", "type: int\n    unit: months\n")


def test_message_placeholders_and_figures(write_pack: Writer) -> None:
    pack = _pack(write_pack, PLACEHOLDERS, CAP_MONTHS)
    problems = [p for p in lint_pack(pack) if p.code.startswith("message")]
    assert [(p.code, p.message) for p in problems] == [
        (
            "message-placeholder",
            "message (zh): unknown placeholder '{param.cap}'; a message can show a parameter's "
            "value as {params.NAME}",
        ),
        (
            "message-figure",
            "message (zh) writes '10个月', a figure the rule takes from parameter 'cap': write "
            "{params.cap} instead, so the message follows the parameter when a layer changes it",
        ),
        (
            "message-figure",
            "message (en) writes '10 months', a figure the rule takes from parameter 'cap': write "
            "{params.cap} instead, so the message follows the parameter when a layer changes it",
        ),
    ]
    # an unknown parameter name is the engine's load error, reported once
    unknown = [p for p in lint_pack(pack) if "capp" in p.message]
    assert (
        len(unknown) == 1 and "unknown parameter 'capp' (did you mean 'cap'?)" in unknown[0].message
    )


def test_a_figure_written_in_english_words_is_a_figure(write_pack: Writer) -> None:
    """'ten months' goes stale like '10 months' (the bundled packs wrote 'within two months'
    beside {params.archive_deadline_months} in Chinese; third-province report item 4)."""
    rules = PLACEHOLDERS.replace("，另见{params.capp}与{param.cap}", "")
    rules = rules.replace("At most 10 months at a time.", "At most ten full months at a time.")
    problems = [
        p for p in lint_pack(_pack(write_pack, rules, CAP_MONTHS)) if p.code.startswith("message")
    ]
    assert [(p.code, p.message.split(",")[0]) for p in problems] == [
        ("message-figure", "message (zh) writes '10个月'"),
        ("message-figure", "message (en) writes 'ten full months'"),
    ]
    once = CAP_MONTHS.replace("value: 10,", "value: 1,")
    for text in ("within a month", "within one month", "after A month"):
        en = rules.replace("At most ten full months at a time.", f"Act {text}.")
        found = [p.message for p in lint_pack(_pack(write_pack, en, once, name="once"))]
        assert any(f"message (en) writes '{text.split()[-2]} month'" in m for m in found), text
    for text in ("one school year", "Data months", "grade ten"):  # not a figure of months
        en = rules.replace("At most ten full months at a time.", f"See {text}.")
        found = [p.message for p in lint_pack(_pack(write_pack, en, once, name="none"))]
        assert not any("message (en)" in m for m in found), text


def test_a_figure_in_another_unit_is_not_the_parameter(write_pack: Writer) -> None:
    rules = PLACEHOLDERS.replace(
        "每次休学不超过10个月；上限为{params.cap}，另见{params.capp}与{param.cap}。",
        "须在10天内办结。",
    )
    rules = rules.replace("At most 10 months at a time.", "Within 10 days; grade 10 excepted.")
    assert not [
        p for p in lint_pack(_pack(write_pack, rules, CAP_MONTHS)) if p.code.startswith("message")
    ]


def test_a_layer_overriding_a_parameter_makes_base_figures_stale(write_pack: Writer) -> None:
    rules = PLACEHOLDERS.replace("{params.capp}与{param.cap}", "规定")
    base = _pack(write_pack, rules, CAP_MONTHS, name="base")
    layer = write_pack(
        "layer",
        {
            "pack.yaml": LAYER_PACK,
            "parameters.yaml": """
                overrides:
                  - target: cap
                    values: [{since: 2026-01-01, value: 6, citation: {document: doc_b, article: 8}}]
            """,
        },
    )
    assert base.name == "base"
    stale = [p for p in lint_pack(layer) if p.code == "message-figure"]
    assert {p.location.rule_id for p in stale} == {"base.suspend.capped"}
    untouched = write_pack("layer2", {"pack.yaml": LAYER_PACK.replace("id: layer", "id: layer2")})
    assert not [p for p in lint_pack(untouched) if p.code == "message-figure"]


def test_a_layer_rule_must_say_its_relation_to_the_base(
    write_pack: Writer, base_pack: Path
) -> None:
    # third-province report item 9: a province's rule that does not say adds/narrows/fills/...
    rule = """
        rules:
          - id: layer.suspend.extra
            transitions: [suspend]
            modality: mandatory
            require: "true"
            message: {zh: 乙省另加的条件。}
            citation: {document: doc_b, article: 3}
    """
    silent = write_pack("layer", {"pack.yaml": LAYER_PACK, "rules/extra.yaml": rule})
    missing = [p for p in lint_pack(silent) if p.code == "missing-relation"]
    assert [p.location.rule_id for p in missing] == ["layer.suspend.extra"]
    said = write_pack(
        "layer2",
        {
            "pack.yaml": LAYER_PACK.replace("id: layer", "id: layer2"),
            "rules/extra.yaml": rule.replace("layer.suspend", "layer2.suspend").replace(
                "modality: mandatory", "modality: mandatory\n            relation: adds"
            ),
        },
    )
    assert not [p for p in lint_pack(said) if p.code == "missing-relation"]
    assert not [p for p in lint_pack(base_pack) if p.code == "missing-relation"]


def test_ids_against_declared_vocabularies(write_pack: Writer) -> None:
    pack = load_pack(
        _pack(
            write_pack,
            """
            rules:
              - id: base.suspend.ground
                transitions: [suspend]
                modality: default
                require: >-
                  has(request.ground) && request.ground in ['illness', 'ilness'] &&
                  (!has(request.approvals) || request.approvals.exists(a, a.body == 'scool')) &&
                  (!has(request.exceptions) || request.exceptions.exists(e, e.rule == 'base.suspend.guardain'))
                exception: {route: bureau}
                documents: [{id: hospital_recrod, label: {zh: 医院证明}}]
                message: {zh: 因病}
                citation: {document: doc_a, article: 1}
            """,
        )
    )
    vocabularies = {
        "grounds": {"illness": Text("因病")},
        "approval_bodies": {"school": Text("学校")},
        "documents": {"hospital_record": Text("医院证明")},
        "exception_routes": {"bureau": Text("教育局")},
        "parties": {},
        "applicants": {"guardian": Text("监护人")},
    }
    problems = list(vocabulary_problems(pack, vocabularies, compile_expressions(pack)))
    assert [p.message.split(" (expression line")[0] for p in problems] == [
        "document: 'hospital_recrod' is not declared in vocabularies.documents"
        " (did you mean 'hospital_record'?)",
        "require compares request.ground with: 'ilness' is not declared in vocabularies.grounds"
        " (did you mean 'illness'?)",
        "require compares request.approvals[].body with: 'scool' is not declared in"
        " vocabularies.approval_bodies (did you mean 'school'?)",
        "require names exception rule 'base.suspend.guardain', which the pack does not have"
        " (did you mean 'base.suspend.guardian'?)",
    ]
    assert {p.location.rule_id for p in problems} == {"base.suspend.ground"}


COSTLY = """
rules:
  - id: base.suspend.costly
    transitions: [suspend]
    modality: mandatory
    require: >-
      !has(request.documents) || request.documents.all(a, request.documents.all(b,
        request.documents.all(c, request.documents.all(d, a + b + c + d != ''))))
    message: {zh: 太贵}
    citation: {document: doc_a, article: 1}
"""


def test_a_pack_over_the_cost_budget_does_not_load(write_pack: Writer) -> None:
    """Issue 10.4: four nested macros over the 100 documents a request may list would take
    seconds per decision; the pack is refused with the expression's place and its cost."""
    from xueji_rules import Engine

    pack = _pack(write_pack, COSTLY)
    problems = _problems(pack)
    assert len(problems) == 1
    text = str(problems[0])
    assert "extra.yaml:5:5:" in text and "rule 'base.suspend.costly': require:" in text
    assert "expression is too costly: its estimated worst-case cost is" in text
    assert "over the budget of 100000" in text and "'all' over up to 100 elements" in text
    with pytest.raises(PackError, match="too costly"):
        Engine(load_pack(pack))


def test_a_broken_pack_file_does_not_cascade(write_pack: Writer) -> None:
    """Only rules files are read past their schema problems: a broken pack.yaml would make every
    citation and transition look unknown, so then only the reading problems are reported."""
    pack = write_pack(
        "base",
        {
            "pack.yaml": BASE_PACK.replace("version: 1.0.0", "verison: 1.0.0"),
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/suspend.yaml": BASE_RULES,
            "rules/extra.yaml": SIX_MISTAKES,
        },
    )
    messages = _messages(pack)
    assert "unknown field 'verison' in the document (did you mean 'version'?)" in messages
    assert "unknown field 'modalty' (did you mean 'modality'?)" in messages
    assert not any("unknown document" in m or "unknown transition" in m for m in messages)


def test_load_pack_still_refuses_what_lint_reads_past(write_pack: Writer) -> None:
    with pytest.raises(PackError) as info:
        load_pack(_pack(write_pack, SIX_MISTAKES))
    texts = [str(p) for p in info.value.problems]
    assert any("unknown field 'modalty'" in t for t in texts)
    assert any("unknown transition 'suspnd'" in t for t in texts)


def test_needs_guard_require_and_obligations_but_not_when(write_pack: Writer) -> None:
    pack = _pack(
        write_pack,
        """
        rules:
          - id: base.suspend.needed
            transitions: [suspend]
            modality: mandatory
            needs: [record.grade, request.period_end]
            require: "record.grade > 0"
            message: {zh: 年级}
            citation: {document: doc_a, article: 1}
            obligations:
              - id: needed.report
                party: school
                action: {zh: 报告}
                clock: {trigger: "request.period_end", amount: 1, unit: days}
          - id: base.suspend.needed_in_when
            transitions: [suspend]
            when: "record.grade > 3"
            modality: mandatory
            needs: [record.grade]
            require: "true"
            message: {zh: 年级}
            citation: {document: doc_a, article: 1}
        """,
    )
    problems = _problems(pack)
    # the engine tests needs only once `when` holds, so needs do not protect `when`
    assert [(p.location.rule_id, p.code) for p in problems] == [
        ("base.suspend.needed_in_when", "unguarded-read")
    ]
    assert "when reads 'record.grade'" in problems[0].message


def test_declared_vocabularies_are_checked_through_lint(write_pack: Writer) -> None:
    pack = write_pack(
        "base",
        {
            "pack.yaml": BASE_PACK,
            "lifecycle.yaml": BASE_LIFECYCLE,
            "rules/suspend.yaml": BASE_RULES,
            "parameters.yaml": BASE_PARAMS,
            "vocabularies.yaml": """
                vocabularies:
                  approval_bodies: {scool: {zh: 学校, en: school}}
                  applicants: {guardian: {zh: 监护人, en: guardian}}
            """,
        },
    )
    problems = [p for p in lint_pack(pack) if p.code == "vocabulary"]
    assert [(p.location.rule_id, p.message) for p in problems] == [
        (
            "base.suspend.school",
            "approval body: 'school' is not declared in vocabularies.approval_bodies"
            " (did you mean 'scool'?)",
        )
    ]
