"""A clock that needs a year without holiday data: flagged per obligation, or raised when strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules import Engine
from xueji_rules.errors import CalendarUnavailable
from xueji_rules.testing.scenarios import Scenario, load_scenarios

FILE = Path(__file__).resolve().parents[2] / "rulepacks/national/tests/preschool_changes.yaml"


def _scenario(prefix: str) -> Scenario:
    return next(s for s in load_scenarios(FILE) if s.name.startswith(prefix))


# the due date runs into 2027 / the clock's trigger itself needs 2027
CASES = ["第十一条 12月下旬申请转园", "第十六条第二款 2027年撤销的幼儿园"]


@pytest.mark.parametrize("prefix", CASES)
def test_the_obligation_is_flagged_and_the_decision_stands(prefix: str) -> None:
    s = _scenario(prefix)
    decision = Engine("national").decide(s.record, s.request)
    assert decision.outcome != "denied"
    unknown = [o for o in decision.obligations if o.due_status == "calendar_unavailable"]
    assert unknown and all(o.due is None and "2027" in (o.detail or "") for o in unknown)


@pytest.mark.parametrize("prefix", CASES)
def test_strict_calendar_raises_instead(prefix: str) -> None:
    s = _scenario(prefix)
    with pytest.raises(CalendarUnavailable, match="2027"):
        Engine("national", strict_calendar=True).decide(s.record, s.request)
