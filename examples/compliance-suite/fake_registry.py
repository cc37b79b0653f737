"""A stand-in for a vendor's registry system: its own code for Shanxi transfers, no xueji-rules.

It has ONE PLANTED MISTAKE (``planted_mistake=True``): the transfer window of
晋教〔2026〕1号 第十六条 is taken as "up to and including day 15 after the term opens" instead of
"within 15 days", so a request on 2026-03-17 is accepted. ``test_conformance.py`` shows that the
conformance harness finds exactly that scenario, and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import chinese_calendar

# term openings the vendor keeps in its own database (Shanxi)
TERM_STARTS = (dt.date(2025, 9, 1), dt.date(2026, 3, 2), dt.date(2026, 9, 1), dt.date(2027, 3, 1))
WINDOW_DAYS = 15
PROCESSING_WORKDAYS = 10  # the receiving school answers within 10 working days of the consent
COMPULSORY = ("primary", "junior_secondary")


@dataclass
class VendorAnswer:
    """The vendor's own words: 'accepted', 'pending', 'refused', 'refused_unless_exempted'."""

    verdict: str
    status: str
    waiting_for: tuple[str, ...] = ()
    deadlines: tuple[tuple[str, dt.date], ...] = ()


@dataclass
class FakeRegistry:
    """The vendor's rules engine (hand-written, as many registry systems have)."""

    planted_mistake: bool = True

    def window_open(self, day: dt.date) -> bool:
        start = max(s for s in TERM_STARTS if s <= day)
        days = (day - start).days  # 0 on the opening day
        return days <= WINDOW_DAYS if self.planted_mistake else days < WINDOW_DAYS

    def transfer(self, student: dict[str, Any], application: dict[str, Any]) -> VendorAnswer:
        status = student["status"]
        if status != "enrolled":
            return VendorAnswer("refused", status)
        target = application.get("to_school", {})
        if target.get("vacancies", 1) <= 0:
            return VendorAnswer("refused", status)
        if student["stage"] == "senior_secondary" and application.get("hukou_move_scope") not in (
            "province",
            "city",
            "county",
        ):
            return VendorAnswer("refused", status)
        day = dt.date.fromisoformat(application["date"])
        if not self.window_open(day):
            return VendorAnswer("refused_unless_exempted", status)
        deadlines = []
        consent = next(
            (
                a
                for a in application.get("approvals", [])
                if a.get("kind") == "consent" and "date" in a
            ),
            None,
        )
        if consent is not None:
            due = dt.date.fromisoformat(consent["date"])
            for _ in range(PROCESSING_WORKDAYS):
                due += dt.timedelta(days=1)
                while not chinese_calendar.is_workday(due):
                    due += dt.timedelta(days=1)
            deadlines.append(("receiving_school_processing", due))
        return VendorAnswer(
            "pending",
            "transfer_pending",
            waiting_for=("superior_dept_receiving", "superior_dept_sending"),
            deadlines=tuple(deadlines),
        )

    def withdraw(self, student: dict[str, Any], application: dict[str, Any]) -> VendorAnswer:
        if student["stage"] in COMPULSORY:
            return VendorAnswer("refused", student["status"])  # compulsory education
        return VendorAnswer("pending", student["status"], waiting_for=("school",))
