"""The docs site in a real browser: Debian's Chromium driven by Playwright (never its own download).

Skipped only where Chromium or Playwright is truly absent; `.ci/run` installs Chromium and
`make test` installs Playwright (the ``[docs]`` extra), so in CI it runs.
"""

from __future__ import annotations

import posixpath
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.authoring.conftest import run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    code, _, err = run(["docs", "shanxi", "-o", str(out)])
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed: pip install 'xueji-rules[docs]'"
    )
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        yield context
        context.close()


def _visit(page: Any, url: str) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(url)
    page.wait_for_load_state("load")
    return problems


def test_index_and_a_diagram_load_cleanly_and_render_chinese(
    site: Path, browser: Any, tmp_path: Path
) -> None:
    page = browser.new_page()
    problems = _visit(page, (site / "index.html").as_uri())
    assert page.title().startswith("规则包概览")
    assert "山西省中小学生学籍管理规则" in page.inner_text("header")
    page.screenshot(path=str(tmp_path / "index.png"))
    page.goto((site / "lifecycle-primary.html").as_uri())
    page.wait_for_load_state("load")
    box = page.locator(".diagram svg").bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    # the diagram's arrows link to transition pages, and the labels are the statuses' names
    assert page.locator(".diagram svg a").count() > 10
    assert "在籍" in page.locator(".diagram").inner_text()
    shot = tmp_path / "lifecycle-primary.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    # Chinese is drawn with a real font: its glyphs differ from the missing-glyph box that a
    # private-use code point (which no font has) gets
    widths = page.evaluate(
        "() => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = '16px sans-serif';"
        " return [c.measureText('学籍管理规则').width, c.measureText('\\ue000'.repeat(6)).width]; }"
    )
    assert widths[0] != widths[1], "no CJK font: install fonts-noto-cjk"
    assert problems == []
    page.close()


def test_crawl_every_page_every_link_resolves(site: Path, browser: Any) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    ids: dict[str, set[str]] = {}
    links: dict[str, list[str]] = {}
    todo, seen = ["index.html"], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = page.goto((site / name).as_uri())
        assert response is None or response.ok, name
        ids[name] = set(
            page.evaluate("() => Array.from(document.querySelectorAll('[id]'), e => e.id)")
        )
        links[name] = page.evaluate(
            "() => Array.from(document.querySelectorAll('a'), a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')"
        )
        for link in links[name]:
            target = link.partition("#")[0]
            assert not target.startswith(("http:", "https:", "//")), f"{name}: {link}"
            if target.endswith(".html"):
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                assert (site / resolved).is_file(), f"{name}: broken link {link}"
                todo.append(resolved)
    # every page, Chinese and English, is reachable from the index
    assert len(seen) == len(list(site.rglob("*.html")))
    assert "en/index.html" in seen and "en/transition-transfer.html" in seen
    for name, hrefs in links.items():
        for link in hrefs:
            target, _, anchor = link.partition("#")
            if anchor:
                where = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                assert anchor in ids[where if target else name], f"{name}: no #{anchor} in {where}"
    assert problems == []
    page.close()


def test_the_english_pages_render_english(site: Path, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page()
    problems = _visit(page, (site / "en" / "lifecycle-primary.html").as_uri())
    assert page.title().startswith("Statuses of primary school")
    assert "enrolled" in page.locator(".diagram").inner_text()
    page.screenshot(path=str(tmp_path / "en-lifecycle-primary.png"))
    page.click("a.lang")
    page.wait_for_load_state("load")
    assert page.url.endswith("/lifecycle-primary.html") and "/en/" not in page.url
    assert problems == []
    page.close()
