"""Compiled expressions as the authoring tools read them: parameters read, canonical form, words."""

from __future__ import annotations

import pytest

from xueji_rules.authoring.expressions import WORDS, Words, readable
from xueji_rules.authoring.labels import Labels
from xueji_rules.authoring.programs import PackPrograms
from xueji_rules.packs.loader import load_pack


@pytest.fixture(scope="module")
def programs() -> PackPrograms:
    return PackPrograms(load_pack("shanxi"))


def words(programs: PackPrograms, source: str, lang: str = "zh") -> list[str]:
    program = programs.program(source)
    assert program is not None, source
    return readable(program, Labels(programs.pack, lang))


def test_parameters_come_from_the_compiled_reads(programs: PackPrograms) -> None:
    assert programs.rule_parameters("shanxi.transfer.window") == {"transfer_window_days"}
    assert "shanxi.transfer.window" in programs.readers("transfer_window_days")
    assert programs.rule_parameters("shanxi.transfer.capacity") == frozenset()
    # a parameter read only in an obligation's clock counts for its rule
    clocked = programs.readers("transfer_processing_workdays")
    assert clocked and all(programs.pack.rule(r).obligations for r in clocked)


def test_canonical_ignores_layout_but_not_meaning(programs: PackPrograms) -> None:
    a = "has(record.grade) &&\n   record.grade > 3"
    b = "(has(record.grade)) && (record.grade>3)"
    assert programs.canonical(a) == programs.canonical(b)
    assert programs.canonical(a) != programs.canonical("has(record.grade) && record.grade >= 3")
    # an expression that does not compile is compared by its text, whitespace collapsed
    assert programs.canonical("record.grade >\n 'x'") == "record.grade > 'x'"


def test_fields_by_their_schema_names_and_redundant_guards_dropped(
    programs: PackPrograms,
) -> None:
    source = (
        "has(request.to_school) && has(request.to_school.vacancies) && "
        "request.to_school.vacancies > 0"
    )
    assert words(programs, source) == ["转入学校空余学位 > 0"]
    assert words(programs, source, "en") == ["receiving school: free places > 0"]
    assert words(
        programs, "!(has(request.ground) && request.ground == 'x') || !has(record.grade)"
    ) == ["并非（申请理由 等于 “x”） 或者 未填写年级"]


def test_compared_ids_read_as_their_vocabulary_labels(programs: PackPrograms) -> None:
    source = "has(request.ground) && request.ground == 'special_education_placement'"
    label = programs.pack.label_of("grounds", "special_education_placement")
    assert label is not None and label.en is not None
    assert words(programs, source) == [f"申请理由 等于 “{label.zh}”"]
    assert words(programs, source, "en") == [f"ground is “{label.en}”"]


def test_macro_variables_read_as_the_element_they_stand_for(programs: PackPrograms) -> None:
    source = "has(record.suspensions) && record.suspensions.exists(s, s.end >= request.date)"
    assert words(programs, source) == ["休学记录中有一项满足：休学结束日 ≥ 受理日期"]
    assert words(programs, source, "en") == [
        "some item of suspensions has: suspension end ≥ date of the request"
    ]


def test_domain_functions_and_conditionals_in_words(programs: PackPrograms) -> None:
    source = (
        "days_since_term_start(request.date) < params.transfer_window_days && "
        "(has(request.target_grade) ? request.target_grade : record.grade) > 1"
    )
    assert words(programs, source) == [
        "受理日期距所在学期开学的天数 < 参数「学期初受理转学的天数」",
        "（若已填写拟转入年级则为拟转入年级，否则为年级） > 1",
    ]
    english = words(programs, source, "en")
    assert english[0].startswith("the days from the start of its term to date of the request < ")


def test_every_registered_function_has_words_in_both_languages(programs: PackPrograms) -> None:
    declarations = programs.declarations
    assert declarations is not None and declarations.functions is not None
    conversions = {"int", "double", "string", "bool", "bytes", "dyn"}  # shown as calls
    names = set(declarations.functions.names()) - conversions
    for lang, table in WORDS.items():
        assert names <= set(table.functions), (lang, sorted(names - set(table.functions)))
        for phrase in Words.__annotations__:
            assert isinstance(getattr(table, phrase), str), (lang, phrase)
