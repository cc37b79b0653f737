"""Rule messages are written in our own words: no long run of article text is pasted in.

The law texts live beside the repository in ``../shared/law`` (as in CI), or beside a folder
above it. Institutional names
(上级学籍管理部门, 县级及以上医院, ...) are shared vocabulary, so only runs of 20 or more characters
copied from an article count as pasting.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xueji_rules.packs import load_pack


def _law_dir() -> Path:
    """``shared/law`` beside the checkout (or beside any folder above it: worktrees nest deeper)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "law"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[3] / "shared" / "law"


LAW = _law_dir()
LIMIT = 20


def _law_text() -> str:
    files = sorted(LAW.glob("00[024]_*.txt"))
    if not files:
        pytest.skip(f"the law texts are not beside the repository ({LAW})")
    return "".join(re.sub(r"\s+", "", f.read_text(encoding="utf-8")) for f in files)


def _longest_copied_run(text: str, law: str) -> str:
    text = re.sub(r"\s+", "", text)
    best = ""
    for i in range(len(text)):
        j = i + len(best) + 1
        while j <= len(text) and text[i:j] in law:
            best = text[i:j]
            j += 1
    return best


def test_messages_do_not_paste_article_text() -> None:
    law = _law_text()
    pasted = []
    for name in ("national", "shanxi"):
        for rule in load_pack(name).rules:
            texts = [rule.message.zh, *(n.message.zh for n in rule.narrowings)]
            texts += [o.action.zh for o in rule.obligations]
            for text in texts:
                run = _longest_copied_run(text, law)
                if len(run) >= LIMIT:
                    pasted.append(f"{rule.id}: {run}")
    assert pasted == []
