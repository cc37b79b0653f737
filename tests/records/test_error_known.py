"""The accepted values of an unknown-id error are data: they survive masking and the trip
between processes, and a summary can leave them out without cutting text."""

from __future__ import annotations

from xueji_rules import Engine, InputError
from xueji_rules.bulk._errors import portable, restore
from xueji_rules.errors import Location, Problem
from xueji_rules.records import Masker

from .conftest import pupil


def test_known_values_end_the_message_and_are_left_out_of_brief() -> None:
    error = InputError("unknown ground 'x'", Location(path="request.ground"), known=("a", "b"))
    assert str(error) == "request.ground: unknown ground 'x' (known: a, b)"
    (problem,) = error.problems
    assert problem.known == ("a", "b")
    assert problem.brief() == "request.ground: unknown ground 'x'"
    assert str(problem) == str(error)
    assert str(Problem("plain")) == Problem("plain").brief() == "plain"


def test_known_values_survive_masking() -> None:
    record = pupil()
    name = record["person"]["name"]
    error = InputError(f"unknown status for {name}", Location(path="record.status"), known=("x",))
    masked = Masker(Engine("shanxi").records).scrub_error(error, record)
    assert masked is not error and name not in str(masked)
    assert masked.known == ("x",) and masked.problems[0].known == ("x",)
    assert str(masked).endswith("(known: x)")


def test_known_values_survive_the_trip_between_processes() -> None:
    error = InputError("unknown ground 'x'", Location(path="request.ground"), known=("a",))
    back = restore(portable(error))
    assert type(back) is InputError and back.known == ("a",) and str(back) == str(error)


def test_engine_gives_the_pack_statuses_as_known() -> None:
    engine = Engine("shanxi")
    try:
        engine.decide(pupil(status="enroled"), {"transition": "transfer", "date": "2026-03-09"})
    except InputError as exc:
        (problem,) = exc.problems
        assert problem.location.path == "record.status"
        assert "enrolled" in problem.known and list(problem.known) == sorted(problem.known)
        assert "did you mean 'enrolled'?" in problem.brief()
    else:  # pragma: no cover - the test fails here
        raise AssertionError("an unknown status was accepted")
