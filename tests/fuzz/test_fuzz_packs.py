"""Mutated packs through the loader and the compiler.

A small valid base pack and a layer over it are written to a fresh folder per case; then one
of their files is mutated (bytes, structure) or replaced by something hostile (a link out of
the pack, a dangling link, a link loop, a FIFO, a folder, an oversized or non-UTF-8 file, a
strange ``extends``). ``Engine(folder)`` must give an engine or a
:class:`~xueji_rules.errors.XuejiRulesError`, within the per-case bound.
"""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import case_deadline, fuzz_settings
from tests.packs.conftest import BASE_LIFECYCLE, BASE_PACK, BASE_PARAMS, BASE_RULES, LAYER_PACK
from xueji_rules.errors import XuejiRulesError

FILES = {
    "base/pack.yaml": BASE_PACK,
    "base/lifecycle.yaml": BASE_LIFECYCLE,
    "base/rules/suspend.yaml": BASE_RULES,
    "base/parameters.yaml": BASE_PARAMS,
    "layer/pack.yaml": LAYER_PACK,
    "layer/rules/extra.yaml": """
        rules:
          - id: layer.suspend.extra
            transitions: [suspend]
            modality: obligation
            message: {zh: 新增义务}
            citation: {document: doc_b, article: 7}
            obligations:
              - id: keep
                party: school
                action: {zh: 保留学籍}
                clock: {trigger: "request.date", amount: "params.cap", unit: workdays}
        overrides:
          - target: base.suspend.school
            action: disable
            citation: {document: doc_b, article: 6}
    """,
}
_NAMES = sorted(FILES)
Draw = Callable[[st.SearchStrategy[Any]], Any]

_BYTES = st.one_of(
    st.sampled_from(
        [
            b"\0",
            b"\xff",
            b"\xc3",
            b"\x1b[31m",
            b"\x85",
            b":",
            b"{",
            b"[",
            b"&a ",
            b"*a",
            b"\n",
            b"  ",
            b"- ",
            b"!!python/object:os.system ",
            b"<<: ",
            b"'",
            b'"',
            b"#",
            b"%YAML 1.1\n",
            b"1e999",
            b"99999999999999999999999",
            b"extends: ../base\n",
            b"---\n",
        ]
    ),
    st.binary(max_size=6),
)
_JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(
            [
                "record.grade > 1",
                "request.date",
                "params.cap",
                "true",
                "1 +",
                "doc_a",
                "2026-01-01",
                "9999-12-31",
                "../base",
                "national",
                "shanxi.x",
                "x" * 300,
            ]
        ),
        st.text(max_size=10),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _write(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root / "layer"


def _mutate_bytes(path: Path, draw: Draw) -> None:
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(_BYTES)
        if action == "insert":
            data[at:at] = chunk
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at : at + len(chunk)] = chunk
    path.write_bytes(bytes(data))


def _mutate_structure(path: Path, draw: Draw) -> None:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    holder: Any = data
    while isinstance(holder, (dict, list)) and holder and draw(st.booleans()):
        keys = sorted(holder) if isinstance(holder, dict) else list(range(len(holder)))
        child = holder[draw(st.sampled_from(keys))]
        if not isinstance(child, (dict, list)) or not child:
            break
        holder = child
    if isinstance(holder, dict) and holder:
        holder[draw(st.sampled_from(sorted(holder)))] = draw(_JUNK)
    elif isinstance(holder, list) and holder:
        holder[draw(st.integers(0, len(holder) - 1))] = draw(_JUNK)
    else:
        data = draw(_JUNK)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _replace(path: Path, root: Path, draw: Draw) -> None:
    kind = draw(
        st.sampled_from(
            [
                "link_out",
                "dangling",
                "loop",
                "fifo",
                "folder",
                "huge",
                "latin1",
                "empty",
                "link_in",
                "extends",
            ]
        )
    )
    outside = root / "outside.yaml"
    outside.write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    if kind == "extends":
        layer = root / "layer" / "pack.yaml"
        value = draw(
            st.sampled_from(
                [
                    '"nat\\0ional"',
                    "national",
                    "shanxi",
                    "bundled:nope",
                    "../nope",
                    "./",
                    "..",
                    "../layer",
                    "'" + "a" * 300 + "'",
                    "'./" + "a" * 300 + "'",
                    "~",
                    "/",
                    "'Base'",
                    "'base'",
                ]
            )
        )
        text = layer.read_text(encoding="utf-8").replace("extends: ../base", f"extends: {value}")
        layer.write_text(text, encoding="utf-8")
        return
    path.unlink()
    if kind == "link_out":
        path.symlink_to(outside)
    elif kind == "dangling":
        path.symlink_to(root / "missing.yaml")
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with path.open("wb") as f:
            f.truncate(64 << 20)  # sparse: the size is refused before anything is read
    elif kind == "latin1":
        path.write_bytes("a: \xe9\n".encode("latin-1"))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "link_in":
        path.symlink_to(root / "base" / "pack.yaml")


def _load(layer: Path) -> None:
    from xueji_rules.engine import Engine

    with case_deadline():
        try:
            engine = Engine(layer)
        except XuejiRulesError:
            return
    assert engine.pack.digest.startswith("sha256:")


@fuzz_settings(120)
@given(
    data=st.data(),
    name=st.sampled_from(_NAMES),
    how=st.sampled_from(["bytes", "structure", "replace"]),
)
def test_mutated_packs_load_or_raise_our_error(data: st.DataObject, name: str, how: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        layer = _write(root)
        path = root / name
        if how == "bytes":
            _mutate_bytes(path, data.draw)
        elif how == "structure":
            _mutate_structure(path, data.draw)
        else:
            _replace(path, root, data.draw)
        _load(layer)


def test_the_unmutated_packs_load() -> None:
    from xueji_rules.engine import Engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(_write(Path(tmp)))
    assert engine.pack.chain == ("layer", "base")
