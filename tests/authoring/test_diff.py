"""``diff BASE DRAFT``: identical packs, the window change, git revisions, bad input."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.authoring.conftest import copy_pack, run, set_window
from xueji_rules import Engine
from xueji_rules._schemas import validator_for
from xueji_rules.authoring import diff_packs
from xueji_rules.authoring.diffing import is_empty
from xueji_rules.testing.scenarios import load_scenarios

WINDOW = "shanxi.transfer.window"


def _json(args: list[str]) -> tuple[int, dict[str, Any]]:
    code, out, err = run([*args, "--format", "json"])
    assert err == ""
    report = json.loads(out)
    errors = sorted(validator_for("diff.schema.json").iter_errors(report), key=str)
    assert not errors, errors[0]
    return code, report


def test_identical_packs_exit_0_with_an_empty_report(tmp_path: Path) -> None:
    copy = copy_pack("shanxi", tmp_path)
    code, report = _json(["diff", "shanxi", str(copy), "--population", "60", "--seed", "3"])
    assert code == 0
    assert report["changed"] is False
    assert is_empty(report["structure"])
    assert report["behaviour"]["changed"] == 0 and report["behaviour"]["groups"] == []
    assert report["behaviour"]["decided"]["scenario"] > 500
    code, text, _ = run(["diff", "shanxi", str(copy), "--population", "0"])
    assert code == 0
    assert "No structural differences." in text and "No decision changed." in text


def _transfer_inputs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every bundled transfer scenario moved to each day from 3 before to 25 after a term start."""
    engine = Engine("shanxi")
    base = [
        (s.record, s.request)
        for f in engine.pack.scenario_files
        for s in load_scenarios(f)
        if s.request["transition"] == "transfer"
    ]
    out = []
    for start in (dt.date(2026, 3, 2), dt.date(2026, 9, 1)):
        for offset in range(-3, 26, 2):
            for record, request in base[::4]:
                day = dt.date.fromisoformat(str(request["date"]))
                delta = start + dt.timedelta(days=offset) - day
                moved = {
                    k: (dt.date.fromisoformat(v) + delta).isoformat()
                    if isinstance(v, str) and len(v) == 10 and v[4] == "-"
                    else v
                    for k, v in request.items()
                }
                out.append((record, moved))
    return out


def test_window_change_flips_exactly_the_window_rule_where_the_days_say(
    draft_window: Path, tmp_path: Path
) -> None:
    pairs = _transfer_inputs()
    requests = tmp_path / "requests.jsonl"
    requests.write_text(
        "".join(
            json.dumps({"record": r, "request": q}, ensure_ascii=False) + "\n" for r, q in pairs
        ),
        encoding="utf-8",
    )
    code, report = _json(
        ["diff", "shanxi", str(draft_window), "--population", "0", "--requests", str(requests)]
    )
    assert code == 1
    structure = report["structure"]
    assert [p["id"] for p in structure["parameters"]["changed"]] == ["transfer_window_days"]
    change = structure["parameters"]["changed"][0]["values"]
    assert [(v["before"]["value"], v["after"]["value"]) for v in change] == [(15, 20)]
    structure["parameters"]["changed"] = []
    assert is_empty(structure)  # nothing else changed in the text

    # the oracle: the base engine's own answer and the school calendar, not the diff's code
    base = Engine("shanxi")
    expected = {"requests": 0, "scenario": 0}
    seen: set[str] = set()
    inputs = [("requests", r, q) for r, q in pairs]
    for f in [
        *base.pack.scenario_files,
        *sorted(Path(base.pack.base_roots[0]).glob("tests/*.yaml")),
    ]:
        inputs += [("scenario", s.record, s.request) for s in load_scenarios(f)]
    for source, record, request in inputs:
        key = json.dumps([record, request], sort_keys=True, default=str)
        if source == "scenario":
            if key in seen:
                continue
            seen.add(key)
        try:
            decision = base.decide(record, request)
        except Exception:
            continue
        states = {r.id: r for r in decision.rules}
        if WINDOW not in states:
            continue
        day = dt.date.fromisoformat(str(request["date"]))
        offset = base.time.school.days_since_term_start(day)
        if 15 <= offset < 20 and (not states[WINDOW].passed or states[WINDOW].exception_granted):
            expected[source] += 1
    groups = report["behaviour"]["groups"]
    assert [g["rules"] for g in groups] == [[WINDOW]]
    group = groups[0]
    assert group["sources"] == {k: v for k, v in expected.items() if v}
    assert group["count"] == sum(expected.values()) == report["behaviour"]["changed"]
    assert expected["requests"] >= 10  # the moved scenarios reach days 15–19 of both terms
    assert set(group["flips"]) <= {f"{WINDOW}: failed → passed", f"{WINDOW}: exception → passed"}
    assert group["causes"] == [
        {"id": WINDOW, "change": "unchanged", "parameters": ["transfer_window_days"]}
    ]
    assert "denied_by_default → needs_approval" in group["outcomes"]
    example = group["examples"][0]
    assert example["rules"] == [
        {"id": WINDOW, "before": example["rules"][0]["before"], "after": "passed"}
    ]


