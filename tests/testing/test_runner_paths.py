"""Issue 11.6 and SD1 in ``xueji-rules test``: packs where authors keep them.

``test PACKDIR`` runs that pack's ``tests/``; ``test DIR-OF-PACKS`` every pack under it; a
layered pack's coverage counts its bases' scenarios; a scenario's ``pack:`` path is taken from
the scenario file in the CLI and in the pytest plugin alike.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.fuzz.conftest import case_deadline
from tests.test_cli import RECORD, REQUEST, run
from xueji_rules._resources import packs_root
from xueji_rules.testing.scenarios import load_scenarios

SHANXI = packs_root() / "shanxi"
NATIONAL = packs_root() / "national"


def _count(pack: Path) -> int:
    return sum(len(load_scenarios(f)) for f in sorted((pack / "tests").glob("*.yaml")))


def _summary(out: str) -> str:
    return next(line for line in out.splitlines() if line.endswith(" failed"))


def test_test_packdir_runs_that_packs_tests() -> None:
    code, out, err = run(["test", str(SHANXI)])
    assert (code, err) == (0, "")
    assert _summary(out) == f"{_count(SHANXI)} passed, 0 failed"


def test_test_a_folder_of_packs_runs_every_pack() -> None:
    code, out, _ = run(["test", str(packs_root())])
    assert code == 0
    assert _summary(out) == f"{_count(SHANXI) + _count(NATIONAL)} passed, 0 failed"


def test_test_bundled_name() -> None:
    code, out, _ = run(["test", "bundled:national"])
    assert code == 0 and _summary(out) == f"{_count(NATIONAL)} passed, 0 failed"


def test_a_bare_name_is_a_path_and_the_error_says_how_to_name_a_bundled_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["test", "shanxi"])
    assert code == 2 and "write bundled:shanxi" in err


def test_test_without_paths_means_the_bundled_packs_wherever_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a folder of drafts with a broken copy of shanxi must not be picked up
    shutil.copytree(SHANXI, tmp_path / "shanxi")
    (tmp_path / "shanxi" / "rules" / "transfer.yaml").write_text("rules: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["test"])
    assert code == 0
    assert _summary(out) == f"{_count(SHANXI) + _count(NATIONAL)} passed, 0 failed"


def test_coverage_of_a_layer_counts_its_bases_scenarios() -> None:
    code, out, _ = run(["test", "--coverage", "--fail-under", "100", str(SHANXI)])
    assert code == 0, out
    assert f"+ {_count(NATIONAL)} scenarios of the extended pack(s) national" in out
    assert "(100.0%)" in out.splitlines()[-1]
    # docs/testing.md quotes this run: its figures follow the packs
    docs = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text(encoding="utf-8")
    assert f"(`+ {_count(NATIONAL)} scenarios of the extended pack(s) national, …`)" in docs
    assert f"```\n{out.splitlines()[-1]}\n```" in docs


def _scenario_file(folder: Path, pack_line: str, outcome: str = "needs_approval") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.yaml"
    path.write_text(
        f"{pack_line}\nscenarios:\n"
        f"  - name: 窗口内\n    record: {json.dumps(RECORD, ensure_ascii=False)}\n"
        f"    request: {json.dumps(REQUEST, ensure_ascii=False)}\n"
        f"    expect: {{outcome: {outcome}}}\n",
        encoding="utf-8",
    )
    return path


def _draft(root: Path) -> None:
    """A copy of Shanxi whose transfer window is one day: the request of the scenarios falls
    outside it, so only the copy decides ``denied_by_default``."""
    shutil.copytree(SHANXI, root / "packs" / "shanxi")
    params = root / "packs" / "shanxi" / "parameters.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("value: 15\n", "value: 1\n"), encoding="utf-8")


def test_a_scenario_pack_path_is_taken_from_the_scenario_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _draft(tmp_path)
    scenario = _scenario_file(
        tmp_path / "suite" / "cases", "pack: ../../packs/shanxi", "denied_by_default"
    )
    monkeypatch.chdir(tmp_path / "suite")  # so that ../../packs from here would be wrong
    code, out, err = run(["test", "-v", str(scenario)])
    assert (code, err) == (0, ""), out
    assert _summary(out) == "1 passed, 0 failed"


def test_the_plugin_reads_a_scenario_pack_path_the_same_way(pytester: pytest.Pytester) -> None:
    _draft(pytester.path)
    _scenario_file(
        pytester.path / "suite" / "cases", "pack: ../../packs/shanxi", "denied_by_default"
    )
    pytester.makefile(".ini", pytest="[pytest]\nxueji_scenarios = suite/cases/*.yaml\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_missing_scenario_pack_is_reported_with_the_file(tmp_path: Path) -> None:
    scenario = _scenario_file(tmp_path, "pack: ./nowhere")
    code, _, err = run(["test", str(scenario)])
    assert code == 2 and "s.yaml" in err and "no pack at './nowhere'" in err


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        ("set: {school.id.more: 1}", "set 'school.id.more': 'school.id' is not a mapping"),
        ("set: {'grade..x': 1}", "none of them empty"),
        ("unset: [nickname]", "unset 'nickname': the fixture has no such field"),
        ("unset: [school.nope.x]", "the fixture has no field 'school.nope'"),
        ("unset: [grade.x]", "'grade' is not a mapping"),
    ],
)
def test_set_and_unset_paths_that_do_not_fit_the_data(
    tmp_path: Path, edit: str, needle: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        f"pack: shanxi\nfixtures:\n  records:\n    r: {json.dumps(RECORD, ensure_ascii=False)}\n"
        f"scenarios:\n  - name: x\n    record: {{base: r, {edit}}}\n"
        f"    request: {json.dumps(REQUEST, ensure_ascii=False)}\n"
        "    expect: {outcome: needs_approval}\n",
        encoding="utf-8",
    )
    code, _, err = run(["test", str(path)])
    assert code == 2 and needle in err and "s.yaml:7:" in err and "Traceback" not in err


def test_scenario_names_with_terminal_escapes_are_printed_escaped(tmp_path: Path) -> None:
    path = _scenario_file(tmp_path, "pack: shanxi")
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: 窗口内", 'name: "窗口内\\e]0;owned\\a"'),
        encoding="utf-8",
    )
    code, out, _ = run(["test", "-v", str(path)])
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "窗口内\\x1b]0;owned\\x07" in out


def test_a_fifo_as_a_scenario_file_exits_2_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "s.yaml")
    with case_deadline(30):
        code, _, err = run(["test", str(tmp_path / "s.yaml")])
    assert code == 2 and "not a scenario file or directory" in err


def test_a_link_out_of_a_packs_tests_folder_is_refused(tmp_path: Path) -> None:
    pack = tmp_path / "national"
    shutil.copytree(NATIONAL, pack)
    secret = tmp_path / "secret.yaml"
    secret.write_text("DB_PASSWORD: hunter2\n", encoding="utf-8")
    (pack / "tests" / "zz.yaml").symlink_to(secret)
    code, _, err = run(["test", str(pack)])
    assert code == 2 and "outside the pack's folder" in err and "hunter2" not in err
