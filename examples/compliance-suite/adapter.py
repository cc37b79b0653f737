"""The Python adapter: the fake registry's answers in the words of the conformance harness.

``xueji-rules conform --system adapter:answer --pack shanxi scenarios`` or
``pytest --xueji-system adapter:answer`` runs the scenario files against the fake system. The
adapter answers only what the system decides (transfers and withdrawals); for anything else it
answers ``{}``, which the harness reports as "not answered" instead of a failure.
"""

from __future__ import annotations

from typing import Any

from fake_registry import FakeRegistry, VendorAnswer

OUTCOMES = {
    "accepted": "allowed",
    "pending": "needs_approval",
    "refused": "denied",
    "refused_unless_exempted": "denied_by_default",
}
# the vendor's names for the bodies and duties -> the ids of the Shanxi pack's vocabulary
BODIES = {
    "superior_dept_receiving": "receiving_superior_registry_dept",
    "superior_dept_sending": "sending_superior_registry_dept",
}
DUTIES = {"receiving_school_processing": "transfer.receiving_school.processing"}


def to_answer(answer: VendorAnswer, with_details: bool) -> dict[str, Any]:
    """The harness's answer form (conformance-answer.schema.json)."""
    out: dict[str, Any] = {"outcome": OUTCOMES[answer.verdict], "next_status": answer.status}
    if with_details:
        out["approvals"] = sorted(BODIES[b] for b in answer.waiting_for if b in BODIES)
        out["obligations"] = [
            {"id": DUTIES[name], "due": due.isoformat()} for name, due in answer.deadlines
        ]
    return out


def make_answer(system: FakeRegistry) -> Any:
    """An adapter function for ``system``."""

    def answer(record: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        if request["transition"] == "transfer":
            vendor = system.transfer(record, request)
            return to_answer(vendor, with_details=vendor.verdict == "pending")
        if request["transition"] == "withdraw":
            return to_answer(system.withdraw(record, request), with_details=False)
        return {}  # this system does not handle the request: nothing to compare

    return answer


answer = make_answer(FakeRegistry())
