"""SD1 / issue 10.2: a bundled name always means the bundled pack; a folder is written as a path.

Reproduces the newcomer's case: a folder holding edited copies of both packs must not change
what ``shanxi``, ``Engine("shanxi")`` or ``extends: national`` mean.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.packs.conftest import LAYER_PACK, Writer
from xueji_rules import Engine
from xueji_rules._resources import packs_root
from xueji_rules.errors import PackError
from xueji_rules.packs import load_pack
from xueji_rules.packs.loader import parse_pack_ref, resolve_pack_dir


@pytest.fixture
def drafts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder (the current directory) with edited copies of both bundled packs."""
    for name in ("national", "shanxi"):
        shutil.copytree(packs_root() / name, tmp_path / name)
    params = tmp_path / "shanxi" / "parameters.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("value: 15\n", "value: 20\n"), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _window(pack: object) -> int:
    value = pack.parameters["transfer_window_days"].values[-1].value  # type: ignore[attr-defined]
    return int(value)


def test_a_bundled_name_ignores_a_folder_of_that_name_in_the_current_directory(
    drafts: Path,
) -> None:
    bundled = load_pack("shanxi")
    assert Path(bundled.root) == (packs_root() / "shanxi").resolve()
    assert _window(bundled) == 15
    assert Path(Engine("shanxi").pack.root) == Path(bundled.root)
    assert load_pack("bundled:shanxi").digest == bundled.digest


def test_a_path_names_the_folder(drafts: Path) -> None:
    draft = load_pack("./shanxi")
    assert Path(draft.root) == drafts / "shanxi"
    assert _window(draft) == 20
    assert load_pack(drafts / "shanxi").digest == draft.digest


def test_extends_with_a_bundled_name_means_the_bundled_base(drafts: Path) -> None:
    # the draft says `extends: national`, and a folder `national` sits right beside it
    draft = load_pack("./shanxi")
    assert draft.base_roots == (str((packs_root() / "national").resolve()),)


def test_extends_with_a_path_is_taken_from_the_pack_folder(
    drafts: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pack_file = drafts / "shanxi" / "pack.yaml"
    pack_file.write_text(
        pack_file.read_text(encoding="utf-8").replace("extends: national", "extends: ../national"),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))  # not the folder holding the packs
    draft = load_pack(drafts / "shanxi")
    assert draft.base_roots == (str(drafts / "national"),)


def test_an_os_pathlike_is_always_a_path(drafts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(drafts.parent)
    with pytest.raises(PackError, match="no pack at 'shanxi'"):
        load_pack(Path("shanxi"))


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("shanxii", "no pack named 'shanxii' (did you mean 'shanxi'?) (bundled packs: national"),
        ("shanxii", "written as a path, e.g. './shanxii'"),
        ("Shanxi", "neither a bundled pack name"),
        ("my-pack", "e.g. './my-pack'"),
        ("bundled:My", "a bundled pack name is lower-case"),
        ("", "an empty pack reference"),
        ("nat\0ional", "contains a NUL character"),
        ("a" * 300, "(300 characters)"),
        ("./" + "a" * 300, "the file name is too long"),
        ("x" * 2000, "longer than 1024 characters"),
        ("./no/such/pack", "no pack at './no/such/pack'"),
        ("/", "the directory has no pack.yaml"),
    ],
)
def test_bad_references_are_clean_errors(ref: str, expected: str) -> None:
    with pytest.raises(PackError) as info:
        load_pack(ref)
    text = str(info.value)
    assert expected in text
    assert len(text) < 400  # a long reference is cut, not echoed whole


def test_the_kinds_of_reference() -> None:
    assert parse_pack_ref("shanxi").bundled == "shanxi"
    assert parse_pack_ref("bundled:shanxi").bundled == "shanxi"
    for path in ("./shanxi", "../x", "a/b", "/abs", "~/x", ".", ".hidden"):
        assert parse_pack_ref(path).path is not None, path
    assert parse_pack_ref(Path("shanxi")).path == Path("shanxi")


def test_extends_nul_is_a_pack_error(base_pack: Path, write_pack: Writer) -> None:
    layer = write_pack("layer", {"pack.yaml": LAYER_PACK.replace("../base", '"../ba\\0se"')})
    with pytest.raises(PackError) as info:
        load_pack(layer)
    assert "layer/pack.yaml:" in str(info.value) and "NUL" in str(info.value)


def test_a_layer_may_not_take_the_id_of_its_base(base_pack: Path, write_pack: Writer) -> None:
    layer = write_pack("layer", {"pack.yaml": LAYER_PACK.replace("id: layer", "id: base")})
    with pytest.raises(PackError) as info:
        load_pack(layer)
    assert "pack id 'base' is also the id of the pack it extends" in str(info.value)


def test_a_layer_may_not_take_the_id_of_a_pack_further_down(
    base_pack: Path, write_pack: Writer
) -> None:
    write_pack("layer", {"pack.yaml": LAYER_PACK})
    city = write_pack(
        "city",
        {"pack.yaml": LAYER_PACK.replace("id: layer", "id: base").replace("../base", "../layer")},
    )
    with pytest.raises(PackError, match="pack id 'base' is also the id"):
        load_pack(city)


def test_resolve_pack_dir_relative_to_a_folder(base_pack: Path) -> None:
    assert resolve_pack_dir("./base", relative_to=base_pack.parent) == base_pack.resolve()
    assert resolve_pack_dir("national", relative_to=base_pack.parent) == (packs_root() / "national")
