"""Reloading a pack: atomic, without dropping requests in flight, each answer naming its digest."""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import ROOT, Server

TOKEN = "test-token-0123456789"
RECORD = {"id": "G140105201601010021", "status": "enrolled", "stage": "primary", "grade": 4,
          "school": {"id": "TY-XD-011", "province": "山西省", "city": "太原市", "county": "小店区"}}  # fmt: skip
# day 17 of the spring term 2026: outside a 15-day window, inside a 20-day one
REQUEST = {"transition": "transfer", "date": "2026-03-19", "applicant": "guardian",
           "to_school": {"id": "DT-PC-021", "province": "山西省", "city": "大同市", "county": "平城区", "vacancies": 2}}  # fmt: skip
BODY = {"record": RECORD, "request": REQUEST}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _set_window(pack: Path, days: int) -> None:
    path = pack / "parameters.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    # the first value of transfer_window_days (line "        value: N")
    index = next(i for i, line in enumerate(lines) if line.strip().startswith("value:"))
    lines[index] = f"        value: {days}\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    pack = tmp_path_factory.mktemp("packs") / "shanxi"
    shutil.copytree(ROOT / "rulepacks" / "shanxi", pack, ignore=shutil.ignore_patterns("tests"))
    server = Server("--pack", str(pack), "--admin-token", TOKEN, "--threads", "2")
    yield server, pack
    server.stop()


def _outcome_and_digest(client: httpx.Client) -> tuple[str, str]:
    r = client.post("/v1/decide", json=BODY)
    assert r.status_code == 200, r.text
    return r.json()["outcome"], r.headers["xueji-pack-digest"]


def test_admin_reload_needs_the_token(draft: tuple[Server, Path]) -> None:
    server, _ = draft
    r = httpx.post(server.url + "/admin/reload", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert httpx.post(server.url + "/admin/reload").status_code == 401


def test_reload_swaps_without_dropping_requests_in_flight(draft: tuple[Server, Path]) -> None:
    server, pack = draft
    _set_window(pack, 15)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post("/admin/reload", headers=AUTH)
        old = _outcome_and_digest(client)
        assert old[0] == "denied_by_default"

        # 1. a batch that starts before the reload and sends its last lines after it
        started, reloaded = threading.Event(), threading.Event()
        batch: dict[str, Any] = {}

        def lines() -> Iterator[bytes]:
            yield (json.dumps(BODY) + "\n").encode()
            started.set()
            reloaded.wait(30)
            yield (json.dumps(BODY) + "\n").encode() * 2

        def send_batch() -> None:
            r = httpx.post(server.url + "/v1/decide/batch", content=lines(), timeout=60)
            batch["digest"] = r.headers["xueji-pack-digest"]
            batch["outcomes"] = [json.loads(x)["decision"]["outcome"] for x in r.text.splitlines()]

        # 2. single decisions hammering the service throughout the reload
        answers: list[tuple[str, str]] = []
        errors: list[str] = []
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as own:
                while not stop.is_set():
                    try:
                        answers.append(_outcome_and_digest(own))
                    except Exception as exc:  # recorded: the test fails on any
                        errors.append(repr(exc))

        threads = [threading.Thread(target=send_batch)] + [
            threading.Thread(target=hammer) for _ in range(3)
        ]
        for t in threads:
            t.start()
        assert started.wait(30)
        time.sleep(0.3)
        _set_window(pack, 20)
        r = client.post("/admin/reload", headers=AUTH)
        reloaded.set()
        assert r.status_code == 200, r.text
        swap = r.json()
        assert swap["changed"] and swap["previous"] == old[1] and swap["current"] != old[1]
        new = _outcome_and_digest(client)
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(60)

    assert new == ("needs_approval", swap["current"])
    # the batch started under the old pack and finished under it, though the swap came midway
    assert batch == {"digest": old[1], "outcomes": ["denied_by_default"] * 3}
    assert not errors
    # every answer is consistent with the digest it names: nothing half-swapped
    expected = {old[1]: "denied_by_default", swap["current"]: "needs_approval"}
    assert answers and all(expected[digest] == outcome for outcome, digest in answers)
    assert {digest for _, digest in answers} == set(expected)


def test_sighup_reloads_too(draft: tuple[Server, Path]) -> None:
    server, pack = draft
    with httpx.Client(base_url=server.url, timeout=30) as client:
        before = _outcome_and_digest(client)
        _set_window(pack, 15 if before[0] == "needs_approval" else 20)
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            after = _outcome_and_digest(client)
            if after[1] != before[1]:
                break
            time.sleep(0.1)
        assert after[1] != before[1] and after[0] != before[0]


def test_a_broken_pack_is_refused_and_the_old_one_kept(draft: tuple[Server, Path]) -> None:
    server, pack = draft
    with httpx.Client(base_url=server.url, timeout=30) as client:
        before = _outcome_and_digest(client)
        path = pack / "parameters.yaml"
        good = path.read_text(encoding="utf-8")
        path.write_text(good.replace("type: int", "type: integer", 1), encoding="utf-8")
        try:
            r = client.post("/admin/reload", headers=AUTH)
            assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
            assert (
                r.json()["type"].endswith("/pack-error") and "parameters.yaml" in r.json()["detail"]
            )
            assert _outcome_and_digest(client) == before
            metrics = client.get("/metrics").text
            assert 'xueji_pack_reloads_total{result="failed"} 1.0' in metrics
        finally:
            path.write_text(good, encoding="utf-8")
