"""``docs PACK -o DIR``: the site's content, links, determinism and refusals (no browser)."""

from __future__ import annotations

import posixpath
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


def _text(html: str) -> str:
    """The page's text, tags dropped and entities kept as written (enough for ``in`` tests)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def check_links(site: dict[str, str]) -> int:
    """Every link of every page resolves (relative to the page's folder), anchors included, and
    nothing is fetched from elsewhere; returns how many links were checked."""
    parsed = {name: _parse(text) for name, text in site.items() if name.endswith(".html")}
    checked = 0
    for name, page in parsed.items():
        for link in page.links:
            assert not re.match(r"^(https?:)?//", link), f"{name}: external resource {link}"
            if link.startswith("data:"):
                continue
            target, _, anchor = link.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), target or name))
            if not link.partition("#")[0]:
                target = name
            assert target in site, f"{name}: link to missing page {link}"
            if anchor:
                assert anchor in parsed[target].ids, f"{name}: no #{anchor} in {target}"
            checked += 1
    return checked


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    return render_site(load_pack("shanxi"))


def _card(site: dict[str, str], page: str, rule: str) -> str:
    text = site[page]
    start = text.index(f'id="rule-{rule}"')
    return text[start : text.index("</div>", start)]


def test_every_internal_link_resolves_and_nothing_is_fetched(site: dict[str, str]) -> None:
    assert check_links(site) > 4000
    # the two languages link to each other page for page
    assert '<a class="lang" href="en/transition-transfer.html"' in site["transition-transfer.html"]
    assert (
        '<a class="lang" href="../transition-transfer.html"' in site["en/transition-transfer.html"]
    )


def test_every_rule_has_a_card_and_every_transition_a_page_in_both_languages(
    site: dict[str, str],
) -> None:
    pack = load_pack("shanxi")
    for prefix in ("", "en/"):
        cards = "".join(t for n, t in site.items() if n.startswith(prefix + "article-"))
        for rule in pack.rules:
            assert f'id="rule-{rule.id}"' in cards
        for tid in pack.lifecycle.transitions:
            assert f"{prefix}transition-{tid}.html" in site
        for sid in pack.lifecycle.stages:
            assert site[f"{prefix}lifecycle-{sid}.svg"].startswith("<?xml")
            assert "<svg" in site[f"{prefix}lifecycle-{sid}.html"]
    assert '<html lang="en">' in site["en/index.html"]
    assert '<html lang="zh-CN">' in site["index.html"]
    assert (
        "在籍" in site["lifecycle-primary.svg"] and ">enrolled<" in site["en/lifecycle-primary.svg"]
    )


def test_cards_read_as_law_with_figures_citations_and_exceptions(site: dict[str, str]) -> None:
    card = _card(site, "article-jinjiao_2026_1.html", "shanxi.transfer.window")
    # the message's figure is the parameter's value, linked to the parameter
    assert re.search(
        r'转学一般只在学期开学后的<a class="figure" href="parameters.html#param-transfer_window_days"'
        r' title="params.transfer_window_days: [^"]*">15</a>天内受理',
        card,
    )
    assert "{params." not in _text(card)
    assert "受理日期距所在学期开学的天数 &lt; 参数「学期初受理转学的天数」" in card
    # 晋 第十六条 names no one who may grant the exception (D-103, D-104): said in plain words
    assert "条文未规定由谁批准例外；规则包认可的任何机关准予的例外均可采信" in card
    # the also-cited article beside the citation
    assert re.search(r"第十六条</a>；另引<a [^>]*>晋教〔2026〕1号 第二十三条</a>", card)
    english = _card(site, "en/article-jinjiao_2026_1.html", "shanxi.transfer.window")
    assert "Transfers are normally accepted only in the first" in english
    assert ">15</a> days of a term" in english
    assert "not specified by the text; an exception granted by any body the pack knows" in english


def test_needed_inputs_and_what_their_absence_does(site: dict[str, str]) -> None:
    card = _card(site, "article-jinjiao_2026_1.html", "shanxi.transfer.capacity")
    assert "须具备的输入" in card and "request.to_school.vacancies" in card
    assert "转入学校空余学位" in card and "incomplete" in card and "不作判定" in card
    transfer = site["transition-transfer.html"]
    row = transfer[transfer.index("request.to_school.vacancies") :][:2000]
    assert "needs（缺少则不作判定）" in row and "shanxi.transfer.capacity" in row


def test_transition_pages_show_edges_targets_forbidden_moves_and_ids(
    site: dict[str, str],
) -> None:
    transfer = site["transition-transfer.html"]
    assert "办结后的学段、年级、学制" in transfer and "拟转入年级" in transfer
    # Shanxi forbids a transfer while suspended (晋 第二十条), cited on the transfer's page
    forbidden = transfer[transfer.index("禁止的情形") :]
    assert "学生休学期间不予转学。" in forbidden and "晋教〔2026〕1号 第二十条" in forbidden
    # ids the rules compare with come from the contract, with their vocabulary labels
    grounds = transfer[transfer.index("<h2>申请理由</h2>") :][:3000]
    assert 'href="vocabularies.html#vocab-grounds-special_education_placement"' in grounds
    assert "转入学校空余学位" in transfer and "request.to_school.vacancies" in transfer
    assert "参数「转学各方核办时限（工作日）」个工作日内" in transfer
    # admission to the next stage moves the record's stage and grade (edge targets)
    admit = site["transition-admit.html"]
    assert "学段：若已填写" in admit and "年级：" in admit and "起始年级" in admit
    withdraw = site["lifecycle-primary.html"]
    assert "禁止的情形" in withdraw and "义务教育阶段" in withdraw
    lifecycle = site["lifecycle.html"]
    assert "forbidden" in _parse(lifecycle).ids and "晋教〔2026〕1号 第三十四条" in lifecycle


def test_vocabularies_inputs_records_and_the_form(site: dict[str, str]) -> None:
    pack = load_pack("shanxi")
    vocab = site["vocabularies.html"]
    for kind, entries in pack.vocabularies.items():
        for key, label in entries.items():
            assert f'id="vocab-{kind}-{key}"' in vocab
            assert f"<td>{label.zh}</td>" in vocab.replace("&#x27;", "'")
    assert "shanxi.transfer.window" in vocab  # the rule naming the ground
    inputs = site["inputs.html"]
    assert "request.to_school.vacancies" in inputs and 'href="transition-transfer.html"' in inputs
    records = site["records.html"]
    assert "个人信息字段" in records and "person.id_doc_number" in records and "删除" in records
    assert 'href="form.html"' in records
    form = site["form.html"]
    assert "★ 必采" in form and "person.name" in form and "codes-ethnicity" in _parse(form).ids
    assert "晋教〔2026〕1号 第九条第一款" in form  # Shanxi's layer adds its citation
    params = site["parameters.html"]
    row = params[params.index('id="param-transfer_window_days"') :][:2500]
    assert "<strong>15天</strong>" in row and "shanxi.transfer.window" in row
    layers = site["layers.html"]
    assert "shanxi 相对于 national" in layers and "新增" in layers and "停用" in layers
    assert "新增的禁止情形" in layers
    assert "测试覆盖" in site["coverage.html"] and "✓" in site["coverage.html"]
    assert "Forbidden moves" in site["en/lifecycle.html"]


def test_a_provinces_own_inputs_vocabulary_and_figures(province: Path) -> None:
    site = render_site(load_pack(province), diagrams=False, coverage=False)
    assert check_links(site) > 1000
    inputs = site["inputs.html"]
    assert 'id="input-request.guardian_job_move_scope"' in inputs
    assert "监护人工作调动范围" in inputs and "province | city | county | none" in inputs
    assert "how far the guardian&#x27;s job moved" in site["en/inputs.html"]
    card = _card(site, "article-third_2026_1.html", "thirdprov.transfer.job_move")
    assert "监护人工作调动范围" in card and "request.guardian_job_move_scope" in card
    assert "申请理由 等于 “监护人工作调动”" in card
    card = _card(site, "article-third_2026_1.html", "thirdprov.transfer.job_move_window")
    assert re.search(
        r'须在开学后<a class="figure" href="parameters.html#param-job_move_window_days"[^>]*>30</a>天内申请',
        card,
    )
    assert "另引" in card and "教基〔2025〕1号 第十五条" in card
    transfer = site["transition-transfer.html"]
    assert "休学期间不得转学。" in transfer and "丙教〔2026〕1号 第二条" in transfer
    vocab = site["vocabularies.html"]
    assert (
        'id="vocab-grounds-guardian_job_move"' in vocab and "thirdprov.transfer.job_move" in vocab
    )


def test_same_pack_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(["docs", "shanxi", "-o", str(a), "--no-coverage"])[0] == 0
    assert run(["docs", "shanxi", "-o", str(b), "--no-coverage"])[0] == 0
    names = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert "en/index.html" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # a second run into its own output replaces the site, English pages too
    (a / "en" / "stale.html").write_text("old", encoding="utf-8")
    assert run(["docs", "shanxi", "-o", str(a), "--no-coverage"])[0] == 0
    assert not (a / "en" / "stale.html").exists()


def test_the_draft_shows_its_own_figure(draft_window: Path) -> None:
    site = render_site(load_pack(draft_window), diagrams=False, coverage=False)
    row = site["parameters.html"][
        site["parameters.html"].index('id="param-transfer_window_days"') :
    ]
    assert "<strong>20天</strong>" in row[:1500]
    card = _card(site, "article-jinjiao_2026_1.html", "shanxi.transfer.window")
    assert ">20</a>天内受理" in card
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


def test_refuses_a_pack_that_does_not_type_check(province: Path, tmp_path: Path) -> None:
    rules = province / "rules" / "window.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "params.job_move_window_days", "params.job_move_window"
        ),
        encoding="utf-8",
    )
    code, _, err = run(["docs", str(province), "-o", str(tmp_path / "site")])
    assert code == 2 and "job_move_window" in err and "Traceback" not in err
    assert not (tmp_path / "site").exists()
