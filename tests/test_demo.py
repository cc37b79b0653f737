"""``make demo`` runs the main job on the bundled packs: it must keep working as the packs grow."""

from __future__ import annotations

import io

from xueji_rules.demo import SAMPLES, run_demo


def test_the_demo_decides_every_sample_and_its_scenarios_pass() -> None:
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    for title, *_ in SAMPLES:
        assert f"=== {title} ===" in text
    assert "error" not in text.lower()
    assert " 0 failed" in text
    # the synthetic registry's audit finds exactly what was planted
    assert "查准率、查全率均为 100%" in text
    assert "history.move_not_allowed" in text
