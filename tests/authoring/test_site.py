"""``docs PACK -o DIR``: the site's content, links, determinism and refusals (no browser)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.authoring.conftest import run
from xueji_rules.authoring.site import render_site
from xueji_rules.packs.loader import load_pack


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            if name in ("href", "src", "xlink:href"):
                self.links.append(value)


def _parse(text: str) -> _Links:
    parser = _Links()
    parser.feed(text)
    return parser


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    return render_site(load_pack("shanxi"))


def test_every_internal_link_resolves_and_nothing_is_fetched(site: dict[str, str]) -> None:
    parsed = {name: _parse(text) for name, text in site.items() if name.endswith(".html")}
    checked = 0
    for name, page in parsed.items():
        for link in page.links:
            assert not re.match(r"^(https?:)?//", link), f"{name}: external resource {link}"
            if link.startswith("data:"):
                continue
            target, _, anchor = link.partition("#")
            target = target or name
            assert target in site, f"{name}: link to missing page {link}"
            if anchor:
                assert anchor in parsed[target].ids, f"{name}: no #{anchor} in {target}"
            checked += 1
    assert checked > 2000


def test_every_rule_has_a_card_and_every_transition_a_page(site: dict[str, str]) -> None:
    pack = load_pack("shanxi")
    cards = "".join(text for name, text in site.items() if name.startswith("article-"))
    for rule in pack.rules:
        assert f'id="rule-{rule.id}"' in cards
    for tid in pack.lifecycle.transitions:
        assert f"transition-{tid}.html" in site
    for sid in pack.lifecycle.stages:
        assert site[f"lifecycle-{sid}.svg"].startswith("<?xml")
        assert "<svg" in site[f"lifecycle-{sid}.html"]


def test_pages_read_as_law_not_code(site: dict[str, str]) -> None:
    article = site["article-jinjiao_2026_1.html"]
    card = article[article.index('id="rule-shanxi.transfer.window"') :][:4000]
    assert "转学一般只在学期开学后" in card  # the rule's own-words message
    assert "受理日期距所在学期开学的天数 &lt; 参数「学期初受理转学的天数」" in card
    # 晋 第十六条 names no one who may grant the exception (D-104)
    assert "条文未规定由谁批准例外" in card and "第十六条" in card
    transfer = site["transition-transfer.html"]
    assert "转入学校空余学位" in transfer and "request.to_school.vacancies" in transfer
    assert "参数「转学各方核办时限（工作日）」 个工作日内" in transfer
    assert "批准机关 等于 “sending_school”" in transfer
    params = site["parameters.html"]
    row = params[params.index('id="param-transfer_window_days"') :][:1500]
    assert "<strong>15天</strong>" in row and "shanxi.transfer.window" in row
    layers = site["layers.html"]
    assert "shanxi 相对于 national" in layers and "新增" in layers and "停用" in layers
    assert "测试覆盖" in site["coverage.html"] and "✓" in site["coverage.html"]


def test_same_pack_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(["docs", "shanxi", "-o", str(a), "--no-coverage"])[0] == 0
    assert run(["docs", "shanxi", "-o", str(b), "--no-coverage"])[0] == 0
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # a second run into its own output replaces the site
    assert run(["docs", "shanxi", "-o", str(a), "--no-coverage"])[0] == 0


def test_the_draft_shows_its_own_figure(draft_window: Path) -> None:
    site = render_site(load_pack(draft_window), diagrams=False, coverage=False)
    row = site["parameters.html"][
        site["parameters.html"].index('id="param-transfer_window_days"') :
    ]
    assert "<strong>20天</strong>" in row[:1500]
    assert "未绘制状态图" in site["lifecycle-primary.html"]


def test_refuses_a_foreign_directory_and_bad_packs(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(["docs", "shanxi", "-o", str(tmp_path)])
    assert code == 2 and "not written by 'xueji-rules docs'" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    code, _, err = run(["docs", "nosuchpack", "-o", str(tmp_path / "x")])
    assert code == 2 and "no pack named" in err
    code, _, err = run(["docs", "shanxi"])
    assert code == 2 and "-o" in err
