"""The hardened YAML reader: positions, strict scalars, refusals with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from xueji_rules._yaml import MAX_NODES, load_yaml_file, load_yaml_text
from xueji_rules.errors import PackError


def test_values_keep_their_line_and_column() -> None:
    doc = load_yaml_text("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert doc.locate(("a", "c", 1)).line == 5
    assert doc.locate(("a", "b")).line == 2
    loc = doc.locate(("a", "missing", 3))  # nearest enclosing value
    assert (loc.file, loc.line) == ("f.yaml", 1)


@pytest.mark.parametrize("text", ["yes", "no", "on", "off", "Yes", "TRUE", "y"])
def test_only_true_and_false_are_booleans(text: str) -> None:
    assert load_yaml_text(f"v: {text}").data == {"v": text}


def test_true_false_null_numbers() -> None:
    data = load_yaml_text("a: true\nb: false\nc: null\nd: ~\ne: 12\nf: -3\ng: 1.5\nh: 2e3\n").data
    assert data == {
        "a": True,
        "b": False,
        "c": None,
        "d": None,
        "e": 12,
        "f": -3,
        "g": 1.5,
        "h": 2000.0,
    }


@pytest.mark.parametrize("text", ["2026-03-02", "0o17", "0x1F", "1:30", "010"])
def test_dates_octal_hex_and_sexagesimal_stay_strings(text: str) -> None:
    assert load_yaml_text(f"v: {text}").data == {"v": text}


def test_duplicate_key_is_an_error_with_its_line() -> None:
    with pytest.raises(PackError) as info:
        load_yaml_text("a: 1\nb: 2\na: 3\n", "dup.yaml")
    assert "duplicate key 'a'" in str(info.value)
    assert info.value.problems[0].location.line == 3
    assert str(info.value).startswith("dup.yaml:3:1:")


@pytest.mark.parametrize(
    "text", ["!!python/object:os.system {}", "a: !!python/name:os.system", "a: !custom 1"]
)
def test_python_and_custom_tags_are_refused(text: str) -> None:
    with pytest.raises(PackError) as info:
        load_yaml_text(text, "t.yaml")
    assert "tag" in str(info.value)


def test_alias_bomb_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(PackError) as info:
        load_yaml_text("\n".join(lines), "bomb.yaml")
    assert str(MAX_NODES) in str(info.value)


def test_syntax_error_names_line() -> None:
    with pytest.raises(PackError) as info:
        load_yaml_text("a: [1, 2\nb: 3\n", "bad.yaml")
    assert info.value.problems[0].location.file == "bad.yaml"
    assert info.value.problems[0].location.line is not None


def test_merge_keys_do_not_override_explicit_keys() -> None:
    data = load_yaml_text("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n").data
    assert data["derived"] == {"x": 1, "y": 3}


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: \xe9".encode("latin-1"))
    with pytest.raises(PackError) as info:
        load_yaml_file(path)
    assert "UTF-8" in str(info.value)


def test_empty_document_is_none() -> None:
    assert load_yaml_text("").data is None


def test_numbers_must_be_finite() -> None:
    with pytest.raises(PackError, match="number out of range"):
        load_yaml_text("a: 1e999\n", "inf.yaml")


def test_control_characters_are_located() -> None:
    with pytest.raises(PackError) as info:
        load_yaml_text("a: 1\nb: x\x1b[31m\n", "ctl.yaml")
    assert str(info.value).startswith("ctl.yaml:2:5: invalid YAML: the character U+001B")


def test_json_is_read_as_json_and_a_flow_mapping_as_yaml() -> None:
    from xueji_rules._yaml import load_data_text

    # YAML refuses U+0090 and folds U+0085 (a YAML line break); JSON keeps both as they are
    assert load_data_text('{"a": "\u0085\u0090"}') == {"a": "\u0085\u0090"}
    assert load_data_text("{a: 1, b: [x]}") == {"a": 1, "b": ["x"]}  # not JSON, valid YAML
    assert load_data_text("a: 1\n") == {"a": 1}
    with pytest.raises(PackError, match="invalid JSON: Expecting"):
        load_data_text('{"a": 1,, }', "in.json")
