"""Reading expressions without running them: fields, canonical form, Chinese words."""

from __future__ import annotations

from xueji_rules.authoring.expressions import canonical, readable, reads
from xueji_rules.authoring.labels import field_label


def test_reads_paths_tests_params_and_compared_values() -> None:
    found = reads(
        "has(request.to_school) && request.to_school.city == record.school.city && "
        "request.ground in ['illness', 'move'] && days_since_term_start(request.date) < "
        "params.transfer_window_days && record.suspensions.exists(s, s.end > request.date)"
    )
    assert found.fields == {
        "request.to_school.city",
        "record.school.city",
        "request.ground",
        "request.date",
        "record.suspensions",
        "record.suspensions[].end",
    }
    assert found.tested == {"request.to_school"}
    assert found.params == {"transfer_window_days"}
    assert found.functions == {"days_since_term_start"}
    assert found.literals == {("request.ground", "illness"), ("request.ground", "move")}


def test_reads_of_nothing_or_a_broken_expression_is_empty() -> None:
    assert reads(None).fields == frozenset()
    assert reads("record.grade >").fields == frozenset()


def test_canonical_ignores_layout_but_not_meaning() -> None:
    a = "has(record.grade) &&\n   record.grade > 3"
    b = "(has(record.grade)) && (record.grade>3)"
    assert canonical(a) == canonical(b)
    assert canonical(a) != canonical("has(record.grade) && record.grade >= 3")
    assert canonical("record.grade >") == "record.grade >"  # unparsable: whitespace-normalised


def test_readable_uses_labels_and_drops_redundant_has_guards() -> None:
    items = readable(
        "has(request.to_school) && has(request.to_school.vacancies) && "
        "request.to_school.vacancies > 0",
        field_label,
    )
    assert items == ["转入学校空余学位 > 0"]
    items = readable(
        "!(has(request.ground) && request.ground == 'x') || !has(record.grade)", field_label
    )
    assert items == ["并非（申请理由 等于 “x”） 或者 未填写年级"]


def test_readable_names_domain_functions_in_words() -> None:
    items = readable(
        "days_since_term_start(request.date) >= 0 && request.residence_moved == true",
        lambda p: f"<{p}>",
    )
    assert items == ["<request.date>距所在学期开学的天数 ≥ 0", "<request.residence_moved>为是"]
