"""``xueji-rules serve`` and ``--version`` from the command line."""

from __future__ import annotations

import io
import signal
import time
import tomllib

import httpx

from tests.service.conftest import ROOT, Server
from xueji_rules.cli import main


def test_version_matches_the_package_metadata() -> None:
    out = io.StringIO()
    assert main(["--version"], out=out) == 0
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert out.getvalue() == f"xueji-rules {version}\n"


def test_serve_with_a_bad_pack_exits_2_with_the_error() -> None:
    err = io.StringIO()
    assert main(["serve", "--pack", "no_such_pack", "--port", "1"], out=io.StringIO(), err=err) == 2
    assert "no_such_pack" in err.getvalue() and "Traceback" not in err.getvalue()


def test_serve_refuses_a_short_admin_token() -> None:
    err = io.StringIO()
    assert main(["serve", "--pack", "shanxi", "--admin-token", "short"], err=err) == 2
    assert "at least 16 characters" in err.getvalue()


def test_two_workers_serve_reload_on_sighup_and_stop_cleanly() -> None:
    server = Server("--pack", "shanxi", "--workers", "2")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            digests = {client.get("/healthz").json()["pack"]["digest"] for _ in range(20)}
            assert len(digests) == 1
            server.proc.send_signal(
                signal.SIGHUP
            )  # forwarded to both workers: same pack, no change
            time.sleep(1.0)
            assert server.proc.poll() is None
            assert all(client.get("/healthz").status_code == 200 for _ in range(20))
    finally:
        output = server.stop()
    assert server.proc.returncode == 0, output
    assert output.count("pack reload: ") == 2, output
