"""The pytest plugin: collection by glob, ids with articles, the failure diff, the ini options."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import pytest

# A primary-school record: the lifecycle has no `withdraw` edge in compulsory education
# (教基〔2025〕1号 第十八条), so the decision is `denied` whatever the rules say.
SCENARIOS = """\
fixtures:
  records:
    primary_g3: {id: G140100201801010011, status: enrolled, stage: primary, grade: 3}
scenarios:
  - name: 小学生不得退学
    covers: [national.withdraw.guardian_applies]
    record: {base: primary_g3}
    request: {transition: withdraw, date: 2026-03-10, applicant: guardian}
    expect:
      outcome: %(outcome)s
      next_status: enrolled
"""

INI = """\
[pytest]
xueji_scenarios = scenarios/*.yaml
xueji_pack = %(pack)s
"""


def _project(pytester: pytest.Pytester, outcome: str = "denied", pack: str = "national") -> None:
    pytester.makefile(".ini", pytest=INI % {"pack": pack})
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "withdraw.yaml").write_text(
        SCENARIOS % {"outcome": outcome}, encoding="utf-8"
    )


def test_registered_as_pytest11_entry_point() -> None:
    names = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert names.get("xueji_rules") == "xueji_rules.testing.plugin"


def test_importing_the_plugin_is_light() -> None:
    code = textwrap.dedent(
        """
        import sys
        import xueji_rules.testing.plugin
        heavy = ("yaml", "jsonschema", "xueji_rules.engine", "xueji_rules.expr", "hypothesis")
        print(sorted(m for m in heavy if m in sys.modules))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_yaml_is_not_collected_without_the_glob(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", stray="scenarios: []\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_passing_scenario(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_item_id_names_the_scenario_and_its_article(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        ["scenarios/withdraw.yaml::小学生不得退学 [[]教基〔2025〕1号 第十八条[]]"]
    )


def test_failing_scenario_shows_a_readable_diff(pytester: pytest.Pytester) -> None:
    _project(pytester, outcome="allowed")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "scenario '小学生不得退学' (scenarios/withdraw.yaml:5) against pack 'national'",
            "covers: national.withdraw.guardian_applies",
            "differences:",
            "  - outcome: expected 'allowed', got 'denied'",
            "expected:",
            "  next_status: enrolled",
            "  outcome: allowed",
            "actual:",
            "  outcome: denied",
            "  next_status: enrolled",
            "*allowed_transitions: *",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_pack_option_is_required_outside_a_pack(pytester: pytest.Pytester) -> None:
    _project(pytester)
    (pytester.path / "pytest.ini").write_text(
        "[pytest]\nxueji_scenarios = scenarios/*.yaml\n", encoding="utf-8"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*cannot tell which pack*xueji_pack*"])


def test_pack_key_in_the_file_wins(pytester: pytest.Pytester) -> None:
    _project(pytester, pack="no_such_pack_anywhere")
    path = pytester.path / "scenarios" / "withdraw.yaml"
    path.write_text("pack: national\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_malformed_scenario_file_is_a_located_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest=INI % {"pack": "national"})
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "bad.yaml").write_text(
        "scenarios:\n  - name: no record\n    request: {transition: suspend, date: 2026-03-01}\n"
        "    expect: {outcome: allowed}\n",
        encoding="utf-8",
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bad.yaml:2:*record*"])
    assert "Traceback" not in result.stdout.str()


def test_bundled_flag_collects_the_packs_own_scenarios(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest="[pytest]\nxueji_bundled = true\n")
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["xueji:national/tests/*.yaml::*", "xueji:shanxi/tests/*.yaml::*"])


def test_bundled_flag_is_off_by_default(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    assert "xueji:" not in result.stdout.str()
