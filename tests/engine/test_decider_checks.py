"""A decider called by ``Engine.decide`` checks the converted inputs itself (D-331).

The engine's checks of converted inputs (``Engine._check_converted``: the pack's validity, the
grade within its stage, the birth date, the ids a request names) are made inside the generated
decider by a quick test; on any doubt the decider calls the engine's whole check, which raises
the error as before or returns. These tests hold both sides to the engine without deciders:
every answer and every error equal, the whole check skipped on ordinary inputs and called on
every input that needs it.
"""

from __future__ import annotations

from typing import Any

import pytest

from xueji_rules import Engine
from xueji_rules.errors import XuejiRulesError

RECORD = {"id": "G1", "status": "enrolled", "stage": "primary", "grade": 3}
REQUEST = {"transition": "transfer", "date": "2026-03-05", "applicant": "guardian"}


class _Counting(Engine):
    """An engine that counts its whole checks of converted inputs."""

    whole_checks = 0

    def _check_converted(self, rec: dict[str, Any], req: dict[str, Any]) -> None:
        self.whole_checks += 1
        super()._check_converted(rec, req)


def _answer(engine: Engine, record: Any, request: Any) -> Any:
    try:
        return engine.decide(record, request).to_json()
    except XuejiRulesError as exc:
        return (type(exc).__name__, str(exc))


@pytest.fixture(scope="module")
def engines() -> tuple[_Counting, Engine]:
    generated = _Counting("shanxi")
    generated.decide(RECORD, REQUEST)  # builds the decider of transfer/primary/enrolled
    assert callable(generated._deciders[("transfer", "primary", "enrolled")])
    reference = Engine("shanxi")
    reference._use_plans = False
    return generated, reference


# inputs the quick test passes: the whole check is not made
PASSING = [
    ({}, {}),
    ({"birth_date": "2018-05-01"}, {}),
    ({"grade": 3, "school_system": "5-4"}, {}),
    ({"grade": 1}, {"date": "2026-02-10"}),
    ({}, {"ground": "special_circumstances", "documents": ["change_proof"]}),
    ({}, {"approvals": [{"body": "sending_school", "date": "2026-03-06"}]}),
    (
        {},
        {
            "approvals": [
                {"body": "sending_school", "date": "2026-03-06"},
                {"body": "county_bureau", "kind": "consent", "date": "2026-03-07"},
            ]
        },
    ),
]

# inputs the quick test doubts: the whole check decides (an error, or nothing wrong after all)
DOUBTED = [
    ({}, {"date": "2026-02-09"}),
    ({}, {"date": "2031-02-10"}),
    ({"grade": 7}, {}),
    ({"grade": 6, "school_system": "5-4"}, {}),
    ({"birth_date": "2026-03-06"}, {}),
    ({}, {"ground": "no_such_ground"}),
    ({}, {"documents": ["change_proof", "no_such_document"]}),
    ({}, {"approvals": [{"body": "sending_school", "date": "2026-03-06"}, {"body": "nobody"}]}),
    ({}, {"exceptions": [{"rule": "no.such.rule", "granted_by": "county_bureau"}]}),
    (
        {},
        {
            "exceptions": [
                {
                    "rule": "shanxi.transfer.entry_grade_first_term",
                    "granted_by": "county_bureau",
                }
            ]
        },
    ),
]


@pytest.mark.parametrize(("record", "request_"), PASSING)
def test_ordinary_inputs_are_checked_by_the_decider_alone(
    engines: tuple[_Counting, Engine], record: dict[str, Any], request_: dict[str, Any]
) -> None:
    generated, reference = engines
    rec, req = RECORD | record, REQUEST | request_
    before = generated.whole_checks
    answer = _answer(generated, rec, req)
    assert not isinstance(answer, tuple), answer
    assert generated.whole_checks == before
    assert answer == _answer(reference, rec, req)


@pytest.mark.parametrize(("record", "request_"), DOUBTED)
def test_doubtful_inputs_get_the_whole_check_and_its_wording(
    engines: tuple[_Counting, Engine], record: dict[str, Any], request_: dict[str, Any]
) -> None:
    generated, reference = engines
    rec, req = RECORD | record, REQUEST | request_
    before = generated.whole_checks
    assert _answer(generated, rec, req) == _answer(reference, rec, req)
    assert generated.whole_checks > before


def test_the_doubtful_cases_include_errors_and_good_inputs(
    engines: tuple[_Counting, Engine],
) -> None:
    """The list above exercises both outcomes of the whole check."""
    _, reference = engines
    answers = [_answer(reference, RECORD | r, REQUEST | q) for r, q in DOUBTED]
    assert any(isinstance(a, tuple) for a in answers)
    assert any(not isinstance(a, tuple) for a in answers)


def test_decide_converted_checks_as_decide_does(engines: tuple[_Counting, Engine]) -> None:
    generated, reference = engines
    for record, request in PASSING + DOUBTED:
        rec, req = RECORD | record, REQUEST | request
        try:
            converted = (
                generated._records.convert(rec),
                generated._requests.convert(req),
            )
        except XuejiRulesError:
            continue
        try:
            got: Any = generated.decide_converted(*converted).to_json()
        except XuejiRulesError as exc:
            got = (type(exc).__name__, str(exc))
        assert got == _answer(reference, rec, req)
