"""Shared fixtures: a policy author's draft of Shanxi with the transfer window at 20 days."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from xueji_rules._resources import packs_root
from xueji_rules.cli import main


def run(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI with swapped streams: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


def copy_pack(name: str, into: Path) -> Path:
    """A copy of a bundled pack, as a policy author starts a draft."""
    target = into / name
    shutil.copytree(packs_root() / name, target)
    return target


def set_window(pack_dir: Path, days: int) -> None:
    """Change the value of ``transfer_window_days`` in a copy of Shanxi's parameters.yaml."""
    path = pack_dir / "parameters.yaml"
    text = path.read_text(encoding="utf-8")
    block = re.search(r"  transfer_window_days:\n(?:    .*\n)+", text)
    assert block is not None
    new_block = re.sub(r"value: \d+", f"value: {days}", block.group(0), count=1)
    assert new_block != block.group(0) or f"value: {days}" in block.group(0)
    path.write_text(text.replace(block.group(0), new_block), encoding="utf-8")


@pytest.fixture
def draft_window(tmp_path: Path) -> Path:
    """A copy of the bundled Shanxi pack whose transfer window is 20 days instead of 15."""
    draft = copy_pack("shanxi", tmp_path / "drafts")
    set_window(draft, 20)
    return draft