def test_population_is_seeded_and_only_the_window_moves(draft_window: Path) -> None:
    options = {"population": 160, "seed": 7, "scenarios": False}
    first = diff_packs("shanxi", str(draft_window), **options)
    second = diff_packs("shanxi", str(draft_window), **options)
    assert first == second
    pop = first["behaviour"]["population"]
    assert pop["transitions"] == ["transfer"]
    assert pop["generated"] + pop["variants"] == 160
    assert first["behaviour"]["decided"] == {
        "generated": pop["generated"],
        "variant": pop["variants"],
    }
    assert [g["rules"] for g in first["behaviour"]["groups"]] == [[WINDOW]]
    assert first["behaviour"]["changed"] > 0


def test_structure_lists_rule_edits_and_ignores_rewrapping(tmp_path: Path) -> None:
    draft = copy_pack("shanxi", tmp_path)
    path = draft / "rules" / "transfer.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "require: \"has(request.applicant) && request.applicant == 'guardian'\"",
        "require: >-\n      has(request.applicant) &&\n      request.applicant == 'guardian'",
    )
    text = text.replace("转学须由父母或其他法定监护人提出申请。", "转学由监护人提出申请。")
    path.write_text(text, encoding="utf-8")
    report = diff_packs("shanxi", str(draft), population=0, scenarios=False)
    changed = report["structure"]["rules"]["changed"]
    assert [(c["id"], sorted(c["fields"])) for c in changed] == [
        ("shanxi.transfer.guardian_applies", ["message"])
    ]
    assert report["changed"] is True and report["behaviour"]["changed"] == 0


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_revision_against_the_working_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "author@example.org")
    _git(repo, "config", "user.name", "author")
    pack = copy_pack("shanxi", repo / "packs")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "shanxi as published")
    set_window(pack, 20)
    monkeypatch.chdir(repo / "packs")  # PATH is from the repository's top, wherever we stand
    code, report = _json(
        ["diff", "git:HEAD:packs/shanxi", "./shanxi", "--population", "0", "--no-scenarios"]
    )
    assert code == 1
    assert report["base"]["ref"] == "git:HEAD:packs/shanxi"
    assert [p["id"] for p in report["structure"]["parameters"]["changed"]] == [
        "transfer_window_days"
    ]
    code, out, err = run(
        ["diff", "git:HEAD:packs/shanxi", "git:HEAD:packs/shanxi", "--population", "0"]
    )
    assert code == 0, err
    assert "scenario" in out  # the extracted pack's own tests were replayed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "shanxi", "nosuchpack"], "no pack named"),
        (["diff", "git:HEAD", "shanxi"], "git:REV:PATH"),
        (["diff", "git:no-such-rev:rulepacks/shanxi", "shanxi"], "no revision"),
        (["diff", "git:HEAD:../outside", "shanxi"], "inside the repository"),
        (["diff", "shanxi", "shanxi", "--population", "-1"], "must be at least 0"),
        (["diff", "shanxi", "shanxi", "--transition", "tranfer"], "no transition tranfer"),
        (["diff", "shanxi", "shanxi", "--requests", "/nonexistent.jsonl"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(args: list[str], message: str) -> None:
    code, _, err = run(args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_a_bad_requests_line_names_file_and_line(tmp_path: Path) -> None:
    requests = tmp_path / "r.jsonl"
    requests.write_text('{"record": {}, "request": {}}\n\n{"record": 1}\n', encoding="utf-8")
    code, _, err = run(
        ["diff", "shanxi", "shanxi", "--population", "0", "--requests", str(requests)]
    )
    assert code == 2
    assert f"{requests}:3" in err and '{"record": {...}' in err
