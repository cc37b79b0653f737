"""Pack.digest (SD1, issue 11.6): the content that can change a decision, in every layer.

The test recomputes the digest from the files with the algorithm documented in
``docs/pack-format.md``, so the documentation and the code cannot drift apart.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from tests.packs.conftest import LAYER_PACK, Writer
from xueji_rules._resources import packs_root
from xueji_rules.packs import load_pack

_HASHED = re.compile(
    r"^(pack|parameters|vocabularies|inputs|lifecycle)\.yaml$"
    r"|^(lifecycle|articles|rules|records|calendars)/[^./][^/]*\.yaml$"
)


def documented_digest(*layers: Path) -> str:
    """The digest as docs/pack-format.md describes it, for layers given pack first."""
    text = "xueji-rules-pack-digest/1\n"
    for position, layer in enumerate(layers):
        text += f"layer {position}\n"
        for rel in sorted(
            p.relative_to(layer).as_posix() for p in layer.rglob("*.yaml") if p.is_file()
        ):
            if _HASHED.match(rel):
                text += f"{rel} {hashlib.sha256((layer / rel).read_bytes()).hexdigest()}\n"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_the_bundled_digest_follows_the_documented_algorithm() -> None:
    pack = load_pack("shanxi")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", pack.digest)
    assert pack.digest == documented_digest(packs_root() / "shanxi", packs_root() / "national")
    assert load_pack("national").digest == documented_digest(packs_root() / "national")


def test_the_same_files_elsewhere_have_the_same_digest(tmp_path: Path) -> None:
    copy = tmp_path / "somewhere" / "national"
    shutil.copytree(packs_root() / "national", copy)
    assert load_pack(copy).digest == load_pack("national").digest


def test_a_changed_rule_changes_the_digest_and_a_changed_test_does_not(tmp_path: Path) -> None:
    copy = tmp_path / "national"
    shutil.copytree(packs_root() / "national", copy)
    before = load_pack(copy).digest
    scenario = next((copy / "tests").glob("*.yaml"))
    scenario.write_text(scenario.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert load_pack(copy).digest == before
    params = copy / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert load_pack(copy).digest != before


def test_a_change_in_the_base_changes_the_layer_digest(base_pack: Path, write_pack: Writer) -> None:
    layer = write_pack("layer", {"pack.yaml": LAYER_PACK})
    before = load_pack(layer).digest
    assert before == documented_digest(layer, base_pack)
    rules = base_pack / "rules" / "suspend.yaml"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("学校确认", "学校批准"), encoding="utf-8"
    )
    assert load_pack(layer).digest != before


def test_a_calendar_file_is_part_of_the_digest(base_pack: Path) -> None:
    before = load_pack(base_pack).digest
    (base_pack / "calendars").mkdir()
    (base_pack / "calendars" / "school.yaml").write_text(
        "kind: school_calendar\nsource: test\nschool_years: []\n", encoding="utf-8"
    )
    assert load_pack(base_pack).digest != before
