"""Properties a registry vendor checks on generated Shanxi records and requests."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings

from xueji_rules import Engine, XuejiRulesError
from xueji_rules.testing import strategies as xs

ENGINE = Engine("shanxi")
FIXED = settings(
    derandomize=True, max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FIXED
@given(xs.record_and_request("shanxi", "transfer"))
def test_a_transfer_is_never_completed_without_the_sending_superior_department(pair: Any) -> None:
    record, request = pair
    granted = {a["body"] for a in request.get("approvals", []) if a.get("granted", True)}
    try:
        decision = ENGINE.decide(record, request)
    except XuejiRulesError:
        return
    if "sending_superior_registry_dept" not in granted:
        assert decision.outcome != "allowed"


@FIXED
@given(xs.record_and_request("shanxi", "suspend", stage="senior_secondary"))
def test_senior_suspensions_never_add_up_to_more_than_two_years(pair: Any) -> None:
    import datetime as dt

    record, request = pair
    try:
        decision = ENGINE.decide(record, request)
    except XuejiRulesError:
        return
    if decision.outcome == "allowed" and "period_start" in request:
        from xueji_rules.calendar import days_in_period

        periods = [
            (dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"]))
            for s in record.get("suspensions", [])
            if s.get("stage", "senior_secondary") == "senior_secondary"
        ]
        periods.append(
            (
                dt.date.fromisoformat(request["period_start"]),
                dt.date.fromisoformat(request["period_end"]),
            )
        )
        days = sum((end - start).days + 1 for start, end in periods)
        # two calendar years from the first day of the earliest (D-120): 730 or 731 days
        assert days <= days_in_period(min(start for start, _ in periods), 2, "years")


@FIXED
@given(xs.record_and_request("shanxi", "withdraw"))
def test_withdrawal_only_ever_concerns_senior_high(pair: Any) -> None:
    record, _request = pair
    assert record["stage"] == "senior_secondary"
